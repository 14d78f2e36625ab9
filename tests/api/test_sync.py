"""Issue 14's must-show: a partner copies the whole catalogue through the API, the catalogue
changes (edits, new products and variants, archives, a suspended cooperative, price and stock
updates, images, OCOP verification), the partner syncs with `updated_since`, and its copy is
exactly the live catalogue."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app

from market.accounts.models import Role
from market.api import documents
from market.catalog import services as catalog
from market.catalog.services import public_products_query
from market.extensions import db
from market.ocop import services as ocop
from market.vendors import services as vendors
from tests.ocop import util as ocop_util


def _pages(client, **query):
    """Every page of /api/v1/products from the start; yields each page's JSON."""
    cursor = None
    while True:
        args = dict(query, **({"cursor": cursor} if cursor else {}))
        response = client.get("/api/v1/products", query_string=args)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        yield page
        cursor = page["next"]
        if cursor is None:
            return


def _apply(copy: dict, page: dict) -> None:
    for item in page["items"]:
        if item["deleted"]:
            copy.pop(item["id"], None)
        else:
            copy[item["id"]] = item


def _live() -> dict:
    db.session.expire_all()
    products = db.session.scalars(public_products_query()).unique().all()
    return {d["id"]: d for d in documents.product_documents(products, with_tombstones=False)}


@pytest.fixture
def no_lag():
    old = current_app.config.get("API_SYNC_LAG_SECONDS")
    current_app.config["API_SYNC_LAG_SECONDS"] = 0
    yield
    if old is None:
        current_app.config.pop("API_SYNC_LAG_SECONDS")
    else:
        current_app.config["API_SYNC_LAG_SECONDS"] = old


def test_a_partner_copy_converges_exactly_after_changes(client, make, no_lag):
    coop_a, coop_b = make.cooperative(), make.cooperative()
    staff = make.staff(coop_a)
    a1 = make.product(coop_a, name_vi="Cà phê A1", price=100_000, stock=10)
    a2 = make.product(coop_a, name_vi="Mật ong A2", variants=[
        {"label_vi": "Hũ 250 g", "label_en": "250 g jar", "sku": "A2-250", "price": 90_000,
         "stock": 5},
        {"label_vi": "Hũ 500 g", "label_en": "500 g jar", "sku": "A2-500", "price": 170_000,
         "stock": 3}])
    a3 = make.product(coop_a, name_vi="Tiêu A3", stock=8)
    untouched = make.product(coop_a, name_vi="Gạo A4")
    draft = make.product(coop_a, name_vi="Nháp A5", status="draft")
    b1 = make.product(coop_b, name_vi="Bơ B1")
    make.product(coop_b, name_vi="Sầu riêng B2")
    quiet = make.product(make.cooperative(), name_vi="Chè C1")  # never changes
    db.session.commit()

    copy: dict = {}
    pages = _pages(client, limit=2)
    first = next(pages)
    _apply(copy, first)
    # An edit in the middle of the copy: the product moves to the end and is seen again.
    catalog.update_product(a1, {"name_en": "Coffee A1, edited mid-copy"})
    db.session.commit()
    for page in pages:
        _apply(copy, page)
    watermark = first["sync"]["next_updated_since"]
    assert set(copy) == set(_live())
    assert draft.slug not in copy

    # The catalogue changes.
    catalog.update_product(a1, {"name_vi": "Cà phê A1 mới", "price": 120_000})
    catalog.update_product(a2, {"variants": [
        {"id": a2.variants[0].id, "price": 95_000},
        {"label_vi": "Hũ 1 kg", "label_en": "1 kg jar", "sku": "A2-1000", "price": 320_000}]})
    catalog.update_product(a3, {"status": "archived"})
    catalog.update_product(draft, {"status": "active"})
    fresh = make.product(coop_a, name_vi="Sản phẩm mới A6", gtin="8935049501503")
    vendors.change_status(coop_b, "suspended", actor=make.user(Role.ADMIN), reason="Kiểm tra")
    make.illustrate(untouched, current_app.config["MEDIA_DIR"])
    make.order([(a2, 1)])  # stock reserved by checkout's conditional UPDATE
    cert = ocop_util.submit(staff, [fresh])
    ocop.verify_certificate(cert, make.user(Role.ADMIN))
    db.session.commit()

    changed = []
    for page in _pages(client, limit=3, updated_since=watermark):
        changed += page["items"]
        _apply(copy, page)
    live = _live()
    assert copy == live
    assert b1.slug not in copy and a3.slug not in copy and draft.slug in copy
    assert copy[fresh.slug]["ocop"]["stars"] == cert.stars
    assert copy[untouched.slug]["images"][0]["url"].endswith(".jpg")
    assert {v["sku"]: v["stock"] for v in copy[a2.slug]["variants"]}["A2-250"] == 4
    tombstones = {i["id"] for i in changed if i["deleted"]}
    assert {a3.slug, b1.slug} <= tombstones
    # Incremental: what did not change does not come back.
    assert quiet.slug in copy and quiet.slug not in {i["id"] for i in changed}


def test_a_hard_deleted_product_leaves_a_tombstone(client, make, no_lag):
    product = make.product()
    db.session.commit()
    since = next(_pages(client))["sync"]["next_updated_since"]
    slug = product.slug
    db.session.delete(product)
    db.session.commit()
    items = [i for page in _pages(client, updated_since=since) for i in page["items"]]
    assert {"id": slug, "deleted": True} == {k: v for k, v in items[-1].items()
                                             if k in ("id", "deleted")}


def test_a_bad_cursor_is_a_problem_not_a_crash(client):
    for cursor in ("abc", "eyJ2IjoxfQ", "!!!"):
        response = client.get("/api/v1/products", query_string={"cursor": cursor})
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"
        assert "cursor" in response.get_json()["errors"]
    bad = client.get("/api/v1/products", query_string={"updated_since": "yesterday"})
    assert (bad.status_code, list(bad.get_json()["errors"])) == (422, ["updated_since"])


def _statements(client, **query) -> tuple[int, dict]:
    """(SELECT statements run, JSON) of one page of /api/v1/products."""
    import sqlalchemy as sa

    statements = []
    listener = lambda *args: statements.append(args[2])
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get("/api/v1/products", query_string=query)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    # SELECTs only: the test harness's SAVEPOINTs come and go with the session's state.
    return sum(s.lstrip().upper().startswith("SELECT") for s in statements), response.get_json()


def test_a_pages_queries_do_not_grow_with_its_size(client, make, app, no_lag):
    coop, other = make.cooperative(), make.cooperative()
    staff = make.staff(coop)
    products = [make.product(coop if n % 2 else other, variants=[
        {"label_vi": "Gói nhỏ", "label_en": "Small", "sku": f"Q{n}-S", "price": 50_000, "stock": 2},
        {"label_vi": "Gói lớn", "label_en": "Large", "sku": f"Q{n}-L", "price": 90_000,
         "stock": 1}]) for n in range(12)]
    make.illustrate(products[0], app.config["MEDIA_DIR"])
    make.illustrate(products[5], app.config["MEDIA_DIR"])
    ocop.verify_certificate(ocop_util.submit(staff, [products[1], products[3]]),
                            make.user(Role.ADMIN))
    db.session.commit()
    since = next(_pages(client))["sync"]["next_updated_since"]
    _statements(client, limit=2)  # warm: what a process looks up once
    small, page = _statements(client, limit=2)
    large, page_all = _statements(client, limit=12)
    assert (len(page["items"]), len(page_all["items"])) == (2, 12)
    assert small == large
    # An incremental page, tombstones included, neither.
    catalog.update_product(products[2], {"status": "archived"})
    for p in products[4:]:
        catalog.update_product(p, {"name_en": p.name("en") + " (new)"})
    db.session.commit()
    _statements(client, limit=2, updated_since=since)  # warm again: the test's objects expired
    small, page = _statements(client, limit=2, updated_since=since)
    large, page_all = _statements(client, limit=9, updated_since=since)
    assert (len(page["items"]), len(page_all["items"])) == (2, 9)
    assert small == large


def test_a_product_never_public_leaves_no_tombstone(client, make, no_lag):
    coop = make.cooperative()
    listed = make.product(coop, name_vi="Đã bán")
    db.session.commit()
    since = next(_pages(client))["sync"]["next_updated_since"]
    draft = make.product(coop, name_vi="Nháp bí mật", status="draft")
    shelved = make.product(coop, name_vi="Nháp cất đi", status="draft")
    pending = make.product(make.cooperative(status="pending"), name_vi="Chưa duyệt")
    db.session.commit()
    secret = {draft.slug, shelved.slug, pending.slug}
    catalog.update_product(shelved, {"status": "archived"})  # archived, never published
    db.session.delete(draft)  # deleted before it was ever published
    catalog.update_product(listed, {"status": "archived"})  # was public: must be dropped
    db.session.commit()
    items = [i for page in _pages(client, updated_since=since) for i in page["items"]]
    assert {i["id"] for i in items} == {listed.slug}
    assert items[0]["deleted"] is True
    assert not secret & {i["id"] for page in _pages(client) for i in page["items"]}

    # Once public, a product does leave a tombstone (here: its cooperative is suspended).
    since = next(_pages(client))["sync"]["next_updated_since"]
    vendors.change_status(pending.cooperative, "approved", actor=make.user(Role.ADMIN))
    db.session.commit()
    assert pending.slug in {i["id"] for i in next(_pages(client))["items"]}
    vendors.change_status(pending.cooperative, "suspended", actor=make.user(Role.ADMIN),
                          reason="Kiểm tra")
    db.session.commit()
    items = [i for page in _pages(client, updated_since=since) for i in page["items"]]
    assert {"id": pending.slug, "deleted": True} in [
        {k: i[k] for k in ("id", "deleted")} for i in items]


def test_a_certificate_lapsing_by_date_reaches_the_sync(client, make, no_lag):
    """No one edits anything: the certificate's validity ends, the daily expiry job runs,
    and the product comes back in the next incremental sync without its OCOP stars."""
    import sqlalchemy as sa

    from market.ocop.models import OcopCertificate

    coop = make.cooperative()
    staff = make.staff(coop)
    product, bystander = make.product(coop), make.product(coop)
    cert = ocop.verify_certificate(ocop_util.submit(staff, [product]), make.user(Role.ADMIN))
    db.session.commit()
    first = next(_pages(client))
    assert {i["id"]: i["ocop"] for i in first["items"]}[product.slug]["stars"] == cert.stars
    since = first["sync"]["next_updated_since"]
    # Time passes: the validity ends yesterday (a plain UPDATE: nothing here bumps anything).
    yesterday = ocop.today_in_vietnam() - timedelta(days=1)
    db.session.execute(sa.update(OcopCertificate.__table__)
                       .where(OcopCertificate.__table__.c.id == cert.id)
                       .values(valid_until=yesterday))
    db.session.commit()
    db.session.expire_all()
    assert ocop.expire_due() == 1
    db.session.commit()
    changed = [i for page in _pages(client, updated_since=since) for i in page["items"]]
    assert [(i["id"], i["ocop"]) for i in changed] == [(product.slug, None)]
    assert bystander.slug not in {i["id"] for i in changed}
