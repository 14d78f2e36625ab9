"""Harvest calendars (issue 16): data per commodity and province with its sources, shown on
the commodity's price page in both languages and given in the forecast API."""
from __future__ import annotations

import json

import pytest

from market.geo import services as geo
from market.prices import services
from tests.prices.conftest import csv_bytes, daily_rows


def test_every_calendar_names_real_provinces_months_and_sources():
    data = json.loads((services.DATA_DIR / "harvest_calendars.json").read_text("utf-8"))
    assert data["calendars"]
    for entry in data["calendars"]:
        assert geo.province(entry["province_code"]) is not None, entry
        assert entry["months"] and all(1 <= m <= 12 for m in entry["months"]), entry
        assert len(set(entry["months"])) == len(entry["months"])
        assert entry["sources"] and entry["note_vi"] and entry["note_en"]
    crops = {e["commodity"] for e in data["calendars"]}
    assert {"coffee_robusta", "pepper_black", "cashew", "durian"} <= crops
    dak_lak = {h.province_code: h for h in services.harvest_calendar("coffee_robusta")}[66]
    assert dak_lak.months == (10, 11, 12, 1)  # Đắk Lắk robusta: October to January
    assert services.harvest_calendar("rice_5pct_broken") == []


@pytest.mark.parametrize(("lang", "heading", "province"), [
    ("vi", "Lịch thu hoạch", "Đắk Lắk"), ("en", "Harvest calendar", "Dak Lak")])
def test_commodity_page_shows_the_calendar(make, client, lang, heading, province):
    services.import_prices(make.officer(), "p.csv", csv_bytes(daily_rows(30)))
    page = client.get(f"/{lang}/prices/coffee_robusta?market=dak_lak").get_data(as_text=True)
    section = page.split('id="harvest-calendar"')[1].split("</section>")[0]
    assert heading in section and province in section
    row = section.split(province)[1].split("</tr>")[0]
    assert row.count("in-harvest") == 4  # October, November, December, January
    assert "USDA" in section  # the sources are shown


def test_forecast_api_gives_the_calendar(make, client):
    services.import_prices(make.officer(), "p.csv", csv_bytes(daily_rows(30)))
    body = client.get("/api/v1/forecasts/coffee_robusta").get_json()
    by_province = {h["province_code"]: h for h in body["harvest_calendar"]}
    assert by_province[66]["months"] == [10, 11, 12, 1]
    assert by_province[66]["province_name_vi"] == "Đắk Lắk" and by_province[66]["sources"]
