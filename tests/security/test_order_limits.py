"""What one client may ask of the order API and the checkout: units and lines per order
(for the whole order, not per line), orders held open at once, bounded text fields, and the
buyer's words kept apart from the platform's in the emails they trigger."""
from __future__ import annotations

import secrets
import time

import pytest
import requests

from market import create_app
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.orders import services
from market.orders.services import CheckoutLine
from tests import factories
from tests.conftest import reset_database
from tests.servers import gunicorn, side_database_url

CONTACT = {"name": "Nguyễn Thị Mai", "email": "mai@example.vn", "phone": "0912345678",
           "province_code": 1, "commune_code": 70, "address_line": "12 Hàng Bạc"}


def _post(client, body, key=None):
    return client.post("/api/v1/orders", json=body,
                       headers={"Idempotency-Key": key or secrets.token_urlsafe(16)})


def _body(product, quantity=1, **contact):
    return {"lines": [{"product": product.slug, "quantity": quantity}],
            "contact": {**CONTACT, **contact}, "payment_method": "cod"}


def test_two_lines_of_999_are_not_a_way_round_the_cap(client, make):
    product = make.product(stock=5000)
    body = _body(product, 999)
    body["lines"].append({"product": product.slug, "quantity": 999})
    response = _post(client, body)
    assert response.status_code == 400
    assert response.json["type"].endswith("bad_quantity")
    assert product.stock == 5000


def test_ten_thousand_lines_are_refused_at_once(client, make):
    product = make.product(stock=50)
    body = _body(product)
    body["lines"] = [{"product": f"p-{n}", "quantity": 1} for n in range(10_000)]
    # CPU time, not the wall clock: the bound is about the work done (no 10,000 lookups),
    # and the wall clock of a loaded CI machine says nothing about that.
    started = time.process_time()
    response = _post(client, body)
    assert response.status_code == 400
    assert response.json["type"].endswith("too_many_lines")
    assert time.process_time() - started < 2


def test_a_boolean_is_not_a_quantity(client, make):
    product = make.product(stock=50)
    response = _post(client, {**_body(product), "lines": [
        {"product": product.slug, "quantity": True}]})
    # The API's schema refuses it (issue 14: wrong types are 422 with field errors).
    assert response.status_code == 422
    assert "lines.0.quantity" in response.json["errors"]
    assert product.stock == 50


@pytest.mark.parametrize("field,value", [
    ("name", "A" * 5000), ("address_line", "x" * 301), ("email", "a" * 250 + "@example.vn"),
    ("name", "\u200b\u200d\u202e\u2066"), ("name", 12345), ("address_line", ["12 Hàng Bạc"]),
])
def test_every_text_field_is_bounded_and_text(client, make, field, value):
    product = make.product(stock=50)
    response = _post(client, _body(product, **{field: value}))
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert product.stock == 50


def test_invisible_characters_are_cleaned_from_what_is_kept(make):
    product = make.product(stock=5)
    order = make.order([(product, 1)], name="Mai\u202e\u200b  Nguyễn")
    assert order.name == "Mai Nguyễn"


def test_the_buyers_words_do_not_speak_for_the_platform(make):
    product = make.product(stock=5)
    bait = "Your account is locked, verify at evil.example"
    make.order([(product, 1)], name=bait, email="victim@example.vn")
    mail = db.session.scalars(db.select(OutboxEmail).filter_by(
        recipient="victim@example.vn")).one()
    first_line = mail.body.splitlines()[0]
    assert bait not in first_line
    assert f'"{bait}"' in mail.body  # quoted, as data the order carried


def test_one_client_holds_only_so_many_open_orders(make):
    product = make.product(stock=100)
    for n in range(3):
        services.place_order(
            lines=[CheckoutLine(product.slug, 1)], contact=factories.contact(
                email=f"b{n}@example.vn"), payment_method="cod",
            idempotency_key=secrets.token_urlsafe(16), client_ref="client-1", max_open_orders=3)
    with pytest.raises(services.DomainError) as refused:
        services.place_order(
            lines=[CheckoutLine(product.slug, 1)], contact=factories.contact(
                email="b9@example.vn"), payment_method="cod",
            idempotency_key=secrets.token_urlsafe(16), client_ref="client-1", max_open_orders=3)
    assert refused.value.status == 429
    assert product.stock == 97
    # another client is not held back by the first one
    services.place_order(
        lines=[CheckoutLine(product.slug, 1)], contact=factories.contact(email="c@example.vn"),
        payment_method="cod", idempotency_key=secrets.token_urlsafe(16),
        client_ref="client-2", max_open_orders=3)
    assert product.stock == 96


def test_one_email_holds_only_so_many_open_orders(make):
    product = make.product(stock=100)
    for _ in range(2):
        make.order([(product, 1)], email="same@example.vn")
    with pytest.raises(services.DomainError):
        services.place_order(
            lines=[CheckoutLine(product.slug, 1)],
            contact=factories.contact(email="SAME@example.vn"), payment_method="cod",
            idempotency_key=secrets.token_urlsafe(16), max_open_orders=2)


@pytest.mark.committed
def test_the_order_api_is_rate_limited_across_workers(tmp_root):
    """Under gunicorn's two workers (as `make run`), the sixth order in a minute from one
    address is refused with problem details, whichever worker answers."""
    url = side_database_url(tmp_root, "orderlimits")
    instance = tmp_root / "orderlimits-instance"
    # RATELIMIT_ENABLED off: the limiter is one instance shared with the suite's app.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(instance),
                      "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "order-limits-secret-key-of-good-length"})
    reset_database(app)
    with app.test_request_context():
        product = factories.product(stock=1000)
        db.session.commit()
        slug = product.slug
        db.session.remove()
    env = {"MARKET_DATABASE_URL": url, "MARKET_INSTANCE_PATH": str(instance),
           "MARKET_SECRET_KEY": "order-limits-secret-key-of-good-length",
           "MARKET_SEARCH_INLINE_INDEXING": "0"}
    with gunicorn(env) as base:
        codes = []
        for n in range(7):
            response = requests.post(
                f"{base}/api/v1/orders", timeout=30,
                headers={"Idempotency-Key": secrets.token_urlsafe(16)},
                json={"lines": [{"product": slug, "quantity": 1}], "payment_method": "cod",
                      "contact": {**CONTACT, "email": f"r{n}@example.vn"}})
            codes.append(response.status_code)
        assert codes[:5] == [201] * 5, codes
        assert codes[5:] == [429, 429], codes
        assert response.headers["Content-Type"].startswith("application/problem+json")
