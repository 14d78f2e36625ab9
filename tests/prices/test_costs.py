"""Production costs (giá thành): officers publish them for their province; shown with the
margin beside the market price, and round-trip through the API and the feed."""
import pytest

from market.errors import PermissionDenied, ValidationError
from market.extensions import db
from market.prices import services
from market.prices.models import PriceSeries
from tests import factories
from tests.conftest import login
from tests.prices.conftest import csv_bytes, daily_rows


def _daily(officer):
    rows = daily_rows(40)
    services.import_prices(officer, "p.csv", csv_bytes(rows))
    services.refresh_forecasts()
    for s in db.session.scalars(db.select(PriceSeries)):
        services.set_publication(officer, s, publish=True)
    db.session.commit()
    return int(rows[-1][4])


def test_cost_and_margin_round_trip_through_the_api_and_feed(make, client):
    officer = make.officer()
    price = _daily(officer)
    login(client, officer, lang="en")
    page = client.get("/en/prices/costs?commodity=coffee_robusta")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    response = client.post("/en/prices/costs", data={
        "commodity": "coffee_robusta", "province_code": str(factories.DAK_LAK),
        "season": "2025/26", "cost": "65.000", "source": "Sở Nông nghiệp Đắk Lắk, điều tra 2025",
        "method": "Survey of 120 farms: inputs, labour, depreciation"})
    assert response.status_code == 302
    body = client.get("/api/v1/prices/coffee_robusta?market=dak_lak").get_json()
    cost = body["series"][0]["production_cost"]
    assert cost["cost_vnd_per_kg"] == 65000 and cost["season"] == "2025/26"
    assert cost["price_vnd_per_kg"] == price
    assert cost["margin_vnd_per_kg"] == price - 65000
    assert cost["margin_pct"] == round((price - 65000) / 65000 * 100, 2)
    assert cost["source"].startswith("Sở Nông nghiệp")
    assert body["production_costs"][0]["province_code"] == factories.DAK_LAK
    html = client.get("/en/prices/coffee_robusta?market=dak_lak").get_data(as_text=True)
    assert "Cost of production in" in html and "65,000" in html
    feed = client.get("/prices/feed.atom").get_data(as_text=True)
    assert f"margin {price - 65000:+d} VND/kg" in feed
    # A second estimate for the same season replaces the first.
    services.publish_cost(officer, commodity_slug="coffee_robusta",
                          province_code=factories.DAK_LAK, season="2025/26", cost=70000,
                          source="x", method="y")
    db.session.commit()
    again = client.get("/api/v1/prices/coffee_robusta?market=dak_lak").get_json()
    assert [c["cost_vnd_per_kg"] for c in again["production_costs"]] == [70000]


def test_costs_are_scoped_to_the_officers_province(make, client):
    officer = make.officer()
    _daily(officer)
    with pytest.raises(ValidationError) as exc:
        services.publish_cost(officer, commodity_slug="coffee_robusta", province_code=1,
                              season="2025/26", cost=65000, source="s", method="m")
    assert "province_code" in exc.value.errors
    with pytest.raises(PermissionDenied):
        services.publish_cost(make.user(), commodity_slug="coffee_robusta",
                              province_code=factories.DAK_LAK, season="2025", cost=1,
                              source="s", method="m")


def test_bad_cost_input_is_reported_and_kept(make, client):
    officer = make.officer()
    _daily(officer)
    login(client, officer)
    response = client.post("/vi/prices/costs", data={
        "commodity": "coffee_robusta", "province_code": str(factories.DAK_LAK),
        "season": "2025/27", "cost": "abc", "source": "Nguồn của tôi", "method": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Nguồn của tôi"' in html and 'value="2025/27"' in html
    assert html.count('class="error"') == 3
    assert services.list_costs() == []
