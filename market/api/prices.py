"""Prices and forecasts of /api/v1 (JSON, or CSV with ?format=csv), moved here from
market/prices/api.py, which keeps the JSON shapes (`*_json`) and the Atom feed."""
from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Response
from flask_babel import lazy_gettext as _l

from market import csv_safe
from market.api import schemas
from market.api.auth import allow_anonymous
from market.api.blueprint import OPTIONAL_KEY, bp, conditional, json_response
from market.errors import ValidationError
from market.extensions import db
from market.prices import api as shapes
from market.prices import services
from market.prices.models import PriceObservation
from market.urls import absolute_url_for


def _json_or_csv(schema: str) -> dict:
    """Both bodies of a 200 (?format=json|csv): a manual `content` replaces the one
    flask-smorest derives from @bp.response, so the JSON schema is named here too."""
    return {"200": {"description": "JSON by default; CSV with ?format=csv.", "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}},
        "text/csv": {"schema": {"type": "string"}}}}}


def _csv(text: str, last_modified=None) -> Response:
    return conditional(Response(text, mimetype="text/csv"), last_modified=last_modified)


def _checked_range(start, end):
    if start and end and start > end:
        raise ValidationError({"from": _l("The start date lies after the end date.")},
                              code="bad_query")


def _latest_at(series):
    from datetime import UTC, datetime, time

    dates = [f.data_date for f in (services.freshness(s) for s in series) if f]
    return datetime.combine(max(dates), time(), UTC) if dates else None


@bp.route("/commodities")
@bp.response(200, schemas.CommodityList)
@bp.doc(security=OPTIONAL_KEY)
@allow_anonymous("prices:read")
def commodities():
    """Commodities with price series, and where to read their prices and forecasts."""
    items = []
    for c in services.all_commodities():
        items.append({"id": c.slug, "name": {"vi": c.name_vi, "en": c.name_en},
                      "markets": sorted({s.market.slug for s in services.series_of(c)}),
                      "prices_url": absolute_url_for("api.prices", commodity=c.slug),
                      "forecasts_url": absolute_url_for("api.forecasts", commodity=c.slug)})
    latest = db.session.scalar(sa.select(sa.func.max(PriceObservation.observed_on)))
    from datetime import UTC, datetime, time

    return json_response({"items": items}, last_modified=datetime.combine(latest, time(), UTC)
                         if latest else None)


@bp.route("/prices/<commodity>")
@bp.arguments(schemas.PriceQuery, location="query", as_kwargs=True)
@bp.response(200, schemas.Prices)
@bp.doc(security=OPTIONAL_KEY, responses=_json_or_csv("Prices"))
@allow_anonymous("prices:read")
def prices(commodity, market=None, from_=None, to=None, format="json"):
    """Observed prices of one commodity per market, with freshness and production costs."""
    _checked_range(from_, to)
    item = services.get_commodity(commodity)
    series = services.series_of(item, market or None)
    if format == "csv":
        out = io.StringIO()
        writer = csv_safe.writer(out, lineterminator="\n")
        writer.writerow(["date", "commodity", "market", "unit", "price", "source"])
        for s in series:
            for o in services.history(s, from_, to):
                writer.writerow([o.observed_on.isoformat(), item.slug, s.market.slug,
                                 s.unit_label, o.price, o.source])
        return _csv(out.getvalue(), _latest_at(series))
    body = {"commodity": {"slug": item.slug, "name_vi": item.name_vi, "name_en": item.name_en},
            "series": [{
                "market": s.market.slug, "market_name_vi": s.market.name_vi,
                "market_name_en": s.market.name_en, "currency": s.currency, "unit": s.unit,
                "freshness": shapes._freshness_json(s),
                "production_cost": shapes._margin_json(s),
                "observations": [{"date": o.observed_on.isoformat(), "price": shapes._num(o.price),
                                  "source": o.source} for o in services.history(s, from_, to)],
            } for s in series],
            "production_costs": [shapes._cost_json(c) for c in services.list_costs(item)]}
    return json_response(body, last_modified=_latest_at(series))


@bp.route("/forecasts/<commodity>")
@bp.arguments(schemas.ForecastQuery, location="query", as_kwargs=True)
@bp.response(200, schemas.Forecasts)
@bp.doc(security=OPTIONAL_KEY, responses=_json_or_csv("Forecasts"))
@allow_anonymous("prices:read")
def forecasts(commodity, market=None, format="json"):
    """Published forecasts: method (`model`), backtest error (MASE, sMAPE), data date
    (`as_of`), points with 80 % and 95 % intervals."""
    item = services.get_commodity(commodity)
    rows = [(s, f) for s in services.series_of(item, market or None)
            for f in services.current_forecasts(s, published_only=True)]
    made = max((f.made_at for _, f in rows), default=None)
    if format == "csv":
        out = io.StringIO()
        writer = csv_safe.writer(out, lineterminator="\n")
        writer.writerow(["market", "unit", "frequency", "date", "mean", "lo80", "hi80", "lo95",
                         "hi95", "model", "fitted_through", "made_at"])
        for s, f in rows:
            for p in f.points:
                writer.writerow([s.market.slug, s.unit_label, f.frequency, p["date"]]
                                + [f"{p[k]:.4f}" for k in ("mean", "lo80", "hi80", "lo95", "hi95")]
                                + [f.model, f.last_observation_on.isoformat(),
                                   f.made_at.isoformat()])
        return _csv(out.getvalue(), made)
    body = {"commodity": item.slug, "forecasts": [shapes._forecast_json(s, f) for s, f in rows],
            "harvest_calendar": [h.as_json() for h in services.harvest_calendar(item.slug)]}
    return json_response(body, last_modified=made)
