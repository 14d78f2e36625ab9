"""The international shipping table: destination country -> zone, and per zone the fee of a
parcel up to a weight (VND). The heaviest row of a zone is its weight limit per parcel.

The table lives in the database (`flask shipping-zones import` loads a carrier's CSV files);
while it is empty, the default data shipped in market/intl/data/ (see its SOURCES.md)
applies."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from market.errors import DomainError
from market.extensions import db
from market.intl.models import ShippingZoneCountry, ShippingZoneRate, ShippingZoneTable

DATA = Path(__file__).parent / "data"
MAX_ROWS = 5_000
# The default table's origin (data/SOURCES.md): indicative figures in VNPost EMS's zones.
DEFAULT_SOURCE = _l("the indicative tariff of HTX Market (VNPost EMS International zones)")
DEFAULT_DATE = date(2026, 12, 2)


@dataclass(frozen=True)
class Table:
    countries: dict[str, int]  # country code -> zone
    rates: dict[int, list[tuple[int, int]]]  # zone -> [(up to grams, fee)] ascending


class ZoneFileError(DomainError):
    code = "bad_zone_file"


class NotShipped(DomainError):
    """No parcel to that country, or not one that heavy."""

    code = "not_shipped"

    def __init__(self, message, reason: str, limit_grams: int | None = None):
        super().__init__(message)
        self.reason = reason  # no_zone, too_heavy
        self.limit_grams = limit_grams


def parse(countries_csv: str, rates_csv: str) -> Table:
    """Both files checked whole: every zone a country names has rates, fees are integer VND."""
    countries: dict[str, int] = {}
    rates: dict[int, list[tuple[int, int]]] = {}
    try:
        for n, row in enumerate(csv.DictReader(io.StringIO(countries_csv)), start=2):
            if n > MAX_ROWS:
                raise ZoneFileError(_l("The file has too many rows."))
            code = (row.get("country_code") or "").strip().upper()
            if len(code) != 2 or not code.isalpha():
                raise ZoneFileError(_l("Row %(n)d: a country is a two-letter code.", n=n))
            countries[code] = int(row["zone"])
        for n, row in enumerate(csv.DictReader(io.StringIO(rates_csv)), start=2):
            if n > MAX_ROWS:
                raise ZoneFileError(_l("The file has too many rows."))
            grams, fee = int(row["up_to_grams"]), int(row["fee_vnd"])
            if grams <= 0 or fee < 0:
                raise ZoneFileError(_l("Row %(n)d: weights are positive grams and fees whole "
                                       "đồng.", n=n))
            rates.setdefault(int(row["zone"]), []).append((grams, fee))
    except (KeyError, TypeError, ValueError) as exc:
        raise ZoneFileError(_l("The files need the columns country_code,zone and "
                               "zone,up_to_grams,fee_vnd with whole numbers.")) from exc
    missing = sorted(set(countries.values()) - set(rates))
    if missing:
        raise ZoneFileError(_l("Zone %(zone)d has countries but no rates.", zone=missing[0]))
    return Table(countries, {zone: sorted(rows) for zone, rows in rates.items()})


@lru_cache(maxsize=1)
def default_table() -> Table:
    return parse((DATA / "shipping_zone_countries.csv").read_text("utf-8"),
                 (DATA / "shipping_zone_rates.csv").read_text("utf-8"))


def table() -> Table:
    """The loaded table, or the default one while none is loaded."""
    rates = db.session.execute(db.select(ShippingZoneRate.zone, ShippingZoneRate.up_to_grams,
                                         ShippingZoneRate.fee)).all()
    if not rates:
        return default_table()
    by_zone: dict[int, list[tuple[int, int]]] = {}
    for zone, grams, fee in sorted(rates):
        by_zone.setdefault(zone, []).append((grams, fee))
    countries = dict(db.session.execute(db.select(ShippingZoneCountry.country_code,
                                                  ShippingZoneCountry.zone)).all())
    return Table(countries, by_zone)


def origin() -> tuple[str, date | None]:
    """The current table's source and date, for the pages that quote its fees."""
    origin = db.session.scalar(db.select(ShippingZoneTable).limit(1))
    if origin is not None:
        return origin.source, origin.table_date
    if db.session.scalar(db.select(ShippingZoneRate.zone).limit(1)) is None:
        return DEFAULT_SOURCE, DEFAULT_DATE
    return "", None  # a table loaded before tables had a source


def load(countries_csv: str, rates_csv: str, *, source: str = "",
         as_of: date | None = None) -> Table:
    """Replace the table with the files' (the caller commits); `source` (the carrier, the
    file) and `as_of` (the tariff's date, else today) are shown beside the fees."""
    parsed = parse(countries_csv, rates_csv)
    source, as_of = source.strip()[:120], as_of or date.today()
    db.session.execute(db.delete(ShippingZoneTable))
    db.session.add(ShippingZoneTable(source=source, table_date=as_of))
    db.session.execute(db.delete(ShippingZoneCountry))
    db.session.execute(db.delete(ShippingZoneRate))
    db.session.add_all(ShippingZoneCountry(country_code=c, zone=z)
                       for c, z in parsed.countries.items())
    db.session.add_all(ShippingZoneRate(zone=z, up_to_grams=g, fee=f)
                       for z, rows in parsed.rates.items() for g, f in rows)
    db.session.flush()
    return parsed


def fee(country_code: str, weight_grams: int, tab: Table | None = None) -> int:
    """The fee of one parcel of this weight to the country; NotShipped when the table has no
    zone for it or the parcel is above the zone's limit."""
    tab = tab or table()
    zone = tab.countries.get(country_code)
    if zone is None:
        raise NotShipped(_l("Parcels cannot be sent to this country yet."), "no_zone")
    for up_to, amount in tab.rates[zone]:
        if weight_grams <= up_to:
            return amount
    limit = tab.rates[zone][-1][0]
    raise NotShipped(_l("A parcel abroad may weigh at most %(kg)s kg.", kg=limit // 1000),
                     "too_heavy", limit)
