"""The dated exchange-rate table and the estimates it gives: display-only foreign amounts
beside a VND price (the VND price is what is charged).

An admin imports a bank's published table (a CSV shaped like Vietcombank's exchange-rate
table: currency code, name, cash buying, transfer buying, selling) with `flask rates import
FILE` or the admin page, or sets one rate by hand. The estimate divides by the transfer
buying rate (what the bank gives in đồng for the buyer's currency), else the selling rate."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from flask_babel import lazy_gettext as _l

from market.errors import DomainError, ValidationError
from market.extensions import db
from market.intl.models import ExchangeRate

CURRENCIES = ("USD", "EUR", "JPY", "KRW", "CNY", "AUD", "SGD")
# The estimate a page shows unless the visitor chose a currency: by the page's language.
DEFAULT_CURRENCIES = {"en": "USD", "zh": "CNY", "ko": "KRW", "ja": "JPY"}
MAX_BYTES = 200_000
MAX_RATE = Decimal(1000000)
# How the columns are named in the bank's files (its English and Vietnamese pages).
_HEADERS = {
    "code": {"currencycode", "currency code", "code", "mã ngoại tệ", "mã nt"},
    "transfer": {"transfer", "buy transfer", "buying transfer", "mua chuyển khoản"},
    "sell": {"sell", "selling", "bán", "ban"},
}
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})-(\d{2})-(\d{2})")


class RateFileError(DomainError):
    code = "bad_rate_file"


@dataclass(frozen=True)
class Rate:
    currency: str
    vnd_per_unit: Decimal
    rate_date: date


@dataclass(frozen=True)
class Estimate:
    currency: str
    amount: Decimal
    text: str  # formatted by Babel for the locale: "€1.23", "1,23 €", "¥184"
    rate_date: date


def _number(value: str) -> Decimal | None:
    """26,128.00 (the bank's English page) -> 26128.00; "-" (not quoted) -> None."""
    value = (value or "").strip().replace(",", "")
    if not value or value == "-":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if 0 < number < MAX_RATE else None


def _parse_date(value: str) -> date | None:
    match = _DATE.search(value or "")
    if not match:
        return None
    try:
        if match.group(1):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
    except ValueError:
        return None


def parse_bank_csv(data: bytes, rate_date: date | None = None) -> list[Rate]:
    """The rates of our currencies in a bank's table. Lines before the header may carry the
    table's date (dd/mm/yyyy, as the bank prints it); `rate_date` is used when none does."""
    if len(data) > MAX_BYTES:
        raise RateFileError(_l("The file is too large for an exchange-rate table."))
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RateFileError(_l("The file is not a CSV table in UTF-8.")) from exc
    found_date, columns, rates = None, None, []
    for row in rows:
        cells = [c.strip() for c in row]
        if columns is None:
            lowered = [c.casefold() for c in cells]
            found = {key: next((i for i, c in enumerate(lowered) if c in names), None)
                     for key, names in _HEADERS.items()}
            if found["code"] is not None and (found["transfer"] is not None
                                              or found["sell"] is not None):
                columns = found
            else:
                found_date = found_date or next(filter(None, map(_parse_date, cells)), None)
            continue
        if len(cells) <= columns["code"]:
            continue
        code = cells[columns["code"]].upper()
        if code not in CURRENCIES:
            continue
        value = None
        for key in ("transfer", "sell"):
            if value is None and columns[key] is not None and len(cells) > columns[key]:
                value = _number(cells[columns[key]])
        if value is not None:
            rates.append((code, value))
    if columns is None:
        raise RateFileError(_l("No header row with the currency code and the transfer or "
                               "selling rate was found."))
    when = found_date or rate_date
    if when is None:
        raise RateFileError(_l("The file does not say its date: give it (YYYY-MM-DD)."))
    if not rates:
        raise RateFileError(_l("The file has no rate for USD, EUR, JPY, KRW, CNY, AUD or SGD."))
    return [Rate(code, value, when) for code, value in rates]


def save(rates: list[Rate], *, source: str = "", actor_id: int | None = None) -> int:
    """Store the rates (one per currency and date: a re-import replaces that day's figure);
    the caller commits. Returns how many were stored."""
    for rate in rates:
        row = db.session.scalar(db.select(ExchangeRate).filter_by(
            currency=rate.currency, rate_date=rate.rate_date))
        if row is None:
            row = ExchangeRate(currency=rate.currency, rate_date=rate.rate_date)
            db.session.add(row)
        row.vnd_per_unit, row.source, row.created_by_id = rate.vnd_per_unit, source[:80], actor_id
    db.session.flush()
    return len(rates)


def import_file(data: bytes, *, rate_date: date | None = None, source: str = "",
                actor_id: int | None = None) -> int:
    return save(parse_bank_csv(data, rate_date), source=source, actor_id=actor_id)


def set_rate(currency, vnd_per_unit, rate_date, *, actor_id: int | None = None) -> Rate:
    """One rate set by hand on the admin page; every error at once."""
    errors = {}
    code = str(currency or "").strip().upper()
    if code not in CURRENCIES:
        errors["currency"] = _l("Choose one of the listed currencies.")
    value = _number(str(vnd_per_unit or ""))
    if value is None:
        errors["vnd_per_unit"] = _l("Enter how many đồng one unit costs, e.g. 26128.5.")
    when = rate_date if isinstance(rate_date, date) else _parse_date(str(rate_date or ""))
    if when is None:
        errors["rate_date"] = _l("Enter the date of the rate.")
    if errors:
        raise ValidationError(errors)
    rate = Rate(code, value, when)
    save([rate], source="admin", actor_id=actor_id)
    return rate


def latest() -> dict[str, Rate]:
    """The newest rate of each currency."""
    newest = (db.select(ExchangeRate.currency, db.func.max(ExchangeRate.rate_date).label("d"))
              .group_by(ExchangeRate.currency).subquery())
    rows = db.session.scalars(db.select(ExchangeRate).join(
        newest, (ExchangeRate.currency == newest.c.currency)
        & (ExchangeRate.rate_date == newest.c.d)))
    return {r.currency: Rate(r.currency, Decimal(r.vnd_per_unit), r.rate_date) for r in rows}


def history(limit: int = 60) -> list[ExchangeRate]:
    return list(db.session.scalars(db.select(ExchangeRate).order_by(
        ExchangeRate.rate_date.desc(), ExchangeRate.currency).limit(limit)))


def estimate(amount_vnd: int, rate: Rate | None, locale: str) -> Estimate | None:
    """`amount_vnd` in the rate's currency, formatted for the locale (Babel rounds to the
    currency's own digits: none for JPY and KRW)."""
    if rate is None:
        return None
    amount = Decimal(amount_vnd) / rate.vnd_per_unit
    return Estimate(rate.currency, amount,
                    format_currency(amount, rate.currency, locale=locale), rate.rate_date)


def display_currency(chosen, lang: str) -> str | None:
    """The currency a visitor sees estimates in: the one they chose (VND: none), else by the
    page's language (English pages show US dollars, Chinese yuan, Korean won, Japanese yen;
    Vietnamese pages only đồng)."""
    chosen = str(chosen or "").upper()
    if chosen == "VND":
        return None
    if chosen in CURRENCIES:
        return chosen
    return DEFAULT_CURRENCIES.get(lang)


def parse_day(value) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return _parse_date(str(value or ""))
