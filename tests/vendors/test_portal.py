"""The vendor portal over HTTP: onboarding, review, staff, products, and the rule that a
cooperative never reaches another cooperative's objects (always 404)."""
import io

import pytest
from flask import current_app
from PIL import Image

from market.accounts.models import Role
from market.catalog.models import Product
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.vendors.models import CooperativeStatusChange
from tests.conftest import login

PRODUCT_FORM = {
    "name_vi": "Mật ong hoa cà phê", "name_en": "", "description_vi": "Mật ong nguyên chất.",
    "description_en": "", "variants-0-price": "250.000", "unit": "chai", "variants-0-stock": "12",
    "category_id": "",
    "origin_province_code": "66", "status": "active",
}


def _png(size=(40, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "PNG")
    out.seek(0)
    return out


def test_apply_review_by_officer_of_the_province_and_reject_with_reason(client, make):
    applicant = make.user()
    other_officer = make.officer(province_code=1)  # Hà Nội
    officer = make.officer()
    login(client, applicant)
    r = client.post("/vi/vendor/apply", data={
        "name": "HTX Mới Ea Tu", "registration_code": make.registration_code(),
        "province_code": "66", "member_count": "9", "story_vi": "Chuyện", "story_en": "Story",
    })
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert applicant.is_owner and applicant.cooperative.status == "pending"
    slug = applicant.cooperative.slug
    assert client.get(f"/vi/c/{slug}").status_code == 404  # not public yet

    login(client, other_officer)
    assert slug not in client.get("/en/vendor/review/").get_data(as_text=True)
    assert client.get(f"/en/vendor/review/{slug}").status_code == 404
    assert client.post(f"/en/vendor/review/{slug}", data={"decision": "approve"}).status_code == 404

    login(client, officer)
    assert slug in client.get("/en/vendor/review/").get_data(as_text=True)
    r = client.post(f"/en/vendor/review/{slug}", data={"decision": "reject", "reason": ""})
    assert r.status_code == 422
    r = client.post(f"/en/vendor/review/{slug}",
                    data={"decision": "reject", "reason": "Mã số không khớp giấy phép",
                          "confirmed": "1"})
    assert r.status_code == 302

    login(client, applicant)
    assert "Mã số không khớp giấy phép" in client.get("/vi/vendor/").get_data(as_text=True)
    changes = db.session.scalars(db.select(CooperativeStatusChange)
                                 .filter_by(cooperative_id=applicant.cooperative_id)).all()
    assert [(c.from_status, c.to_status) for c in changes] == [(None, "pending"),
                                                               ("pending", "rejected")]
    assert changes[1].actor_id == officer.id


def test_admin_approves_and_storefront_goes_live(client, make):
    coop = make.cooperative(status="pending")
    make.staff(coop, is_owner=True)
    admin = make.user(Role.ADMIN)
    login(client, admin)
    assert client.post(f"/vi/vendor/review/{coop.slug}",
                       data={"decision": "approve"}).status_code == 302
    assert coop.status == "approved"
    assert client.get(f"/vi/c/{coop.slug}").status_code == 200


def test_buyer_cannot_review(client, make):
    coop = make.cooperative(status="pending")
    login(client, make.user())
    assert client.get(f"/vi/vendor/review/{coop.slug}").status_code == 403


def test_owner_invites_staff_by_email_link_and_removes_them(client, make):
    owner = make.staff(is_owner=True)
    login(client, owner)
    assert client.post("/vi/vendor/staff", data={"email": "moi@example.vn"}).status_code == 302
    mail = db.session.scalar(db.select(OutboxEmail).filter_by(recipient="moi@example.vn"))
    # the link is built from the configured public address, never the request's Host
    link = mail.body.split(current_app.config["PUBLIC_BASE_URL"])[1].split()[0]
    client.post("/vi/account/logout")
    r = client.post(link, data={"name": "Anh Mới", "password": "mat-khau-dai-du"})
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    assert client.get("/vi/vendor/").status_code == 200
    assert client.get(link).status_code == 404  # used once

    from market.accounts.services import find_by_email
    member = find_by_email("moi@example.vn")
    assert member.cooperative_id == owner.cooperative_id and not member.is_owner
    login(client, owner)
    assert client.post(f"/vi/vendor/staff/{member.public_id}/remove",
                       data={"confirmed": "1"}).status_code == 302
    assert member.cooperative_id is None


def test_staff_cannot_invite(client, make):
    staff = make.staff()
    login(client, staff)
    client.post("/vi/vendor/staff", data={"email": "x@example.vn"})
    from market.vendors.models import StaffInvitation
    assert db.session.scalar(db.select(db.func.count(StaffInvitation.id))) == 0


def test_expired_invitation_is_refused(client, make):
    from datetime import timedelta

    from market.vendors import services
    owner = make.staff(is_owner=True)
    invitation, token = services.invite_staff(owner, "late@example.vn")
    invitation.expires_at -= timedelta(days=8)
    assert client.get(f"/vi/vendor/invite/{token}").status_code == 404


def test_owner_creates_product_with_english_missing_marker_and_uploads_image(client, make):
    owner = make.staff(is_owner=True)
    login(client, owner)
    r = client.post("/vi/vendor/products/new", data=PRODUCT_FORM)
    assert r.status_code == 302
    product = db.session.scalar(db.select(Product).filter_by(cooperative_id=owner.cooperative_id))
    assert product.price == 250_000
    page = client.get(f"/en/vendor/products/{product.slug}/edit").get_data(as_text=True)
    assert "English missing" in page
    assert "EN missing" in client.get("/en/vendor/").get_data(as_text=True)

    r = client.post(f"/vi/vendor/products/{product.slug}/images",
                    data={"image": (_png(), "a.png"), "alt_vi": ""},
                    content_type="multipart/form-data")
    assert r.status_code == 422  # alt text required
    r = client.post(f"/vi/vendor/products/{product.slug}/images",
                    data={"image": (io.BytesIO(b"GIF89a not an image"), "x.jpg"),
                          "alt_vi": "Chai mật ong"}, content_type="multipart/form-data")
    assert r.status_code == 422
    r = client.post(f"/vi/vendor/products/{product.slug}/images",
                    data={"image": (_png(), "a.png"), "alt_vi": "Chai mật ong",
                          "alt_en": "A bottle of honey"}, content_type="multipart/form-data")
    assert r.status_code == 302
    assert len(product.images) == 1 and product.images[0].thumbnail.endswith("-thumb.png")
    assert client.get(f"/media/{product.images[0].filename}").status_code == 200


def test_invalid_product_shows_every_error(client, make):
    login(client, make.staff())
    r = client.post("/vi/vendor/products/new", data=dict(PRODUCT_FORM, name_vi="", **{
        "variants-0-price": "12,5", "variants-0-stock": "-1"}))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert html.count('class="error"') >= 3


def test_filters(client, make):
    staff = make.staff()
    make.product(staff.cooperative, name_vi="Tiêu đen hạt", stock=0)
    make.product(staff.cooperative, name_vi="Bơ sáp dẻo", stock=100, status="draft")
    login(client, staff)

    def product_list(url):  # below the to-do list, which shows low stock whatever the filter
        return client.get(url).get_data(as_text=True).split('id="products"')[1]

    html = product_list("/vi/vendor/?stock=out")
    assert "Tiêu đen hạt" in html and "Bơ sáp dẻo" not in html
    html = product_list("/vi/vendor/?status=draft")
    assert "Bơ sáp dẻo" in html and "Tiêu đen hạt" not in html


@pytest.fixture
def two_coops(make):
    mine = make.staff(is_owner=True)
    theirs_owner = make.staff(is_owner=True)
    theirs = make.product(theirs_owner.cooperative, name_vi="Sản phẩm của người khác")
    from market.catalog import services as catalog
    image = catalog.add_image(theirs, "x/y.png", alt_vi="ảnh")
    return mine, theirs, image


def test_other_cooperatives_product_and_image_are_not_found(client, two_coops):
    mine, theirs, image = two_coops
    login(client, mine)
    slug = theirs.slug
    assert client.get(f"/vi/vendor/products/{slug}/edit").status_code == 404
    assert client.post(f"/vi/vendor/products/{slug}/edit",
                       data=dict(PRODUCT_FORM, name_vi="Đã sửa")).status_code == 404
    assert client.post(f"/vi/vendor/products/{slug}/archive").status_code == 404
    assert client.post(f"/vi/vendor/products/{slug}/images",
                       data={"image": (_png(), "a.png"), "alt_vi": "x"},
                       content_type="multipart/form-data").status_code == 404
    assert client.post(f"/vi/vendor/images/{image.id}/delete").status_code == 404
    assert theirs.status == "active" and theirs.name("vi") == "Sản phẩm của người khác"
    assert len(theirs.images) == 1
    # by id in place of a slug: nothing either
    assert client.get(f"/vi/vendor/products/{theirs.id}/edit").status_code == 404
    # their products never show in my lists or exports
    assert slug not in client.get("/vi/vendor/").get_data(as_text=True)
    assert slug not in client.get("/vi/vendor/export.csv").get_data(as_text=True)


def test_other_cooperatives_staff_cannot_be_removed(client, make):
    mine = make.staff(is_owner=True)
    other = make.staff()
    login(client, mine)
    assert client.post(f"/vi/vendor/staff/{other.public_id}/remove").status_code == 404
    assert other.cooperative_id is not None


def test_buyers_have_no_vendor_portal(client, make):
    login(client, make.user())
    assert client.get("/vi/vendor/").status_code == 403


def test_profile_edit_is_own_cooperative_only(client, make):
    owner = make.staff(is_owner=True)
    login(client, owner)
    r = client.post("/vi/vendor/profile", data={"story_vi": "Chuyện mới", "member_count": "30",
                                               "story_en": "", "address": "", "sector": "",
                                               "contact_email": "", "contact_phone": ""})
    assert r.status_code == 302
    assert owner.cooperative.story_vi == "Chuyện mới" and owner.cooperative.member_count == 30


def test_apply_form_lists_communes_of_the_chosen_province_without_javascript(client, make):
    login(client, make.user())
    html = client.get("/vi/vendor/apply").get_data(as_text=True)
    assert 'for="registration_code"' in html and 'for="commune_code"' in html
    r = client.post("/vi/vendor/apply", data={"province_code": "66", "show_communes": "1"})
    assert r.status_code == 200
    from market.geo import services as geo
    first = geo.communes(66)[0]
    assert f'value="{first.code}"' in r.get_data(as_text=True)


def test_admin_suspends_and_reinstates_with_history(client, make):
    coop = make.cooperative()
    p = make.product(coop)
    admin = make.user(Role.ADMIN)
    login(client, admin)
    assert client.post(f"/en/vendor/review/{coop.slug}",
                       data={"decision": "suspend", "reason": ""}).status_code == 422
    assert client.post(f"/en/vendor/review/{coop.slug}",
                       data={"decision": "suspend", "reason": "Complaints",
                             "confirmed": "1"}).status_code == 302
    assert client.get(f"/vi/p/{p.slug}").status_code == 404
    assert client.post(f"/en/vendor/review/{coop.slug}",
                       data={"decision": "approve"}).status_code == 302
    assert client.get(f"/vi/p/{p.slug}").status_code == 200
    changes = db.session.scalars(db.select(CooperativeStatusChange)
                                 .filter_by(cooperative_id=coop.id)).all()
    assert [(c.from_status, c.to_status) for c in changes] == [("approved", "suspended"),
                                                               ("suspended", "approved")]
