"""`flask import-prices`, `flask forecast` and the demo price loader."""
from market.extensions import db
from market.prices import services
from market.prices.models import ImportBatch, Market, PriceObservation, PriceSeries
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


def _no_computing(monkeypatch):
    def refuse(jobs, workers):
        if jobs:
            raise AssertionError(f"{len(jobs)} series computed at seed time: the shipped "
                                 f"forecasts do not cover them; run `make demo-forecasts`")
        return []

    monkeypatch.setattr(services, "_compute", refuse)


def test_demo_forecasts_come_shipped_and_published(ctx, monkeypatch):
    """`make run` does not spend a minute fitting models: the shipped file covers every
    bundled series (it fails here when a price file changed without `make demo-forecasts`)."""
    _no_computing(monkeypatch)
    counts = services.load_demo()
    assert counts["forecasts"] == 18
    shipped = services.shipped_demo_forecasts()
    made_at = services._iso_datetime(shipped["made_at"])
    for s in db.session.scalars(db.select(PriceSeries)):
        forecasts = services.current_forecasts(s, published_only=True)
        assert s.published and not s.forecast_stale and forecasts, s.market.slug
        assert all(f.made_at == made_at and len(f.points) == 12 for f in forecasts)


def test_shipped_forecasts_are_what_the_code_computes(ctx):
    """One series (the shortest) recomputed: the file holds the production code's output."""
    from market.prices import forecasting

    services.import_demo_files()
    shipped = services.shipped_demo_forecasts()["series"]
    s, _, job = min(services._plan(stale_only=False), key=lambda e: e[1])
    entry = shipped.get(services.job_digest(job))
    assert entry, "demo_forecasts.json is out of date: run `make demo-forecasts`"
    assert (entry["commodity"], entry["market"]) == (s.commodity.slug, s.market.slug)
    for data, freq in zip(entry["forecasts"], job[2]):
        fresh = forecasting.forecast(job[0], job[1], freq)
        assert data["model"] == fresh.model and data["observations"] == fresh.observations, (
            "the forecasting code changed since demo_forecasts.json: run `make demo-forecasts`")
        for a, b in zip(data["points"], fresh.points):
            assert a["date"] == b["date"]
            assert all(abs(a[k] - b[k]) <= 1e-6 * abs(b[k]) for k in ("mean", "lo95", "hi95"))


def test_series_the_file_does_not_cover_wait_for_the_worker(app, ctx, client, monkeypatch,
                                                             tmp_path):
    """Changed demo data (here: no shipped file at all) is not forecast at seed time; its
    page says the forecast is being computed, and the worker's refresh publishes it."""
    monkeypatch.setattr(services, "SHIPPED_FORECASTS", tmp_path / "none.json")
    _no_computing(monkeypatch)
    assert services.load_demo()["forecasts"] == 0
    s = db.session.scalar(db.select(PriceSeries).join(PriceSeries.market)
                          .where(Market.slug == "vietnam_export_fob"))
    assert s.forecast_stale and s.published
    page = client.get("/en/prices/rice_5pct_broken?market=vietnam_export_fob")
    assert "The forecast is being computed" in page.get_data(as_text=True)

    monkeypatch.undo()
    db.session.execute(db.update(PriceSeries).where(PriceSeries.id != s.id)
                       .values(forecast_stale=False))  # only this one, to keep the test short
    assert services.refresh_forecasts()["series"] == 1
    assert services.current_forecasts(s, published_only=True)
    page = client.get("/en/prices/rice_5pct_broken?market=vietnam_export_fob")
    assert "The forecast is being computed" not in page.get_data(as_text=True)
