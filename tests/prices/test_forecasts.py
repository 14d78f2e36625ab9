"""Forecasts: per-series model choice, intervals, staleness and publication."""
from datetime import UTC, date, datetime

import pytest

from market.extensions import db
from market.prices import forecasting, services
from market.prices.models import Forecast, PriceSeries
from tests.prices.conftest import csv_bytes, daily_rows, monthly_rows

TODAY = date(2026, 2, 1)


def _import(actor, rows):
    return services.import_prices(actor, "p.csv", csv_bytes(rows), today=TODAY)


def _series(market="world"):
    return db.session.scalar(db.select(PriceSeries).join(PriceSeries.market)
                             .where(PriceSeries.market.has(slug=market)))


def test_monthly_forecast_records_model_data_and_intervals(make):
    _import(make.officer(), monthly_rows(60))
    counts = services.refresh_forecasts()
    assert counts == {"series": 1, "forecasts": 1, "too_short": 0}
    f = db.session.scalar(db.select(Forecast))
    assert f.frequency == "M" and f.native and f.is_current
    assert f.model in {"naive", "seasonal_naive", "ets_ann", "arima_110", "arima_011"}
    assert f.last_observation_on == date(2024, 12, 1) and f.observations == 60
    assert f.backtest_mase is not None and f.made_at.tzinfo is not None
    assert [p["date"] for p in f.points][:2] == ["2025-01-01", "2025-02-01"]
    assert len(f.points) == 12
    for p in f.points:
        assert p["lo95"] <= p["lo80"] <= p["mean"] <= p["hi80"] <= p["hi95"]
    assert f.points[-1]["hi95"] - f.points[-1]["lo95"] > f.points[0]["hi95"] - f.points[0]["lo95"]
    assert _series().forecast_stale is False
    assert services.refresh_forecasts()["series"] == 0  # nothing stale any more


def test_daily_series_gets_weekly_and_monthly_forecasts(make):
    _import(make.officer(), daily_rows(70))  # about four months: too short for monthly
    services.refresh_forecasts()
    freqs = {f.frequency: f for f in services.current_forecasts(_series("dak_lak"))}
    assert set(freqs) == {"D", "W"}
    assert freqs["D"].native and not freqs["W"].native
    last = date.fromisoformat(freqs["D"].points[0]["date"])
    assert (last - freqs["D"].last_observation_on).days == 1


def test_short_series_fall_back_to_naive_or_get_nothing(make):
    officer = make.officer()
    _import(officer, monthly_rows(12))
    _import(officer, monthly_rows(5, commodity="rubber_rss3"))
    counts = services.refresh_forecasts()
    assert counts["too_short"] == 1
    f = db.session.scalar(db.select(Forecast))
    assert f.model == "naive" and f.points[0]["mean"] == pytest.approx(
        float(monthly_rows(12)[-1][4]))


def test_gaps_are_kept_as_missing_not_filled():
    dates = ["2025-01-01", "2025-02-01", "2025-05-01"]
    s = forecasting.regularise(dates, [1.0, 2.0, 3.0], "M")
    assert len(s) == 5 and s.isna().sum() == 2
    assert forecasting.infer_frequency(dates) == "M"
    assert forecasting.infer_frequency(["2025-01-01", "2025-01-02", "2025-01-05"]) == "D"


def test_a_forecast_is_never_published_from_stale_data(make):
    officer = make.officer()
    _import(officer, monthly_rows(30))
    series = _series()
    with pytest.raises(services.StaleForecast):
        services.set_publication(officer, series, publish=True)
    services.refresh_forecasts()
    services.set_publication(officer, series, publish=True, commentary_vi="Giá ổn định.",
                             commentary_en="Prices steady.")
    first = services.current_forecasts(series, published_only=True)
    assert len(first) == 1 and first[0].published_at is not None
    assert services.published_feed() == first

    # While published, new prices leave the old forecast visible (with its data date) and
    # the refresh publishes a new one made from all the data.
    _import(officer, [("2023-07-01", "coffee_robusta", "world", "USD/kg", "3.10")])
    assert series.forecast_stale is True
    services.set_publication(officer, series, publish=True, commentary_vi="Sửa nhận định.")
    assert services.current_forecasts(series, published_only=True) == first
    services.refresh_forecasts(now=datetime(2099, 2, 1, tzinfo=UTC))
    current = services.current_forecasts(series, published_only=True)
    assert current[0].last_observation_on == date(2023, 7, 1)
    assert current[0].published_at == datetime(2099, 2, 1, tzinfo=UTC)
    assert services.published_feed()[0] == current[0]

    # Withheld, then new prices: it cannot be published again until refreshed.
    services.set_publication(officer, series, publish=False)
    _import(officer, [("2023-08-01", "coffee_robusta", "world", "USD/kg", "3.20")])
    with pytest.raises(services.StaleForecast):
        services.set_publication(officer, series, publish=True)
    assert series.published is False
    services.refresh_forecasts()
    assert services.current_forecasts(series, published_only=True) == []
    services.set_publication(officer, series, publish=True)
    assert services.current_forecasts(series, published_only=True)[0].last_observation_on == \
        date(2023, 8, 1)


def test_withheld_forecasts_leave_the_feed(make):
    officer = make.officer()
    _import(officer, monthly_rows(30))
    services.refresh_forecasts()
    series = _series()
    assert services.current_forecasts(series, published_only=True) == []
    services.set_publication(officer, series, publish=True)
    services.set_publication(officer, series, publish=False, commentary_vi="Tạm dừng.")
    assert services.current_forecasts(series, published_only=True) == []
    assert services.published_feed() == []
    assert series.commentary_vi == "Tạm dừng." and series.commentary_by_id == officer.id


def test_only_officers_of_the_province_publish(make):
    from market.errors import PermissionDenied
    from market.geo import services as geo

    _import(make.officer(), daily_rows(30))
    services.refresh_forecasts()
    gia_lai = make.officer(province_code=geo.find_province("Gia Lai").code)
    with pytest.raises(PermissionDenied):
        services.set_publication(gia_lai, _series("dak_lak"), publish=True)
    with pytest.raises(PermissionDenied):
        services.set_publication(make.staff(), _series("dak_lak"), publish=True)


def test_a_seasonal_model_is_chosen_only_where_the_backtest_supports_it():
    import numpy as np

    rng = np.random.default_rng(16)
    months = np.arange(120)
    # A harvest-driven price: low in the harvest months, high before them, every year.
    seasonal = np.log(50_000) + 0.25 * np.sin(2 * np.pi * months / 12) \
        + rng.normal(0, 0.02, len(months))
    walk = np.log(50_000) + np.cumsum(rng.normal(0, 0.05, len(months)))
    names = [m.name for m in forecasting.candidates("M", 120)]
    assert "ets_ana" in names and "seasonal_naive" in names
    assert "ets_ana" not in [m.name for m in forecasting.candidates("M", 40)]  # < 4 seasons
    assert "ets_ana" not in [m.name for m in forecasting.candidates("D", 10 ** 4)]
    chosen = forecasting.choose(seasonal, "M")
    assert chosen.model in ("ets_ana", "seasonal_naive")
    assert chosen.scores[chosen.model] < 0.8  # much better than naive, as the backtest shows
    assert forecasting.choose(walk, "M").model not in ("ets_ana", "seasonal_naive")
