"""Price pages: overview, one commodity with chart and forecast, and the officers' import page."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from market import confirm
from market.errors import DomainError, ValidationError
from market.extensions import db
from market.i18n import current_lang
from market.prices import chart, services
from market.urls import with_query

bp = Blueprint("prices", __name__, url_prefix="/<lang:lang>/prices", template_folder="templates")

MODEL_LABELS = {
    "naive": _l("carrying the last price forward (naive)"),
    "seasonal_naive": _l("the price of the same period a year earlier (seasonal naive)"),
    "ets_ann": _l("exponential smoothing, ETS(A,N,N), on log prices"),
    "arima_110": _l("ARIMA(1,1,0) on log prices"),
    "arima_011": _l("ARIMA(0,1,1) on log prices"),
    "ets_ana": _l("exponential smoothing with a 12-month season, ETS(A,N,A), on log prices"),
    "arimax_futures": _l("a regression on the latest London robusta futures close, with "
                         "ARIMA(1,1,0) errors, on log prices"),
    "arimax": _l("a regression on other series the department supplies (listed below), with "
                 "ARIMA(1,1,0) errors, on log prices"),
}
HISTORY_SPAN = {"D": timedelta(days=120), "W": timedelta(days=730), "M": timedelta(days=365 * 8)}


@bp.get("/")
def overview():
    return render_template("prices/overview.html", items=services.overview(),
                           can_manage=services.can_manage(current_user))


@bp.get("/<commodity>")
def commodity(commodity):
    item = services.get_commodity(commodity)
    all_series = services.series_of(item)
    if not all_series:
        abort(404)
    wanted = request.args.get("market")
    series = next((s for s in all_series if s.market.slug == wanted), all_series[0])
    manager = services.can_manage(current_user, series.market)
    forecasts = services.current_forecasts(series, published_only=not manager)
    freq = request.args.get("freq")
    shown = next((f for f in forecasts if f.frequency == freq), forecasts[0] if forecasts else None)
    observations = services.history(series)
    history = [(o.observed_on, float(o.price)) for o in observations]
    if shown and not shown.native:
        history = _aggregate(history, shown.frequency)
    if history:
        start = history[-1][0] - HISTORY_SPAN[shown.frequency if shown else "M"]
        history = [h for h in history if h[0] >= start]
    lang = current_lang()
    svg = chart.render(history, shown.points if shown else [], title=_(
        "%(commodity)s, %(market)s, %(unit)s", commodity=item.name(lang),
        market=series.market.name(lang), unit=series.unit_label), labels={
        "history": _("Observed price"), "forecast": _("Forecast with %(a)d%% and %(b)d%% intervals", a=80, b=95),
        "band80": _("%(n)d%% prediction interval", n=80),
        "band95": _("%(n)d%% prediction interval", n=95)})
    latest = services.latest(series)
    fresh = services.freshness(series)
    past, ahead = services.split_points(shown.points, fresh.today) if shown and fresh else ([], [])
    return render_template(
        "prices/commodity.html", commodity=item, series=series, all_series=all_series,
        forecasts=forecasts, shown=shown, chart=Markup(svg),
        recent=list(reversed(observations[-20:])), manager=manager,
        latest=latest, model_labels=MODEL_LABELS, fresh=fresh,
        margin=services.margin_for(series, latest), province_name=services.province_name,
        can_publish_costs=services.can_publish_costs(current_user),
        alerts=services.alerts_of(current_user, series), alert_values={k: request.args.get(k, "") for k in ("kind", "value")},
        past_points=past, ahead_points=ahead,
        harvests=services.harvest_calendar(item.slug),
        exogenous=services.exogenous_labels(shown, lang) if shown else [],
    )


def _aggregate(history, freq):
    """Period means for the chart when a weekly or monthly forecast of a daily series is shown."""
    from market.prices.forecasting import regularise

    if not history:
        return []
    s = regularise([d for d, _ in history], [v for _, v in history], freq).dropna()
    return [(ts.date(), float(v)) for ts, v in s.items()]


@bp.post("/<commodity>/<market>/publication")
@login_required
def publication(commodity, market):
    series = services.get_series(commodity, market)
    action = request.form.get("action")
    try:
        services.set_publication(
            current_user, series, publish=action == "publish" or (
                action == "save" and series.published),
            commentary_vi=request.form.get("commentary_vi", ""),
            commentary_en=request.form.get("commentary_en", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Published.") if series.published else _("Saved; the forecast is not published."),
              "success")
    return redirect(url_for("prices.commodity", commodity=commodity, market=market))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_page():
    services.require_manager(current_user)
    problems, result = [], None
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problems = [(0, _("Choose a CSV or XLSX file."))]
            status = 422
        else:
            try:
                result = services.import_prices(current_user, upload.filename, upload.read(),
                                                source=request.form.get("source", ""))
            except services.ImportRejected as exc:
                db.session.rollback()
                problems, status = exc.rows, exc.status
            else:
                db.session.commit()
                flash(_("%(added)d new prices imported, %(same)d already recorded.",
                        added=result.added, same=result.unchanged), "success")
                return redirect(url_for("prices.import_page"))
    return render_template("prices/import.html", problems=problems,
                           batches=services.list_batches(),
                           stale=services.stale_series(actor=current_user)), status


@bp.post("/import/<public_id>/rollback")
@login_required
def rollback(public_id):
    services.require_manager(current_user)
    if confirm.needed():
        return confirm.page(_("Roll back this import?"),
                            _("Every price this import added is removed; forecasts are "
                              "refreshed."), _("Roll back"), url_for("prices.import_page"))
    try:
        services.rollback_batch(current_user, public_id)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            raise
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("The import was rolled back; forecasts will be refreshed."), "success")
    return redirect(url_for("prices.import_page"))


@bp.post("/<commodity>/<market>/alerts")
@login_required
def alert_subscribe(commodity, market):
    series = services.get_series(commodity, market)
    values = {"kind": request.form.get("kind", ""), "value": request.form.get("value", "")}
    try:
        services.subscribe_alert(current_user, series, kind=values["kind"],
                                 value=values["value"], locale=current_lang())
    except ValidationError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(str(message), "error")
        return redirect(with_query(url_for("prices.commodity", commodity=commodity),
                                   {"market": market, **values}) + "#alerts")
    db.session.commit()
    flash(_("Alert saved: we will email you when it triggers, at most once a day."), "success")
    return redirect(url_for("prices.commodity", commodity=commodity, market=market) + "#alerts")


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
def alert_unsubscribe(token):
    alert = services.alert_for_token(token)
    if request.method == "POST":
        services.unsubscribe(token)
        db.session.commit()
    return render_template("prices/unsubscribe.html", alert=alert, token=token)


COST_FIELDS = ("commodity", "province_code", "season", "cost", "source", "method")


@bp.route("/costs", methods=["GET", "POST"])
@login_required
def costs():
    """Officers publish production costs (giá thành) for their province."""
    if not services.can_publish_costs(current_user):
        abort(403)
    from market.geo import services as geo

    values = {k: request.form.get(k, "") for k in COST_FIELDS} if request.method == "POST" \
        else {"commodity": request.args.get("commodity", ""),
              "province_code": str(current_user.province_code or "")}
    errors, status = {}, 200
    if request.method == "POST":
        try:
            services.publish_cost(current_user, commodity_slug=values["commodity"],
                                  province_code=values["province_code"], season=values["season"],
                                  cost=values["cost"], source=values["source"],
                                  method=values["method"])
        except ValidationError as exc:
            db.session.rollback()
            errors, status = exc.errors, 422
        else:
            db.session.commit()
            flash(_("Production cost published."), "success")
            return redirect(url_for("prices.costs", commodity=values["commodity"]))
    from market.accounts.models import Role

    admin = current_user.has_role(Role.ADMIN)
    provinces = geo.provinces() if admin else [p for p in [geo.province(
        current_user.province_code)] if p]
    return render_template(
        "prices/costs.html", values=values, errors=errors, provinces=provinces,
        commodities=services.all_commodities(), province_name=services.province_name,
        costs=services.list_costs(province_code=None if admin else current_user.province_code),
    ), status


@bp.app_template_filter("commodity_price")
def commodity_price(value, currency: str) -> str:
    """Whole dong for VND; two decimals for other currencies, in the page's locale."""
    from babel.numbers import format_currency, format_decimal

    if value is None:
        return "–"
    if currency == "VND":
        return format_decimal(round(float(value)), locale=current_lang())
    return format_currency(float(value), currency, locale=current_lang(),
                           format_type="standard").replace("US$", "$")
