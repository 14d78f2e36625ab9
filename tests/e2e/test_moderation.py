"""The review moderation queue in a real browser: an officer hides a reported review with a
reason and undoes it; screenshots at 390 px and 1280 px in both languages
(docs/screenshots/review-moderation-{vi,en}-{390,1280}.png with MARKET_DOC_SCREENSHOTS=1)."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import doc_screenshot, fits, sign_in


@pytest.fixture(scope="module")
def queue(live_app):
    with live_app.test_request_context():
        from market.extensions import db
        from market.reviews import services as reviews

        vo, _staff, buyer, _admin = factories.delivered_vendor_order()
        review = reviews.create_review(buyer, vo.public_id, 1, stars=1,
                                       text="Mua ở trang khác rẻ hơn, liên hệ Zalo 09xx.",
                                       media_dir=live_app.config["MEDIA_DIR"])
        reviews.report(factories.user(), review.public_id, "Quảng cáo trang khác")
        factories.officer(email="moderation.officer@example.vn")
        db.session.commit()
        yield review.public_id
        db.session.remove()


@pytest.mark.parametrize("lang, width", [(lang, width) for lang in ("vi", "en")
                                         for width in (390, 1280)])
def test_the_queue_hides_and_undoes(live_server, chromium, queue, lang, width):
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                   locale="vi-VN" if lang == "vi" else "en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, "moderation.officer@example.vn", lang)
    page.goto(f"{live_server}/{lang}/moderation/reviews")
    item = page.locator(f"#review-{queue}")
    expect(item).to_contain_text("Quảng cáo trang khác")  # the report's reason
    fits(page, width)
    doc_screenshot(page, f"review-moderation-{lang}-{width}")
    if (lang, width) == ("vi", 1280):  # one flow: hide with a reason, then undo it
        item.get_by_label("Why hide this review? (the author sees the reason)"
                          if lang == "en" else "Vì sao ẩn đánh giá này? (người viết sẽ thấy lý do)"
                          ).fill("Quảng cáo cho trang khác.")
        item.locator("button.danger").click()
        page.goto(f"{live_server}/{lang}/moderation/reviews?show=hidden")
        expect(page.locator(f"#review-{queue}")).to_contain_text("Quảng cáo cho trang khác.")
        page.locator(f"#review-{queue} form button").click()
        page.goto(f"{live_server}/{lang}/moderation/reviews?show=all")
        expect(page.locator(f"#review-{queue}")).to_contain_text("Hiện lại bởi")
    context.close()
