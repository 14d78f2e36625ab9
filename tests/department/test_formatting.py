"""The department tables' fast cell formatting writes exactly what Babel writes."""
from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from market.department import formatting
from tests import factories
from tests.conftest import login

LOCALES = ("vi", "en", "zh", "ko", "ja")


@pytest.mark.parametrize("locale", LOCALES)
def test_fixed_values_match_babel(locale):
    for value in (0, 7, 999, 1000, 1234567, -1234, 0.0, -0.0, 12.5, 99.95, -3.2, 0.0005,
                  2.0005, 12345.678, Decimal(42), Decimal("12.50")):
        assert formatting.number(value, locale) == format_decimal(value, locale=locale)
    for amount in (0, 1, 45_000, 1_234_567, 10**12):
        assert formatting.vnd(amount, locale) == format_currency(
            amount, "VND", locale=locale, format_type="standard")


@settings(max_examples=60, deadline=None)
@given(locale=st.sampled_from(LOCALES),
       value=st.one_of(st.integers(-10**14, 10**14),
                       st.floats(-10**6, 10**6, allow_nan=False).map(lambda x: round(x, 1)),
                       st.floats(-100, 100, allow_nan=False)))
def test_random_values_match_babel(locale, value):
    assert formatting.number(value, locale) == format_decimal(value, locale=locale)
    if isinstance(value, int) and value >= 0:
        assert formatting.vnd(value, locale) == format_currency(
            value, "VND", locale=locale, format_type="standard")


def test_cells_follow_the_page_language(client, make):
    """Two requests of one session, one in each language: the same cells differ."""
    login(client, make.officer(factories.DAK_LAK))
    make.order([(make.product(make.cooperative(), price=1_234_000, stock=5), 1)], method="cod")
    vi = client.get("/vi/department/tables/cooperatives?period=year").get_data(as_text=True)
    en = client.get("/en/department/tables/cooperatives?period=year").get_data(as_text=True)
    assert format_currency(1_234_000, "VND", locale="vi") in vi
    assert format_currency(1_234_000, "VND", locale="en") in en
    assert format_currency(1_234_000, "VND", locale="en") not in vi
