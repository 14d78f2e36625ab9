"""HTTP done properly under /api/: problem+json for every error (404 and 405 included, and
the bodies that used to crash the order API), ETag/304, Last-Modified, compression, CORS on
public GETs, no `Vary: Cookie`, Location on 201, the OpenAPI 3.1 document and its docs page,
the bulk feeds, and the request log."""
from __future__ import annotations

import csv
import gzip
import io
import json

import brotli
import pytest
import sqlalchemy as sa
from flask import current_app

from market.api import keys
from market.extensions import db
from market.geo.services import communes


@pytest.fixture
def key(ctx):
    _, secret = keys.create_key("Partner", ["listings:read", "orders:write"])
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_unknown_paths_and_methods_are_problems_with_a_stable_type(client):
    for path, method, status in (("/api/v1/nothing-here", "get", 404),
                                 ("/api/v1/products", "delete", 405),
                                 ("/api/v1/products/no-such-product", "get", 404)):
        response = getattr(client, method)(path, headers={"Accept-Language": "en"})
        assert response.status_code == status
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["status"] == status
        assert body["type"].startswith("http") and "/api/v1/docs#problem-" in body["type"]
        assert response.headers["Content-Language"] in ("vi", "en")
    again = client.get("/api/v1/also-nothing").get_json()
    assert again["title"] == client.get("/api/v1/nothing-here").get_json()["title"]
    assert "GET" in client.delete("/api/v1/products").headers["Allow"]


@pytest.mark.parametrize("body,field", [
    ({"contact": "x"}, "contact"), ({"contact": {"name": 5}}, "name"),
    ({"locale": ["vi"]}, "locale"), ({"lines": [{"product": 3, "quantity": "x"}]},
                                     "lines.0.product"),
])
def test_bodies_that_crashed_the_order_api_are_422_with_field_errors(client, body, field):
    response = client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "k" * 20})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_a_partner_order_has_a_location_and_only_its_key_reads_it(client, make, key):
    product = make.product(stock=5)
    body = {"lines": [{"product": product.slug, "quantity": 1}], "payment_method": "cod",
            "locale": "en", "contact": {"name": "Alex Tan", "email": "alex@example.com",
                                        "phone": "+84912345678", "province_code": 79,
                                        "commune_code": communes(79)[0].code,
                                        "address_line": "1 Le Loi"}}
    made = client.post("/api/v1/orders", json=body,
                       headers={**key, "Idempotency-Key": "partner-order-0001"})
    assert made.status_code == 201, made.get_json()
    location = made.headers["Location"]
    assert location.endswith(f"/api/v1/orders/{made.get_json()['id']}")
    status = client.get(location, headers=key)
    assert status.status_code == 200
    assert status.get_json()["parts"][0]["status"]
    _, other = keys.create_key("Other", ["orders:write"])
    db.session.commit()
    assert client.get(location, headers={"X-API-Key": other}).status_code == 404
    assert client.get(location).status_code == 401


def test_etag_last_modified_compression_cors_and_no_cookie_vary(client, make):
    for n in range(6):
        make.product(name_vi=f"Sản phẩm {n}", description_vi="mô tả dài " * 40)
    db.session.commit()
    first = client.get("/api/v1/products", headers={"Accept-Encoding": "br"})
    assert first.status_code == 200
    assert first.headers["Content-Encoding"] == "br"
    doc = json.loads(brotli.decompress(first.get_data()))
    assert len(doc["items"]) == 6
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    vary = first.headers.get("Vary", "")
    assert "Cookie" not in vary and "Accept-Encoding" in vary
    assert "Set-Cookie" not in first.headers
    gz = client.get("/api/v1/products", headers={"Accept-Encoding": "gzip"})
    assert json.loads(gzip.decompress(gz.get_data()))["items"] == doc["items"]
    again = client.get("/api/v1/products", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    preflight = client.options("/api/v1/products", headers={
        "Origin": "https://partner.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization"})
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    post = client.post("/api/v1/orders", json={}, headers={"Origin": "https://x.example"})
    assert "Access-Control-Allow-Origin" not in post.headers


def test_product_documents_carry_what_partners_need(client, make):
    from flask import current_app

    product = make.product(gtin="8935049501503", price=150_000)
    make.illustrate(product, current_app.config["MEDIA_DIR"])
    db.session.commit()
    doc = client.get(f"/api/v1/products/{product.slug}").get_json()
    assert doc["name"] == {"vi": "Cà phê Robusta rang xay", "en": "Ground Robusta coffee"}
    assert (doc["price"], doc["currency"], doc["gtin"]) == (150_000, "VND", "8935049501503")
    assert doc["images"][0]["url"].startswith("http") and doc["images"][0]["url"].endswith(".jpg")
    assert doc["origin"]["name"]["vi"] and doc["cooperative"]["slug"]
    assert doc["availability"] == "in_stock" and doc["variants"][0]["default"]
    # Every language's unit label is in its own language, whichever the request asked for.
    for accept in ("vi", "en"):
        doc = client.get(f"/api/v1/products/{product.slug}",
                         headers={"Accept-Language": accept}).get_json()
        assert doc["unit_label"] == {"vi": product.unit, "en": "pack"}, accept
    coops = client.get("/api/v1/cooperatives").get_json()
    assert product.cooperative.slug in {c["id"] for c in coops["items"]}


def test_feeds_stream_every_public_product(client, make, key):
    products = [make.product(name_vi=f"=cmd|' /C calc'!A{n}") for n in range(3)]
    db.session.commit()
    lines = client.get("/api/v1/feeds/products.jsonl", headers=key).get_data(as_text=True)
    ids = {json.loads(line)["id"] for line in lines.splitlines()}
    assert {p.slug for p in products} <= ids
    response = client.get("/api/v1/feeds/products.csv", headers=key)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["id"] for r in rows} == ids
    assert all(r["name_vi"].startswith("'=") for r in rows if r["id"] in {p.slug for p in products})
    etag = response.headers["ETag"]
    assert client.get("/api/v1/feeds/products.csv",
                      headers={**key, "If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("path", ["/api/v1/feeds/products.jsonl", "/api/v1/feeds/products.csv",
                                  "/api/v1/feeds/merchant/vi-VN.xml"])
def test_a_feed_is_not_buffered_and_a_304_reads_no_product(client, make, key, path):
    """Streamed: no Content-Length worked out by reading the whole body first (which once held
    every feed in memory before the first byte went out), and a 304 reads no product."""
    make.illustrate(make.product(), current_app.config["MEDIA_DIR"])
    db.session.commit()
    texts = []
    listener = lambda *args: texts.append(args[2])
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(path, headers=key, buffered=False)
        body = b"".join(response.response)
        response.close()
        etag = response.headers["ETag"]
        del texts[:]
        unchanged = client.get(path, headers={**key, "If-None-Match": etag}, buffered=False)
        unchanged.close()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert "Content-Length" not in response.headers
    assert body.count(b"\n") >= 1
    assert unchanged.status_code == 304
    assert not [t for t in texts if "product_translations" in t]


def test_the_openapi_document_and_its_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    for path in ("/api/v1/products", "/api/v1/products/{slug}", "/api/v1/cooperatives",
                 "/api/v1/categories", "/api/v1/commodities", "/api/v1/prices/{commodity}",
                 "/api/v1/forecasts/{commodity}", "/api/v1/orders",
                 "/api/v1/orders/{public_id}", "/api/v1/feeds/products.jsonl"):
        assert path in spec["paths"], path
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'id="problem-validation_error"' in html and "/api/v1/products" in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_every_request_is_logged_with_its_key(client, make, key):
    client.get("/api/v1/categories", headers=key)
    client.get("/api/v1/products/missing", headers=key)
    rows = db.session.execute(sa.select(keys.ApiRequest.route, keys.ApiRequest.status)
                              .where(keys.ApiRequest.key_id.is_not(None))
                              .order_by(keys.ApiRequest.id)).all()
    assert [tuple(r) for r in rows[-2:]] == [("/api/v1/categories", 200),
                                            ("/api/v1/products/<slug>", 404)]
