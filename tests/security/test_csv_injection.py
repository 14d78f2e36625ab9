"""Every CSV the site writes is safe to open in a spreadsheet: text that would run as a formula
gets a leading quote (OWASP), numbers stay numbers, and our own import undoes it exactly."""
import csv
import io
from datetime import date

import pytest

from market import csv_safe
from market.catalog import transfer
from market.catalog.models import Product
from market.extensions import db
from market.prices import services as prices
from market.prices.models import PriceObservation
from tests.conftest import login

PAYLOADS = ['=HYPERLINK("http://evil.example","bấm")', "+1+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)", "\t=1+1", "\r=1+1", "  =1+1", "'=already quoted"]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("value", PAYLOADS)
def test_escape_round_trip(value):
    escaped = csv_safe.escape(value)
    assert escaped.startswith("'")
    assert csv_safe.unescape(escaped) == value


@pytest.mark.parametrize("value", ["-1200", "-1200.5000", "+3", "1e5", "Cà phê", "'tis", "", 42,
                                   -1200])
def test_plain_values_and_numbers_are_left_alone(value):
    assert csv_safe.escape(value) == value
    assert csv_safe.unescape(value) == value


def test_product_export_escapes_and_import_restores_exactly(make):
    coop = make.cooperative()
    for payload in PAYLOADS:
        make.product(coop, name_vi=payload.strip() or "x", description_vi=payload)
    data = transfer.export(coop, "csv")
    rows = _cells(data.decode("utf-8-sig"))
    for row in rows[1:]:
        for cell in row:
            assert not cell.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r"), row
    before = {p.slug: (p.name("vi"), p.translation("vi").description)
              for p in db.session.scalars(db.select(Product).filter_by(cooperative_id=coop.id))}
    result = transfer.import_products(coop, data)
    assert result.unchanged == len(PAYLOADS)
    after = {p.slug: (p.name("vi"), p.translation("vi").description)
             for p in db.session.scalars(db.select(Product).filter_by(cooperative_id=coop.id))}
    assert after == before


def test_vendor_export_download_is_escaped(client, make):
    staff = make.staff()
    make.product(staff.cooperative, name_vi="=cmd|'/C calc'!A0")
    login(client, staff)
    text = client.get("/en/vendor/export.csv").get_data(as_text=True)
    assert _cells(text)[1][1] == "'=cmd|'/C calc'!A0"


def test_public_price_csv_escapes_text_and_keeps_numbers(client, make):
    result = prices.import_prices(
        None, "p.csv", b"date,commodity,market,unit,price,source\n"
        b"2026-01-05,coffee_robusta,dak_lak,VND/kg,100000,=HYPERLINK(\"http://evil\")\n",
        source="=HYPERLINK(\"http://evil\")", today=date(2026, 1, 6))
    assert result.added == 1
    text = client.get("/api/v1/prices/coffee_robusta?format=csv").get_data(as_text=True)
    row = _cells(text)[1]
    assert row[4] == "100000"                        # a number, untouched
    assert row[5].startswith("'=")                   # text that would be a formula
    assert db.session.scalar(db.select(PriceObservation.source)).startswith("=")
