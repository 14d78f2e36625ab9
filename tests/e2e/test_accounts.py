"""Accounts in a real browser (issue 11): a buyer who forgot the password gets the link from
the outbox, sets a new password and signs in with it, and the browser that was signed in
before is signed out; screenshots of the account pages at phone and desktop widths."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from market.accounts import addresses, services
from market.notifications.models import OutboxEmail
from tests import factories
from tests.e2e.conftest import screenshot

NEW_PASSWORD = "ba con vit bau tren ao sen"


def _sign_in(page, live_server, email, password=factories.PASSWORD):
    page.goto(live_server + "/vi/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    # (on a phone the sign-out button sits in the folded header menu)
    expect(page.get_by_role("button", name="Đăng xuất", include_hidden=True)).to_be_attached()


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _thumb_sized(page, selector):
    """Every control matched is at least 44 px high (a thumb's width, WCAG 2.5.5)."""
    heights = page.eval_on_selector_all(
        selector, "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, heights


@pytest.mark.parametrize("width", [390, 1280])
def test_reset_by_email_signs_out_the_old_session(live_app, live_server, live_db, chromium,
                                                  monkeypatch, width):
    # The link in the mail is built from MARKET_PUBLIC_BASE_URL: point it at this server.
    monkeypatch.setitem(live_app.config, "PUBLIC_BASE_URL", live_server)
    email = f"e2e-reset-{width}@example.vn"
    factories.user(email=email, name="Phạm Thu Hà")
    live_db.session.commit()

    old = chromium.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    old_page = old.new_page()
    _sign_in(old_page, live_server, email)

    context = chromium.new_context(locale="vi-VN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server + "/vi/account/login")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    expect(page.get_by_role("heading", name="Bạn quên mật khẩu?")).to_be_visible()
    _no_sideways_scroll(page)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Gửi liên kết cho tôi").click()
    expect(page.get_by_text(f"Nếu có tài khoản dùng {email}")).to_be_visible()

    body = live_db.session.scalar(sa.select(OutboxEmail.body).filter_by(recipient=email)
                                  .order_by(OutboxEmail.id.desc()))
    link = next(word for word in body.split() if "/account/password/reset/" in word)
    assert link.startswith(live_server + "/vi/")
    page.goto(link)
    expect(page.get_by_text(f"Cho tài khoản {email}")).to_be_visible()
    _no_sideways_scroll(page)
    page.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Đặt mật khẩu mới").click()
    expect(page.get_by_text("Đã đặt mật khẩu mới")).to_be_visible()

    _sign_in(page, live_server, email, NEW_PASSWORD)
    page.goto(live_server + "/vi/account/")
    expect(page.get_by_role("heading", name="Tài khoản của bạn")).to_be_visible()

    # The browser signed in before the reset is signed out.
    old_page.goto(live_server + "/vi/account/")
    expect(old_page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    assert "/account/login" in old_page.url
    # The link worked once.
    page.goto(link)
    expect(page.get_by_text("Liên kết này đã được dùng")).to_be_visible()
    old.close()
    context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_account_pages_at_phone_and_desktop_widths(live_server, live_db, chromium, lang):
    email = f"e2e-book-{lang}@example.vn"
    user = factories.user(email=email, name="Nguyễn Văn Bình", locale=lang)
    user.phone = "0912345678"
    addresses.add_address(user, name="Nguyễn Văn Bình", phone="0912 345 678", province_code=1,
                          commune_code=70, address_line="12 Hàng Bạc")
    shop = addresses.add_address(user, name="Cửa hàng Bình An", phone="0387 654 321",
                                 province_code=66, commune_code=24133,
                                 address_line="Số 45 đường Lê Duẩn")
    product = factories.product(name_vi="Cà phê E2E sổ địa chỉ",
                                name_en="E2E address book coffee", stock=20)
    shop_id, slug = shop.public_id, product.slug
    live_db.session.commit()

    context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/{lang}/account/password/forgot")
        _no_sideways_scroll(page)
        screenshot(page, f"account-forgot-password-{lang}-{width}", width)
    token_page = f"{live_server}/{lang}/account/password/reset/" + \
        services.password_reset_token(services.find_by_email(email))
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(token_page)
        expect(page.locator("main form button.wide")).to_be_visible()
        _no_sideways_scroll(page)
        screenshot(page, f"account-reset-password-{lang}-{width}", width)

    _sign_in(page, live_server, email)
    page.goto(f"{live_server}/{lang}/p/{slug}")
    page.locator("form.add-to-cart button[type=submit]").click()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/{lang}/account/edit")
        expect(page.locator(".account-nav [aria-current=page]")).to_be_visible()
        _no_sideways_scroll(page)
        screenshot(page, f"account-profile-{lang}-{width}", width)
        page.goto(f"{live_server}/{lang}/account/addresses")
        expect(page.locator(".address-card")).to_have_count(2)
        _no_sideways_scroll(page)
        _thumb_sized(page, ".account-nav a, .address-actions .button, .address-actions button")
        screenshot(page, f"account-addresses-{lang}-{width}", width)
        page.goto(f"{live_server}/{lang}/checkout")
        deliver_here = page.locator(".saved-addresses a.button")
        expect(deliver_here).to_have_count(1)
        deliver_here.click()  # a plain link: the checkout comes back filled with it
        assert page.url.endswith(f"?address={shop_id}")
        expect(page.locator("#address_line")).to_have_value("Số 45 đường Lê Duẩn")
        expect(page.locator("#commune_code")).to_have_value("24133")
        _no_sideways_scroll(page)
        screenshot(page, f"checkout-saved-address-{lang}-{width}", width)
    context.close()
