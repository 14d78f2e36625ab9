"""The department tables' cells, formatted as Babel formats them (`number` and `vnd` filters
of market/i18n.py) but without Babel's per-call cost: a year's product table has 1,800
cells, and Babel's `format_decimal` (locale lookup, pattern, quantising) took most of its
rendering time. The locale's symbols and patterns are read from Babel once per locale;
values the fast path does not cover exactly go to Babel itself."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, format_decimal

THOUSANDTH = Decimal("0.001")


@lru_cache(maxsize=16)
def _symbols(locale: str) -> tuple | None:
    """(group, decimal separators, VND prefix, VND suffix), or None where the locale's
    patterns are not the plain '#,##0.###' grouping by threes this fast path writes."""
    loc = Locale.parse(locale)
    pattern = loc.decimal_formats.get(None)
    if pattern is None or pattern.grouping != (3, 3) or pattern.frac_prec != (0, 3) \
            or pattern.int_prec[0] != 1 or pattern.prefix != ("", "-") \
            or pattern.suffix != ("", ""):
        return None
    symbols = loc.number_symbols["latn"]
    group, decimal = symbols.get("group", ","), symbols.get("decimal", ".")
    if symbols.get("minusSign", "-") != "-":
        return None
    sample = format_currency(1234567, "VND", locale=locale, format_type="standard")
    digits = _plain(1234567, group, decimal)
    if sample.count(digits) != 1:
        return None
    prefix, suffix = sample.split(digits)
    return group, decimal, prefix, suffix


def _plain(value, group: str, decimal: str) -> str:
    if isinstance(value, int):
        text = f"{value:,}"
    else:  # Babel's rounding: the float's shortest repr, half to even, at most 3 decimals
        exact = Decimal(str(value)).quantize(THOUSANDTH, ROUND_HALF_EVEN)
        text = f"{exact:,f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")

    return text.translate({ord(","): group, ord("."): decimal}) if (group, decimal) != (
        ",", ".") else text


def number(value, locale: str) -> str:
    """= format_decimal(value, locale=locale) for ints and floats."""
    symbols = _symbols(locale)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)  # PostgreSQL's sums of integers
    if symbols is None or isinstance(value, bool) or not isinstance(value, int | float) \
            or (isinstance(value, float) and not abs(value) < 1e15):
        return format_decimal(value, locale=locale)
    return _plain(value, symbols[0], symbols[1])


def vnd(amount: int, locale: str) -> str:
    """= the `vnd` filter (format_currency(amount, "VND", standard)) for amounts >= 0."""
    symbols = _symbols(locale)
    if symbols is None or not isinstance(amount, int) or amount < 0:
        return format_currency(amount, "VND", locale=locale, format_type="standard")
    return f"{symbols[2]}{_plain(amount, symbols[0], symbols[1])}{symbols[3]}"


def install(bp) -> None:
    """The `dept_number` and `dept_vnd` filters, in the page's language (current_lang is
    remembered per request)."""
    from market.i18n import current_lang

    bp.add_app_template_filter(lambda value: number(value, current_lang()), "dept_number")
    bp.add_app_template_filter(lambda amount: vnd(amount, current_lang()), "dept_vnd")
