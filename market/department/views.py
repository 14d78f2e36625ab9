"""The department's desk: parse the query, call department services, render or export."""
from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from market import charts, confirm
from market.catalog.transfer import ImportFailed
from market.department import formatting, registry, services, tables
from market.errors import DomainError, ValidationError
from market.extensions import db
from market.geo import services as geo
from market.i18n import current_lang
from market.prices import services as price_services

bp = Blueprint("department", __name__, url_prefix="/<lang:lang>/department",
               template_folder="templates")
formatting.install(bp)
FILTER_ARGS = ("period", "at", "start", "end", "commodity", "cooperative", "province")


def _context():
    """Scope, period and filters from the query string (all checked by the services)."""
    args = request.args
    scope = services.scope_for(current_user, args.get("province"))
    period = services.parse_period(args.get("period"), args.get("at"), args.get("start"),
                                   args.get("end"))
    filters = services.parse_filters(scope, args.get("commodity"), args.get("cooperative"))
    return scope, period, filters


def _page_args() -> dict:
    return {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}


def _common(scope, period, filters) -> dict:
    return {"scope": scope, "period": period, "filters": filters, "args": _page_args(),
            "commodities": services.commodities(), "kinds": services.PERIOD_KINDS,
            "provinces": geo.provinces() if scope.is_admin else [],
            "scope_names": [p.name(current_lang()) for p in services.provinces_in_scope(scope)],
            "titles": tables.TITLES}


def _series_chart(series: dict) -> Markup:
    points = series["points"]
    labels = [p["at"].strftime("%Y-%m" if series["monthly"] else "%d/%m") for p in points]
    return Markup(charts.lines(labels, [
        (_("GMV, this period"), [p["gmv"] for p in points], "#2f6b3b"),
        (_("GMV, a year before"), [p["year_before"] for p in points], "#b07d4f")],
        title=_("Gross merchandise value over time, with the same period a year before")))


@bp.get("/")
@login_required
def overview():
    scope, period, filters = _context()
    lang = current_lang()
    cols, rows = tables.sales_table(scope, period, filters, "overview", lang)
    series = services.series(scope, period, filters)
    top = services.breakdown(scope, period, filters, "cooperatives", lang, 10)
    return render_template(
        "department/overview.html", cols=cols, rows=rows, series=series,
        chart=_series_chart(series), top=top,
        report_month=min(period.end, services.today_vn()).strftime("%Y-%m"),
        top_chart=Markup(charts.bars([(r["label"], r["gmv"]) for r in top],
                                     title=_("GMV of the ten largest cooperatives"))),
        stale=price_services.stale_series(actor=current_user),
        **_common(scope, period, filters))


@bp.get("/tables/<name>")
@login_required
def table(name):
    if name not in tables.SALES_TABLES or name == "overview":
        abort(404)
    scope, period, filters = _context()
    sort, descending = request.args.get("sort"), request.args.get("dir") != "asc"
    extra = None
    if name == "fulfilment":  # the table is the summary's bins: one computation for both
        extra = services.fulfilment(scope, period, filters)
        cols, rows = tables.FULFILMENT_COLUMNS, extra["rows"]
    else:
        cols, rows = tables.sales_table(scope, period, filters, name, current_lang(), sort,
                                        descending)
    rows = services.filter_rows(rows, request.args.get("q"))
    value = "gmv" if rows and "gmv" in rows[0] else "parts"
    chart = charts.bars([(r["label"], r.get(value) or 0) for r in rows[:15]],
                        title=str(tables.TITLES[name]))
    return render_template("department/table.html", name=name, cols=cols, rows=rows,
                           chart=Markup(chart), sort=sort, descending=descending,
                           value=value, fulfilment=extra, q=request.args.get("q", ""),
                           **_common(scope, period, filters))


@bp.get("/cooperatives/<slug>")
@login_required
def cooperative(slug):
    scope, period, filters = _context()
    lang = current_lang()
    detail = services.cooperative_detail(scope, slug, period, lang)
    cols, rows = tables.sales_table(scope, period, services.Filters(
        cooperative_id=detail["cooperative"].id), "overview", lang)
    product_cols = [tables.Column("label", tables.LABEL_HEADERS["products"], "text"),
                    *tables.FIGURES[:3], tables.SHARE]
    return render_template("department/cooperative.html", detail=detail, cols=cols, rows=rows,
                           product_cols=product_cols, chart=_series_chart(detail["series"]),
                           registry_note=registry.applicant_note(detail["cooperative"]),
                           **_common(scope, period, filters))


@bp.get("/compare")
@login_required
def compare():
    scope, period, filters = _context()
    cols, rows = tables.sales_table(scope, period, filters, "compare", current_lang(),
                                    request.args.get("sort"), request.args.get("dir") != "asc")
    chart = charts.bars([(r["label"], r["gmv"]) for r in rows], title=_("GMV by province"))
    return render_template("department/table.html", name="compare", cols=cols, rows=rows,
                           chart=Markup(chart), sort=request.args.get("sort"),
                           descending=request.args.get("dir") != "asc", value="gmv",
                           fulfilment=None, q="", **_common(scope, period, filters))


@bp.get("/export/<name>/<fmt>")
@login_required
def export(name, fmt):
    if name not in tables.ALL_TABLES or fmt not in ("csv", "xlsx"):
        abort(404)
    lang = current_lang()
    scope = services.scope_for(current_user, request.args.get("province"))
    names = ", ".join(p.name(lang) for p in services.provinces_in_scope(scope))
    title = str(tables.TITLES[name])
    if name in tables.REGISTRY_TABLES:
        cols, rows = tables.registry_table(scope, name, lang, **_registry_filters())
        caption = [f"{title} · {names}"]
    else:
        scope, period, filters = _context()
        cols, rows = tables.sales_table(scope, period, filters, name, lang,
                                        request.args.get("sort"),
                                        request.args.get("dir") != "asc")
        caption = [f"{title} · {names} · {period.label}"] + [
            f"{k}={v}" for k, v in _page_args().items() if k not in ("period", "at")]
    stem = f"{name}-{date.today().isoformat()}"
    if fmt == "csv":
        return Response(tables.to_csv(cols, rows, caption), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    return Response(
        tables.to_xlsx(cols, rows, caption, title),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})


@bp.get("/report.pdf")
@login_required
def report():
    scope = services.scope_for(current_user, request.args.get("province"))
    month = services.parse_period("month", (request.args.get("month") or "") + "-01"
                                  if request.args.get("month") else None)
    names = ", ".join(p.name(current_lang()) for p in services.provinces_in_scope(scope))
    pdf = tables.monthly_pdf(scope, month.start, current_lang(), names)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="report-{month.label}.pdf"'})


# --------------------------------------------------------------------------- registry

def _registry_filters() -> dict:
    from market.parsing import parse_int

    return {"status": request.args.get("status") or None,
            "commune": parse_int(request.args.get("commune")),
            "q": (request.args.get("q") or "")[:100] or None}


@bp.get("/registry")
@login_required
def registry_list():
    scope = services.scope_for(current_user, request.args.get("province"))
    lang = current_lang()
    cols, rows = tables.registry_table(scope, "registry", lang, **_registry_filters())
    communes = geo.communes(scope.single) if scope.single else []
    return render_template("department/registry.html", cols=cols, rows=rows, scope=scope,
                           communes=communes, statuses=registry.STATUS_LABELS,
                           args={k: v for k, v in request.args.items() if v},
                           provinces=geo.provinces() if scope.is_admin else [],
                           titles=tables.TITLES,
                           scope_names=[p.name(lang) for p in services.provinces_in_scope(scope)])


@bp.route("/registry/import", methods=["GET", "POST"])
@login_required
def registry_import():
    scope = services.scope_for(current_user, request.values.get("province"))
    errors, status = [], 200
    if request.method == "POST":
        registry.require_officer_province(scope)
        upload = request.files.get("file")
        data = upload.read(registry.BUDGET.max_bytes + 1) if upload else b""
        try:
            batch, _diff = registry.preview(scope, current_user, data,
                                            upload.filename if upload else "")
        except ImportFailed as exc:
            db.session.rollback()
            errors, status = exc.errors, exc.status
        else:
            db.session.commit()
            return redirect(url_for(".registry_confirm", public_id=batch.public_id))
    return render_template("department/registry_import.html", scope=scope, errors=errors,
                           columns=registry.COLUMNS, provinces=geo.provinces()
                           if scope.is_admin else []), status


@bp.route("/registry/import/<public_id>", methods=["GET", "POST"])
@login_required
def registry_confirm(public_id):
    scope = services.scope_for(current_user)
    batch, diff = registry.pending_import(scope, public_id)
    if request.method == "POST":
        registry.apply_import(scope, public_id)
        db.session.commit()
        flash(_("Registry updated: %(new)d new, %(changed)d changed, %(gone)d removed.",
                new=len(diff.new), changed=len(diff.changed), gone=len(diff.gone)), "success")
        return redirect(url_for(".registry_list"))
    return render_template("department/registry_confirm.html", batch=batch, diff=diff,
                           commune=geo.commune)


@bp.get("/registry/matches")
@login_required
def registry_matches():
    scope = services.scope_for(current_user, request.args.get("province"))
    return _matches_page(scope)


def _matches_page(scope, errors=None, failed=None, status=200):
    return render_template("department/matches.html", data=registry.matches(scope),
                           scope=scope, action_labels=registry.ACTION_LABELS,
                           conflict_labels=registry.CONFLICTS,
                           registry_status_labels=registry.STATUS_LABELS,
                           errors=errors or {}, failed=failed or {}), status


@bp.post("/registry/conflicts/<slug>/resolve")
@login_required
def registry_resolve(slug):
    scope = services.scope_for(current_user, request.form.get("province"))
    kind, action = request.form.get("kind", ""), request.form.get("action", "")
    conflict = registry.conflict_of(scope, slug, kind)  # 404 outside the scope, or resolved
    if action in registry.DESTRUCTIVE_ACTIONS and confirm.needed():
        name = conflict["cooperative"].name
        return confirm.page(
            _("Suspend %(name)s?", name=name) if action == "suspend"
            else _("Change the tax code of %(name)s?", name=name),
            _("The storefront closes until an officer or administrator approves it again; "
              "the cooperative sees your note as the reason.") if action == "suspend"
            else _("The cooperative's tax code becomes %(code)s, the register entry's.",
                   code=request.form.get("tax_code", "")),
            registry.ACTION_LABELS[action], url_for(".registry_matches"))
    try:
        registry.resolve_conflict(scope, current_user, slug, kind, action,
                                  request.form.get("note", ""), request.form.get("tax_code", ""))
    except ValidationError as exc:
        db.session.rollback()
        return _matches_page(scope, exc.errors, {"slug": slug, "kind": kind,
                                                 **request.form.to_dict()}, exc.status)
    db.session.commit()
    flash(_("Conflict resolved: %(action)s.", action=registry.ACTION_LABELS[action]), "success")
    return redirect(url_for(".registry_matches"))


@bp.get("/indicators")
@login_required
def indicators():
    scope = services.scope_for(current_user, request.args.get("province"))
    lang = current_lang()
    data = registry.indicators(scope, lang)
    history = data["history"]
    chart = charts.lines([h["at"].strftime("%m/%Y") for h in history], [
        (_("With an approved storefront"), [100 * (h["storefront_share"] or 0)
                                            for h in history], "#2f6b3b"),
        (_("With a sale in the last 90 days"), [100 * (h["sold_90_share"] or 0)
                                                for h in history], "#2b6cb0"),
        (_("With an OCOP-rated product"), [100 * (h["ocop_share"] or 0) for h in history],
         "#b07d4f")], title=_("Share of registered agricultural cooperatives (%%), month by "
                              "month"))
    out_cols, out_rows = tables.registry_table(scope, "outreach", lang)
    return render_template("department/indicators.html", data=data, chart=Markup(chart),
                           cols=tables.indicator_columns(_("Commune")),
                           province_cols=tables.indicator_columns(_("Province")),
                           out_cols=out_cols, out_rows=out_rows, scope=scope,
                           args={k: v for k, v in request.args.items() if v})


@bp.get("/inquiries")
@login_required
def inquiries():
    scope = services.scope_for(current_user, request.args.get("province"))
    summary = services.wholesale_inquiries(scope, request.args.get("days"), current_lang())
    return render_template("department/inquiries.html", summary=summary, scope=scope,
                           titles=tables.TITLES, args={},
                           scope_names=[p.name(current_lang())
                                        for p in services.provinces_in_scope(scope)])


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    db.session.rollback()
    return render_template("error.html", message=exc.message, status=exc.status), exc.status
