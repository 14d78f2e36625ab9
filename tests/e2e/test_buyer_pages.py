"""The buyer's pages at phone and desktop widths, in both languages: the cart (photos,
− / + and remove), the checkout summary after choosing the province, and an order with a
shipped parcel and its tracking link. Nothing may overflow a 390 px screen.

With MARKET_DOC_SCREENSHOTS=1 the screenshots are also written to docs/screenshots/
(the README shows the order page)."""

import pytest
from playwright.sync_api import expect

from market.orders import links, services
from tests import factories
from tests.e2e.conftest import doc_screenshot, fits

SIZES = [(lang, width) for lang in ("vi", "en") for width in (390, 1280)]


@pytest.fixture(scope="module")
def shop(live_app):
    """Two cooperatives with photographed products, and a guest order: one parcel shipped
    with Giao Hàng Nhanh, the other still being packed."""
    with live_app.test_request_context():
        from market.extensions import db

        coffee_coop = factories.cooperative(name="HTX Nông nghiệp Công Bằng Ea Kmat")
        tea_coop = factories.cooperative(name="HTX Chè Cầu Đất", province_code=68)
        made = []
        for coop, vi, en, price, art in [
            (coffee_coop, "Cà phê Robusta rang mộc", "Plain-roast Robusta coffee", 185_000,
             "ca-phe"),
            (coffee_coop, "Hồ tiêu đen Ea Kmat", "Ea Kmat black pepper", 120_000,
             "ho-tieu-gia-vi"),
            (tea_coop, "Chè Ô long Cầu Đất", "Cau Dat oolong tea", 260_000, "che-tra"),
        ]:
            product = factories.product(coop, name_vi=vi, name_en=en, price=price, stock=50,
                                        weight_grams=500)
            factories.illustrate(product, live_app.config["MEDIA_DIR"], art)
            made.append(product)
        staff = factories.staff(coffee_coop)
        order = factories.order([(made[0], 2), (made[1], 1), (made[2], 1)], method="cod",
                                name="Lê Thị Hoa", email="hoa.docs@example.vn",
                                phone="0912 345 678", address_line="12 Hàng Bạc")
        shipped = order.vendor_orders[0]
        services.transition(shipped, "packed", actor=staff)
        services.transition(shipped, "shipped", actor=staff, carrier="ghn",
                            tracking_number="GY8H6K7D")
        db.session.commit()
        yield {"slugs": [p.slug for p in made], "link": links.make_token(order),
               "number": order.number}
        db.session.remove()


@pytest.mark.parametrize("lang, width", SIZES)
def test_buyer_pages(live_server, chromium, shop, lang, width):
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   locale="vi-VN" if lang == "vi" else "en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server}/{lang}/orders/link/{shop['link']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(shop["number"])
    link = page.locator(".tracking-link")
    expect(link).to_have_attribute("href", "https://donhang.ghn.vn/?order_code=GY8H6K7D")
    expect(page.locator(".parcel")).to_have_count(2)
    fits(page, width)
    doc_screenshot(page, f"buyer-order-{lang}-{width}")

    for slug, quantity in zip(shop["slugs"], (2, 1, 1)):
        page.goto(f"{live_server}/{lang}/p/{slug}")
        page.locator(".add-to-cart input[name=quantity]").fill(str(quantity))
        page.locator(".add-to-cart button[type=submit]").click()
    expect(page.locator(".cart-count")).to_have_text("4")
    expect(page.locator(".cart-line img")).to_have_count(3)
    for button in page.locator(".cart-line .step").all():
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    fits(page, width)
    doc_screenshot(page, f"buyer-cart-{lang}-{width}")

    page.goto(f"{live_server}/{lang}/checkout")
    page.locator("#name").fill("Lê Thị Hoa")
    page.locator("#email").fill("hoa.docs@example.vn")
    page.locator("#phone").fill("0912 345 678")
    page.locator("#province_code").select_option("66")
    expect(page.locator("[data-shipping-total]")).not_to_have_text("—")
    fits(page, width)
    doc_screenshot(page, f"buyer-checkout-{lang}-{width}")
    context.close()
