"""The product form with several variants, without JavaScript: fixed rows, "Add a variant"
re-renders with one more row (saving nothing), each variant's stock edited by difference."""
import re

from market.catalog.models import Product, StockMovement
from market.extensions import db
from tests.conftest import login

BASE = {"name_vi": "Tiêu đen Cư Kuin", "name_en": "Cu Kuin black pepper",
        "description_vi": "", "description_en": "", "unit": "hũ", "category_id": "",
        "origin_province_code": "66", "status": "active"}


def rows(*variants):
    return {f"variants-{i}-{k}": v for i, row in enumerate(variants) for k, v in row.items()}


def _mine(coop):
    return db.session.scalar(db.select(Product).filter_by(cooperative_id=coop.id)
                             .order_by(Product.id.desc()))


def test_add_a_variant_re_renders_with_one_more_row_and_saves_nothing(client, make):
    staff = make.staff()
    login(client, staff)
    data = dict(BASE, add_variant="1", **rows({"label_vi": "Hũ 100 g", "price": "45000"}))
    r = client.post("/en/vendor/products/new", data=data)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'name="variants-1-price"' in html and 'name="variants-2-price"' not in html
    assert 'value="Hũ 100 g"' in html             # what was typed is kept
    assert _mine(staff.cooperative) is None


def test_create_a_product_with_two_variants(client, make):
    staff = make.staff()
    login(client, staff)
    data = dict(BASE, **rows(
        {"label_vi": "Hũ 100 g", "label_en": "100 g jar", "price": "45.000", "stock": "12",
         "weight_grams": "130", "sku": "CK-100", "gtin": "8934567890120"},
        {"label_vi": "Hũ 500 g", "label_en": "500 g jar", "price": "190000", "stock": "4"},
        {"label_vi": "", "price": "", "stock": "0"}))          # an added row left empty
    r = client.post("/en/vendor/products/new", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    product = _mine(staff.cooperative)
    assert [(v.label_vi, v.price, v.stock, v.sku) for v in product.variants][:1] == [
        ("Hũ 100 g", 45_000, 12, "CK-100")]
    assert [v.stock for v in product.variants] == [12, 4] and product.price == 45_000
    assert product.variants[0].gtin == "8934567890120" and product.variants[1].sku
    moves = db.session.execute(db.select(StockMovement.variant_id, StockMovement.delta,
                                         StockMovement.actor_id)
                               .filter_by(product_id=product.id)).all()
    assert sorted(moves) == sorted([(product.variants[0].id, 12, staff.id),
                                    (product.variants[1].id, 4, staff.id)])


def test_errors_name_the_variant_row(client, make):
    login(client, make.staff())
    data = dict(BASE, **rows({"label_vi": "Hũ 100 g", "price": "45000", "gtin": "12345678"},
                             {"label_vi": "", "price": "0", "sku": "bad sku!"}))
    r = client.post("/en/vendor/products/new", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    for field in ("variants-0-gtin", "variants-1-price", "variants-1-sku",
                  "variants-1-label_vi"):
        assert f'id="{field}-error"' in html, field


def test_edit_each_variants_stock_by_difference(client, make):
    staff = make.staff()
    product = make.product(staff.cooperative, variants=[
        {"label_vi": "Hũ 100 g", "label_en": "100 g jar", "price": 45_000, "stock": 10},
        {"label_vi": "Hũ 500 g", "label_en": "500 g jar", "price": 190_000, "stock": 6}])
    small, large = product.variants
    login(client, staff)
    page = client.get(f"/en/vendor/products/{product.slug}/edit").get_data(as_text=True)
    assert re.search(r'name="variants-1-stock_shown"[^>]*value="6"|value="6"[^>]*'
                     r'name="variants-1-stock_shown"', page)
    make.order([(product, 2)])              # 2 of the default (100 g) jar while the page is open
    db.session.commit()
    data = dict(BASE, **rows(
        {"variant_id": small.id, "label_vi": "Hũ 100 g", "label_en": "100 g jar",
         "price": "45000", "stock": "15", "stock_shown": "10"},
        {"variant_id": large.id, "label_vi": "Hũ 500 g", "label_en": "500 g jar",
         "price": "185000", "stock": "6", "stock_shown": "6", "inactive": "y"},
        {"label_vi": "Hũ 1 kg", "label_en": "1 kg jar", "price": "350000", "stock": "3"}))
    r = client.post(f"/en/vendor/products/{product.slug}/edit", data=data,
                    follow_redirects=True)
    assert r.status_code == 200
    assert "the stock of 100 g jar is now 13" in r.get_data(as_text=True)
    db.session.expire_all()
    assert [(v.label_en, v.price, v.stock, v.active) for v in product.variants] == [
        ("100 g jar", 45_000, 13, True), ("500 g jar", 185_000, 6, False),
        ("1 kg jar", 350_000, 3, True)]
    assert product.price == 45_000
