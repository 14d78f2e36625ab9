"""Conformal calibration of the bands, and honest freshness on pages, the API and the feed."""
from datetime import date, timedelta

import numpy as np
import pytest

from market.extensions import db
from market.prices import forecasting as F
from market.prices import services
from market.prices.models import PriceSeries
from tests.prices.conftest import csv_bytes, daily_rows, monthly_rows


def test_calibrated_band_holds_where_the_raw_band_is_badly_off():
    # A model whose standard deviation is half the truth: its raw 80% band (|z| <= 1.28)
    # covers about 47%, not 80%. Calibrated on the first part, checked on a held-out part.
    rng = np.random.default_rng(7)
    z = {h: list(rng.normal(0, 2.0, 400)) for h in (1, 4, 12)}
    calib = {h: v[:200] for h, v in z.items()}
    held = np.abs(np.concatenate([v[200:] for v in z.values()]))
    raw80 = float(np.mean(held <= F.Z80))
    assert raw80 < 0.6
    q = F.calibrate(calib)
    hits80 = np.mean([abs(v) <= q[h][0] for h in (1, 4, 12) for v in z[h][200:]])
    hits95 = np.mean([abs(v) <= q[h][1] for h in (1, 4, 12) for v in z[h][200:]])
    assert 0.72 <= hits80 <= 0.88
    assert 0.88 <= hits95 <= 0.99
    # The adaptive version follows a volatility regime change that split conformal misses.
    shifted = list(rng.normal(0, 1.0, 200)) + list(rng.normal(0, 3.0, 300))
    hits, _ = F.adaptive_hits(shifted[:100], shifted[100:], 0.8)
    assert 0.72 <= np.mean(hits[150:]) <= 0.88


def test_forecast_bands_follow_the_calibration():
    rng = np.random.default_rng(3)
    days = [date(2020, 1, 1) + timedelta(days=30 * i) for i in range(120)]
    prices = 100 * np.exp(np.cumsum(rng.standard_t(3, 120) * 0.03))
    result = F.forecast([d.replace(day=1) for d in days], prices, "M")
    assert result.coverage80 is not None and 0.5 < result.coverage80 <= 1
    widths = [p["hi80"] / p["lo80"] for p in result.points]
    assert widths == sorted(widths)  # never narrower farther out
    for p in result.points:
        assert p["lo95"] <= p["lo80"] < p["mean"] < p["hi80"] <= p["hi95"]


def _setup(officer):
    daily = daily_rows(70)
    # Shift the daily series so that its latest price is from two days ago.
    shift = services.local_today() - timedelta(days=2) - date.fromisoformat(daily[-1][0])
    daily = [((date.fromisoformat(d) + shift).isoformat(), *rest) for d, *rest in daily]
    rows = monthly_rows(30) + daily
    services.import_prices(officer, "p.csv", csv_bytes(rows))
    services.refresh_forecasts()
    for s in db.session.scalars(db.select(PriceSeries)):
        services.set_publication(officer, s, publish=True)
    db.session.commit()


def test_stale_series_warns_in_both_languages_on_the_page(make, client):
    _setup(make.officer())
    vi = client.get("/vi/prices/coffee_robusta?market=world").get_data(as_text=True)
    en = client.get("/en/prices/coffee_robusta?market=world").get_data(as_text=True)
    assert "Out of date: the latest price is" in en
    assert "Dữ liệu đã cũ" in vi
    assert "(past)" in en and "lie in the past" in en
    assert "for the next 12 months" not in en
    assert "Data to 2022-06-01" in en
    # The daily series is fresh: no warning.
    daily = client.get("/en/prices/coffee_robusta?market=dak_lak").get_data(as_text=True)
    assert "Out of date" not in daily


def test_stale_series_in_the_feed_and_the_api(make, client):
    _setup(make.officer())
    feed = client.get("/prices/feed.atom").get_data(as_text=True)
    assert feed.count("Out of date: the latest price (2022-06-01)") == 1
    assert "Dữ liệu đã cũ" in feed
    assert "every forecast period already lies in the past" in feed
    body = client.get("/api/v1/forecasts/coffee_robusta?market=world").get_json()
    f = body["forecasts"][0]
    assert f["freshness"]["stale"] is True and f["freshness"]["stale_after_days"] == 45
    assert f["as_of"] == "2022-06-01"
    assert f["periods_in_past"] == 12 and all(p["in_past"] for p in f["points"])
    daily = client.get("/api/v1/prices/coffee_robusta?market=dak_lak").get_json()
    assert daily["series"][0]["freshness"]["stale"] is False
    assert daily["series"][0]["freshness"]["stale_after_days"] == 7


def test_stale_series_listed_for_officers(make, client):
    from tests.conftest import login

    officer = make.officer()
    _setup(officer)
    login(client, officer)
    page = client.get("/en/prices/import").get_data(as_text=True)
    section = page.split("Series out of date")[1].split("Import history")[0]
    assert "World" in section and "Dak Lak" not in section


@pytest.mark.parametrize(("lang", "heading", "link"), [
    ("vi", "Chuỗi giá đã cũ", "Nhập giá"), ("en", "Price series out of date", "Import prices")])
def test_stale_series_on_the_department_desk(make, client, lang, heading, link):
    from tests.conftest import login

    officer = make.officer()
    _setup(officer)
    login(client, officer)
    page = client.get(f"/{lang}/department/").get_data(as_text=True)
    section = page.split('id="stale-prices"')[1].split("</section>")[0]
    assert heading in section and link in section
    assert f'href="/{lang}/prices/import"' in section
    # the monthly World Bank series is months old: listed with its data date; the daily
    # Đắk Lắk series has a price from two days ago: not listed
    monthly = db.session.scalars(db.select(PriceSeries)).all()
    stale = [f for f in map(services.freshness, monthly) if f and f.stale]
    assert stale and all(f.data_date.isoformat() in section for f in stale)
    assert "World" in section or "Thế giới" in section
    assert "Dak Lak" not in section and "Đắk Lắk" not in section
