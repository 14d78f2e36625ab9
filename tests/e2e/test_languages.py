"""Issue 15 in a real browser: a Japanese-language buyer on a 390 px phone browses the home
page to a product, sees its yen estimate with the rate's date, and switches to 한국어
staying on the product. The screenshots of the home and product pages in ja, ko and zh
(docs/screenshots/, `MARKET_DOC_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_languages.py`)
are taken here: re-run it once the catalogues change."""
from datetime import date

from playwright.sync_api import expect

from market.accounts.models import Role
from market.intl import rates
from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, screenshot

NAME_EN = "Plain-roast Robusta coffee from Ea Kmat"


def test_japanese_buyer_sees_yen_and_switches_to_korean(live_server, live_app, live_db,
                                                         chromium):
    coop = factories.cooperative(name="HTX Nông nghiệp Ea Kmat (E2E)")
    product = factories.product(coop, name_vi="Cà phê Robusta rang mộc Ea Kmat",
                                name_en=NAME_EN, price=1_250_000, stock=30,
                                description_en="Robusta grown at 500 m, roasted plain.")
    factories.illustrate(product, live_app.config["MEDIA_DIR"], "ca-phe")
    admin = factories.user(Role.ADMIN)
    rates.set_rate("JPY", "170.5", date(2026, 12, 1), actor_id=admin.id)  # the admin's rate
    rates.set_rate("KRW", "18.2", date(2026, 12, 1), actor_id=admin.id)
    rates.set_rate("CNY", "3620", date(2026, 12, 1), actor_id=admin.id)
    live_db.session.commit()
    slug = product.slug

    context = chromium.new_context(viewport={"width": 390, "height": 860}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server + "/")  # Accept-Language: ja-JP
        expect(page).to_have_url(f"{live_server}/ja/")
        assert page.locator("html").get_attribute("lang") == "ja"
        fits(page, 390)
        doc_screenshot(page, "home-ja-390", 390)
        page.get_by_role("link", name=NAME_EN).first.click()
        expect(page).to_have_url(f"{live_server}/ja/p/{slug}")
        expect(page.locator("h1")).to_have_text(NAME_EN)
        assert page.locator("h1").get_attribute("lang") == "en"
        estimate = page.locator("[data-variant-estimate]")
        expect(estimate).to_contain_text("￥7,331")  # 1,250,000 ₫ / 170.5
        expect(estimate).to_contain_text("2026年12月1日")  # the rate's date, in Japanese
        expect(page.locator(".note.untranslated")).to_be_visible()
        fits(page, 390)
        doc_screenshot(page, "product-ja-390", 390)

        # The switch is in the folded phone menu; 한국어 keeps the product.
        page.locator("button.menu-button").click()
        fits(page, 390)  # the five languages wrap inside the open menu
        screenshot(page, "menu-open-ja-390", 390)
        page.get_by_role("link", name="한국어", exact=True).click()
        expect(page).to_have_url(f"{live_server}/ko/p/{slug}")
        assert page.locator("html").get_attribute("lang") == "ko"
        expect(page.locator("[data-variant-estimate]")).to_contain_text("₩68,681")
        fits(page, 390)
        doc_screenshot(page, "product-ko-390", 390)

        for lang in ("ja", "ko", "zh"):
            for width in (390, 1280):
                page.set_viewport_size({"width": width, "height": 860})
                for name, path in (("home", "/"), ("product", f"/p/{slug}")):
                    if (lang, name, width) in (("ja", "home", 390), ("ja", "product", 390),
                                               ("ko", "product", 390)):
                        continue  # taken above, on the way
                    page.goto(f"{live_server}/{lang}{path}")
                    fits(page, width)
                    doc_screenshot(page, f"{name}-{lang}-{width}", width)
        expect(page.locator("[data-variant-estimate]")).to_contain_text("¥345.30")  # zh: yuan
    finally:
        context.close()
