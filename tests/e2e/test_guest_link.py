"""A guest orders from two cooperatives on a phone and on a desktop: the cart's − / +
buttons, the checkout summary updating with the province (JavaScript), the order number on
the confirmation page; then the emailed link, read from the outbox, opens the order in a
fresh browser (no session) that sees both parcels and cancels the order."""
import re

import pytest
from playwright.sync_api import expect

from market.extensions import db
from market.notifications.models import OutboxEmail
from tests import factories
from tests.e2e.conftest import screenshot


@pytest.mark.parametrize("width", [390, 1280])
def test_guest_follows_and_cancels_from_the_emailed_link(live_server, live_app, live_db,
                                                         chromium, monkeypatch, width):
    monkeypatch.setitem(live_app.config, "PUBLIC_BASE_URL", live_server)
    pepper_coop = factories.cooperative(name=f"HTX Hồ tiêu Link {width}")  # Đắk Lắk
    coffee_coop = factories.cooperative(name=f"HTX Cà phê Link {width}", province_code=68)
    pepper = factories.product(pepper_coop, name_vi=f"Tiêu đỏ {width}", price=120_000, stock=9)
    coffee = factories.product(coffee_coop, name_vi=f"Cà phê hạt {width}", price=210_000,
                               stock=9)
    slugs = pepper.slug, coffee.slug
    email = f"guest-{width}@example.vn"
    live_db.session.commit()

    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    for slug in slugs:
        page.goto(f"{live_server}/vi/p/{slug}")
        page.get_by_role("button", name="Thêm vào giỏ").click()
    expect(page.locator(".cart-count")).to_have_text("2")
    page.get_by_role("button", name=f"Thêm một Tiêu đỏ {width}").click()
    expect(page.locator(".cart-count")).to_have_text("3")
    expect(page.get_by_label(f"Số lượng Tiêu đỏ {width}")).to_have_value("2")
    plus = page.get_by_role("button", name=f"Thêm một Tiêu đỏ {width}").bounding_box()
    assert plus["width"] >= 44 and plus["height"] >= 44
    page.get_by_role("link", name="Thanh toán").click()

    # With scripts the summary follows the province; the no-JS button is not needed.
    expect(page.get_by_role("button", name="Cập nhật tổng tiền")).to_be_hidden()
    expect(page.locator("[data-total]")).to_have_text("—")
    page.get_by_label("Tên người nhận").fill("Phạm Thu Hà")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_label("Tỉnh hoặc thành phố").select_option(label="Thành phố Hà Nội")
    # 2 kg of pepper and 1 kg of coffee to another region: 44,000 + 35,000 shipping.
    expect(page.locator("[data-shipping-total]")).to_have_text(re.compile(r"79\.000"))
    expect(page.locator("[data-total]")).to_have_text(re.compile(r"529\.000"))
    page.get_by_label("Xã hoặc phường").select_option(label="Phường Hoàn Kiếm")
    page.get_by_label("Số nhà, đường hoặc thôn, buôn").fill("12 Hàng Bạc")
    page.get_by_label("Chuyển khoản ngân hàng (VietQR)").check()
    page.get_by_role("button", name="Đặt hàng").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"Đơn hàng HTX-[0-9A-Z]{4}-[0-9A-Z]{4}"))
    number = heading.inner_text().split()[-1]
    expect(page.locator(".share-link")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"guest-confirmation-{width}")
    context.close()

    live_db.session.expire_all()
    mail = live_db.session.scalar(db.select(OutboxEmail).filter_by(recipient=email)
                                  .order_by(OutboxEmail.id.desc()))
    assert number in mail.subject
    link = re.search(r"(http://\S+/orders/link/\S+)", mail.body).group(1)
    assert link.startswith(live_server)

    fresh = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    other = fresh.new_page()
    other.set_default_timeout(10_000)
    other.goto(link)
    expect(other.get_by_role("heading", level=1)).to_have_text(f"Đơn hàng {number}")
    expect(other.locator(".parcel")).to_have_count(2)
    expect(other.get_by_role("heading", name=f"HTX Hồ tiêu Link {width}")).to_be_visible()
    expect(other.get_by_role("heading", name=f"HTX Cà phê Link {width}")).to_be_visible()
    expect(other.locator(".payment-state")).to_have_text("Đang chờ bạn chuyển khoản")
    assert other.evaluate("document.documentElement.scrollWidth") <= width
    other.get_by_role("button", name="Hủy đơn hàng").click()
    # A destructive action asks once more, on a page of its own.
    expect(other.get_by_role("heading", name=re.compile(r"^Hủy đơn HTX-"))).to_be_visible()
    other.locator(".confirm-step").get_by_role("button", name="Hủy đơn hàng").click()
    expect(other.get_by_text("Đơn hàng của bạn đã được hủy.")).to_be_visible()
    expect(other.locator(".parcel [data-status]")).to_have_text(["đã hủy", "đã hủy"])
    assert "/orders/link/" in other.url  # still the link: no session was needed
    screenshot(other, f"guest-link-cancelled-{width}")
    fresh.close()
