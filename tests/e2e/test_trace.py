"""Traceability in the browser: staff create a harvest lot, record its processing and split
it into packed lots, print the label sheet; the QR code printed on a label decodes (zxing-cpp)
to the lot's address, whose trace page shows the events in Vietnamese and in English; a buyer
orders, the cooperative packs, and the buyer's order page links to that lot.

With MARKET_DOC_SCREENSHOTS=1 the trace page and the label sheet are also written to
docs/screenshots/ (trace-page-*.png, trace-labels-*.png) at 390 and 1280 px in vi and en."""
from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from market.geo import services as geo
from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, sign_in
from tests.trace.util import GTIN


def test_harvest_to_label_to_trace_page_to_order(live_server, live_app, live_db, page,
                                                 chromium):
    coop = factories.cooperative(name="HTX Cà phê Truy xuất E2E",
                                 commune_code=geo.communes(factories.DAK_LAK)[0].code,
                                 address="Buôn Ea Kmat")
    staff = factories.staff(coop, email="e2e-trace-staff@example.vn")
    buyer = factories.user(email="e2e-trace-buyer@example.vn", name="Trần Văn Mua")
    product = factories.product(coop, name_vi="Cà phê Robusta truy xuất",
                                name_en="Traceable Robusta", variants=[
        {"label_vi": "Gói 250 g", "label_en": "250 g bag", "price": 90_000, "stock": 50,
         "gtin": GTIN, "weight_grams": 250},
        {"label_vi": "Gói 500 g", "label_en": "500 g bag", "price": 170_000, "stock": 20,
         "weight_grams": 500}])
    factories.illustrate(product, live_app.config["MEDIA_DIR"], "ca-phe")
    slug = product.slug
    live_db.session.commit()

    # Staff: a harvest lot, its drying, a split into two packed lots.
    sign_in(page, live_server, staff.email)
    page.goto(f"{live_server}/vi/vendor/trace/new")
    page.get_by_label("Sản phẩm", exact=True).select_option(label="Cà phê Robusta truy xuất – Gói 250 g")
    page.get_by_label("Loại lô", exact=True).select_option("harvest")
    page.get_by_label("Số lượng", exact=True).fill("600")
    page.get_by_label("Ngày thu hoạch hoặc sản xuất", exact=True).fill("2025-11-05")
    page.get_by_label("Vùng trồng", exact=True).fill("Buôn Ea Kmat, Đắk Lắk")
    page.get_by_label("Tiêu chuẩn áp dụng", exact=True).fill("TCVN 4193:2014")
    page.get_by_role("button", name="Tạo lô").click()
    expect(page.get_by_text(re.compile(r"Đã tạo lô L\d{6}-"))).to_be_visible()
    harvest_code = re.search(r"L\d{6}-[0-9A-F]{4}", page.locator("h1").inner_text()).group(0)

    for kind, step, day, vi, en in (
            ("harvest", "", "2025-11-05", "Hái chọn quả chín", "Selective picking of ripe cherries"),
            ("processing", "drying", "2025-11-06", "Phơi trên giàn tre 18 ngày",
             "Dried on raised bamboo beds for 18 days")):
        page.get_by_label("Việc đã diễn ra", exact=True).select_option(kind)
        page.get_by_label("Ngày", exact=True).fill(day)
        if step:
            page.get_by_label("Công đoạn hoặc vật tư", exact=True).select_option(step)
        page.get_by_label("Địa điểm", exact=True).fill("Sân phơi HTX")
        page.get_by_label("Ghi chú (tiếng Việt)", exact=True).fill(vi)
        page.get_by_label("Ghi chú (tiếng Anh)", exact=True).fill(en)
        page.get_by_role("button", name="Ghi nhận", exact=True).click()
        expect(page.get_by_text("Đã ghi sự kiện.")).to_be_visible()

    variants = {"0": "Cà phê Robusta truy xuất – Gói 250 g",
                "1": "Cà phê Robusta truy xuất – Gói 500 g"}
    for i, (taken, units) in enumerate(((50, 200), (50, 100))):
        page.locator(f"#parts-{i}-taken").fill(str(taken))
        page.locator(f"#parts-{i}-quantity").fill(str(units))
        page.locator(f"#parts-{i}-variant_id").select_option(label=variants[str(i)])
    page.get_by_role("button", name="Chia lô", exact=True).click()
    expect(page.get_by_text(re.compile("Đã chia thành 2 lô"))).to_be_visible()

    # The label sheet: every packed lot, each with its code.
    page.goto(f"{live_server}/vi/vendor/trace/")
    page.get_by_role("link", name="In tem").click()
    page.get_by_label("Cỡ tem", exact=True).select_option("large")
    page.get_by_role("button", name="Xem").click()
    labels = page.locator(".label")
    expect(labels).to_have_count(2)
    first = labels.filter(has_text="Gói 250 g")
    packed_code = first.get_attribute("data-lot")
    image = Image.open(io.BytesIO(first.locator("img").screenshot()))
    decoded = zxingcpp.read_barcodes(image)
    assert decoded, "the printed QR code does not decode"
    target = decoded[0].text
    assert target == f"{live_app.config['PUBLIC_BASE_URL']}/01/0{GTIN}/10/{packed_code}"
    for lang in ("vi", "en"):
        page.goto(f"{live_server}/{lang}/vendor/trace/labels?lot={packed_code}&size=medium"
                  f"&copies=6")
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            fits(page, width)
            doc_screenshot(page, f"trace-labels-{lang}-{width}", width)

    # Anyone scanning it: the Digital Link opens the trace page in the phone's language.
    scan = chromium.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    phone = scan.new_page()
    phone.goto(live_server + target[target.index("/01/"):])
    expect(phone).to_have_url(re.compile(f"/en/trace/{packed_code}$"))
    expect(phone.get_by_text("Processing: drying")).to_be_visible()
    expect(phone.get_by_text("Dried on raised bamboo beds for 18 days")).to_be_visible()
    expect(phone.get_by_text(re.compile("all 4 events are intact"))).to_be_visible()
    scan.close()
    page.goto(f"{live_server}/vi/trace/{packed_code}")
    expect(page.get_by_text("Chế biến: phơi sấy")).to_be_visible()
    expect(page.get_by_text("Phơi trên giàn tre 18 ngày")).to_be_visible()
    expect(page.get_by_role("link", name=harvest_code).first).to_be_visible()
    for lang in ("vi", "en"):
        page.goto(f"{live_server}/{lang}/trace/{packed_code}")
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            fits(page, width)
            doc_screenshot(page, f"trace-page-{lang}-{width}", width)
    page.set_viewport_size({"width": 1280, "height": 900})

    # A buyer orders the 250 g bag; the cooperative packs; the order page links to the lot.
    buying = chromium.new_context(locale="vi-VN")
    shopper = buying.new_page()
    sign_in(shopper, live_server, buyer.email)
    shopper.goto(f"{live_server}/vi/p/{slug}")
    expect(shopper.get_by_text("Truy xuất được nguồn gốc")).to_be_visible()
    shopper.get_by_role("button", name="Thêm vào giỏ").click()
    shopper.get_by_role("link", name="Thanh toán").click()
    shopper.get_by_label("Tên người nhận").fill("Trần Văn Mua")
    shopper.get_by_label("Email").fill(buyer.email)
    shopper.get_by_label("Số điện thoại di động").fill("0912 345 678")
    shopper.get_by_label("Tỉnh hoặc thành phố").select_option(label="Thành phố Hà Nội")
    shopper.get_by_label("Xã hoặc phường").select_option(label="Phường Hoàn Kiếm")
    shopper.get_by_label("Số nhà, đường hoặc thôn, buôn").fill("12 Hàng Bạc")
    shopper.get_by_label("Thanh toán khi nhận hàng (COD)").check()
    shopper.get_by_role("button", name="Đặt hàng").click()
    order_url = shopper.url

    page.goto(f"{live_server}/vi/vendor/orders")
    page.locator("tbody tr a").first.click()
    page.get_by_role("button", name="Chuyển sang đã đóng gói").click()

    shopper.goto(order_url)
    link = shopper.get_by_role("link", name=f"Truy xuất lô {packed_code}")
    expect(link).to_be_visible()
    link.click()
    expect(shopper).to_have_url(re.compile(f"/vi/trace/{packed_code}$"))
    buying.close()
