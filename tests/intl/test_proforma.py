"""The proforma invoice of an international parcel: a bilingual PDF with the lines, HS codes
and origin, for the buyer and the shipping cooperative only; and the checkout page abroad."""
import io
import re

import pytest
from pypdf import PdfReader

from market.orders import proforma, services
from tests.conftest import login
from tests.orders.test_views import _checkout_form


@pytest.fixture
def abroad_order(make):
    coop = make.cooperative(name="HTX Cà phê Ea Tu")
    coop.ships_abroad = True
    staff = make.staff(coop)
    coffee = make.product(coop, name_vi="Cà phê Robusta rang mộc", name_en="Robusta coffee",
                          price=210_000, weight_grams=500, hs_code="0901.21", stock=9)
    pepper = make.product(coop, name_vi="Hồ tiêu đen", name_en="Black pepper",
                          price=95_000, weight_grams=250, hs_code="090411", stock=9)
    buyer = make.user(email="anna@example.de")
    order = services.place_order(
        lines=[services.CheckoutLine(coffee.slug, 2), services.CheckoutLine(pepper.slug, 1)],
        contact=make.foreign_contact(), payment_method="stripe", buyer=buyer,
        idempotency_key="proforma-test-key-0001", methods_available=("stripe",))
    return order, buyer, staff


def _text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_buyer_and_cooperative_download_the_bilingual_proforma(client, make, abroad_order):
    order, buyer, staff = abroad_order
    vo = order.vendor_orders[0]
    login(client, buyer, lang="en")
    page = client.get(f"/en/orders/{order.public_id}").get_data(as_text=True)
    url = f"/en/orders/{order.public_id}/proforma/{vo.public_id}.pdf"
    assert url in page and "10117 BERLIN" in page
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    for expected in ("Proforma", "Cà phê Robusta rang mộc", "Robusta coffee", "Hồ tiêu đen",
                     "090121", "090411", "Anna Schmidt", "10117 BERLIN", "GERMANY", vo.number,
                     "420.000 VND", f"{vo.total:,}".replace(",", ".") + " VND"):
        assert expected in text, expected
    client.post("/en/account/logout")
    login(client, staff, lang="en")
    mine = client.get(f"/en/vendor/orders/{vo.public_id}/proforma.pdf")
    assert mine.status_code == 200 and "Black pepper" in _text(mine.data)


def test_nobody_else_gets_it_and_domestic_parcels_have_none(client, make, abroad_order):
    order, buyer, staff = abroad_order
    vo = order.vendor_orders[0]
    login(client, make.user(), lang="en")
    assert client.get(f"/en/orders/{order.public_id}/proforma/{vo.public_id}.pdf"
                      ).status_code == 404
    client.post("/en/account/logout")
    login(client, make.staff(), lang="en")  # another cooperative's staff
    assert client.get(f"/en/vendor/orders/{vo.public_id}/proforma.pdf").status_code == 404
    domestic = make.order([(make.product(staff.cooperative), 1)], buyer=buyer)
    client.post("/en/account/logout")
    login(client, buyer, lang="en")
    assert client.get(f"/en/orders/{domestic.public_id}/proforma/"
                      f"{domestic.vendor_orders[0].public_id}.pdf").status_code == 404


def test_checkout_abroad_refuses_one_line_keeps_the_input_and_removes_it(client, make, app,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_KEY", "sk_test_offline")
    exporter = make.cooperative()
    exporter.ships_abroad = True
    coffee = make.product(exporter, name_en="Robusta coffee", weight_grams=500)
    honey = make.product(make.cooperative(name="HTX Mật ong"), name_en="Wild honey")
    for product in (coffee, honey):
        client.post("/en/cart/add", data={"product": product.slug, "quantity": 1})
    form = _checkout_form(client, "en", country_code="DE", name="Anna Schmidt",
                          phone="030 1234567", address_line="Unter den Linden 1",
                          city="Berlin", postal_code="1011", payment_method="cod",
                          province_code="0", commune_code="0")
    page = client.post("/en/checkout", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "not a postal code of this country" in html and 'value="Unter den Linden 1"' in html
    assert 'value="cod"' not in html and 'value="stripe"' in html  # card only abroad
    assert "HTX Mật ong does not ship abroad" in html
    assert len(re.findall(r'data-refused="', html)) == 1
    removed = client.post("/en/checkout", data={**form, "postal_code": "10117",
                                                "remove_line": str(honey.default_variant.id)})
    html = removed.get_data(as_text=True)
    assert removed.status_code == 200 and "Wild honey" not in html
    assert 'value="10117"' in html and "data-refused" not in html


# Buyers in East Asia: their names and addresses in their own scripts, which DejaVu lacks
# (a system font fills in: proforma.FALLBACK_FONTS).
EAST_ASIA = {
    "JP": {"name": "山田太郎", "phone": "03-1234-5678", "address_line": "丸の内1-1",
           "country_area": "東京都", "postal_code": "100-0005"},
    "KR": {"name": "김민준", "phone": "02-2133-0000", "address_line": "세종대로 110",
           "city": "중구", "country_area": "서울", "postal_code": "04524"},
    "CN": {"name": "李明", "phone": "021 6321 0000", "address_line": "南京东路100号",
           "city": "黄浦区", "country_area": "上海市", "postal_code": "200001"},
}


def _fonts(body: bytes) -> set[str]:
    return {font.get_object()["/BaseFont"] for page in PdfReader(io.BytesIO(body)).pages
            for font in page["/Resources"]["/Font"].values()}


def _east_asian_order(make, country):
    coop = make.cooperative()
    coop.ships_abroad = True
    coffee = make.product(coop, name_vi="Cà phê Robusta", name_en="Robusta coffee",
                          weight_grams=500, hs_code="090121", stock=3)
    return services.place_order(
        lines=[services.CheckoutLine(coffee.slug, 1)],
        contact=make.foreign_contact(**{"city": "", "country_code": country,
                                        **EAST_ASIA[country]}),
        payment_method="stripe", idempotency_key=f"proforma-cjk-{country}-0001",
        methods_available=("stripe",))


@pytest.mark.parametrize("country", sorted(EAST_ASIA))
def test_names_and_addresses_in_chinese_japanese_and_korean_print(make, country):
    fields = EAST_ASIA[country]
    if proforma.fallback_font(fields["name"][0]) is None:
        pytest.skip(f"no font for {fields['name']} on this machine (apt-get install "
                    "fonts-droid-fallback fonts-nanum, or fonts-noto-cjk)")
    order = _east_asian_order(make, country)
    body = proforma.pdf(order.vendor_orders[0])
    text = _text(body)
    for expected in (fields["name"], fields["address_line"], fields.get("city", ""),
                     order.postal_code, "Cà phê Robusta", "Robusta coffee"):
        assert expected in text, expected
    fonts = _fonts(body)
    assert any("DejaVu" in name for name in fonts), fonts
    assert any("DejaVu" not in name for name in fonts), fonts  # the fallback is embedded


def test_without_a_cjk_font_the_pdf_is_still_made_and_the_log_says_why(make, monkeypatch,
                                                                        caplog):
    monkeypatch.setattr(proforma, "FALLBACK_FONTS", ())
    order = _east_asian_order(make, "KR")
    body = proforma.pdf(order.vendor_orders[0])
    assert body.startswith(b"%PDF") and "Robusta coffee" in _text(body)
    assert all("DejaVu" in name for name in _fonts(body))
    assert "no font on this machine" in caplog.text and "김" in caplog.text
