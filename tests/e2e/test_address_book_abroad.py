"""The address book abroad in a real browser: a buyer chooses Japan (the form turns into
Japan's fields), types a postal code Japan's post does not use, is told so in the page's
language with everything typed kept, corrects it and saves; the book then lists the address
as Japan's post writes it. Screenshots of the form and the book (390/1280, vi/en)."""
from playwright.sync_api import expect

from market.accounts import addresses
from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, sign_in

REFUSED = {"vi": "Đây không phải mã bưu chính của quốc gia này",
           "en": "This is not a postal code of this country"}


def test_a_buyer_saves_an_address_in_tokyo(live_server, live_db, page):
    email = "taro.e2e@example.jp"
    user = factories.user(email=email, name="山田太郎", locale="en")
    addresses.add_address(user, name="Nguyễn Văn Bình", phone="0912 345 678", province_code=1,
                          commune_code=70, address_line="12 Hàng Bạc")
    live_db.session.commit()
    sign_in(page, live_server, email, lang="en")
    page.goto(f"{live_server}/en/account/addresses/new")
    expect(page.locator("#province_code")).to_be_visible()
    page.locator("#name").fill("山田太郎")
    with page.expect_navigation():  # the script presses "Show this country's address fields"
        page.locator("#country_code").select_option("JP")
    expect(page.locator("#province_code")).to_have_count(0)
    expect(page.locator("#name")).to_have_value("山田太郎")  # kept across the re-render
    page.locator("#phone").fill("03-1234-5678")
    page.locator("#address_line").fill("丸の内1-1")
    page.locator("#country_area").fill("東京都")
    page.locator("#postal_code").fill("1000-01")
    page.locator("main form button[type=submit]").click()
    for lang in ("en", "vi"):
        if lang == "vi":  # the same refusal, as the Vietnamese page says it
            page.goto(f"{live_server}/vi/account/addresses/new")
            with page.expect_navigation():
                page.locator("#country_code").select_option("JP")
            for field, value in (("name", "山田太郎"), ("phone", "03-1234-5678"),
                                 ("address_line", "丸の内1-1"), ("country_area", "東京都"),
                                 ("postal_code", "1000-01")):
                page.locator(f"#{field}").fill(value)
            page.locator("main form button[type=submit]").click()
        expect(page.get_by_text(REFUSED[lang])).to_be_visible()
        expect(page.locator("#address_line")).to_have_value("丸の内1-1")
        expect(page.locator("#country_area")).to_have_value("東京都")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            fits(page, width)
            doc_screenshot(page, f"account-address-abroad-form-{lang}-{width}", width)
    page.locator("#postal_code").fill("100-0005")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".address-card")).to_have_count(2)
    for lang in ("vi", "en"):
        page.goto(f"{live_server}/{lang}/account/addresses")
        card = page.locator(".address-card", has_text="山田太郎")
        expect(card).to_contain_text("100-0005")
        expect(card).to_contain_text("JAPAN")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            fits(page, width)
            doc_screenshot(page, f"account-addresses-abroad-{lang}-{width}", width)
