"""POST /api/v1/orders abroad: a foreign address (country + its own fields) and phone, card
only (cash and bank transfer refused as a field error), the fee from the zone table, and a
line whose cooperative cannot send there refused line by line with a readable reason."""
import pytest

from market.intl import zones
from market.orders.models import Order

TOKYO = {"name": "山田太郎", "email": "taro@example.jp", "phone": "03-1234-5678",
         "country_code": "JP", "address_line": "千代田1-1", "country_area": "東京都",
         "postal_code": "100-0001"}


@pytest.fixture
def card(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_KEY", "sk_test_offline")


@pytest.fixture
def coffee(make):
    exporter = make.cooperative()
    exporter.ships_abroad = True
    return make.product(exporter, price=210_000, weight_grams=500, stock=9)


def _post(client, lines, key, method="stripe", locale="en", **contact):
    body = {"lines": [{"product": p.slug, "quantity": q} for p, q in lines],
            "payment_method": method, "locale": locale, "contact": {**TOKYO, **contact}}
    return client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": key * 20})


def test_an_order_to_tokyo_is_paid_by_card_with_the_zone_fee(client, card, coffee):
    response = _post(client, [(coffee, 2)], "a")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["payment_method"] == "stripe"
    assert body["shipping"] == zones.fee("JP", 1_000)
    assert body["total"] == 420_000 + zones.fee("JP", 1_000)
    order = Order.query.filter_by(public_id=body["id"]).one()
    assert (order.country_code, order.postal_code, order.province_code) == ("JP", "100-0001", 0)
    assert (order.name, order.phone) == ("山田太郎", "+81312345678")


@pytest.mark.parametrize("method", ["cod", "vietqr"])
def test_cash_and_transfer_abroad_are_a_field_error(client, card, coffee, method):
    response = _post(client, [(coffee, 1)], "b", method=method)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "method_not_abroad"
    assert problem["type"].endswith("/api/v1/docs#problem-method_not_abroad")
    assert "paid by card" in problem["errors"]["payment_method"]


def test_a_bad_postal_code_and_phone_are_field_errors_in_the_bodys_language(client, card,
                                                                              coffee):
    response = _post(client, [(coffee, 1)], "c", locale="vi", postal_code="1000-01",
                     phone="123")
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"postal_code", "phone"}
    assert "mã bưu chính" in errors["postal_code"] and "+81" in errors["phone"]
    unknown = _post(client, [(coffee, 1)], "d", country_code="XX")
    assert set(unknown.get_json()["errors"]) == {"country_code"}


def test_each_line_that_cannot_go_is_refused_with_its_reason(client, card, coffee, make):
    honey = make.product(make.cooperative(name="HTX Mật ong"), weight_grams=700, stock=9)
    response = _post(client, [(coffee, 1), (honey, 1)], "e")
    assert response.status_code == 409
    problems = response.get_json()["problems"]
    assert [(p["product_slug"], p["reason"]) for p in problems] == [(honey.slug, "not_abroad")]
    assert problems[0]["detail"] == "HTX Mật ong does not ship abroad."
    nowhere = _post(client, [(coffee, 1)], "f", country_code="AO", postal_code="",
                    country_area="", address_line="Rua Direita 1", city="Luanda",
                    phone="+244 923 123 456")
    assert nowhere.status_code == 409
    problem, = nowhere.get_json()["problems"]
    assert problem["reason"] == "no_zone" and "cannot be sent to this country" in \
        problem["detail"]
    heavy = _post(client, [(coffee, 61)], "g")
    assert heavy.status_code == 409
    problem, = heavy.get_json()["problems"]
    assert (problem["reason"], problem["available"]) == ("too_heavy", 30_000)
    assert Order.query.count() == 0
