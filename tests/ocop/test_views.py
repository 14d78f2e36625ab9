"""OCOP pages through real HTTP (Flask test client) on the real database."""
import io
import re

import pytest

from market.accounts.models import Role
from market.extensions import db
from market.ocop import services
from market.ocop.models import OcopCertificate
from tests.conftest import login
from tests.ocop.util import PDF, submit

LAM_DONG = 68


@pytest.fixture
def world(make):
    coop = make.cooperative(name="HTX Cà phê Thử")
    product = make.product(coop, name_vi="Cà phê hạt Thử", name_en="Test coffee beans")
    return {"coop": coop, "product": product, "staff": make.staff(coop),
            "officer": make.officer()}


def _form(product, **overrides):
    data = {"product_ids": [str(product.id)], "stars": "4", "level": "provincial",
            "certificate_number": "DL-2025-077", "decision_number": "77/QĐ-UBND",
            "decision_date": "2025-05-02", "notes": "",
            "document": (io.BytesIO(PDF), "quyet-dinh.pdf")}
    data.update(overrides)
    return data


def test_staff_submit_officer_verifies_badge_and_public_page(client, world):
    product, staff, officer = world["product"], world["staff"], world["officer"]
    login(client, staff, lang="en")
    page = client.get("/en/ocop/manage/new").get_data(as_text=True)
    assert "Test coffee beans" in page and 'name="product_ids"' in page

    response = client.post("/en/ocop/manage/new", data=_form(product),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    cert = db.session.scalar(db.select(OcopCertificate).filter_by(certificate_number="DL-2025-077"))
    assert cert.status == "submitted" and cert.submitted_by == staff
    listing = client.get("/en/ocop/manage/").get_data(as_text=True)
    assert "DL-2025-077" in listing and "submitted, awaiting verification" in listing
    # Not public yet, no badge yet.
    assert client.get("/en/ocop/DL-2025-077").status_code == 404
    assert "OCOP 4-star" not in client.get("/en/").get_data(as_text=True)
    client.post("/en/account/logout")

    login(client, officer, lang="en")
    queue = client.get("/en/ocop/review/").get_data(as_text=True)
    assert "DL-2025-077" in queue
    assert f'<iframe src="/en/ocop/document/{cert.public_id}"' in queue  # decision inline
    detail = client.get(f"/en/ocop/review/{cert.public_id}").get_data(as_text=True)
    assert f'<iframe src="/en/ocop/document/{cert.public_id}"' in detail
    doc = client.get(f"/en/ocop/document/{cert.public_id}")
    assert doc.status_code == 200 and doc.data == PDF and doc.mimetype == "application/pdf"
    assert "no-store" in doc.headers["Cache-Control"]
    response = client.post(f"/en/ocop/review/{cert.public_id}/verify")
    assert response.status_code == 302
    assert cert.status == "verified" and cert.reviewer == officer

    home = client.get("/en/").get_data(as_text=True)
    assert 'aria-label="OCOP 4-star"' in home
    assert 'href="/en/ocop/DL-2025-077"' in home
    vi_home = client.get("/vi/").get_data(as_text=True)
    assert 'aria-label="OCOP 4 sao"' in vi_home
    public = client.get("/en/ocop/DL-2025-077").get_data(as_text=True)
    assert "Valid: verified by the Department" in public
    assert "HTX Cà phê Thử" in public and "Test coffee beans" in public
    assert "2028-05-02" in public


def test_submit_form_shows_every_error(client, world):
    login(client, world["staff"], lang="en")
    other = world["product"]
    response = client.post("/en/ocop/manage/new", data=_form(
        other, stars="5", level="provincial", decision_date="2025-05-02",
        valid_until="2025-01-01", document=(io.BytesIO(b"hello"), "x.pdf")),
        content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A 5-star certificate is issued nationally." in page
    assert "The certificate cannot expire before the decision date." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(OcopCertificate)) == 0


def test_messages_are_translated(client, world):
    login(client, world["staff"], lang="vi")
    page = client.post("/vi/ocop/manage/new", data=_form(world["product"], stars="2"),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "3, 4 hoặc 5 sao" in page


def test_officer_of_another_province_is_refused_over_http(client, world, make):
    cert = submit(world["staff"], [world["product"]])
    stranger = make.officer(province_code=LAM_DONG)
    login(client, stranger, lang="en")
    assert cert.certificate_number not in client.get("/en/ocop/review/").get_data(as_text=True)
    assert client.get(f"/en/ocop/review/{cert.public_id}").status_code == 403
    assert client.post(f"/en/ocop/review/{cert.public_id}/verify").status_code == 403
    assert client.get(f"/en/ocop/document/{cert.public_id}").status_code == 403
    assert cert.status == "submitted"


def test_staff_cannot_review_nor_see_other_cooperatives(client, world, make):
    cert = submit(world["staff"], [world["product"]])
    login(client, world["staff"], lang="en")
    assert client.get("/en/ocop/review/").status_code == 403
    assert client.post(f"/en/ocop/review/{cert.public_id}/verify").status_code == 403
    client.post("/en/account/logout")
    login(client, make.staff(), lang="en")
    assert client.get(f"/en/ocop/manage/{cert.public_id}").status_code == 404
    assert client.get(f"/en/ocop/document/{cert.public_id}").status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    cert = submit(world["staff"], [world["product"]])
    for url in ("/en/ocop/manage/", "/en/ocop/review/", f"/en/ocop/document/{cert.public_id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_reject_needs_reason_and_revoke_removes_badge(client, world, make):
    staff, officer, product = world["staff"], world["officer"], world["product"]
    first = submit(staff, [product], certificate_number="R-1")
    login(client, officer, lang="en")
    response = client.post(f"/en/ocop/review/{first.public_id}/reject", data={"reason": ""},
                           follow_redirects=True)
    assert "Give the reason" in response.get_data(as_text=True)
    assert first.status == "submitted"
    client.post(f"/en/ocop/review/{first.public_id}/reject",
                data={"reason": "Scan unreadable", "confirmed": "1"})
    assert first.status == "rejected" and first.reason == "Scan unreadable"
    response = client.post(f"/en/ocop/review/{first.public_id}/verify")
    assert response.status_code == 409
    assert "cannot become verified" in response.get_data(as_text=True)

    second = submit(staff, [product], certificate_number="R-2")
    client.post(f"/en/ocop/review/{second.public_id}/verify")
    assert 'aria-label="OCOP 4-star"' in client.get("/en/").get_data(as_text=True)
    client.post(f"/en/ocop/review/{second.public_id}/revoke",
                data={"reason": "Fraud", "confirmed": "1"})
    assert second.status == "revoked"
    assert "OCOP 4-star" not in client.get("/en/").get_data(as_text=True)
    public = client.get("/en/ocop/R-2").get_data(as_text=True)
    assert "Revoked by the department" in public
    history = client.get(f"/en/ocop/review/{second.public_id}").get_data(as_text=True)
    assert history.count("<li><time") == 3 and "Fraud" in history


def test_expired_certificate_loses_its_badge_on_the_home_page(client, world):
    staff, officer, product = world["staff"], world["officer"], world["product"]
    cert = submit(staff, [product], certificate_number="EXP-1", decision_date="2024-01-10")
    services.verify_certificate(cert, officer)
    assert 'aria-label="OCOP 4 sao"' in client.get("/vi/").get_data(as_text=True)
    from datetime import date

    assert services.expire_due(today=date(2027, 1, 11)) == 1
    assert "OCOP 4 sao" not in client.get("/vi/").get_data(as_text=True)
    page = client.get("/en/ocop/EXP-1").get_data(as_text=True)
    assert "Expired on 2027-01-10" in page


def test_image_decision_is_shown_inline_as_img(client, world, app):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, format="PNG")
    buf.seek(0)
    cert = services.submit_certificate(
        world["staff"], {"product_ids": [world["product"].id], "stars": 3, "level": "provincial",
                         "certificate_number": "IMG-1", "decision_number": "1/QĐ",
                         "decision_date": "2025-01-01"},
        buf, private_dir=app.config["PRIVATE_DIR"])
    login(client, world["officer"], lang="en")
    page = client.get(f"/en/ocop/review/{cert.public_id}").get_data(as_text=True)
    assert re.search(rf'<img src="/en/ocop/document/{cert.public_id}" alt="Scanned decision', page)
    assert client.get(f"/en/ocop/document/{cert.public_id}").mimetype == "image/png"


def test_unknown_certificate_number_is_404(client):
    assert client.get("/vi/ocop/KHONG-CO-123").status_code == 404


def test_cli_expires_due_certificates(app, world):
    cert = submit(world["staff"], [world["product"]], decision_date="2023-01-01")
    from datetime import date

    services.verify_certificate(cert, world["officer"], today=date(2024, 1, 1))
    result = app.test_cli_runner().invoke(args=["ocop-expire"])
    assert result.exit_code == 0 and "1 certificate(s) expired" in result.output
    assert cert.status == "expired"


def test_admin_sees_every_province(client, world, make):
    elsewhere = make.cooperative(province_code=LAM_DONG)
    cert = submit(make.staff(elsewhere), [make.product(elsewhere)], certificate_number="ADM-1")
    login(client, make.user(Role.ADMIN), lang="en")
    assert "ADM-1" in client.get("/en/ocop/review/").get_data(as_text=True)
    client.post(f"/en/ocop/review/{cert.public_id}/verify")
    assert cert.status == "verified"


def test_resubmit_after_rejection_over_http(client, world):
    cert = submit(world["staff"], [world["product"]], certificate_number="RH-1")
    services.reject_certificate(cert, world["officer"], "Blurred scan")
    login(client, world["staff"], lang="en")
    detail = client.get(f"/en/ocop/manage/{cert.public_id}").get_data(as_text=True)
    assert "Blurred scan" in detail and f"/en/ocop/manage/{cert.public_id}/resubmit" in detail
    form = client.get(f"/en/ocop/manage/{cert.public_id}/resubmit").get_data(as_text=True)
    assert "Rejected because: Blurred scan" in form and 'value="RH-1"' in form
    response = client.post(f"/en/ocop/manage/{cert.public_id}/resubmit", data=_form(
        world["product"], certificate_number="RH-1"), content_type="multipart/form-data")
    assert response.status_code == 302 and cert.status == "submitted"
