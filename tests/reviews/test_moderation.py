"""Review moderation through the real HTTP round trip: buyers report reviews, the queue of
an officer (their province only) or an admin puts reported reviews first, a hide and its undo
are recorded with actor, time and reason, and the undo restores the rating and the photos."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app

from market.accounts.models import Role
from market.catalog.models import Product
from market.errors import DomainError, PermissionDenied
from market.extensions import db
from market.reviews import services as reviews
from market.reviews.models import ReviewModeration, ReviewReport
from tests.conftest import login


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 120, 40)).save(out, "PNG")
    out.seek(0)
    return out


@pytest.fixture
def two_reviews(make):
    """Two reviews in Đắk Lắk (the older one with a photo) and one in Hà Nội."""
    media = current_app.config["MEDIA_DIR"]
    vo, _staff, buyer, admin = make.delivered_vendor_order()
    older = reviews.create_review(buyer, vo.public_id, 1, stars=1, text="Quảng cáo lừa đảo",
                                  photos=[_png()], media_dir=media)
    older.created_at -= timedelta(days=2)
    vo2, _s, buyer2, _a = make.delivered_vendor_order()
    newer = reviews.create_review(buyer2, vo2.public_id, 1, stars=5, text="Ngon, giao nhanh",
                                  media_dir=media)
    vo3, _s, buyer3, _a = make.delivered_vendor_order(province_code=1)
    far = reviews.create_review(buyer3, vo3.public_id, 1, stars=4, text="Trà Hà Nội",
                                media_dir=media)
    db.session.commit()
    return older, newer, far, admin, buyer


def _queue(client, show="open"):
    response = client.get(f"/vi/moderation/reviews?show={show}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_reported_reviews_come_first_and_officers_see_their_province_only(
        client, make, two_reviews):
    older, _newer, _far, _admin, _buyer = two_reviews
    officer = make.officer(66)
    login(client, officer)
    page = _queue(client)
    assert page.index("Ngon, giao nhanh") < page.index("Quảng cáo lừa đảo")  # newest first
    assert "Trà Hà Nội" not in page  # another province's review
    # a buyer reports the older review from the product page
    reporter = make.user()
    db.session.commit()
    login(client, reporter)
    product = db.session.get(Product, older.product_id)
    html = client.get(f"/vi/p/{product.slug}").get_data(as_text=True)
    assert f'/vi/reviews/{older.public_id}/report' in html
    response = client.post(f"/vi/reviews/{older.public_id}/report",
                           data={"reason": "Quảng cáo, không nói về sản phẩm"})
    assert response.status_code == 303
    again = client.post(f"/vi/reviews/{older.public_id}/report", data={"reason": ""},
                        follow_redirects=True)
    assert "Bạn đã báo cáo đánh giá này rồi." in again.get_data(as_text=True)
    assert db.session.query(ReviewReport).count() == 1
    login(client, officer)
    page = _queue(client)
    assert page.index("Quảng cáo lừa đảo") < page.index("Ngon, giao nhanh")  # reported first
    assert "1 báo cáo" in page and "Quảng cáo, không nói về sản phẩm" in page
    # the admin sees every province
    login(client, make.user(Role.ADMIN))
    assert "Trà Hà Nội" in _queue(client)


def test_hide_then_undo_restores_rating_and_photos_and_records_both(client, make, two_reviews):
    older, _newer, _far, _admin, author = two_reviews
    media, private = current_app.config["MEDIA_DIR"], current_app.config["PRIVATE_DIR"]
    product = db.session.get(Product, older.product_id)
    photo = older.photos[0]
    officer = make.officer(66)
    db.session.commit()
    login(client, officer)
    response = client.post(f"/vi/reviews/{older.public_id}/hide",
                           data={"reason": "Quảng cáo trá hình.", "back": "queue"})
    assert response.status_code == 303 and "/moderation/reviews" in response.location
    db.session.refresh(product)
    assert product.rating_count == 0 and client.get(f"/media/{photo}").status_code == 404
    assert (Path(private) / photo).is_file()
    hidden_page = _queue(client, "hidden")
    assert "Quảng cáo lừa đảo" in hidden_page and "Quảng cáo trá hình." in hidden_page
    assert "Quảng cáo lừa đảo" not in _queue(client, "open")

    response = client.post(f"/vi/reviews/{older.public_id}/restore",
                           data={"reason": "Người mua đã giải thích.", "back": "queue",
                                 "show": "hidden"})
    assert response.status_code == 303
    db.session.refresh(older)
    db.session.refresh(product)
    assert not older.hidden and older.hidden_reason == ""
    assert (product.rating_count, product.rating_sum) == (1, 1)
    assert client.get(f"/media/{photo}").status_code == 200
    assert (Path(media) / photo).is_file() and not (Path(private) / photo).exists()
    events = db.session.scalars(db.select(ReviewModeration).order_by(ReviewModeration.id)).all()
    assert [(e.action, e.actor_id, e.reason) for e in events] == [
        ("hide", officer.id, "Quảng cáo trá hình."),
        ("restore", officer.id, "Người mua đã giải thích.")]
    assert all(e.at is not None for e in events)
    page = _queue(client, "all")
    assert "Ẩn bởi" in page and "Hiện lại bởi" in page
    # a second undo is refused with a message, nothing changes
    again = client.post(f"/vi/reviews/{older.public_id}/restore", data={"reason": ""},
                        follow_redirects=True)
    assert "Đánh giá này không bị ẩn." in again.get_data(as_text=True)
    # the author still sees their own review, now public again
    login(client, author)
    assert "Quảng cáo lừa đảo" in client.get(f"/vi/p/{product.slug}").get_data(as_text=True)


def test_who_may_moderate_and_report(make, two_reviews):
    older, _newer, far, admin, author = two_reviews
    reviews.hide(admin, far.public_id, "Thử quyền quản trị")
    with pytest.raises(DomainError):  # another province's officer: no such review
        reviews.restore(make.officer(66), far.public_id)
    with pytest.raises(PermissionDenied):
        reviews.moderation_queue(make.user())
    with pytest.raises(PermissionDenied):  # one's own review
        reviews.report(author, older.public_id)
    with pytest.raises(PermissionDenied):  # staff are not buyers
        reviews.report(make.staff(make.cooperative()), older.public_id)
    with pytest.raises(PermissionDenied):  # a hidden review cannot be reported
        reviews.report(make.user(), far.public_id)
    reviews.restore(admin, far.public_id)
    assert not far.hidden
