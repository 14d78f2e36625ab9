"""The wholesale pages through the app's test client: the button on the product and
cooperative pages, the RFQ form with its errors in both languages, the quote and accept
forms, the confirmation before declining, the printable agreement, the Department's page
without contacts."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from market.extensions import db
from market.wholesale import services as wholesale
from tests.conftest import login
from tests.wholesale.conftest import QUOTE_DATA, RFQ_DATA, send


def _days(n: int) -> str:
    return (wholesale.today_vn() + timedelta(days=n)).isoformat()


def test_the_button_shows_only_where_inquiries_are_taken(client, shop, make):
    coop, _, product, _ = shop
    other = make.product(coop, name_vi="Mật ong", name_en="Honey")
    page = client.get(f"/en/p/{product.slug}").get_data(as_text=True)
    assert f"/en/wholesale/rfq/product/{product.slug}" in page
    assert "/wholesale/rfq/" not in client.get(f"/en/p/{other.slug}").get_data(as_text=True)
    assert f"/vi/wholesale/rfq/cooperative/{coop.slug}" in \
        client.get(f"/vi/c/{coop.slug}").get_data(as_text=True)
    assert client.get(f"/en/wholesale/rfq/product/{other.slug}").status_code in (302, 404)


@pytest.mark.parametrize("lang, words", [
    ("en", ["Enter the quantity as a whole number above zero.",
            "Choose the country of destination.", "The target date must be after today."]),
    ("vi", ["Nhập số lượng là số nguyên lớn hơn 0.", "Chọn quốc gia đến.",
            "Ngày cần hàng phải sau hôm nay."]),
])
def test_bad_input_is_explained_in_the_page_language_and_kept(client, shop, lang, words):
    _, _, product, importer = shop
    login(client, importer, lang=lang)
    response = client.post(f"/{lang}/wholesale/rfq/product/{product.slug}", data={
        **RFQ_DATA, "quantity": "-3", "destination_country": "", "target_date": "2020-01-01"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for text in words:
        assert text in body
    assert "Kaffeehaus Import GmbH" in body  # what was typed is still there
    assert wholesale.for_buyer(importer) == []


def test_rfq_quote_accept_through_the_forms(app, shop):
    coop, owner, product, importer = shop
    buyer, vendor = app.test_client(), app.test_client()
    login(buyer, importer, lang="en")
    login(vendor, owner)
    sent = buyer.post(f"/en/wholesale/rfq/product/{product.slug}",
                      data={**RFQ_DATA, "target_date": _days(90)})
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    public_id = sent.headers["Location"].rsplit("/", 1)[-1]
    inbox = vendor.get("/vi/vendor/inquiries").get_data(as_text=True)
    assert f"/vi/inquiries/{public_id}" in inbox and "Kaffeehaus Import GmbH" in inbox
    thread = vendor.get(f"/vi/inquiries/{public_id}").get_data(as_text=True)
    assert "Gửi báo giá" in thread and "Kaffeehaus Import GmbH" in thread
    valid = {**QUOTE_DATA, "valid_until": _days(20)}
    bad = vendor.post(f"/vi/inquiries/{public_id}/quote", data={**valid, "price_vnd": "12.5"})
    assert bad.status_code == 422
    quoted = vendor.post(f"/vi/inquiries/{public_id}/quote", data=valid)
    assert quoted.status_code == 303
    rfq, _ = wholesale.get_for(importer, public_id)
    assert rfq.status == "quoted"
    page = buyer.get(f"/en/inquiries/{public_id}").get_data(as_text=True)
    assert "₫118,000,000" in page and "Accept the quote" in page
    # declining asks first, and changes nothing until confirmed
    asked = buyer.post(f"/en/inquiries/{public_id}/decline", data={"message": "no"})
    assert asked.status_code == 200 and "Decline this quote?" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert rfq.status == "quoted"
    quote_id = re.search(r'name="quote" type="hidden" value="([^"]+)"', page)
    assert quote_id[1] == rfq.current_quote.public_id
    accepted = buyer.post(f"/en/inquiries/{public_id}/accept", data={"quote": quote_id[1]})
    assert accepted.status_code == 303 and "/en/agreements/" in accepted.headers["Location"]
    agreement = buyer.get(accepted.headers["Location"]).get_data(as_text=True)
    assert "Sales agreement" in agreement and "₫236,000,000" in agreement
    assert coop.registration_code in agreement and "FOB Ho Chi Minh City" in agreement
    assert vendor.get(accepted.headers["Location"].replace("/en/", "/vi/")).status_code == 200


def test_the_department_page_shows_figures_but_no_contact(client, shop, make):
    coop, _, product, importer = shop
    send(importer, product)
    login(client, make.officer(coop.province_code))
    page = client.get("/en/department/inquiries?days=365").get_data(as_text=True)
    assert "Export and wholesale inquiries" in page and "Germany" in page
    assert "2,000" in page
    for secret in (importer.email, importer.name, "Kaffeehaus", "+49 40 123456"):
        assert secret not in page
