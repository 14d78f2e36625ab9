"""The London futures as an exogenous series: used for domestic daily coffee only when the
rolling-origin backtest says it beats the univariate choice."""
import math
import random
from datetime import date, timedelta

import numpy as np

from market.extensions import db
from market.prices import forecasting as F
from market.prices import services
from market.prices.models import Forecast
from tests.prices.conftest import csv_bytes


def _pair(n=400, seed=5, follow=True):
    """Futures on trading days; a domestic price that follows the close of two days before
    (plus noise) when `follow`, else an unrelated random walk."""
    rng = random.Random(seed)
    first = date(2024, 1, 1)
    fut, f = {}, 2000.0
    for i in range(n + 5):
        day = first + timedelta(days=i)
        f *= math.exp(rng.gauss(0, 0.02))
        if day.weekday() < 5:
            fut[day] = round(f, 1)
    rows_f = [(d.isoformat(), "coffee_robusta", "ice_london_futures", "USD/tonne", v)
              for d, v in sorted(fut.items())]
    rows_d, dom, last_close = [], 100_000.0, None
    closes = sorted(fut.items())
    for i in range(n):
        day = first + timedelta(days=i)
        before = [v for d, v in closes if d <= day - timedelta(days=2)]
        if follow and before:
            if last_close is not None:
                dom *= (before[-1] / last_close) ** 0.8
            last_close = before[-1]
        dom *= math.exp(rng.gauss(0, 0.003 if follow else 0.015))
        if rng.random() < 0.85:
            rows_d.append((day.isoformat(), "coffee_robusta", "dak_lak", "VND/kg",
                           int(round(dom, -2))))
    return rows_f, rows_d


def test_the_regression_wins_when_the_domestic_price_follows_the_futures():
    rows_f, rows_d = _pair()
    exog = ([date.fromisoformat(r[0]) for r in rows_f], [r[4] for r in rows_f])
    dates = [date.fromisoformat(r[0]) for r in rows_d]
    values = [r[4] for r in rows_d]
    with_x = F.forecast(dates, values, "D", exog=exog)
    assert with_x.model == "arimax_futures"
    without = F.forecast(dates, values, "D")
    assert with_x.backtest_mase < 0.9 * without.backtest_mase
    assert all(p["lo95"] < p["mean"] < p["hi95"] for p in with_x.points)


def test_the_regression_is_not_chosen_when_it_does_not_help():
    rows_f, rows_d = _pair(follow=False, seed=9)
    exog = ([date.fromisoformat(r[0]) for r in rows_f], [r[4] for r in rows_f])
    result = F.forecast([date.fromisoformat(r[0]) for r in rows_d], [r[4] for r in rows_d],
                        "D", exog=exog)
    assert result.model != "arimax_futures"


def test_imported_futures_feed_the_domestic_forecast(make):
    officer = make.officer()
    rows_f, rows_d = _pair()
    services.import_prices(officer, "f.csv", csv_bytes(rows_f))
    services.import_prices(officer, "d.csv", csv_bytes(rows_d))
    services.refresh_forecasts()
    domestic = services.get_series("coffee_robusta", "dak_lak")
    daily = db.session.scalar(db.select(Forecast).filter_by(
        series_id=domestic.id, frequency="D", is_current=True))
    assert daily.model == "arimax_futures"
    # New futures prices make the domestic forecast stale too.
    last = date.fromisoformat(rows_f[-1][0]) + timedelta(days=3)
    services.import_prices(officer, "f2.csv", csv_bytes(
        [(last.isoformat(), "coffee_robusta", "ice_london_futures", "USD/tonne", 2100.0)]))
    assert domestic.forecast_stale is True
    assert np.isfinite(daily.backtest_mase)
