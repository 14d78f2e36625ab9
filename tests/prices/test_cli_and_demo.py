"""`flask import-prices`, `flask forecast` and the demo price loader."""
from market.extensions import db
from market.prices import services
from market.prices.models import ImportBatch, PriceObservation, PriceSeries
from tests.prices.conftest import csv_bytes, monthly_rows


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_import_and_forecast_commands(app, ctx, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([("2020-01-01", "coffee_robusta", "world", "USD/kg", "x")]))
    result = runner.invoke(args=["import-prices", str(bad)])
    assert result.exit_code != 0 and "bad.csv:2:" in result.output
    assert _count(PriceObservation) == 0

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(monthly_rows(20)))
    result = runner.invoke(args=["import-prices", str(good), "--source", "test"])
    assert result.exit_code == 0, result.output
    assert "20 new" in result.output
    again = runner.invoke(args=["import-prices", str(good)])
    assert "0 new, 20 already recorded" in again.output
    assert _count(ImportBatch) == 1

    result = runner.invoke(args=["forecast"])
    assert result.exit_code == 0 and "1 made for 1 series" in result.output
    assert db.session.scalar(db.select(PriceSeries)).forecast_stale is False


def test_demo_prices_load_once(ctx):
    first = services.load_demo(forecast=False)
    assert first["observations"] == 6442 and first["batches"] == 10
    units = {(s.market.slug, s.currency, s.unit)
             for s in db.session.scalars(db.select(PriceSeries))}
    assert ("dak_lak", "VND", "kg") in units and ("world", "USD", "kg") in units
    assert ("vietnam_export_fob", "USD", "tonne") in units
    again = services.load_demo(forecast=False)
    assert again == {"observations": 0, "batches": 0, "forecasts": 0}
