"""Commodity prices: the import rules, rollback, forecast refresh, publication and the read
side used by the pages, the JSON/CSV API and the Atom feed.

Services take the acting user explicitly (`actor`; None means a trusted shell command such as
`flask import-prices`) and raise DomainError subclasses; they flush but never commit.
"""
from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from market import csv_safe, spreadsheets
from market.accounts.models import Role
from market.dbtypes import utcnow
from market.errors import Collector, DomainError, NotFound, PermissionDenied
from market.extensions import db
from market.geo import services as geo
from market.i18n import LOCALES, localized
from market.parsing import parse_date, parse_int
from market.prices.models import (
    AlertKind,
    Commodity,
    Forecast,
    ImportBatch,
    Market,
    MarketKind,
    PriceAlert,
    PriceObservation,
    PriceSeries,
    ProductionCost,
)

if TYPE_CHECKING:
    from market.prices import forecasting

COLUMNS = ("date", "commodity", "market", "unit", "price")
# Years of daily prices for a few dozen markets fit; a file beyond this is refused (413).
BUDGET = spreadsheets.Budget(max_bytes=10 * 1024 * 1024, max_rows=50_001, max_cols=30,
                             max_cells=500_000, max_seconds=20.0)
CURRENCIES = ("VND", "USD")
DATA_DIR = Path(__file__).resolve().parent / "data"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]{0,59}$")
# A unit of weight, or another currency for an exchange rate (VND/USD).
_UNIT = re.compile(r"^(?P<currency>[A-Z]{3})/(?P<unit>[a-z]{1,10}|[A-Z]{3})$")

# Names of the commodities and markets we know; unknown slugs are still accepted.
KNOWN_COMMODITIES = {
    "coffee_robusta": ("Cà phê Robusta", "Robusta coffee"),
    "coffee_arabica": ("Cà phê Arabica", "Arabica coffee"),
    "rubber_tsr20": ("Cao su TSR20", "Rubber TSR20"),
    "rubber_rss3": ("Cao su RSS3", "Rubber RSS3"),
    "rice_5pct_broken": ("Gạo 5% tấm", "Rice, 5% broken"),
    "pepper_black": ("Hồ tiêu đen", "Black pepper"),
    "durian": ("Sầu riêng", "Durian"),
    "cashew": ("Hạt điều", "Cashew nuts"),
    # Not a crop: an exchange rate the department may import as an exogenous series
    # (data/exogenous.json), in VND per USD.
    "usd_vnd": ("Tỷ giá USD/VND", "USD/VND exchange rate"),
}
# slug: (name_vi, name_en, kind, province name or None)
KNOWN_MARKETS = {
    "world": ("Thế giới", "World", MarketKind.WORLD, None),
    "vietnam_export_fob": ("Xuất khẩu Việt Nam (FOB Hà Nội)", "Viet Nam export (FOB Hanoi)",
                           MarketKind.NATIONAL, None),
    "thailand_export_fob": ("Xuất khẩu Thái Lan (FOB Bangkok)", "Thailand export (FOB Bangkok)",
                            MarketKind.WORLD, None),
    "dak_lak": ("Đắk Lắk", "Dak Lak", MarketKind.PROVINCE, "Đắk Lắk"),
    "gia_lai": ("Gia Lai", "Gia Lai", MarketKind.PROVINCE, "Gia Lai"),
    "lam_dong": ("Lâm Đồng", "Lam Dong", MarketKind.PROVINCE, "Lâm Đồng"),
    "vietcombank": ("Vietcombank", "Vietcombank", MarketKind.NATIONAL, None),
    # Đắk Nông became part of Lâm Đồng in July 2025; its traders' price is still quoted.
    "dak_nong": ("Đắk Nông (cũ, nay thuộc Lâm Đồng)", "Dak Nong (former, now Lam Dong)",
                 MarketKind.LOCAL, "Lâm Đồng"),
}
UNIT_NAMES = {"kg": _l("kg"), "tonne": _l("tonne")}


class ImportRejected(DomainError):
    """The file had bad rows; nothing was written. `rows` lists (line, message)."""

    code = "import_rejected"
    status = 422

    def __init__(self, rows: list[tuple[int, object]], status: int | None = None):
        self.rows = rows
        super().__init__(_l("The file was not imported: %(n)d rows need fixing.", n=len(rows)),
                         status=status)


class StaleForecast(DomainError):
    code = "forecast_stale"
    status = 409


# --- permissions ----------------------------------------------------------------------------

def can_manage(actor, market: Market | None = None) -> bool:
    """Admins, and officers for their province's markets and for national/world markets."""
    if actor is None:  # a shell command: whoever runs it has the server
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.has_role(Role.ADMIN):
        return True
    if not actor.has_role(Role.OFFICER):
        return False
    return market is None or market.province_code is None or (
        market.province_code == actor.province_code)


def require_manager(actor, market: Market | None = None) -> None:
    if not can_manage(actor, market):
        raise PermissionDenied(_l("Only officers of the Department of Industry and Trade may "
                                  "manage these prices."))


# --- reading files --------------------------------------------------------------------------

def read_rows(filename: str, content: bytes) -> list[tuple[int, dict]]:
    """(line number, {column: value}) for every data row of a CSV or XLSX file, read within
    BUDGET (a file beyond it is refused with status 413 before it is materialised)."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        xlsx = True
    elif name.endswith((".csv", ".txt")):
        xlsx = False
    else:
        raise ImportRejected([(0, _l("Upload a .csv or .xlsx file."))])
    try:
        raw = spreadsheets.read_rows(content, BUDGET, xlsx=xlsx)
    except spreadsheets.TooLarge as exc:
        raise ImportRejected([(0, exc.message)], status=413)
    except spreadsheets.Unreadable as exc:
        raise ImportRejected([(0, exc.message)])
    rows, index = [], None
    for number, cells in raw:
        if not xlsx:
            cells = [csv_safe.unescape(c) for c in cells]
        if not any(c not in (None, "") and str(c).strip() for c in cells):
            continue
        if index is None:
            index = _header(list(cells))
            continue
        missing = None if xlsx else ""
        rows.append((number, {k: (cells[i] if i < len(cells) else missing)
                              for k, i in index.items()}))
    if index is None:
        raise ImportRejected([(0, _l("The file is empty."))])
    return rows


def _header(cells: list) -> dict[str, int]:
    names = [str(c or "").strip().lower() for c in cells]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ImportRejected([(1, _l("Missing columns: %(cols)s. Expected: %(expected)s.",
                                     cols=", ".join(missing), expected=", ".join(COLUMNS)))])
    index = {c: names.index(c) for c in COLUMNS}
    if "source" in names:
        index["source"] = names.index("source")
    return index


def _parse_price(value) -> Decimal | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = str(value or "").strip()
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


# --- import ---------------------------------------------------------------------------------

@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    batch: ImportBatch | None = None
    series: list = field(default_factory=list)


def _money(currency: str, price: Decimal):
    return int(price) if currency == "VND" else price.quantize(Decimal("0.0001"))


def import_prices(actor, filename: str, content: bytes, *, source: str = "",
                  today: date | None = None) -> ImportResult:
    """Validate every row; write nothing unless all are good. Rows already recorded with the
    same price are skipped; a different price for a recorded (date, commodity, market) is a
    conflict, reported and never overwritten."""
    require_manager(actor)
    today = today or datetime.now(UTC).date()
    rows = read_rows(filename, content)
    if not rows:
        raise ImportRejected([(0, _l("The file has no price rows."))])
    commodities = {c.slug: c for c in db.session.scalars(db.select(Commodity))}
    markets = {m.slug: m for m in db.session.scalars(db.select(Market))}
    series = {(s.commodity.slug, s.market.slug): s
              for s in db.session.scalars(db.select(PriceSeries))}
    errors: list[tuple[int, object]] = []
    new_markets: dict[str, Market] = {}
    units: dict[tuple, tuple] = {}  # series key -> (currency, unit, line) for new series
    seen: dict[tuple, tuple] = {}  # (commodity, market, date) -> (price, line)
    good: list[tuple] = []
    for line, raw in rows:
        row_errors = []
        day = parse_date(raw["date"])
        if day is None:
            row_errors.append(_l("date %(value)s is not a date like 2026-01-31.",
                                 value=raw["date"]))
        elif day > today + timedelta(days=1):
            row_errors.append(_l("date %(value)s is in the future.", value=day.isoformat()))
        commodity = str(raw["commodity"] or "").strip()
        market = str(raw["market"] or "").strip()
        for value, what in ((commodity, _l("commodity")), (market, _l("market"))):
            if not _SLUG.match(value):
                row_errors.append(_l("%(what)s %(value)s must be lower-case letters, digits and _.",
                                     what=what, value=repr(value)))
        unit_match = _UNIT.match(str(raw["unit"] or "").strip())
        currency = unit = None
        if not unit_match or unit_match["currency"] not in CURRENCIES:
            row_errors.append(_l("unit %(value)s must be like VND/kg or USD/tonne.",
                                 value=repr(raw["unit"])))
        else:
            currency, unit = unit_match["currency"], unit_match["unit"]
        price = _parse_price(raw["price"])
        if price is None or price <= 0:
            row_errors.append(_l("price %(value)s must be a positive number with a dot for "
                                 "decimals and no thousands separator.", value=repr(raw["price"])))
        elif currency == "VND" and price != price.to_integral_value():
            row_errors.append(_l("VND prices are whole dong: %(value)s.", value=raw["price"]))
        if not row_errors and _SLUG.match(market):
            m = markets.get(market) or new_markets.get(market)
            if m is None:
                m = new_markets[market] = _new_market(market, actor)
            if not can_manage(actor, m):
                row_errors.append(_l("you may import prices only for your province's markets "
                                     "and national or world markets."))
        if not row_errors:
            key = (commodity, market)
            existing = series.get(key)
            expected = ((existing.currency, existing.unit) if existing
                        else units.setdefault(key, (currency, unit, line))[:2])
            if (currency, unit) != expected:
                row_errors.append(_l("this series is recorded in %(expected)s, not %(given)s.",
                                     expected="/".join(expected), given=f"{currency}/{unit}"))
        if not row_errors:
            value = _money(currency, price)
            before = seen.get((commodity, market, day))
            if before and before[0] != value:
                row_errors.append(_l("a different price for the same date, commodity and market "
                                     "is on line %(line)d.", line=before[1]))
            elif before:
                continue  # the same row twice in one file: counted once
            seen[(commodity, market, day)] = (value, line)
            good.append((line, commodity, market, day, currency, unit, value))
        errors.extend((line, message) for message in row_errors)

    # Compare with what is already recorded.
    wanted = {(c, m) for _, c, m, *_ in good}
    recorded: dict[tuple, tuple] = {}
    for key in wanted & set(series):
        s = series[key]
        for obs, batch_id in db.session.execute(
            db.select(PriceObservation, ImportBatch.public_id)
            .join(ImportBatch, ImportBatch.id == PriceObservation.batch_id)
            .where(PriceObservation.series_id == s.id)
        ):
            recorded[(key[0], key[1], obs.observed_on)] = (obs.price, batch_id)
    fresh, unchanged = [], 0
    for item in good:
        line, commodity, market, day, currency, unit, value = item
        old = recorded.get((commodity, market, day))
        if old is None:
            fresh.append(item)
        elif Decimal(old[0]) == Decimal(value):
            unchanged += 1
        else:
            errors.append((line, _l(
                "conflict: %(old)s is already recorded for %(day)s (import %(batch)s), this row "
                "says %(new)s. Roll that import back to replace it.",
                old=old[0], day=day.isoformat(), batch=old[1], new=value)))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e[0]))

    result = ImportResult(rows=len(rows), added=len(fresh), unchanged=len(rows) - len(fresh))
    if not fresh:
        return result  # nothing new: no batch, nothing changes
    batch = ImportBatch(
        filename=Path(filename).name[:255], source=(source or Path(filename).name)[:255],
        sha256=hashlib.sha256(content).hexdigest(), rows_total=len(rows), rows_added=len(fresh),
        rows_unchanged=result.unchanged, created_by_id=getattr(actor, "id", None),
    )
    db.session.add(batch)
    for slug, m in new_markets.items():
        if any(k[1] == slug for k in wanted):
            db.session.add(m)
            markets[slug] = m
    for c_slug, _ in wanted:
        if c_slug not in commodities:
            names = KNOWN_COMMODITIES.get(c_slug)
            readable = c_slug.replace("_", " ").capitalize()
            commodities[c_slug] = Commodity(slug=c_slug, name_vi=names[0] if names else readable,
                                            name_en=names[1] if names else readable)
            db.session.add(commodities[c_slug])
    db.session.flush()
    touched = {}
    for line, commodity, market, day, currency, unit, value in fresh:
        key = (commodity, market)
        s = series.get(key)
        if s is None:
            s = series[key] = PriceSeries(commodity=commodities[commodity],
                                          market=markets[market], currency=currency, unit=unit,
                                          commentary_vi="", commentary_en="")
            db.session.add(s)
            db.session.flush()
        touched[s.id] = s
        db.session.add(PriceObservation(
            series_id=s.id, observed_on=day, currency=currency,
            amount_vnd=value if currency == "VND" else None,
            amount=value if currency != "VND" else None,
            source=batch.source, batch_id=batch.id,
            imported_by_id=getattr(actor, "id", None),
        ))
    for s in list(touched.values()):
        s.forecast_stale = True
        for dependent in _dependents(s):
            dependent.forecast_stale = True
    db.session.flush()
    check_alerts(touched, today=None)
    result.batch = batch
    result.series = list(touched.values())
    return result


def _new_market(slug: str, actor) -> Market:
    known = KNOWN_MARKETS.get(slug)
    if known:
        name_vi, name_en, kind, province_name = known
        province = geo.find_province(province_name) if province_name else None
        return Market(slug=slug, name_vi=name_vi, name_en=name_en, kind=kind.value,
                      province_code=province.code if province else None)
    province = geo.find_province(slug.replace("_", " "))
    if province:
        return Market(slug=slug, name_vi=province.short_name, name_en=province.name_en,
                      kind=MarketKind.PROVINCE.value, province_code=province.code)
    readable = slug.replace("_", " ").title()
    officer_province = getattr(actor, "province_code", None) if actor is not None and \
        actor.has_role(Role.OFFICER) else None
    kind = MarketKind.LOCAL if officer_province else MarketKind.NATIONAL
    return Market(slug=slug, name_vi=readable, name_en=readable, kind=kind.value,
                  province_code=officer_province)


def import_file(actor, path: str | Path, *, source: str = "") -> ImportResult:
    path = Path(path)
    return import_prices(actor, path.name, path.read_bytes(), source=source)


def list_batches(limit: int = 50) -> list[ImportBatch]:
    return list(db.session.scalars(
        db.select(ImportBatch).order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
        .limit(limit)))


def rollback_batch(actor, public_id: str) -> ImportBatch:
    """Remove every observation the batch added; the batch stays in the history."""
    require_manager(actor)
    batch = db.session.scalar(db.select(ImportBatch).filter_by(public_id=public_id))
    if batch is None:
        raise NotFound(_l("No such import."))
    if batch.rolled_back_at is not None:
        raise DomainError(_l("This import was already rolled back."), code="already_rolled_back")
    affected = list(db.session.scalars(
        db.select(PriceSeries).where(PriceSeries.id.in_(
            db.select(PriceObservation.series_id).where(PriceObservation.batch_id == batch.id)))))
    for s in affected:
        require_manager(actor, s.market)
    db.session.execute(db.delete(PriceObservation).where(PriceObservation.batch_id == batch.id))
    for s in affected:
        s.forecast_stale = True
    batch.rolled_back_at = utcnow()
    batch.rolled_back_by_id = getattr(actor, "id", None)
    db.session.flush()
    return batch


# --- forecasts ------------------------------------------------------------------------------

def _observations(s: PriceSeries) -> list[PriceObservation]:
    return list(db.session.scalars(
        db.select(PriceObservation).where(PriceObservation.series_id == s.id)
        .order_by(PriceObservation.observed_on)))


def _forecast_job(job):
    """Pure numerics for one series (runs in a worker process when `workers` > 1)."""
    from market.prices import forecasting  # numpy, pandas, statsmodels: only when needed

    dates, values, freqs, *rest = job
    exog = rest[0] if rest else None
    return [forecasting.forecast(dates, values, freq, exog=exog if freq == "D" else None)
            for freq in freqs]


def job_digest(job) -> str:
    """What a series' forecasts are computed from: its observations, the frequencies asked
    for and the horizon. Forecasts shipped with the demo data are reused only for this."""
    from market.prices import forecasting

    dates, values, freqs, *rest = job
    h = hashlib.sha256(f"{','.join(freqs)};{forecasting.HORIZON}\n".encode())
    for day, value in zip(dates, values):
        h.update(f"{day.isoformat()},{value:.4f}\n".encode())
    for exog in rest:  # the exogenous series, when there are any: {name: (dates, values)}
        for name, (xdates, xvalues) in sorted(exog.items()):
            h.update(f"exog {name}\n".encode())
            for day, value in zip(xdates, xvalues):
                h.update(f"{day.isoformat()},{value:.4f}\n".encode())
    return h.hexdigest()


# Daily farm-gate series are also forecast by regression on other series the department
# supplies (the London futures close, the USD/VND rate), as configured in
# data/exogenous.json or the file named by MARKET_PRICES_EXOGENOUS_FILE: per commodity, the
# (commodity, market) series that may feed its provincial and local VND series. A series
# that has not been imported is simply absent; each one is used only where the backtest says
# it helps (forecasting.exogenous_candidates and choose).
EXOGENOUS_FILE = DATA_DIR / "exogenous.json"


def exogenous_config() -> dict[str, list[tuple[str, str]]]:
    """{commodity slug: [(commodity slug, market slug), ...]} of exogenous series."""
    import json

    from flask import current_app, has_app_context

    path = Path((current_app.config.get("PRICES_EXOGENOUS_FILE") if has_app_context() else None)
                or EXOGENOUS_FILE)
    data = json.loads(path.read_text(encoding="utf-8"))
    return {commodity: [(e["commodity"], e["market"]) for e in entry["series"]]
            for commodity, entry in data.items() if not commodity.startswith("_")}


def _series_by_slugs(commodity: str, market: str) -> PriceSeries | None:
    return db.session.scalar(db.select(PriceSeries).join(Market).join(Commodity).where(
        Commodity.slug == commodity, Market.slug == market))


def _exogenous_for(s: PriceSeries) -> list[PriceSeries]:
    """The imported exogenous series configured for `s` (none for world or national series,
    or series not in VND)."""
    wanted = exogenous_config().get(s.commodity.slug, [])
    if not wanted or s.currency != "VND" or s.market.kind not in (
            MarketKind.PROVINCE.value, MarketKind.LOCAL.value):
        return []
    found = [_series_by_slugs(c, m) for c, m in wanted]
    return [x for x in found if x is not None and x.id != s.id]


def _dependents(s: PriceSeries) -> list[PriceSeries]:
    """Series whose forecasts use `s` as an exogenous signal."""
    key = (s.commodity.slug, s.market.slug)
    feeds = [c for c, entries in exogenous_config().items() if key in entries]
    if not feeds:
        return []
    return [d for d in db.session.scalars(db.select(PriceSeries).join(Commodity).where(
        Commodity.slug.in_(feeds), PriceSeries.id != s.id))
        if any(x.id == s.id for x in _exogenous_for(d))]


def exogenous_labels(forecast: Forecast, lang: str) -> list[str]:
    """What a forecast's regression used, readable: 'London robusta futures (…), previous
    trading day's value (2 days before)'. Empty when it used none."""
    out = []
    for e in forecast.exogenous or []:
        x = _series_by_slugs(e["commodity"], e["market"])
        name = (f"{x.commodity.name(lang)}, {x.market.name(lang)}" if x is not None
                else f"{e['commodity']}/{e['market']}")
        out.append(ngettext("%(series)s, the value of %(num)d day before",
                            "%(series)s, the value of %(num)d days before",
                            e["lag"], series=name))
    return out


def _exog_name(x: PriceSeries) -> str:
    return f"{x.commodity.slug}/{x.market.slug}"


def _plan(stale_only: bool) -> list[tuple[PriceSeries, int, tuple]]:
    from market.prices import forecasting

    query = db.select(PriceSeries).order_by(PriceSeries.id)
    if stale_only:
        query = query.where(PriceSeries.forecast_stale.is_(True))
    plan = []
    for s in db.session.scalars(query).all():
        obs = _observations(s)
        dates = [o.observed_on for o in obs]
        values = [float(o.price) for o in obs]
        freqs = []
        if len(obs) >= forecasting.MIN_OBSERVATIONS:
            native = forecasting.infer_frequency(dates)
            freqs = [native] + ({"D": ["W", "M"], "W": ["M"]}.get(native, []))
        job = (dates, values, freqs)
        exog = {}
        for x in (_exogenous_for(s) if freqs and freqs[0] == "D" else []):
            xobs = _observations(x)
            if xobs:
                exog[_exog_name(x)] = ([o.observed_on for o in xobs],
                                       [float(o.price) for o in xobs])
        if exog:
            job += (exog,)
        plan.append((s, len(obs), job))
    return plan


def _compute(jobs: list, workers: int) -> list:
    if workers > 1 and len(jobs) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_forecast_job, jobs))
    return [_forecast_job(job) for job in jobs]


def _exogenous_used(result) -> list | None:
    """[{"commodity", "market", "lag"}] from the forecast's [{"name": "c/m", "lag"}]."""
    if not getattr(result, "exogenous", None):
        return None
    return [dict(zip(("commodity", "market"), e["name"].split("/", 1)), lag=e["lag"])
            for e in result.exogenous]


def refresh_forecasts(*, stale_only: bool = True, now: datetime | None = None,
                      workers: int = 1, compute: bool = True,
                      shipped: dict | None = None) -> dict:
    """Recompute the forecasts of every stale series (or all). Daily series also get weekly
    and monthly forecasts of their averages. `workers` > 1 spreads the model fitting over
    that many processes. A series whose data matches an entry of `shipped` (see
    `shipped_demo_forecasts`) takes those results instead of computing them; with
    `compute=False` the other series stay stale, for the worker. Returns counts."""
    now = now or utcnow()
    counts = {"series": 0, "forecasts": 0, "too_short": 0}
    plan, ready = [], []
    for entry in _plan(stale_only):
        known = (shipped or {}).get("series", {}).get(job_digest(entry[2]))
        if known is not None:
            ready.append((entry, [_result(r) for r in known["forecasts"]],
                          _iso_datetime(shipped["made_at"])))
        elif compute:
            plan.append(entry)
    computed = _compute([job for _, _, job in plan], workers)
    ready += [(entry, results, now) for entry, results in zip(plan, computed)]
    for (s, n_read, job), made_results, made_at in ready:
        freqs = job[2]
        for old in db.session.scalars(db.select(Forecast).filter_by(series_id=s.id,
                                                                    is_current=True)):
            old.is_current = False
        counts["series"] += 1
        made = 0
        native = freqs[0] if freqs else None
        for freq, result in zip(freqs, made_results):
            if result is None:
                continue
            db.session.add(Forecast(
                series_id=s.id, frequency=freq, native=freq == native, is_current=True,
                model=result.model, last_observation_on=result.last_observation_on,
                observations=result.observations, made_at=made_at,
                backtest_mase=result.backtest_mase, backtest_smape=result.backtest_smape,
                naive_mase=result.naive_mase, points=result.points,
                coverage80=result.coverage80, coverage95=result.coverage95,
                exogenous=_exogenous_used(result),
                published_at=now if s.published else None,
            ))
            made += 1
        if made == 0:
            counts["too_short"] += 1
            s.published = False
        counts["forecasts"] += made
        # Only clear the flag if no observation arrived or left while we computed.
        latest = db.session.scalar(db.select(db.func.count()).select_from(PriceObservation)
                                   .where(PriceObservation.series_id == s.id))
        s.forecast_stale = latest != n_read
        db.session.flush()
    return counts


# --- forecasts shipped with the demo data -------------------------------------------------

SHIPPED_FORECASTS = DATA_DIR / "demo_forecasts.json"
_RESULT_FIELDS = ("frequency", "model", "label", "last_observation_on", "observations",
                  "backtest_mase", "backtest_smape", "naive_mase", "points", "coverage80",
                  "coverage95", "exogenous")


def _iso_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _result(data: dict | None) -> forecasting.Result | None:
    from market.prices import forecasting

    if data is None:
        return None
    values = {k: data.get(k) for k in _RESULT_FIELDS}
    values["last_observation_on"] = date.fromisoformat(values["last_observation_on"])
    return forecasting.Result(**values)


def _result_data(result: forecasting.Result | None) -> dict | None:
    if result is None:
        return None
    data = {k: getattr(result, k) for k in _RESULT_FIELDS}
    data["last_observation_on"] = result.last_observation_on.isoformat()
    return data


def shipped_demo_forecasts() -> dict | None:
    """The demo series' forecasts as `flask forecast --ship-demo` computed them, keyed by
    `job_digest`, so that `make run` need not spend a minute on them at start-up."""
    import json

    if not SHIPPED_FORECASTS.exists():
        return None
    return json.loads(SHIPPED_FORECASTS.read_text(encoding="utf-8"))


def compute_demo_forecasts(*, workers: int = 1, now: datetime | None = None) -> dict:
    """Compute every loaded series' forecasts and return them in the shipped file's shape."""
    plan = _plan(stale_only=False)
    computed = _compute([job for _, _, job in plan], workers)
    return {
        "made_at": (now or utcnow()).isoformat(timespec="seconds"),
        "series": {
            job_digest(job): {"commodity": s.commodity.slug, "market": s.market.slug,
                              "forecasts": [_result_data(r) for r in results]}
            for (s, _, job), results in zip(plan, computed)
        },
    }


def current_forecasts(s: PriceSeries, *, published_only: bool = False) -> list[Forecast]:
    query = db.select(Forecast).filter_by(series_id=s.id, is_current=True)
    if published_only:
        if not s.published:
            return []
        query = query.where(Forecast.published_at.is_not(None))
    forecasts = list(db.session.scalars(query))
    order = {"D": 0, "W": 1, "M": 2}
    return sorted(forecasts, key=lambda f: (not f.native, order[f.frequency]))


def set_publication(actor, s: PriceSeries, *, publish: bool, commentary_vi: str = "",
                    commentary_en: str = "", now: datetime | None = None) -> PriceSeries:
    """Save the commentary and publish or withhold the series' forecast. A forecast is only
    published when it was made from every observation on record; while a series stays
    published, each refresh publishes its new forecasts (see `refresh_forecasts`)."""
    require_manager(actor, s.market)
    now = now or utcnow()
    commentary_vi, commentary_en = (commentary_vi or "").strip(), (commentary_en or "").strip()
    if len(commentary_vi) > 2000 or len(commentary_en) > 2000:
        raise DomainError(_l("Keep the commentary under 2,000 characters."))
    if publish and not s.published:
        forecasts = current_forecasts(s)
        if s.forecast_stale or not forecasts:
            raise StaleForecast(_l("New prices arrived after this forecast was made. Refresh "
                                   "the forecast before publishing it."))
        for f in forecasts:
            f.published_at = f.published_at or now
    s.published = publish
    if (commentary_vi, commentary_en) != (s.commentary_vi, s.commentary_en):
        s.commentary_vi, s.commentary_en = commentary_vi, commentary_en
        s.commentary_updated_at = now
        s.commentary_by_id = getattr(actor, "id", None)
    db.session.flush()
    return s


def published_feed(limit: int = 50) -> list[Forecast]:
    """Newly published native forecasts, newest first (the Atom feed)."""
    return list(db.session.scalars(
        db.select(Forecast).join(PriceSeries)
        .where(Forecast.published_at.is_not(None), Forecast.native.is_(True),
               PriceSeries.published.is_(True))
        .order_by(Forecast.published_at.desc(), Forecast.id.desc()).limit(limit)))


# --- reading prices -------------------------------------------------------------------------

def get_commodity(slug: str) -> Commodity:
    c = db.session.scalar(db.select(Commodity).filter_by(slug=slug))
    if c is None:
        raise NotFound(_l("Unknown commodity."))
    return c


def series_of(commodity: Commodity, market_slug: str | None = None) -> list[PriceSeries]:
    query = (db.select(PriceSeries).join(Market)
             .where(PriceSeries.commodity_id == commodity.id).order_by(Market.kind, Market.slug))
    if market_slug:
        query = query.where(Market.slug == market_slug)
    found = list(db.session.scalars(query))
    if market_slug and not found:
        raise NotFound(_l("No prices for this market."))
    return found


def get_series(commodity_slug: str, market_slug: str) -> PriceSeries:
    return series_of(get_commodity(commodity_slug), market_slug)[0]


def history(s: PriceSeries, start: date | None = None, end: date | None = None):
    query = db.select(PriceObservation).where(PriceObservation.series_id == s.id)
    if start:
        query = query.where(PriceObservation.observed_on >= start)
    if end:
        query = query.where(PriceObservation.observed_on <= end)
    return list(db.session.scalars(query.order_by(PriceObservation.observed_on)))


@dataclass
class Latest:
    series: PriceSeries
    price: object
    on: date
    change: object | None
    change_pct: float | None
    previous_on: date | None


def latest(s: PriceSeries) -> Latest | None:
    two = list(db.session.scalars(
        db.select(PriceObservation).where(PriceObservation.series_id == s.id)
        .order_by(PriceObservation.observed_on.desc()).limit(2)))
    if not two:
        return None
    last = two[0]
    prev = two[1] if len(two) > 1 else None
    change = (last.price - prev.price) if prev else None
    pct = float(change) / float(prev.price) * 100 if prev else None
    return Latest(s, last.price, last.observed_on, change, pct, prev.observed_on if prev else None)


# --- harvest calendars -----------------------------------------------------------------------
# Months of the main harvest per commodity and province (data/harvest_calendars.json, with a
# source per entry): prices of seasonal crops move with them.

@dataclass(frozen=True)
class Harvest:
    commodity: str
    province_code: int
    months: tuple[int, ...]
    note_vi: str
    note_en: str
    sources: tuple[str, ...]

    def note(self, locale: str) -> str:
        return localized(self.note_vi, self.note_en, locale)

    def as_json(self) -> dict:
        place = geo.province(self.province_code)
        return {"province_code": self.province_code,
                "province_name_vi": place.name("vi") if place else None,
                "province_name_en": place.name("en") if place else None,
                "months": list(self.months), "note_vi": self.note_vi, "note_en": self.note_en,
                "sources": list(self.sources)}


def _harvest_calendars() -> list[Harvest]:
    import json

    data = json.loads((DATA_DIR / "harvest_calendars.json").read_text(encoding="utf-8"))
    return [Harvest(c["commodity"], int(c["province_code"]), tuple(c["months"]), c["note_vi"],
                    c["note_en"], tuple(c["sources"])) for c in data["calendars"]]


def harvest_calendar(commodity_slug: str) -> list[Harvest]:
    """The commodity's harvest months per province (empty when none is recorded)."""
    return [h for h in _harvest_calendars() if h.commodity == commodity_slug]


# --- freshness ------------------------------------------------------------------------------
# A series is stale when its latest observation is older than its usual gap allows: daily
# series (median gap under 5 days) after 7 days, weekly after 14, monthly after 45.
STALE_AFTER_DAYS = {"D": 7, "W": 14, "M": 45}


def local_today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def usual_frequency(days: list[date]) -> str:
    """'D', 'W' or 'M' from the median gap between observations (as forecasting does)."""
    import statistics

    ordered = sorted(days)
    if len(ordered) < 2:
        return "D"
    median = statistics.median((b - a).days for a, b in itertools.pairwise(ordered))
    return "M" if median >= 25 else ("W" if median >= 5 else "D")


@dataclass
class Freshness:
    series: PriceSeries
    data_date: date  # the latest observation
    today: date
    frequency: str
    stale_after_days: int

    @property
    def age_days(self) -> int:
        return (self.today - self.data_date).days

    @property
    def stale(self) -> bool:
        return self.age_days > self.stale_after_days


def freshness(s: PriceSeries, today: date | None = None) -> Freshness | None:
    days = list(db.session.scalars(
        db.select(PriceObservation.observed_on).where(PriceObservation.series_id == s.id)
        .order_by(PriceObservation.observed_on.desc()).limit(60)))
    if not days:
        return None
    freq = usual_frequency(days)
    return Freshness(s, days[0], today or local_today(), freq, STALE_AFTER_DAYS[freq])


def stale_series(today: date | None = None, actor=None) -> list[Freshness]:
    """Every series whose latest price is older than its usual gap allows (for officers:
    only the markets they manage), the oldest first."""
    out = []
    for s in db.session.scalars(db.select(PriceSeries).order_by(PriceSeries.id)):
        if actor is not None and not can_manage(actor, s.market):
            continue
        f = freshness(s, today)
        if f and f.stale:
            out.append(f)
    return sorted(out, key=lambda f: f.data_date)


def split_points(points: list[dict], today: date) -> tuple[list[dict], list[dict]]:
    """(periods already past, periods still ahead) of a forecast: a period whose start lies
    before today is never presented as a 'next' period."""
    past = [p for p in points if date.fromisoformat(p["date"]) < today]
    return past, points[len(past):]


def overview() -> list[Latest]:
    out = []
    for s in db.session.scalars(db.select(PriceSeries).join(Commodity).join(Market)
                                .order_by(Commodity.slug, Market.kind, Market.slug)):
        item = latest(s)
        if item:
            out.append(item)
    return out


def demo_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.csv"))


DEMO_SOURCES = {
    "wb_": "World Bank Commodity Price Data (The Pink Sheet), monthly, CC BY 4.0",
    "vov_": "VOV (vov.vn) daily coffee price articles, via DieppDiepp/coffee-price-ie",
}


def import_demo_files() -> dict:
    counts = {"observations": 0, "batches": 0, "forecasts": 0}
    for path in demo_files():
        source = next((v for k, v in DEMO_SOURCES.items() if path.name.startswith(k)), path.name)
        result = import_file(None, path, source=source)
        counts["observations"] += result.added
        counts["batches"] += 1 if result.batch else 0
    return counts


def load_demo(*, forecast: bool = False, workers: int = 1) -> dict:
    """Import the bundled real series (idempotent: a second run adds nothing) with the
    forecasts shipped beside them. `forecast=True` also computes any series the shipped file
    does not cover (otherwise they stay stale until `flask forecast` or the worker)."""
    counts = import_demo_files()
    made = refresh_forecasts(stale_only=True, workers=workers, compute=forecast,
                             shipped=shipped_demo_forecasts())
    counts["forecasts"] = made["forecasts"]
    # The demo publishes every series, as a Department would: those with a fresh forecast
    # now, those still waiting for one (not in the shipped file) when the worker makes it.
    for s in db.session.scalars(db.select(PriceSeries).where(PriceSeries.published.is_(False))):
        if not s.forecast_stale and current_forecasts(s):
            set_publication(None, s, publish=True, commentary_vi=s.commentary_vi,
                            commentary_en=s.commentary_en)
        elif s.forecast_stale and not current_forecasts(s):
            s.published = True
    db.session.flush()
    return counts


# --- production costs (giá thành) ----------------------------------------------------------

_SEASON = re.compile(r"^(?P<a>\d{4})(/(?P<b>\d{2}))?$")
MAX_COST_VND_PER_KG = 10_000_000


def can_publish_costs(actor, province_code: int | None = None) -> bool:
    """Admins for any province; officers for their own."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.has_role(Role.ADMIN):
        return True
    return actor.has_role(Role.OFFICER) and (
        province_code is None or province_code == actor.province_code)


def publish_cost(actor, *, commodity_slug: str, province_code, season: str, cost,
                 source: str, method: str, now: datetime | None = None) -> ProductionCost:
    """Record (or correct) the cost of production of a commodity in a province and season,
    whole VND per kg, with its source and method."""
    if not can_publish_costs(actor):
        raise PermissionDenied(_l("Only officers of the Department of Industry and Trade may "
                                  "publish production costs."))
    errors = Collector()
    commodity = db.session.scalar(db.select(Commodity).filter_by(slug=commodity_slug or ""))
    if commodity is None:
        errors.add("commodity", _l("Choose a commodity."))
    try:
        province = geo.province(int(province_code)) if province_code not in (None, "") else None
    except (TypeError, ValueError):
        province = None
    if province is None:
        errors.add("province_code", _l("Choose a province."))
    elif not can_publish_costs(actor, province.code):
        errors.add("province_code", _l("You may publish costs only for your own province."))
    season = (season or "").strip()
    m = _SEASON.match(season)
    if not m or (m["b"] and int(m["b"]) != (int(m["a"]) + 1) % 100):
        errors.add("season", _l("Give the season as a year (2025) or a crop year (2025/26)."))
    text = str(cost if cost is not None else "").strip()
    if re.fullmatch(r"\d{1,3}([.,\s]\d{3})+", text):  # 65.000 or 65,000: thousands
        text = re.sub(r"[.,\s]", "", text)
    amount = parse_int(text) or 0
    if not 0 < amount <= MAX_COST_VND_PER_KG:
        errors.add("cost", _l("Give the cost in whole dong per kg, for example 65000."))
    source, method = (source or "").strip(), (method or "").strip()
    if not source or len(source) > 255:
        errors.add("source", _l("Say where the estimate comes from (up to 255 characters)."))
    if not method or len(method) > 2000:
        errors.add("method", _l("Say how it was worked out (up to 2,000 characters)."))
    errors.raise_if_any()
    row = db.session.scalar(db.select(ProductionCost).filter_by(
        commodity_id=commodity.id, province_code=province.code, season=season))
    if row is None:
        row = ProductionCost(commodity_id=commodity.id, province_code=province.code,
                             season=season)
        db.session.add(row)
    row.cost_vnd_per_kg, row.source, row.method = amount, source, method
    row.published_at = now or utcnow()
    row.published_by_id = getattr(actor, "id", None)
    db.session.flush()
    return row


def all_commodities() -> list[Commodity]:
    return list(db.session.scalars(db.select(Commodity).order_by(Commodity.slug)))


def list_costs(commodity: Commodity | None = None, province_code: int | None = None):
    query = db.select(ProductionCost).join(Commodity)
    if commodity is not None:
        query = query.where(ProductionCost.commodity_id == commodity.id)
    if province_code is not None:
        query = query.where(ProductionCost.province_code == province_code)
    return list(db.session.scalars(query.order_by(
        Commodity.slug, ProductionCost.province_code, ProductionCost.season.desc())))


@dataclass
class Margin:
    cost: ProductionCost
    price: int
    price_on: date

    @property
    def margin_vnd_per_kg(self) -> int:
        return int(self.price) - self.cost.cost_vnd_per_kg

    @property
    def margin_pct(self) -> float:
        return self.margin_vnd_per_kg / self.cost.cost_vnd_per_kg * 100


def margin_for(s: PriceSeries, item: Latest | None = None) -> Margin | None:
    """The latest season's production cost in the series' province beside its latest price,
    for farm-gate series in VND/kg."""
    if s.currency != "VND" or s.unit != "kg" or s.market.province_code is None:
        return None
    item = item or latest(s)
    if item is None:
        return None
    costs = list_costs(s.commodity, s.market.province_code)
    return Margin(costs[0], int(item.price), item.on) if costs else None


def province_name(code: int, locale: str) -> str:
    place = geo.province(code)
    return place.name(locale) if place else str(code)


# --- price alerts ---------------------------------------------------------------------------

ALERT_SALT = "price-alert-unsubscribe"
MAX_ALERTS_PER_USER = 50


def subscribe_alert(actor, s: PriceSeries, *, kind: str, value, locale: str) -> PriceAlert:
    """A signed-in user (cooperative staff, buyer, anyone with an account) asks to be emailed
    when this series' price reaches a threshold or moves by a percentage."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_l("Sign in to subscribe to price alerts."))
    errors = Collector()
    if kind not in {k.value for k in AlertKind}:
        errors.add("kind", _l("Choose when to be alerted."))
    number = _parse_price(str(value or "").strip().replace(",", "."))
    if number is None or number <= 0:
        errors.add("value", _l("Give a positive number, with a dot for decimals."))
    elif kind == AlertKind.MOVE.value and not 0 < number <= 100:
        errors.add("value", _l("Give a percentage between 0 and 100."))
    count = db.session.scalar(db.select(db.func.count()).select_from(PriceAlert).where(
        PriceAlert.user_id == actor.id, PriceAlert.active.is_(True)))
    if count >= MAX_ALERTS_PER_USER:
        errors.add("kind", _l("You have reached the limit of %(n)d alerts.",
                              n=MAX_ALERTS_PER_USER))
    errors.raise_if_any()
    item = latest(s)
    alert = PriceAlert(
        user_id=actor.id, series_id=s.id, kind=kind, locale=locale if locale in LOCALES
        else "vi", threshold=None if kind == AlertKind.MOVE.value else number,
        move_pct=float(number) if kind == AlertKind.MOVE.value else None,
        reference_price=Decimal(item.price) if item else None,
        last_observation_on=item.on if item else None)
    db.session.add(alert)
    db.session.flush()
    return alert


def alerts_of(actor, s: PriceSeries | None = None) -> list[PriceAlert]:
    if not getattr(actor, "is_authenticated", False):
        return []
    query = db.select(PriceAlert).where(PriceAlert.user_id == actor.id,
                                        PriceAlert.active.is_(True))
    if s is not None:
        query = query.where(PriceAlert.series_id == s.id)
    return list(db.session.scalars(query.order_by(PriceAlert.id)))


def _serializer():
    from flask import current_app
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=ALERT_SALT)


def unsubscribe_token(alert: PriceAlert) -> str:
    return _serializer().dumps(alert.public_id)


def alert_for_token(token: str) -> PriceAlert:
    from itsdangerous import BadSignature

    try:
        public_id = _serializer().loads(token)
    except BadSignature:
        raise NotFound(_l("This unsubscribe link is not valid.")) from None
    alert = db.session.scalar(db.select(PriceAlert).filter_by(public_id=str(public_id)))
    if alert is None:
        raise NotFound(_l("This unsubscribe link is not valid."))
    return alert


def unsubscribe(token: str) -> PriceAlert:
    alert = alert_for_token(token)
    alert.active = False
    db.session.flush()
    return alert


def _absolute(endpoint: str, **values) -> str:
    """An absolute link for an email, also outside a request (the flask command)."""
    from flask import current_app, has_request_context

    from market.urls import absolute_url_for

    if has_request_context():
        return absolute_url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return absolute_url_for(endpoint, **values)


def _unsubscribe_url(alert: PriceAlert) -> str:
    return _absolute("prices.alert_unsubscribe", lang=alert.locale,
                     token=unsubscribe_token(alert))


def _series_url(alert: PriceAlert) -> str:
    return _absolute("prices.commodity", lang=alert.locale,
                     commodity=alert.series.commodity.slug, market=alert.series.market.slug)


def _triggered(alert: PriceAlert, price: Decimal) -> bool:
    if alert.kind == AlertKind.ABOVE.value:
        return price >= alert.threshold
    if alert.kind == AlertKind.BELOW.value:
        return price <= alert.threshold
    ref = alert.reference_price
    return bool(ref) and abs(price - ref) / ref * 100 >= Decimal(str(alert.move_pct))


def check_alerts(series_ids=None, today: date | None = None) -> int:
    """Email every active alert that a price recorded since it last fired triggers, at most
    once a (Vietnam) day per alert. Returns the number of emails queued."""
    from market.notifications import services as notifications

    today = today or local_today()
    query = db.select(PriceAlert).where(PriceAlert.active.is_(True))
    if series_ids is not None:
        query = query.where(PriceAlert.series_id.in_(list(series_ids)))
    sent = 0
    for alert in db.session.scalars(query.order_by(PriceAlert.id)).all():
        if alert.last_sent_on == today:
            continue
        item = latest(alert.series)
        if item is None or (alert.last_observation_on and item.on <= alert.last_observation_on):
            continue
        price = Decimal(item.price)
        alert.last_observation_on = item.on
        if not _triggered(alert, price):
            continue
        s = alert.series
        names = {"commodity": s.commodity.name(alert.locale), "market": s.market.name(alert.locale),
                 "price": f"{price:,.0f}" if s.currency == "VND" else f"{price:,.2f}",
                 "unit": s.unit_label, "date": item.on.isoformat()}
        subject = _l("Price alert: %(commodity)s, %(market)s at %(price)s %(unit)s", **names)
        body = _l("Hello,\n\nThe price of %(commodity)s in %(market)s was %(price)s %(unit)s on "
                  "%(date)s, which meets the alert you set.\n\nPrices and forecasts: %(page)s\n"
                  "Stop these alerts: %(unsubscribe)s\n",
                  page=_series_url(alert), unsubscribe=_unsubscribe_url(alert), **names)
        notifications.enqueue(alert.user.email, alert.locale, subject, body)
        alert.last_sent_on = today
        alert.reference_price = price
        sent += 1
    db.session.flush()
    return sent

