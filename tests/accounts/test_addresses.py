"""The address book (issue 11): add, edit, delete and mark a default; every lookup through
the owner (another person's address is 404); the checkout picks a saved address without
JavaScript and remembers the address an order went to."""
import re

import pytest
import sqlalchemy as sa

from market.accounts import addresses
from market.accounts.models import SavedAddress
from market.errors import DomainError, NotFound, ValidationError
from market.extensions import db
from tests.conftest import login

HOAN_KIEM = {"name": "Nguyễn Thị Mai", "phone": "0912 345 678", "province_code": 1,
             "commune_code": 70, "address_line": "12 Hàng Bạc"}
BUON_MA_THUOT = {"name": "Y Nhi Êban", "phone": "0387.654.321", "province_code": 66,
                 "commune_code": 24133, "address_line": "Buôn Ako Dhông"}


def _count(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SavedAddress)
                             .filter_by(user_id=user.id))


# --- services -----------------------------------------------------------------------------------

def test_add_cleans_and_the_first_address_is_the_default(make):
    user = make.user()
    first = addresses.add_address(user, **{**HOAN_KIEM, "name": "  Nguyễn\u200b Thị Mai "})
    second = addresses.add_address(user, **BUON_MA_THUOT)
    assert (first.name, first.phone, first.is_default) == ("Nguyễn Thị Mai", "0912345678", True)
    assert (second.phone, second.is_default) == ("0387654321", False)
    assert addresses.describe(first) == "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"


def test_one_default_at_a_time_and_deleting_it_hands_over(make):
    user = make.user()
    first = addresses.add_address(user, **HOAN_KIEM)
    second = addresses.add_address(user, **BUON_MA_THUOT, make_default=True)
    db.session.refresh(first)
    assert (first.is_default, second.is_default) == (False, True)
    addresses.set_default(user, first.public_id)
    db.session.refresh(second)
    assert [a.is_default for a in addresses.addresses_of(user)] == [True, False]
    addresses.delete_address(user, first.public_id)
    assert [(a.public_id, a.is_default) for a in addresses.addresses_of(user)] == [
        (second.public_id, True)]


@pytest.mark.parametrize("overrides, field", [
    ({"phone": "12345"}, "phone"),
    ({"phone": "0212345678"}, "phone"),  # a landline prefix: parcels need a mobile
    ({"commune_code": 24133}, "commune_code"),  # a Đắk Lắk ward under Hà Nội
    ({"commune_code": 0}, "commune_code"),
    ({"province_code": 99}, "province_code"),
    ({"name": "\u200b"}, "name"),
    ({"address_line": "x" * 301}, "address_line"),
    ({"name": ["a list"]}, "name"),
])
def test_bad_addresses_are_refused_by_field(make, overrides, field):
    user = make.user()
    with pytest.raises(ValidationError) as refused:
        addresses.add_address(user, **{**HOAN_KIEM, **overrides})
    assert field in refused.value.errors
    assert _count(user) == 0


def test_another_persons_address_is_not_found(make):
    owner, other = make.user(), make.user()
    address = addresses.add_address(owner, **HOAN_KIEM)
    for action in (lambda: addresses.get_address(other, address.public_id),
                   lambda: addresses.update_address(other, address.public_id, **BUON_MA_THUOT),
                   lambda: addresses.set_default(other, address.public_id),
                   lambda: addresses.delete_address(other, address.public_id)):
        with pytest.raises(NotFound):
            action()
    db.session.refresh(address)
    assert address.address_line == "12 Hàng Bạc"


def test_the_book_is_bounded(make, monkeypatch):
    monkeypatch.setattr(addresses, "MAX_ADDRESSES", 2)
    user = make.user()
    addresses.add_address(user, **HOAN_KIEM)
    addresses.add_address(user, **BUON_MA_THUOT)
    with pytest.raises(DomainError) as refused:
        addresses.add_address(user, **{**HOAN_KIEM, "address_line": "14 Hàng Bạc"})
    assert refused.value.code == "too_many_addresses"
    assert addresses.remember(user, **{**HOAN_KIEM, "address_line": "16 Hàng Bạc"}) is None
    assert _count(user) == 2


def test_remember_adds_once_and_keeps_the_phone(make):
    user = make.user()
    assert user.phone == ""
    first = addresses.remember(user, **HOAN_KIEM)
    again = addresses.remember(user, **{**HOAN_KIEM, "phone": "0912345678",
                                        "address_line": "12 HÀNG BẠC"})
    assert again.id == first.id and _count(user) == 1
    assert user.phone == "0912345678"
    addresses.remember(user, **BUON_MA_THUOT)
    assert user.phone == "0912345678"  # a phone already on the profile stays
    assert _count(user) == 2


# --- pages --------------------------------------------------------------------------------------

def _form(**overrides):
    return {**{k: str(v) for k, v in HOAN_KIEM.items()}, **overrides}


def test_address_pages_round_trip(client, make):
    user = make.user()
    login(client, user)
    assert "Bạn chưa lưu địa chỉ nào." in client.get("/vi/account/addresses").get_data(
        as_text=True)
    response = client.post("/vi/account/addresses/new", data=_form())
    assert response.status_code == 303
    address = addresses.addresses_of(user)[0]
    page = client.get("/vi/account/addresses").get_data(as_text=True)
    assert "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội" in page
    assert 'aria-current="page"' in page  # the account nav marks where you are
    edit = client.post(f"/vi/account/addresses/{address.public_id}",
                       data=_form(address_line="20 Hàng Bạc"))
    assert edit.status_code == 303
    db.session.refresh(address)
    assert address.address_line == "20 Hàng Bạc"
    client.post(f"/vi/account/addresses/{address.public_id}/delete")
    assert _count(user) == 0


def test_without_javascript_the_communes_come_with_the_province(client, make):
    login(client, make.user())
    response = client.post("/vi/account/addresses/new", data=_form(commune_code="0"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Phường Hoàn Kiếm" in body  # the province's communes are now listed
    assert 'value="12 Hàng Bạc"' in body  # nothing typed is lost


def test_a_bad_phone_is_shown_in_the_users_language(client, make):
    login(client, make.user())
    response = client.post("/en/account/addresses/new", data=_form(phone="123"))
    assert response.status_code == 422
    assert "Enter a Vietnamese mobile number" in response.get_data(as_text=True)


def test_another_persons_address_pages_are_404(app, client, make):
    owner, other = make.user(), make.user()
    address = addresses.add_address(owner, **HOAN_KIEM)
    db.session.commit()
    login(client, other)
    base = f"/vi/account/addresses/{address.public_id}"
    assert client.get(base).status_code == 404
    assert client.post(base, data=_form(address_line="hijacked")).status_code == 404
    assert client.post(base + "/default").status_code == 404
    assert client.post(base + "/delete").status_code == 404
    assert "12 Hàng Bạc" not in client.get("/vi/account/addresses").get_data(as_text=True)
    db.session.refresh(address)
    assert address.address_line == "12 Hàng Bạc" and _count(owner) == 1


def test_address_pages_need_a_sign_in(client):
    response = client.get("/vi/account/addresses")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# --- at checkout --------------------------------------------------------------------------------

def _checkout_page(client, query=""):
    return client.get(f"/vi/checkout{query}").get_data(as_text=True)


def _key(page):
    return re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)


def _selected(page, field):
    select = re.search(rf'<select[^>]*id="{field}".*?</select>', page, re.DOTALL).group(0)
    return re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected',
                     select).group(0)


def test_checkout_fills_the_default_and_a_chosen_address(client, make):
    user = make.user()
    addresses.add_address(user, **HOAN_KIEM)
    other_address = addresses.add_address(user, **BUON_MA_THUOT)
    stranger = addresses.add_address(make.user(), **{**HOAN_KIEM, "name": "Người Lạ Mặt"})
    db.session.commit()
    login(client, user)
    client.post("/vi/cart/add", data={"product": make.product().slug, "quantity": 1})
    page = _checkout_page(client)
    assert 'value="Nguyễn Thị Mai"' in page and 'value="12 Hàng Bạc"' in page
    assert '"70"' in _selected(page, "commune_code")
    assert f'href="/vi/checkout?address={other_address.public_id}"' in page
    chosen = _checkout_page(client, f"?address={other_address.public_id}")
    assert 'value="Y Nhi Êban"' in chosen and 'value="0387654321"' in chosen
    assert '"66"' in _selected(chosen, "province_code")
    assert '"24133"' in _selected(chosen, "commune_code")
    foreign = _checkout_page(client, f"?address={stranger.public_id}")
    assert "Người Lạ Mặt" not in foreign


def test_an_order_remembers_its_address_unless_told_not_to(client, make):
    user = make.user()
    login(client, user)
    product = make.product(stock=10)
    db.session.commit()
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 1})
    page = _checkout_page(client)
    assert '<input checked id="save_address" name="save_address" type="checkbox"' in page
    data = {"name": "Lê Văn Tám", "email": user.email, "phone": "0905 111 222",
            "province_code": "1", "commune_code": "70", "address_line": "3 Tràng Tiền",
            "payment_method": "cod", "idempotency_key": _key(page), "save_address": "y"}
    assert client.post("/vi/checkout", data=data).status_code == 303
    saved = addresses.addresses_of(user)
    assert [(a.name, a.phone, a.address_line, a.is_default) for a in saved] == [
        ("Lê Văn Tám", "0905111222", "3 Tràng Tiền", True)]
    db.session.refresh(user)
    assert user.phone == "0905111222"
    # The next checkout starts from it; an order sent elsewhere without the tick adds nothing.
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 1})
    page = _checkout_page(client)
    assert 'value="3 Tràng Tiền"' in page
    data = {**data, "idempotency_key": _key(page), "address_line": "9 Nơi Khác"}
    del data["save_address"]
    assert client.post("/vi/checkout", data=data).status_code == 303
    assert _count(user) == 1


def test_guests_see_no_address_book_at_checkout(client, make):
    client.post("/vi/cart/add", data={"product": make.product().slug, "quantity": 1})
    page = _checkout_page(client)
    assert "save_address" not in page and "saved-addresses" not in page
