"""Product variants in a real browser: choose a size, the price, stock and SKU follow without
a reload; a sold-out size cannot be chosen; the cart and the order show the chosen size.
Screenshots of the picker at 390 px and 1280 px in both languages
(docs/screenshots/product-variants-{vi,en}-{390,1280}.png with MARKET_DOC_SCREENSHOTS=1)."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, sign_in

SIZES = [
    {"label_vi": "Gói 250 g", "label_en": "250 g pack", "sku": "EA-RB-250", "price": 95_000,
     "weight_grams": 260, "stock": 40, "gtin": "8934567890120"},
    {"label_vi": "Gói 500 g", "label_en": "500 g pack", "sku": "EA-RB-500", "price": 180_000,
     "weight_grams": 520, "stock": 3},
    {"label_vi": "Gói 1 kg", "label_en": "1 kg pack", "sku": "EA-RB-1000", "price": 340_000,
     "weight_grams": 1030, "stock": 0},
]


@pytest.fixture(scope="module")
def coffee(live_app):
    with live_app.test_request_context():
        from market.extensions import db

        media = Path(live_app.config["MEDIA_DIR"]) / "demo"
        media.mkdir(parents=True, exist_ok=True)
        coop = factories.cooperative(name="HTX Nông nghiệp Công Bằng Ea Kmat")
        product = factories.product(
            coop, name_vi="Cà phê Robusta rang mộc Ea Kmat",
            name_en="Ea Kmat plain-roast Robusta coffee",
            description_vi="Robusta trồng trên đất đỏ bazan, rang mộc vừa.",
            description_en="Robusta grown on red basalt soil, medium roasted.",
            variants=[dict(v) for v in SIZES])
        factories.illustrate(product, live_app.config["MEDIA_DIR"], "ca-phe")
        factories.staff(coop, email="variants.staff@example.vn")
        db.session.commit()
        yield product.slug
        db.session.remove()


def test_choose_a_size_then_the_cart_and_the_order_show_it(live_server, page, coffee):
    page.goto(f"{live_server}/en/p/{coffee}")
    price, sku = page.locator("[data-variant-price]"), page.locator("[data-variant-sku]")
    stock = page.locator("[data-variant-stock]")
    first_price = price.inner_text()
    expect(sku).to_have_text("EA-RB-250")
    expect(page.get_by_label("250 g pack")).to_be_checked()
    expect(page.get_by_label("1 kg pack")).to_be_disabled()        # sold out
    expect(page.locator(".variant-option.sold-out")).to_contain_text("Sold out")

    page.get_by_label("500 g pack").check()                         # no reload
    expect(sku).to_have_text("EA-RB-500")
    expect(stock).to_contain_text("only 3 left")
    expect(price).not_to_have_text(first_price)
    expect(price).to_have_text(page.get_by_label("500 g pack").get_attribute("data-price"))
    expect(page.locator("#quantity")).to_have_attribute("max", "3")
    page.locator("#quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()

    line = page.locator(".cart-line")
    expect(line).to_have_count(1)
    expect(line.locator(".cart-variant")).to_have_text("500 g pack")
    expect(line.locator("input[name=quantity]")).to_have_value("2")

    page.get_by_role("link", name="Checkout").click()
    expect(page.locator(".summary-lines")).to_contain_text("500 g pack")
    page.locator("#name").fill("Lê Thị Hoa")
    page.locator("#email").fill("hoa.variants@example.vn")
    page.locator("#phone").fill("0912 345 678")
    page.locator("#province_code").select_option("1")
    page.locator("#commune_code").select_option("70")
    page.locator("#address_line").fill("12 Hàng Bạc")
    page.get_by_label("Cash on delivery").check()
    page.get_by_role("button", name="Place order").click()
    expect(page.locator(".parcel-lines")).to_contain_text(
        "Ea Kmat plain-roast Robusta coffee – 500 g pack")

    # The 500 g pack now holds 1: the product page says so, without JavaScript too.
    page.goto(f"{live_server}/en/p/{coffee}?variant=x")
    page.get_by_label("500 g pack").check()
    expect(stock).to_contain_text("only 1 left")


@pytest.mark.parametrize("lang, width", [(lang, width) for lang in ("vi", "en")
                                         for width in (390, 1280)])
def test_picker_screenshots(live_server, chromium, coffee, lang, width):
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   locale="vi-VN" if lang == "vi" else "en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/{lang}/p/{coffee}")
    expect(page.locator(".variant-option")).to_have_count(3)
    page.locator(".variant-option input").nth(1).check()
    fits(page, width)
    doc_screenshot(page, f"product-variants-{lang}-{width}")
    context.close()


@pytest.mark.parametrize("lang, width", [(lang, width) for lang in ("vi", "en")
                                         for width in (390, 1280)])
def test_vendor_form_with_variant_rows(live_server, chromium, coffee, lang, width):
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   locale="vi-VN" if lang == "vi" else "en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, "variants.staff@example.vn", lang)
    page.goto(f"{live_server}/{lang}/vendor/products/{coffee}/edit")
    rows = page.locator(".variant-row")
    expect(rows).to_have_count(3)
    # Saved rows are folded into one line each: option — price — stock
    summary = re.compile(r"Gói 500 g — 180\.000\s₫ — còn \d+" if lang == "vi"
                         else r"500 g pack — ₫180,000 — \d+ in stock")
    expect(rows.nth(1).locator("summary")).to_contain_text(summary)
    expect(rows.nth(1).get_by_label("SKU" if lang == "en" else "Mã SKU")).to_be_hidden()
    rows.nth(1).locator("summary").click()                 # opens it, no JavaScript needed
    expect(rows.nth(1).locator("input[name=variants-1-price]")).to_be_visible()
    page.locator("button[name=add_variant]").click()       # no JavaScript involved
    expect(rows).to_have_count(4)
    expect(rows.nth(3).locator("input[name=variants-3-price]")).to_be_visible()  # new: open
    expect(rows.nth(0).locator("input[name=variants-0-price]")).to_be_hidden()
    fits(page, width)
    doc_screenshot(page, f"coop-product-variants-{lang}-{width}")
    context.close()
