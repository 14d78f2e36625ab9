"""A person opens the site: the home page in both languages, the language switch, sign-in."""
from playwright.sync_api import expect

from market.accounts.models import Role
from tests import factories
from tests.e2e.conftest import screenshot


def test_home_language_switch_and_login(live_server, live_db, page):
    coop = factories.cooperative(name="Hợp tác xã Cà phê Buôn Ma Thuột")
    factories.product(coop, name_vi="Cà phê chồn thử nghiệm", name_en="Test civet coffee")
    user = factories.user(Role.BUYER, email="e2e-buyer@example.vn", name="Chị Hạnh")
    live_db.session.commit()

    page.goto(live_server + "/")
    assert page.url.endswith("/vi/")
    assert page.locator("html").get_attribute("lang") == "vi"
    expect(page.get_by_role("heading", name="Sản phẩm của các hợp tác xã Việt Nam")).to_be_visible()
    expect(page.get_by_text("Cà phê chồn thử nghiệm")).to_be_visible()
    screenshot(page, "home-vi-1280")

    page.get_by_role("link", name="English", exact=True).click()
    expect(page).to_have_url(live_server + "/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_text("Test civet coffee")).to_be_visible()
    screenshot(page, "home-en-390", width=390)

    page.set_viewport_size({"width": 1280, "height": 900})  # (on a phone it is in the menu)
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Welcome back, Chị Hạnh.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
