"""Reviews in the browser: a buyer with a delivered order writes a review with stars (and a
photo) from the order page, and it appears, verified, on the product page. Then the
cooperative page and the product page with reviews at phone and desktop widths in both
languages; nothing may overflow a 390 px screen.

With MARKET_DOC_SCREENSHOTS=1 the screenshots are also written to docs/screenshots/
(cooperative-page-*.png, product-reviews-*.png)."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from market.dbtypes import utcnow
from market.ocop import services as ocop
from market.orders import services as orders
from market.reviews import services as reviews
from market.reviews.demo import _cover, _logo
from market.vendors import services as vendors
from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, sign_in
from tests.ocop import util as ocop_util

SIZES = [(lang, width) for lang in ("vi", "en") for width in (390, 1280)]


def _deliver(product, buyer, staff, days_ago=10):
    start = utcnow() - timedelta(days=days_ago)
    vo = factories.order([(product, 1)], method="cod", buyer=buyer).vendor_orders[0]
    for hours, to in ((20, "packed"), (30, "shipped"), (72, "delivered")):
        orders.transition(vo, to, actor=staff, carrier="GHN", tracking_number="GHN77",
                          now=start + timedelta(hours=hours))
    return vo


ART = {"#6b4226": "ca-phe", "#e0a100": "mat-ong", "#b07d4f": "hat-dinh-duong"}


@pytest.fixture(scope="module")
def shop(live_app):
    with live_app.test_request_context():
        from market.extensions import db

        media = live_app.config["MEDIA_DIR"]
        (Path(media) / "demo").mkdir(parents=True, exist_ok=True)
        coop = factories.cooperative(
            name="HTX Nông nghiệp Dịch vụ Ea Tu", founded_year=2009, member_count=48,
            address="Thôn 3, Buôn Ma Thuột",
            story_vi="Bốn mươi tám hộ thành viên trồng cà phê dưới tán sầu riêng, hái chín "
                     "bằng tay và rang ngay tại hợp tác xã.",
            story_en="Forty-eight member households grow coffee under durian trees, pick "
                     "only ripe cherries by hand and roast at the cooperative.")
        owner = factories.staff(coop, is_owner=True)
        vendors.update_profile(owner, {"public_phone": "0262 3851 234"})
        vendors.set_profile_image(owner, "cover_image", _cover(7), media)
        vendors.set_profile_image(owner, "logo", _logo(), media)
        made = []
        for vi, en, price, colour in [
            ("Cà phê Robusta Ea Tu rang mộc", "Ea Tu plain-roast Robusta", 165_000, "#6b4226"),
            ("Mật ong hoa cà phê Ea Tu", "Ea Tu coffee blossom honey", 210_000, "#e0a100"),
            ("Hạt mắc ca sấy Ea Tu", "Ea Tu roasted macadamia", 320_000, "#b07d4f"),
        ]:
            product = factories.product(coop, name_vi=vi, name_en=en, price=price, stock=60)
            factories.illustrate(product, str(media), ART[colour])
            made.append(product)
        cert = ocop_util.submit(owner, made[:2], stars="4",
                                certificate_number="DEMO-OCOP-EATU-2025")
        ocop.verify_certificate(cert, factories.officer(66), today=ocop_util.TODAY)
        for name, stars, text, answer in [
            ("Nguyễn Thị Lan", 5, ("Cà phê thơm mùi socola, pha phin rất đậm. Gói hàng cẩn "
             "thận, giao nhanh hơn hẹn một ngày."), "Cảm ơn chị Lan đã ủng hộ hợp tác xã!"),
            ("Emma Clarke", 4, ("Rich, chocolatey robusta; lovely as iced coffee. One star off: "
             "delivery to Hanoi took five days."), ""),
        ]:
            buyer = factories.user(name=name)
            vo = _deliver(made[0], buyer, owner, days_ago=20)
            review = reviews.create_review(buyer, vo.public_id, 1, stars=stars, text=text,
                                           media_dir=media)
            if answer:
                reviews.reply(owner, review.public_id, answer)
        writer = factories.user(name="Trần Văn Quang", email="quang.e2e@example.vn")
        waiting = _deliver(made[0], writer, owner, days_ago=5)
        db.session.commit()
        yield {"coop": coop.slug, "product": made[0].slug, "writer": writer.email,
               "order": waiting.order.public_id}
        db.session.remove()


def _png(tmp_path) -> str:
    from PIL import Image

    path = tmp_path / "cup.png"
    Image.new("RGB", (400, 300), (120, 72, 40)).save(path)
    return str(path)


def test_a_buyer_with_a_delivered_order_writes_a_review_that_appears_verified(
        live_server, page, shop, tmp_path):
    sign_in(page, live_server, shop["writer"])
    page.goto(f"{live_server}/vi/orders/{shop['order']}")
    page.get_by_role("link", name="Viết đánh giá").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Đánh giá")
    page.get_by_label("5 sao: tuyệt vời").check()
    page.get_by_label("Đánh giá của bạn").fill("Rang vừa tới, uống phin buổi sáng rất tỉnh.")
    page.locator("input[type=file][name=photos]").set_input_files(_png(tmp_path))
    page.get_by_role("button", name="Đăng đánh giá").click()

    expect(page).to_have_url(re.compile(rf"/vi/p/{shop['product']}#review-"))
    mine = page.locator(".review", has_text="Rang vừa tới, uống phin buổi sáng rất tỉnh.")
    expect(mine).to_be_visible()
    expect(mine.locator(".verified")).to_have_text("Đã mua hàng")
    expect(mine.get_by_role("img", name="5 trên 5 sao")).to_be_visible()
    expect(mine.locator(".review-photos img")).to_have_count(1)
    expect(mine.locator(".review-author")).to_have_text("Quang T.")
    # the title's rating now counts it: 5, 4 and 5 stars
    expect(page.locator(".title-rating")).to_contain_text("4,7")
    expect(page.locator(".title-rating")).to_contain_text("3 đánh giá")
    # and the order page now links to the review instead of offering a new one
    page.goto(f"{live_server}/vi/orders/{shop['order']}")
    expect(page.get_by_role("link", name="Đánh giá của bạn")).to_be_visible()
    expect(page.get_by_role("link", name="Viết đánh giá")).to_have_count(0)


@pytest.mark.parametrize("lang, width", SIZES)
def test_cooperative_and_product_pages(live_server, chromium, shop, lang, width):
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   locale="vi-VN" if lang == "vi" else "en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server}/{lang}/c/{shop['coop']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("HTX Nông nghiệp Dịch vụ Ea Tu")
    expect(page.locator(".coop-cover")).to_be_visible()
    expect(page.locator(".cert-products li")).to_have_count(2)
    expect(page.locator(".coop-contact")).to_contain_text("02623851234")
    fits(page, width)
    doc_screenshot(page, f"cooperative-page-{lang}-{width}")

    page.goto(f"{live_server}/{lang}/p/{shop['product']}")
    expect(page.locator(".review .verified").first).to_be_visible()
    expect(page.locator(".review-reply")).to_contain_text("Cảm ơn chị Lan")
    fits(page, width)
    doc_screenshot(page, f"product-reviews-{lang}-{width}")
    context.close()
