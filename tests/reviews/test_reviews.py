"""Reviews through the real HTTP round trip: who may write, reply, hide and delete, what the
product page, its JSON-LD, cards and the buyer's order page show."""
from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from flask import current_app

from market.accounts.models import Role
from market.catalog.models import Product
from market.dbtypes import utcnow
from market.errors import DomainError, NotFound, PermissionDenied
from market.extensions import db
from market.orders import services as orders
from market.reviews import services as reviews
from market.reviews.models import Review
from tests.conftest import login


def _png(colour=(200, 120, 40)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(out, "PNG")
    out.seek(0)
    return out


@pytest.fixture
def delivered(make):
    vo, staff, buyer, admin = make.delivered_vendor_order()
    return vo, staff, buyer, admin


def _write_url(vo, line=1, lang="vi"):
    return f"/{lang}/reviews/write/{vo.public_id}/{line}"


def _json_ld(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return json.loads(block.group(1))


def _product(vo) -> Product:
    return db.session.get(Product, vo.lines[0].product_id)


def test_a_buyer_with_a_delivered_line_reviews_it_with_stars_text_and_photos(
        client, delivered):
    vo, _staff, buyer, _admin = delivered
    login(client, buyer)
    form = client.get(_write_url(vo))
    assert form.status_code == 200 and 'name="stars"' in form.get_data(as_text=True)
    response = client.post(_write_url(vo), data={
        "stars": "4", "text": "Cà phê thơm, giao nhanh.\nSẽ mua lại.",
        "photos": [(_png(), "a.png"), (_png((10, 90, 40)), "b.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 303
    review = db.session.scalar(db.select(Review).filter_by(order_line_id=vo.lines[0].id))
    assert review.stars == 4 and review.author_id == buyer.id and len(review.photos) == 2
    assert all(name.startswith("reviews/") for name in review.photos)
    product = _product(vo)
    assert (product.rating_count, product.rating_sum, product.rating_avg) == (1, 4, 4.0)
    # the photo is public (like product photos) and re-encoded
    photo = client.get(f"/media/{review.photos[0]}")
    assert photo.status_code == 200 and photo.data[:8] == b"\x89PNG\r\n\x1a\n"

    page = client.get(f"/vi/p/{product.slug}").get_data(as_text=True)
    assert "Cà phê thơm, giao nhanh." in page and "Đã mua hàng" in page  # verified purchase
    assert f'id="review-{review.public_id}"' in page
    # shown in Vietnam time (UTC+7), by the page's one format
    from market.i18n import format_localtime
    assert format_localtime(review.created_at) in page


def test_others_are_refused(client, make, delivered):
    vo, staff, buyer, _admin = delivered
    # another buyer: the order is not theirs -> 404, and nothing is written
    stranger = make.user()
    login(client, stranger)
    assert client.get(_write_url(vo)).status_code == 404
    assert client.post(_write_url(vo), data={"stars": "1", "text": "x"}).status_code == 404
    # the cooperative's own staff cannot review its product either
    staff_client = current_app.test_client()
    login(staff_client, staff)
    assert staff_client.post(_write_url(vo), data={"stars": "5"}).status_code == 404
    # a line that does not exist
    buyer_client = current_app.test_client()
    login(buyer_client, buyer)
    assert buyer_client.get(_write_url(vo, line=2)).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 0


def test_a_buyer_whose_order_is_not_delivered_is_refused(client, make):
    coop = make.cooperative()
    buyer = make.user()
    vo = make.order([(make.product(coop), 1)], method="cod", buyer=buyer).vendor_orders[0]
    assert vo.status == "confirmed"
    login(client, buyer)
    assert client.get(_write_url(vo)).status_code == 403
    response = client.post(_write_url(vo), data={"stars": "5", "text": "Chưa nhận hàng."})
    assert response.status_code == 403
    assert "khi kiện hàng đã được giao" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 0
    # the order page offers no review link yet
    page = client.get(f"/vi/orders/{vo.order.public_id}").get_data(as_text=True)
    assert "/reviews/write/" not in page


def test_a_second_review_of_the_same_line_is_refused(client, delivered):
    vo, _staff, buyer, _admin = delivered
    login(client, buyer)
    assert client.post(_write_url(vo), data={"stars": "5", "text": "Tốt"}).status_code == 303
    again = client.post(_write_url(vo), data={"stars": "1", "text": "Lần hai"})
    assert again.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 1
    assert _product(vo).rating_sum == 5


def test_bad_input_gets_a_translated_error_and_keeps_the_text(client, delivered):
    vo, _staff, buyer, _admin = delivered
    login(client, buyer, lang="en")
    response = client.post(_write_url(vo, lang="en"), data={
        "stars": "9", "text": "Lovely honey",
        "photos": [(_png(), "1.png"), (_png(), "2.png"), (_png(), "3.png"), (_png(), "4.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Choose from 1 to 5 stars." in body and "Attach at most 3 photos." in body
    assert "Lovely honey" in body
    fake = client.post(_write_url(vo, lang="en"), data={
        "stars": "5", "photos": [(io.BytesIO(b"<svg onload=alert(1)>"), "x.png")]},
        content_type="multipart/form-data")
    assert fake.status_code == 422 and "Upload a JPEG, PNG or WebP image." in fake.get_data(
        as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 0


def test_the_order_page_links_each_delivered_line_to_its_review(client, delivered):
    vo, _staff, buyer, _admin = delivered
    login(client, buyer)
    page = client.get(f"/vi/orders/{vo.order.public_id}").get_data(as_text=True)
    assert _write_url(vo) in page and "Viết đánh giá" in page
    client.post(_write_url(vo), data={"stars": "5", "text": "Rất ngon"})
    page = client.get(f"/vi/orders/{vo.order.public_id}").get_data(as_text=True)
    assert _write_url(vo) not in page and "Đánh giá của bạn" in page


def test_the_cooperative_replies_once_and_only_its_own(client, make, delivered):
    vo, staff, buyer, _admin = delivered
    review = reviews.create_review(buyer, vo.public_id, 1, stars=3, text="Hơi đắng.",
                                   media_dir=current_app.config["MEDIA_DIR"])
    db.session.commit()
    url = f"/vi/reviews/{review.public_id}/reply"
    other = make.staff(make.cooperative(), is_owner=True)
    login(client, other)
    assert client.post(url, data={"reply": "Không phải sản phẩm của tôi"}).status_code == 404
    login(client, buyer)
    assert client.post(url, data={"reply": "Tự trả lời"}).status_code == 404
    db.session.refresh(review)
    assert review.reply == ""
    login(client, staff)
    first = client.post(url, data={"reply": "Cảm ơn anh, lần sau rang nhạt hơn."})
    assert first.status_code == 303
    second = client.post(url, data={"reply": "Trả lời lần hai"}, follow_redirects=True)
    assert "đã trả lời" in second.get_data(as_text=True)
    db.session.refresh(review)
    assert review.reply == "Cảm ơn anh, lần sau rang nhạt hơn." and review.replied_by_id == staff.id
    page = client.get(f"/vi/p/{_product(vo).slug}").get_data(as_text=True)
    assert "Cảm ơn anh, lần sau rang nhạt hơn." in page
    listed = client.get("/vi/vendor/reviews").get_data(as_text=True)
    assert "Hơi đắng." in listed


def test_an_officer_of_the_province_or_an_admin_hides_with_a_reason(client, make, delivered):
    vo, _staff, buyer, admin = delivered
    media = current_app.config["MEDIA_DIR"]
    first = reviews.create_review(buyer, vo.public_id, 1, stars=1, text="Quảng cáo bẩn",
                                  media_dir=media)
    # a second delivered purchase of the same product, reviewed 5 stars
    product = _product(vo)
    vo2 = make.order([(product, 1)], method="cod", buyer=buyer).vendor_orders[0]
    staff = make.staff(product.cooperative)
    for to in ("packed", "shipped", "delivered"):
        orders.transition(vo2, to, actor=staff, carrier="GHN", tracking_number="GHN1")
    reviews.create_review(buyer, vo2.public_id, 1, stars=5, text="Ngon", media_dir=media)
    db.session.commit()
    assert (product.rating_count, product.rating_avg) == (2, 3.0)

    url = f"/vi/reviews/{first.public_id}/hide"
    far_officer = make.officer(1)  # Hà Nội; the cooperative is in Đắk Lắk
    login(client, far_officer)
    assert client.post(url, data={"reason": "Không phải tỉnh của tôi"}).status_code == 404
    officer = make.officer(66)
    login(client, officer)
    no_reason = client.post(url, data={"reason": ""}, follow_redirects=True)
    assert "Hãy nêu lý do" in no_reason.get_data(as_text=True)
    db.session.refresh(first)
    assert not first.hidden
    assert client.post(url, data={"reason": "Nội dung quảng cáo, không phải đánh giá."}
                       ).status_code == 303
    db.session.refresh(first)
    db.session.refresh(product)
    assert first.hidden and first.hidden_by_id == officer.id
    # hidden reviews drop out of the average and the count
    assert (product.rating_count, product.rating_sum, product.rating_avg) == (1, 5, 5.0)
    ld = _json_ld(client.get(f"/vi/p/{product.slug}").get_data(as_text=True))
    assert ld["aggregateRating"]["ratingValue"] == 5.0
    assert ld["aggregateRating"]["reviewCount"] == 1
    # the public no longer sees it; its author sees it is hidden and why
    anon = current_app.test_client().get(f"/vi/p/{product.slug}").get_data(as_text=True)
    assert "Quảng cáo bẩn" not in anon
    login(client, buyer)
    mine = client.get(f"/vi/p/{product.slug}").get_data(as_text=True)
    assert "Quảng cáo bẩn" in mine and "Nội dung quảng cáo, không phải đánh giá." in mine
    # an admin may hide too (any province); twice is refused
    with pytest.raises(DomainError):
        reviews.hide(admin, first.public_id, "Lần nữa cho chắc")
    second = db.session.scalar(db.select(Review).filter_by(stars=5))
    reviews.hide(admin, second.public_id, "Kiểm tra quyền quản trị")
    assert product.rating_count == 0 and product.rating_avg is None


def test_json_ld_has_aggregate_rating_and_reviews(client, make, delivered):
    vo, _staff, buyer, _admin = delivered
    product = _product(vo)
    anon = current_app.test_client()
    assert "aggregateRating" not in _json_ld(anon.get(f"/en/p/{product.slug}")
                                             .get_data(as_text=True))
    reviews.create_review(buyer, vo.public_id, 1, stars=4, text="Good beans",
                          media_dir=current_app.config["MEDIA_DIR"])
    other = make.user(name="Trần Văn Bình")
    vo2 = make.order([(product, 1)], method="cod", buyer=other).vendor_orders[0]
    staff = make.staff(product.cooperative)
    for to in ("packed", "shipped", "delivered"):
        orders.transition(vo2, to, actor=staff, carrier="GHN", tracking_number="GHN2")
    reviews.create_review(other, vo2.public_id, 1, stars=5, text="Tuyệt vời",
                          media_dir=current_app.config["MEDIA_DIR"])
    db.session.commit()
    html = anon.get(f"/en/p/{product.slug}").get_data(as_text=True)
    ld = _json_ld(html)
    assert ld["aggregateRating"] == {"@type": "AggregateRating", "ratingValue": 4.5,
                                     "reviewCount": 2, "bestRating": 5, "worstRating": 1}
    assert {r["reviewRating"]["ratingValue"] for r in ld["review"]} == {4, 5}
    assert {r["author"]["name"] for r in ld["review"]} >= {"Bình T."}
    assert all(r["@type"] == "Review" and r["datePublished"] for r in ld["review"])
    # the title shows the average and the count; so do product cards
    assert "4.5" in html and "2 reviews" in html and "Verified purchase" in html
    storefront = anon.get(f"/en/c/{product.cooperative.slug}").get_data(as_text=True)
    assert 'class="card-rating"' in storefront and "2 reviews" in storefront


def test_the_author_deletes_their_own_review(client, make, delivered):
    vo, _staff, buyer, _admin = delivered
    media = current_app.config["MEDIA_DIR"]
    review = reviews.create_review(buyer, vo.public_id, 1, stars=2, text="Tạm được",
                                   photos=[_png()], media_dir=media)
    db.session.commit()
    from pathlib import Path
    photo = Path(media) / review.photos[0]
    assert photo.is_file()
    url = f"/vi/reviews/{review.public_id}/delete"
    login(client, make.user())
    assert client.post(url, data={"confirmed": "1"}).status_code == 404
    login(client, buyer)
    ask = client.post(url)
    assert ask.status_code == 200 and db.session.get(Review, review.id) is not None
    assert client.post(url, data={"confirmed": "1"}).status_code == 303
    assert db.session.scalar(db.select(Review).filter_by(public_id=review.public_id)) is None
    product = _product(vo)
    db.session.refresh(product)
    assert product.rating_count == 0 and not photo.exists()


def test_service_rules(make, delivered):
    vo, staff, buyer, admin = delivered
    with pytest.raises(NotFound):
        reviews.line_to_review(make.user(), vo.public_id, 1)
    with pytest.raises(NotFound):
        reviews.line_to_review(None, vo.public_id, 1)
    review = reviews.create_review(buyer, vo.public_id, 1, stars=5, text="",
                                   media_dir=current_app.config["MEDIA_DIR"])
    with pytest.raises(PermissionDenied):
        reviews.line_to_review(buyer, vo.public_id, 1)
    with pytest.raises(NotFound):
        reviews.reply(admin, review.public_id, "admins do not reply for the cooperative")
    with pytest.raises(NotFound):
        reviews.hide(make.officer(1), review.public_id, "not my province")
    with pytest.raises(NotFound):
        reviews.hide(staff, review.public_id, "the cooperative cannot hide reviews")


def test_cooperative_rating_from_reviews_and_on_time_shipping(make, delivered):
    vo, _staff, buyer, _admin = delivered
    coop_id = vo.cooperative_id
    reviews.create_review(buyer, vo.public_id, 1, stars=4, text="",
                          media_dir=current_app.config["MEDIA_DIR"])
    rating = reviews.cooperative_rating(coop_id)
    assert (rating.average, rating.count) == (4.0, 1)
    # the delivered part was paid and shipped at once: on time
    assert (rating.shipping.counted, rating.shipping.on_time) == (1, 1)
    # a part confirmed 5 days ago and still not shipped counts as late
    product = _product(vo)
    late = make.order([(product, 1)], method="cod", buyer=buyer).vendor_orders[0]
    for event in late.events:
        event.at = utcnow() - timedelta(days=5)
    # a part confirmed an hour ago is not due yet
    make.order([(product, 1)], method="cod", buyer=buyer)
    db.session.flush()
    rating = reviews.cooperative_rating(coop_id)
    assert (rating.shipping.counted, rating.shipping.on_time) == (2, 1)
    assert rating.shipping.share == 0.5


def test_staff_of_another_role_cannot_open_the_vendor_list(client, make):
    login(client, make.user(Role.BUYER))
    assert client.get("/vi/vendor/reviews").status_code == 403


@pytest.mark.parametrize("name, shown", [
    ("Nguyễn Thị Lan", "Lan N."), ("Trần Văn Bình", "Bình T."), ("Emma Clarke", "Emma C."),
    ("Sarah Jane Mitchell", "Sarah M."), ("Hoa", "Hoa"), ("", "—"),
])
def test_authors_are_shown_by_given_name_and_an_initial(name, shown):
    from types import SimpleNamespace

    review = SimpleNamespace(author=SimpleNamespace(name=name))
    assert reviews.author_name(review) == shown


def test_a_hidden_review_s_photos_stop_being_public(client, make, delivered):
    from pathlib import Path

    vo, _staff, buyer, _admin = delivered
    media, private = current_app.config["MEDIA_DIR"], current_app.config["PRIVATE_DIR"]
    review = reviews.create_review(buyer, vo.public_id, 1, stars=1, text="Ảnh không phù hợp",
                                   photos=[_png()], media_dir=media)
    db.session.commit()
    photo = review.photos[0]
    assert client.get(f"/media/{photo}").status_code == 200
    login(client, make.officer(66))
    client.post(f"/vi/reviews/{review.public_id}/hide", data={"reason": "Ảnh phản cảm."})
    assert client.get(f"/media/{photo}").status_code == 404
    assert not (Path(media) / photo).exists() and (Path(private) / photo).is_file()
    login(client, buyer)  # the author still sees the review and why, without the photo
    page = client.get(f"/vi/p/{_product(vo).slug}").get_data(as_text=True)
    assert "Ảnh phản cảm." in page and photo.rsplit(".", 1)[0] not in page
    client.post(f"/vi/reviews/{review.public_id}/delete", data={"confirmed": "1"})
    assert not (Path(private) / photo).exists()
