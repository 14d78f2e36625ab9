"""The cooperative's public page: logo, cover, story in both languages, public contact,
founding year, members, certifications with product names, products with filters and sorts,
and the rating; the owner uploads the logo and cover from the vendor portal."""
from __future__ import annotations

import io
import re

import pytest
from flask import current_app

from market.extensions import db
from market.geo import services as geo
from market.ocop import services as ocop
from market.reviews import services as reviews
from market.vendors.models import Cooperative
from tests.conftest import login
from tests.ocop import util as ocop_util


def _png(size=(1200, 400), colour=(40, 110, 60)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    out.seek(0)
    return out


@pytest.fixture
def shop(make):
    commune = geo.communes(66)[0]
    coop = make.cooperative(
        name="HTX Cà phê Ea Tu", province_code=66, commune_code=commune.code,
        address="Thôn 3", founded_year=2009, member_count=48,
        story_vi="Chúng tôi trồng cà phê dưới tán sầu riêng.",
        story_en="We grow coffee under durian trees.")
    coop.public_phone = "02623851234"
    coop.contact_phone = "0999999999"  # private: between the platform and the cooperative
    coffee, honey = make.category(name_en="Coffee"), make.category(name_en="Honey")
    owner = make.staff(coop, is_owner=True)
    robusta = make.product(coop, name_vi="Cà phê Robusta Ea Tu", name_en="Ea Tu Robusta",
                           category_id=coffee.id, price=150_000, stock=10)
    arabica = make.product(coop, name_vi="Cà phê Arabica Ea Tu", name_en="Ea Tu Arabica",
                           category_id=coffee.id, price=250_000, stock=0)
    mat_ong = make.product(coop, name_vi="Mật ong hoa cà phê", name_en="Coffee blossom honey",
                           category_id=honey.id, price=90_000, stock=5)
    cert = ocop_util.submit(owner, [robusta, arabica], stars="4",
                            certificate_number="OCOP-EATU-1")
    ocop.verify_certificate(cert, make.officer(66), today=ocop_util.TODAY)
    db.session.commit()
    return coop, owner, commune, {"robusta": robusta, "arabica": arabica, "honey": mat_ong,
                                  "coffee": coffee, "honey_cat": honey}


def _names(html: str) -> list[str]:
    return re.findall(r'<h3[^>]*>([^<]+)</h3>', html)


def test_the_page_shows_the_cooperative_s_public_facts(client, shop):
    coop, _owner, commune, _items = shop
    html = client.get(f"/en/c/{coop.slug}").get_data(as_text=True)
    assert "HTX Cà phê Ea Tu" in html
    assert "We grow coffee under durian trees." in html
    # the story in the other language, marked as Vietnamese
    assert 'lang="vi"' in html and "Chúng tôi trồng cà phê dưới tán sầu riêng." in html
    assert "2009" in html and ">48<" in html
    assert commune.name("en") in html and geo.province(66).name("en") in html
    assert "Thôn 3" in html
    assert 'href="tel:02623851234"' in html and "0999999999" not in html
    # certifications name the products they cover, with the stars
    cert = html[html.index('id="cert-title"'):html.index('id="products-title"')]
    assert "OCOP 4-star" in cert and "OCOP-EATU-1" in cert
    assert "Ea Tu Robusta" in cert and "Ea Tu Arabica" in cert
    assert "Coffee blossom honey" not in cert
    # the rating block explains what it means even before any review
    assert "No reviews yet." in html
    assert "Not enough orders yet to measure on-time shipping." in html


def test_products_filter_by_category_stars_and_stock_and_sort(client, shop):
    coop, _owner, _commune, items = shop
    url = f"/en/c/{coop.slug}"
    assert set(_names(client.get(url).get_data(as_text=True))) == {
        "Ea Tu Robusta", "Ea Tu Arabica", "Coffee blossom honey"}
    by_category = client.get(f"{url}?category={items['honey_cat'].slug}")
    assert _names(by_category.get_data(as_text=True)) == ["Coffee blossom honey"]
    four_stars = client.get(f"{url}?stars=4").get_data(as_text=True)
    assert set(_names(four_stars)) == {"Ea Tu Robusta", "Ea Tu Arabica"}
    assert _names(client.get(f"{url}?stars=5").get_data(as_text=True)) == []
    in_stock = client.get(f"{url}?in_stock=1&stars=4").get_data(as_text=True)
    assert _names(in_stock) == ["Ea Tu Robusta"]
    cheap_first = client.get(f"{url}?sort=price_asc").get_data(as_text=True)
    assert _names(cheap_first) == ["Coffee blossom honey", "Ea Tu Robusta", "Ea Tu Arabica"]
    # nonsense in the query string is ignored, not an error
    assert client.get(f"{url}?stars=99&sort=drop&in_stock=yes").status_code == 200


def test_best_rated_sort_and_the_rating_from_reviews_and_shipping(client, make, shop):
    coop, owner, _commune, items = shop
    buyer = make.user()
    from market.orders import services as orders

    vo = make.order([(items["honey"], 1)], method="cod", buyer=buyer).vendor_orders[0]
    for to in ("packed", "shipped", "delivered"):
        orders.transition(vo, to, actor=owner, carrier="GHN", tracking_number="GHN9")
    reviews.create_review(buyer, vo.public_id, 1, stars=5, text="Thơm",
                          media_dir=current_app.config["MEDIA_DIR"])
    db.session.commit()
    html = client.get(f"/en/c/{coop.slug}?sort=rating").get_data(as_text=True)
    assert _names(html)[0] == "Coffee blossom honey"
    rating = html[html.index('id="rating-title"'):]
    assert "1 review" in rating and "100% shipped on time" in rating
    assert "within 3 days of payment" in rating
    vi = client.get(f"/vi/c/{coop.slug}").get_data(as_text=True)
    assert "đơn gửi đúng hẹn" in vi and "1 đánh giá" in vi


def test_the_owner_uploads_logo_and_cover_and_sets_the_public_phone(client, shop):
    coop, owner, _commune, _items = shop
    login(client, owner)
    response = client.post("/vi/vendor/profile", data={
        "address": "Thôn 3", "sector": "cà phê", "member_count": "48",
        "contact_email": "a@example.vn", "contact_phone": "0999999999",
        "public_phone": "0912 345 678", "story_vi": "Câu chuyện mới", "story_en": "New story",
        "logo": (_png((300, 300)), "logo.png"), "cover_image": (_png(), "cover.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    db.session.expire_all()
    coop = db.session.get(Cooperative, coop.id)
    assert coop.public_phone == "0912345678" and coop.story_en == "New story"
    assert coop.logo.startswith("cooperatives/") and coop.cover_image.startswith("cooperatives/")
    assert client.get(f"/media/{coop.cover_image}").status_code == 200
    html = client.get(f"/vi/c/{coop.slug}").get_data(as_text=True)
    assert f"/media/{coop.logo}" in html and f"/media/{coop.cover_image}" in html
    # a file that is not an image, and a phone that is not one, are refused with a reason
    bad = client.post("/vi/vendor/profile", data={
        "address": "Thôn 3", "member_count": "48", "public_phone": "gọi tôi",
        "logo": (io.BytesIO(b"not an image"), "logo.png")}, content_type="multipart/form-data")
    assert bad.status_code == 422
    assert "Hãy nhập số điện thoại Việt Nam" in bad.get_data(as_text=True)
    bad_image = client.post("/vi/vendor/profile", data={
        "address": "Thôn 3", "member_count": "48",
        "logo": (io.BytesIO(b"not an image"), "logo.png")}, content_type="multipart/form-data")
    assert bad_image.status_code == 422
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).logo == coop.logo


def test_staff_who_are_not_the_owner_cannot_change_the_images(client, make, shop):
    coop, _owner, _commune, _items = shop
    member = make.staff(coop)
    login(client, member)
    client.post("/vi/vendor/profile", data={"member_count": "48",
                                            "logo": (_png((50, 50)), "l.png")},
                content_type="multipart/form-data")
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).logo is None
