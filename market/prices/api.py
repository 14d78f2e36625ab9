"""The Atom feed of published forecasts, and the JSON shapes of prices and forecasts that the
partner API (`market/api/prices.py`: /api/v1/prices, /api/v1/forecasts) answers with."""
from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from market.errors import DomainError, ValidationError
from market.extensions import limiter
from market.prices import services
from market.problems import from_domain_error, problem
from market.urls import absolute_url_for

bp = Blueprint("prices_api", __name__, template_folder="templates")
limiter.limit("120 per minute")(bp)

CACHE = "public, max-age=300"


@bp.errorhandler(DomainError)
def _domain_problem(exc: DomainError):
    detail = str(exc.message)
    if isinstance(exc, ValidationError):
        detail = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
    return from_domain_error(exc, detail=detail)


@bp.errorhandler(HTTPException)
def _http_problem(exc: HTTPException):
    return problem(exc.code or 500, exc.name, exc.description or exc.name,
                   type_=f"urn:htx-market:problem:http-{exc.code}")


def _cached(body: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = CACHE
    response.add_etag()
    return response.make_conditional(request)


def _num(value):
    return int(value) if isinstance(value, int) else float(value)


def _freshness_json(s) -> dict:
    fresh = services.freshness(s)
    if fresh is None:
        return {"data_date": None, "stale": None}
    return {"data_date": fresh.data_date.isoformat(), "today": fresh.today.isoformat(),
            "age_days": fresh.age_days, "stale_after_days": fresh.stale_after_days,
            "stale": fresh.stale}


def _cost_json(c) -> dict:
    return {"province_code": c.province_code, "season": c.season,
            "cost_vnd_per_kg": c.cost_vnd_per_kg, "source": c.source, "method": c.method,
            "published_at": c.published_at.isoformat()}


def _margin_json(s) -> dict | None:
    m = services.margin_for(s)
    if m is None:
        return None
    return dict(_cost_json(m.cost), price_vnd_per_kg=m.price, price_date=m.price_on.isoformat(),
                margin_vnd_per_kg=m.margin_vnd_per_kg, margin_pct=round(m.margin_pct, 2))


def _forecast_json(s, f) -> dict:
    today = services.local_today()
    past, _ = services.split_points(f.points, today)
    return {
        "as_of": f.last_observation_on.isoformat(),
        "freshness": _freshness_json(s),
        "periods_in_past": len(past),
        "calibrated_coverage": {"80": f.coverage80, "95": f.coverage95},
        "market": s.market.slug, "currency": s.currency, "unit": s.unit,
        "frequency": {"D": "daily", "W": "weekly", "M": "monthly"}[f.frequency],
        "aggregate_of_daily": not f.native, "model": f.model,
        "fitted_through": f.last_observation_on.isoformat(), "observations": f.observations,
        "made_at": f.made_at.isoformat(), "published_at": f.published_at.isoformat(),
        "backtest": {"mase": f.backtest_mase, "smape": f.backtest_smape,
                     "naive_mase": f.naive_mase},
        "newer_data_pending": s.forecast_stale,
        "commentary": {"vi": s.commentary_vi, "en": s.commentary_en},
        "points": [dict(p, in_past=p in past) for p in f.points],
    }


@bp.get("/prices/feed.atom")
def feed():
    from xml.sax.saxutils import escape

    items = services.published_feed()
    updated = items[0].published_at.isoformat() if items else "1970-01-01T00:00:00+00:00"
    entries = []
    for f in items:
        s = f.series
        link = absolute_url_for("prices.commodity", lang="vi", commodity=s.commodity.slug,
                                market=s.market.slug)
        fresh = services.freshness(s)
        past, ahead = services.split_points(f.points, services.local_today())
        if ahead:
            first = ahead[0]
            what = "next period" if not past else f"first period still ahead ({first['date']})"
            outlook = (f"{what} {first['mean']:.2f} "
                       f"(80%: {first['lo80']:.2f}-{first['hi80']:.2f})")
        else:
            outlook = "every forecast period already lies in the past"
        warning = ""
        if fresh and fresh.stale:
            # The feed is read in both languages: the warning is given in both.
            message = _l("Out of date: the latest price (%(date)s) is %(days)d days old; this "
                         "series is usually updated at least every %(limit)d days.",
                         date=fresh.data_date.isoformat(), days=fresh.age_days,
                         limit=fresh.stale_after_days)
            parts = []
            for locale in ("en", "vi"):
                with force_locale(locale):
                    parts.append(str(message))
            warning = " / ".join(parts) + " "
        margin = services.margin_for(s)
        cost = (f" Cost of production {margin.cost.cost_vnd_per_kg} VND/kg (season "
                f"{margin.cost.season}, {margin.cost.source}): margin {margin.margin_vnd_per_kg:+d}"
                f" VND/kg ({margin.margin_pct:+.1f}%) at the latest price." if margin else "")
        summary = (f"{warning}{s.commodity.name_en} ({s.market.name_en}), {s.unit_label}: "
                   f"{outlook}; model {f.model}, data to {f.last_observation_on.isoformat()}.{cost} "
                   f"{s.commentary_en or s.commentary_vi}")
        entries.append(
            f"<entry><id>urn:htx-market:forecast:{f.public_id}</id>"
            f"<title>{escape(s.commodity.name_vi)} – {escape(s.market.name_vi)}: "
            f"{escape(f.last_observation_on.isoformat())}</title>"
            f'<link href="{escape(link)}"/>'
            f"<updated>{f.published_at.isoformat()}</updated>"
            f"<summary>{escape(summary)}</summary></entry>")
    body = ('<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>HTX Market – price forecasts</title>"
            f"<id>urn:htx-market:price-forecasts</id><updated>{updated}</updated>"
            f'<link rel="self" href="{escape(absolute_url_for("prices_api.feed"))}"/>'
            "<author><name>HTX Market</name></author>" + "".join(entries) + "</feed>")
    return _cached(body, "application/atom+xml")
