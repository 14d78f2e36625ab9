"""Lenient parsing of form, CSV and XLSX values: None when a value is not what it should be,
so the calling service can report the field in the user's language."""
from __future__ import annotations

import re
from datetime import date, datetime


def parse_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else None


MAX_PAGE = 10_000  # no listing here has more pages; a larger number is a crafted one


def parse_page(value) -> int:
    """A listing's page number from the query string: 1 when absent or malformed, never
    beyond MAX_PAGE (a huge offset would reach the database as an overflowing integer)."""
    page = parse_int(value)
    return min(max(page or 1, 1), MAX_PAGE)


def parse_date(value) -> date | None:
    """An ISO date (2026-11-23), a date, or a datetime (as XLSX cells give them)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
