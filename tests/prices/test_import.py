"""The import rules: bad rows, duplicates, conflicts, permissions and rollback."""
import io
from datetime import date

import pytest
from openpyxl import Workbook

from market.accounts.models import Role
from market.errors import DomainError, PermissionDenied
from market.extensions import db
from market.geo import services as geo
from market.prices import services
from market.prices.models import ImportBatch, PriceObservation, PriceSeries
from tests.prices.conftest import csv_bytes

GOOD = [
    ("2026-01-28", "coffee_robusta", "dak_lak", "VND/kg", "101000"),
    ("2026-01-29", "coffee_robusta", "dak_lak", "VND/kg", "102300.0"),
    ("2026-01-30", "coffee_robusta", "dak_lak", "VND/kg", "101550"),
]


def _count(model=PriceObservation):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _import(actor, rows, name="prices.csv"):
    return services.import_prices(actor, name, csv_bytes(rows), source="test",
                                  today=date(2026, 2, 1))


def test_good_file_is_imported_with_integer_vnd(make):
    officer = make.officer()
    result = _import(officer, GOOD)
    assert (result.added, result.unchanged) == (3, 0)
    assert result.batch.created_by_id == officer.id
    prices = db.session.scalars(db.select(PriceObservation.amount_vnd)
                                .order_by(PriceObservation.observed_on)).all()
    assert prices == [101000, 102300, 101550]
    series = db.session.scalar(db.select(PriceSeries))
    assert (series.currency, series.unit, series.forecast_stale) == ("VND", "kg", True)
    assert series.market.province_code == 66


def test_every_bad_row_is_reported_and_nothing_is_written(make):
    rows = GOOD + [
        ("2026-13-01", "coffee_robusta", "dak_lak", "VND/kg", "100"),
        ("2026-01-10", "Coffee Robusta", "dak_lak", "VND/kg", "100"),
        ("2026-01-11", "coffee_robusta", "dak_lak", "VND per kg", "100"),
        ("2026-01-12", "coffee_robusta", "dak_lak", "VND/kg", "1.234,5"),
        ("2026-01-13", "coffee_robusta", "dak_lak", "VND/kg", "100.5"),
        ("2026-01-14", "coffee_robusta", "dak_lak", "VND/kg", "-5"),
        ("2027-01-01", "coffee_robusta", "dak_lak", "VND/kg", "100"),
        ("2026-01-15", "coffee_robusta", "dak_lak", "USD/kg", "4.1"),
    ]
    with pytest.raises(services.ImportRejected) as exc:
        _import(make.officer(), rows)
    lines = [line for line, _ in exc.value.rows]
    assert lines == [5, 6, 7, 8, 9, 10, 11, 12]  # header is line 1
    assert "VND/kg" in str(exc.value.rows[-1][1])
    assert _count() == 0 and _count(ImportBatch) == 0 and _count(PriceSeries) == 0


def test_missing_columns_and_wrong_file_type(make):
    with pytest.raises(services.ImportRejected) as exc:
        services.import_prices(make.officer(), "p.csv", b"date,price\n2026-01-01,5\n")
    assert exc.value.rows[0][0] == 1 and "commodity" in str(exc.value.rows[0][1])
    with pytest.raises(services.ImportRejected):
        services.import_prices(make.officer(), "p.pdf", b"%PDF")


def test_reimporting_the_same_rows_changes_nothing(make):
    officer = make.officer()
    _import(officer, GOOD)
    db.session.scalar(db.select(PriceSeries)).forecast_stale = False
    again = _import(officer, GOOD + GOOD[:1])  # and a duplicate line inside the file
    assert (again.added, again.batch) == (0, None)
    assert _count() == 3 and _count(ImportBatch) == 1
    assert db.session.scalar(db.select(PriceSeries)).forecast_stale is False


def test_conflicting_price_is_reported_not_overwritten(make):
    officer = make.officer()
    first = _import(officer, GOOD)
    changed = [GOOD[0], ("2026-01-29", "coffee_robusta", "dak_lak", "VND/kg", "99000"),
               ("2026-01-31", "coffee_robusta", "dak_lak", "VND/kg", "100000")]
    with pytest.raises(services.ImportRejected) as exc:
        _import(officer, changed)
    assert [line for line, _ in exc.value.rows] == [3]
    message = str(exc.value.rows[0][1])
    assert "102300" in message and "99000" in message and first.batch.public_id in message
    assert _count() == 3
    assert db.session.scalar(db.select(PriceObservation.amount_vnd).where(
        PriceObservation.observed_on == date(2026, 1, 29))) == 102300


def test_same_key_twice_in_one_file_with_different_prices(make):
    rows = GOOD + [("2026-01-30", "coffee_robusta", "dak_lak", "VND/kg", "90000")]
    with pytest.raises(services.ImportRejected) as exc:
        _import(make.officer(), rows)
    assert exc.value.rows[0][0] == 5 and " 4" in str(exc.value.rows[0][1])


def test_a_series_keeps_one_unit(make):
    officer = make.officer()
    _import(officer, GOOD)
    with pytest.raises(services.ImportRejected) as exc:
        _import(officer, [("2026-01-31", "coffee_robusta", "dak_lak", "VND/tonne", "101000000")])
    assert "VND/kg" in str(exc.value.rows[0][1])


def test_officers_import_only_their_province_and_world_markets(make):
    gia_lai = geo.find_province("Gia Lai").code
    other = make.officer(province_code=gia_lai)
    with pytest.raises(services.ImportRejected) as exc:
        _import(other, GOOD[:1] + [("2026-01-01", "coffee_robusta", "world", "USD/kg", "4.2")])
    assert [line for line, _ in exc.value.rows] == [2]
    result = _import(other, [("2026-01-01", "coffee_robusta", "world", "USD/kg", "4.2")])
    assert result.added == 1
    with pytest.raises(PermissionDenied):
        _import(make.user(Role.BUYER), GOOD)
    assert _import(make.user(Role.ADMIN), GOOD).added == 3


def test_xlsx_upload(make):
    book = Workbook()
    sheet = book.active
    sheet.append(["date", "commodity", "market", "unit", "price"])
    sheet.append([date(2026, 1, 5), "rice_5pct_broken", "vietnam_export_fob", "USD/tonne", 376.33])
    sheet.append(["2026-01-06", "rice_5pct_broken", "vietnam_export_fob", "USD/tonne", "abc"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(services.ImportRejected) as exc:
        services.import_prices(make.officer(), "p.xlsx", buffer.getvalue(), today=date(2026, 2, 1))
    assert [line for line, _ in exc.value.rows] == [3]
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    result = services.import_prices(make.officer(), "p.xlsx", buffer.getvalue(),
                                    today=date(2026, 2, 1))
    obs = db.session.scalar(db.select(PriceObservation))
    assert result.added == 1 and obs.currency == "USD" and str(obs.amount) == "376.3300"
    assert obs.amount_vnd is None


def test_rollback_removes_the_batch_rows_and_keeps_history(make):
    officer = make.officer()
    first = _import(officer, GOOD)
    second = _import(officer, [("2026-01-31", "coffee_robusta", "dak_lak", "VND/kg", "100000")])
    series = db.session.scalar(db.select(PriceSeries))
    series.forecast_stale = False
    with pytest.raises(PermissionDenied):
        services.rollback_batch(make.officer(province_code=geo.find_province("Gia Lai").code),
                                second.batch.public_id)
    services.rollback_batch(officer, second.batch.public_id)
    assert _count() == 3 and series.forecast_stale is True
    assert second.batch.rolled_back_at is not None and second.batch.rolled_back_by_id == officer.id
    assert _count(ImportBatch) == 2
    with pytest.raises(DomainError):
        services.rollback_batch(officer, second.batch.public_id)
    # After a rollback the corrected price can be imported.
    assert _import(officer, [("2026-01-31", "coffee_robusta", "dak_lak", "VND/kg", "100500")]).added == 1
    assert first.batch.rolled_back_at is None
