"""The cooperative's and the admin's desk in a real browser, on a phone (390 px) and a
desktop (1280 px): a cooperative opens its dashboard, then prints a packing slip (print
media: no navigation, the commune and province written out); the admin imports a bank
statement and sees which lines matched an order and why the others did not.

MARKET_DOC_SCREENSHOTS=1 also writes the screenshots to docs/screenshots/."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from market.accounts.models import Role
from market.ocop import services as ocop
from tests import factories
from tests.e2e.conftest import doc_screenshot, sign_in
from tests.ocop import util as ocop_util

_runs = itertools.count(1)
WIDTHS = (390, 1280)


def _run() -> int:
    return next(_runs)


def _no_overflow(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.table-wrap')
                && e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))""")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen: {wide}"


@pytest.fixture
def cooperative(live_db):
    coop = factories.cooperative(name="HTX Cà phê Ea Kmat", contact_phone="0262 3850 111",
                                 address="Thôn 3")
    owner = factories.staff(coop, is_owner=True, email=f"e2e-slip-owner-{_run()}@example.vn")
    admin = factories.user(Role.ADMIN, email=f"e2e-slip-admin-{_run()}@example.vn")
    coffee = factories.product(coop, name_vi="Cà phê Robusta rang mộc", price=185_000,
                               weight_grams=500, stock=40)
    honey = factories.product(coop, name_vi="Mật ong hoa cà phê", unit="chai", price=160_000,
                              stock=3, weight_grams=700)
    order = factories.order([(coffee, 2), (honey, 1)], method="cod", name="Nguyễn Thị Mai",
                            phone="0912 345 678", address_line="12 Hàng Bạc")
    factories.order([(coffee, 1)], method="cod", name="Trần Văn Bình")
    today = date.today()
    cert = ocop_util.submit(owner, [coffee], today=today, certificate_number=f"DEMO-E2E-OCOP-{_run()}",
                            decision_date=(today - timedelta(days=3 * 365 - 40)).isoformat())
    ocop.verify_certificate(cert, admin, today=today)
    part = order.vendor_orders[0]
    live_db.session.commit()
    return owner.email, part.number, part.public_id


@pytest.mark.parametrize("width", WIDTHS)
def test_cooperative_opens_the_dashboard_and_prints_a_packing_slip(live_server, page,
                                                                   cooperative, width):
    email, number, public_id = cooperative
    page.set_viewport_size({"width": width, "height": 900})
    page.add_init_script("window.print = function () { window.__printed = true; };")
    sign_in(page, live_server, email)
    for lang in ("vi", "en"):
        page.goto(f"{live_server}/{lang}/vendor/")
        todo = page.locator(".todo")
        expect(todo.locator(".todo-pack h3")).to_have_text(
            "2 đơn cần đóng gói" if lang == "vi" else "2 orders to pack")
        expect(todo.locator(".todo-stock")).to_contain_text("Mật ong hoa cà phê")
        expect(todo.locator(".todo-ocop")).to_contain_text("DEMO-E2E-OCOP-")
        _no_overflow(page)
        doc_screenshot(page, f"coop-dashboard-{lang}-{width}", width)

    page.goto(f"{live_server}/vi/vendor/orders")
    page.locator("tr", has_text=number).get_by_role("link", name="Phiếu đóng gói").click()
    expect(page).to_have_url(f"{live_server}/vi/vendor/orders/{public_id}/slip")
    page.get_by_role("button", name="In", exact=True).click()
    assert page.evaluate("window.__printed") is True  # the static print.js, no inline script
    for lang in ("vi", "en"):
        page.goto(f"{live_server}/{lang}/vendor/orders/{public_id}/slip")
        page.emulate_media(media="screen")
        _no_overflow(page)
        page.emulate_media(media="print")
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".slip-tools")).to_be_hidden()
        slip = page.locator(".slip")
        expect(slip).to_be_visible()
        expect(slip.locator(".slip-commune")).to_have_text("Phường Hoàn Kiếm")
        expect(slip.locator(".slip-province")).to_have_text("Thành phố Hà Nội")
        expect(slip).to_contain_text(number)
        expect(slip).to_contain_text("0912345678")
        expect(slip).to_contain_text("1,7 kg" if lang == "vi" else "1.7 kg")
        expect(slip.locator(".slip-cod-amount")).to_be_visible()
        doc_screenshot(page, f"packing-slip-{lang}-{width}", width)
        page.emulate_media(media="screen")


@pytest.fixture
def transfers(live_db):
    product = factories.product(factories.cooperative(name="HTX Tiêu Chư Sê"), price=320_000,
                                stock=50)
    admin = factories.user(Role.ADMIN, email=f"e2e-bank-admin-{_run()}@example.vn")
    first, second, third = (factories.order([(product, 1)], method="vietqr") for _ in range(3))
    live_db.session.commit()
    dots = "{:,}".format
    rows = [
        ("FT26335001", dots(first.total).replace(",", "."), f"MBVCB.1.{first.number.lower()}.CT"),
        ("FT26335002", "100.000", f"IBFT {second.transfer_reference} thanh toan"),
        ("FT26335003", "320.000", "HTX-2222-3333 chuyen tien"),
        ("FT26335001", dots(first.total).replace(",", "."), f"MBVCB.1.{first.number.lower()}.CT"),
        ("FT26335004", "55.000", "Tra lai tien gui"),
    ]
    lines = ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM", "Số tài khoản: 0071000123456", "",
             "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung chi tiết"]
    lines += [f'01/12/2026,{ref},"{amount}","{text}"' for ref, amount, text in rows]
    return admin.email, ("\n".join(lines) + "\n").encode("utf-8-sig"), first, third


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_imports_a_statement_and_sees_matched_and_unmatched_lines(
        live_server, page, transfers, tmp_path, width):
    email, statement, first, untouched = transfers
    page.set_viewport_size({"width": width, "height": 900})
    path = tmp_path / "sao-ke-vcb.csv"
    path.write_bytes(statement)
    sign_in(page, live_server, email)
    for lang in ("en", "vi"):
        page.goto(f"{live_server}/{lang}/admin/transfers")
        page.locator("#statement").set_input_files(str(path))
        page.get_by_role("button", name="Check the statement" if lang == "en"
                         else "Kiểm tra sao kê").click()
        result = page.locator(".import-result")
        expect(result.locator("table.matched tbody tr")).to_have_count(1)
        expect(result.locator("table.matched")).to_contain_text(first.number)
        unmatched = result.locator("table.unmatched tbody tr")
        expect(unmatched).to_have_count(4)
        reasons = [unmatched.nth(i).get_attribute("data-reason") for i in range(4)]
        assert reasons == ["amount_differs", "unknown_reference", "duplicate", "no_reference"]
        if lang == "vi":
            expect(result).to_contain_text("Số tiền khác với tổng tiền của đơn.")
        _no_overflow(page)
        doc_screenshot(page, f"admin-transfers-import-{lang}-{width}", width)
    page.get_by_role("button", name="Xác nhận 1 khoản chuyển khoản").click()
    expect(page.get_by_text("Đã xác nhận 1 khoản chuyển khoản.")).to_be_visible()
    expect(page.locator("table.awaiting")).not_to_contain_text(first.transfer_reference)
    expect(page.locator("table.awaiting")).to_contain_text(untouched.transfer_reference)
