"""The address book abroad: a buyer saves, edits and reuses addresses in any country, checked
and formatted by the checkout's own rules (addresses.clean_delivery); a bad postal code is
refused in the page's language with everything typed kept; nobody reaches another's entry;
checkout fills in a saved address abroad and remembers the one an order went to."""
import re

import pytest

from market.accounts import addresses
from market.errors import NotFound, ValidationError
from market.extensions import db
from tests.conftest import login
from tests.orders.test_views import _checkout_form
from tests.stripe_fakes import FakeStripe

TOKYO = {"country_code": "JP", "name": "山田太郎", "phone": "03-1234-5678",
         "address_line": "千代田1-1", "country_area": "東京都", "postal_code": "100-0001"}
BERLIN = {"country_code": "DE", "name": "Anna Schmidt", "phone": "030 1234567",
          "address_line": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117"}
HANOI = {"name": "Nguyễn Thị Mai", "phone": "0912 345 678", "province_code": 1,
         "commune_code": 70, "address_line": "12 Hàng Bạc"}


def test_saved_abroad_by_the_checkouts_rules_and_edited_across_borders(make):
    user = make.user()
    tokyo = addresses.add_address(user, **TOKYO)
    assert (tokyo.country_code, tokyo.phone, tokyo.province_code) == ("JP", "+81312345678", 0)
    assert tokyo.postal_code == "100-0001" and tokyo.is_default
    # the same cleaning as an order's recipient: one validator
    assert addresses.columns(addresses.clean_delivery(**TOKYO)) == {
        k: getattr(tokyo, k) for k in addresses.DELIVERY_FIELDS}
    assert "100-0001" in addresses.describe(tokyo) and "JAPAN" in addresses.describe(tokyo)
    addresses.update_address(user, tokyo.public_id, **HANOI)  # moved home
    assert (tokyo.country_code, tokyo.postal_code, tokyo.commune_code) == ("VN", "", 70)
    assert addresses.describe(tokyo) == "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
    addresses.update_address(user, tokyo.public_id, **BERLIN)
    assert (tokyo.country_code, tokyo.city, tokyo.province_code) == ("DE", "BERLIN", 0)
    with pytest.raises(ValidationError) as refused:
        addresses.update_address(user, tokyo.public_id, **{**BERLIN, "postal_code": "1011"})
    assert set(refused.value.errors) == {"postal_code"}
    with pytest.raises(NotFound):
        addresses.update_address(make.user(), tokyo.public_id, **TOKYO)
    db.session.refresh(tokyo)
    assert tokyo.postal_code == "10117"


def test_remember_knows_an_address_abroad_once_and_keeps_a_foreign_phone_off_the_profile(make):
    user = make.user()
    first = addresses.remember(user, **addresses.columns(addresses.clean_delivery(**BERLIN)))
    again = addresses.remember(user, **{**BERLIN, "city": "berlin"})
    assert first is not None and again.id == first.id
    assert len(addresses.addresses_of(user)) == 1
    assert user.phone == ""  # the profile holds a Vietnamese mobile number only


def _page(client, path, data=None):
    response = client.post(path, data=data) if data is not None else client.get(path)
    return response.status_code, response.get_data(as_text=True)


def test_address_pages_abroad_refuse_a_bad_postal_code_in_the_pages_language(client, make):
    user = make.user()
    login(client, user)
    # Another country: its own fields appear (the button without JavaScript), nothing saved.
    status, html = _page(client, "/en/account/addresses/new",
                         {"country_code": "JP", "name": "山田太郎", "refresh": "1"})
    assert status == 200 and 'id="postal_code"' in html and 'id="province_code"' not in html
    assert '<datalist id="country-areas">' in html and 'value="山田太郎"' in html
    assert addresses.addresses_of(user) == []
    form = {k: str(v) for k, v in {**TOKYO, "postal_code": "1000-01"}.items()}
    for lang, message in (("en", "This is not a postal code of this country"),
                          ("vi", "Đây không phải mã bưu chính của quốc gia này")):
        status, html = _page(client, f"/{lang}/account/addresses/new", form)
        assert status == 422 and message in html and "154-0023" in html  # an example
        assert 'value="千代田1-1"' in html and 'value="東京都"' in html  # nothing lost
    assert addresses.addresses_of(user) == []
    status, _ = _page(client, "/en/account/addresses/new", {**form, "postal_code": "100-0001"})
    assert status == 303
    saved, = addresses.addresses_of(user)
    status, html = _page(client, "/en/account/addresses")
    assert "山田太郎" in html and "100-0001" in html and "JAPAN" in html
    status, html = _page(client, f"/en/account/addresses/{saved.public_id}")
    assert 'value="100-0001"' in html and '<option selected value="JP">' in html
    status, _ = _page(client, f"/en/account/addresses/{saved.public_id}",
                      {k: str(v) for k, v in BERLIN.items()})
    db.session.refresh(saved)
    assert status == 303 and (saved.country_code, saved.postal_code) == ("DE", "10117")


def test_checkout_fills_a_saved_address_abroad_and_remembers_a_new_one(client, make, app,
                                                                       monkeypatch):
    fake = FakeStripe()
    for key, value in (("STRIPE_API_KEY", "sk_test_offline"), ("STRIPE_API_BASE", fake.url)):
        monkeypatch.setitem(app.config, key, value)
    exporter = make.cooperative()
    exporter.ships_abroad = True
    coffee = make.product(exporter, name_en="Robusta coffee", weight_grams=500, stock=5)
    user = make.user()
    addresses.add_address(user, **HANOI)
    berlin = addresses.add_address(user, **BERLIN)
    stranger = addresses.add_address(make.user(), **{**TOKYO, "name": "見知らぬ人"})
    db.session.commit()
    try:
        login(client, user, lang="en")
        client.post("/en/cart/add", data={"product": coffee.slug, "quantity": 1})
        _, html = _page(client, f"/en/checkout?address={berlin.public_id}")
        assert '<option selected value="DE">' in html and 'value="10117"' in html
        assert 'value="BERLIN"' in html and 'value="stripe"' in html and 'value="cod"' not in html
        assert "10117 BERLIN, GERMANY" in html  # the saved address, described in the picker
        _, html = _page(client, f"/en/checkout?address={stranger.public_id}")
        assert "見知らぬ人" not in html
        form = _checkout_form(client, "en", **{k: str(v) for k, v in TOKYO.items()},
                              email=user.email, payment_method="stripe", save_address="y")
        response = client.post("/en/checkout", data=form)
        assert response.status_code == 303
        assert response.headers["Location"].startswith("https://checkout.stripe.test/")
    finally:
        fake.close()
    book = {a.country_code: a for a in addresses.addresses_of(user)}
    assert set(book) == {"VN", "DE", "JP"} and book["JP"].name == "山田太郎"
    assert re.fullmatch(r"\+81\d+", book["JP"].phone)
