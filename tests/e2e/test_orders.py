"""A guest buys from two cooperatives with VietQR; the platform confirms the transfer; each
cooperative sees only its part; one ships and delivers; the buyer follows every step."""
from playwright.sync_api import expect

from market.accounts.models import Role
from tests import factories
from tests.e2e.conftest import screenshot, sign_in


def test_guest_vietqr_order_across_two_cooperatives(live_server, live_db, page, chromium):
    pepper_coop = factories.cooperative(name="HTX Hồ tiêu Cư Kuin E2E")
    coffee_coop = factories.cooperative(name="HTX Cà phê Ea Kmat E2E", province_code=68)
    pepper = factories.product(pepper_coop, name_vi="Tiêu đen E2E", name_en="E2E black pepper",
                               price=120_000, stock=9)
    coffee = factories.product(coffee_coop, name_vi="Cà phê E2E", name_en="E2E coffee",
                               price=210_000, stock=9)
    pepper_staff = factories.staff(pepper_coop, email="e2e-pepper@example.vn")
    coffee_staff = factories.staff(coffee_coop, email="e2e-coffee@example.vn")
    admin = factories.user(Role.ADMIN, email="e2e-admin@example.vn")
    emails = pepper_staff.email, coffee_staff.email, admin.email
    slugs = pepper.slug, coffee.slug
    live_db.session.commit()

    # The guest fills a cart from two cooperatives on the product pages.
    for slug in slugs:
        page.goto(f"{live_server}/vi/p/{slug}")
        page.get_by_role("button", name="Thêm vào giỏ").click()
        expect(page.get_by_text("Đã thêm vào giỏ hàng.")).to_be_visible()
    expect(page.get_by_role("heading", name="HTX Hồ tiêu Cư Kuin E2E")).to_be_visible()
    expect(page.get_by_role("heading", name="HTX Cà phê Ea Kmat E2E")).to_be_visible()
    page.get_by_role("link", name="Thanh toán").click()

    page.get_by_label("Tên người nhận").fill("Lê Thị Hoa")
    page.get_by_label("Email").fill("hoa@example.vn")
    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_label("Tỉnh hoặc thành phố").select_option(label="Thành phố Hà Nội")
    page.get_by_label("Xã hoặc phường").select_option(label="Phường Hoàn Kiếm")
    page.get_by_label("Số nhà, đường hoặc thôn, buôn").fill("12 Hàng Bạc")
    page.get_by_label("Chuyển khoản ngân hàng (VietQR)").check()
    page.get_by_role("button", name="Đặt hàng").click()

    expect(page.get_by_role("heading", name="Thanh toán bằng chuyển khoản")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    reference = page.locator("dd code").inner_text()
    tracking_url = page.url
    screenshot(page, "order-vietqr-vi")

    # The platform sees the transfer arrive and confirms it by its reference.
    staff_context = chromium.new_context(locale="vi-VN")
    staff_page = staff_context.new_page()
    sign_in(staff_page, live_server, emails[2])
    staff_page.goto(live_server + "/vi/admin/transfers")
    staff_page.get_by_label("Mã đơn hoặc mã tham chiếu").fill(reference.lower())
    staff_page.get_by_role("button", name="Tìm", exact=True).last.click()
    staff_page.get_by_role("link", name="Kiểm tra và xác nhận").click()
    staff_page.get_by_label("Tôi đã thấy số tiền này trên sao kê ngân hàng").check()
    staff_page.get_by_role("button", name="Xác nhận chuyển khoản").click()
    expect(staff_page.get_by_text(f"Đã xác nhận chuyển khoản có nội dung {reference}")).to_be_visible()
    staff_page.get_by_role("button", name="Đăng xuất").click()

    # Each cooperative sees only its own part.
    sign_in(staff_page, live_server, emails[1])
    staff_page.goto(live_server + "/vi/vendor/orders")
    expect(staff_page.locator("tbody tr")).to_have_count(1)
    staff_page.get_by_role("button", name="Đăng xuất").click()

    sign_in(staff_page, live_server, emails[0])
    staff_page.goto(live_server + "/vi/vendor/orders")
    expect(staff_page.locator("tbody tr")).to_have_count(1)
    staff_page.locator("tbody tr a").first.click()
    expect(staff_page.get_by_text("Tiêu đen E2E")).to_be_visible()
    expect(staff_page.get_by_text("Cà phê E2E")).to_have_count(0)
    staff_page.get_by_role("button", name="Chuyển sang đã đóng gói").click()
    staff_page.get_by_label("Đơn vị vận chuyển").select_option("vnpost")
    staff_page.get_by_label("Mã vận đơn").fill("EB123456789VN")
    staff_page.get_by_role("button", name="Chuyển sang đang vận chuyển").click()
    staff_page.get_by_role("button", name="Chuyển sang đã giao").click()
    expect(staff_page.locator("[data-status]")).to_have_text("đã giao")
    staff_context.close()

    # The buyer's tracking page shows every step, in Vietnamese and in English.
    page.goto(tracking_url)
    pepper_part = page.locator("section", has_text="HTX Hồ tiêu Cư Kuin E2E")
    expect(pepper_part.locator("[data-status]")).to_have_text("đã giao")
    expect(pepper_part.get_by_text("EB123456789VN")).to_be_visible()
    expect(pepper_part.locator(".timeline li")).to_have_count(5)
    coffee_part = page.locator("section", has_text="HTX Cà phê Ea Kmat E2E")
    expect(coffee_part.locator("[data-status]")).to_have_text("đã thanh toán")
    screenshot(page, "order-tracking-vi")
    page.goto(tracking_url.replace("/vi/", "/en/"))
    expect(page.locator("section", has_text="HTX Hồ tiêu Cư Kuin E2E").locator(
        "[data-status]")).to_have_text("delivered")
    expect(page.locator("section", has_text="HTX Hồ tiêu Cư Kuin E2E").get_by_text(
        "awaiting payment")).to_be_visible()
    screenshot(page, "order-tracking-en", width=390)
