from market.extensions import db
from market.orders.models import Order


def _body(product, **overrides):
    body = {"lines": [{"product": product.slug, "quantity": 2}], "payment_method": "vietqr",
            "locale": "en", "contact": {
                "name": "Alex Tan", "email": "alex@example.com", "phone": "+84912345678",
                "province_code": 79, "commune_code": 0, "address_line": "1 Le Loi"}}
    body.update(overrides)
    return body


def _ward_of(province):
    from market.geo.services import communes
    return communes(province)[0].code


def test_idempotency_key_makes_retries_safe(client, make):
    product = make.product(price=150_000, stock=5)
    body = _body(product)
    body["contact"]["commune_code"] = _ward_of(79)
    headers = {"Idempotency-Key": "retry-safe-key-0001"}
    first = client.post("/api/v1/orders", json=body, headers=headers)
    again = client.post("/api/v1/orders", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["parts"][0]["total"] == 300_000 + first.get_json()["shipping"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1


def test_problems_are_rfc9457_in_the_callers_language(client, make):
    product = make.product(stock=1)
    body = _body(product)
    response = client.post("/api/v1/orders", json=body,
                           headers={"Idempotency-Key": "bad-commune-key-01"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"]["commune_code"] == "Choose the commune or ward."
    body["contact"]["commune_code"] = _ward_of(79)
    short = client.post("/api/v1/orders", json=body,
                        headers={"Idempotency-Key": "out-of-stock-key-1"})
    assert short.status_code == 409
    assert short.get_json()["problems"][0]["reason"] == "out_of_stock"
    missing_key = client.post("/api/v1/orders", json=body)
    assert missing_key.status_code == 400


def test_an_api_line_names_its_variant_by_sku(client, make):
    product = make.product(variants=[
        {"label_vi": "Gói 250 g", "label_en": "250 g pack", "sku": "RB-250", "price": 95_000,
         "stock": 4},
        {"label_vi": "Gói 500 g", "label_en": "500 g pack", "sku": "RB-500", "price": 180_000,
         "stock": 1}])
    body = _body(product, lines=[{"product": product.slug, "variant": "RB-500", "quantity": 2}])
    body["contact"]["commune_code"] = _ward_of(79)
    short = client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "v" * 20})
    assert short.status_code == 409
    assert short.get_json()["problems"][0] == {
        "product_slug": product.slug, "reason": "out_of_stock", "available": 1, "price": None,
        "variant": "RB-500"}
    body["lines"][0]["quantity"] = 1
    made = client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "w" * 20})
    assert made.status_code == 201, made.get_json()
    line = made.get_json()["parts"][0]["lines"][0]
    assert (line["sku"], line["variant"], line["unit_price"]) == ("RB-500", "500 g pack", 180_000)
    default = dict(body, lines=[{"product": product.slug, "quantity": 1}])
    made = client.post("/api/v1/orders", json=default, headers={"Idempotency-Key": "x" * 20})
    assert made.get_json()["parts"][0]["lines"][0]["sku"] == "RB-250"  # no variant: default
