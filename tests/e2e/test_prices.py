"""A commodity page in a real browser: the stale-data warning, the production cost with the
margin, and a buyer subscribing to a price alert; phone and desktop, vi and en."""
from playwright.sync_api import expect

from market.prices import services
from tests import factories
from tests.e2e.conftest import screenshot
from tests.prices.conftest import csv_bytes, daily_rows


def test_stale_page_with_costs_and_alert_form(live_server, live_db, page):
    officer = factories.officer(email="e2e-prices-officer@example.vn")
    buyer = factories.user(email="e2e-prices-buyer@example.vn")
    services.import_prices(officer, "p.csv", csv_bytes(daily_rows(90)), source="VOV")
    services.refresh_forecasts()
    for s in services.series_of(services.get_commodity("coffee_robusta")):
        services.set_publication(officer, s, publish=True, commentary_vi="Giá đi ngang.",
                                 commentary_en="Prices flat.")
    services.publish_cost(officer, commodity_slug="coffee_robusta",
                          province_code=factories.DAK_LAK, season="2025/26", cost="65000",
                          source="Sở Nông nghiệp và Môi trường Đắk Lắk",
                          method="Khảo sát 120 hộ: vật tư, công lao động, khấu hao")
    email = buyer.email
    live_db.session.commit()

    page.goto(live_server + "/en/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    for lang in ("en", "vi"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server}/{lang}/prices/coffee_robusta?market=dak_lak")
        expect(page.locator(".warning.stale")).to_be_visible()
        expect(page.locator(".cost")).to_contain_text("65")
        expect(page.locator("#alert-kind")).to_be_visible()
        screenshot(page, f"prices-stale-costs-alerts-{lang}-1280")
        screenshot(page, f"prices-stale-costs-alerts-{lang}-390", width=390)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, overflow

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/en/prices/coffee_robusta?market=dak_lak")
    page.locator("#alert-kind").select_option("move")
    page.get_by_label("Price or percentage").fill("5")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#alerts")).to_contain_text("when the price moves by 5")
