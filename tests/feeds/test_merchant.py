"""The Google Merchant Center feed: every item carries the attributes the product data
specification requires, an independent parser (feedparser) reads it, archived products and
suspended cooperatives are left out, sold-out variants say so, and the feed is written in
constant memory."""
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest
import sqlalchemy as sa

from market.catalog.models import Product, ProductImage, ProductTranslation, ProductVariant
from market.catalog.services import update_product
from market.extensions import db
from market.feeds import merchant
from market.vendors.models import Cooperative, CooperativeStatus
from tests.security.test_spreadsheet_bounds import bounded

G = "{http://base.google.com/ns/1.0}"
# https://support.google.com/merchants/answer/7052112 ("Product data specification"): the
# attributes required for every product, and those required where they apply (gtin, else
# identifier_exists=no; item_group_id for variants; shipping for a target country).
SPEC_URL = "https://support.google.com/merchants/answer/7052112"
REQUIRED = ("id", "title", "description", "link", "image_link", "availability", "price",
            "brand", "condition")
REQUIRED_HERE = ("item_group_id", "google_product_category", "shipping")
AVAILABILITY = {"in_stock", "out_of_stock", "preorder", "backorder"}


def _feed(client, name="vi-VN"):
    response = client.get(f"/api/v1/feeds/merchant/{name}.xml")
    response.get_data()  # read to the end: a stream left half-read holds its request context
    assert response.status_code == 200, response.data[:300]
    return response


def _items(body: bytes) -> list[dict]:
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    out = []
    for item in root.iter("item"):
        entry = {child.tag.removeprefix(G): child for child in item if child.tag.startswith(G)}
        plain = {c.tag: c.text for c in item if not c.tag.startswith(G)}
        # RSS 2.0's own title, link and description stand for g:title, g:link, g:description
        out.append({"_plain": plain, **plain,
                    **{k: (v.text if len(v) == 0 else {c.tag.removeprefix(G): c.text for c in v})
                       for k, v in entry.items()}})
    return out


@pytest.fixture
def catalogue(make, app):
    coop = make.cooperative(name="HTX Cà phê <Ea Kmat> & Cộng sự")
    single = make.product(coop, gtin="8938505974194", weight_grams=2500)
    make.illustrate(single, app.config["MEDIA_DIR"])
    multi = make.product(coop, name_vi="Mật ong hoa cà phê", name_en="", description_en="",
                         variants=[
                             {"label_vi": "Hũ 250 g", "label_en": "250 g jar", "price": 95_000,
                              "stock": 0, "sku": "MO-250"},
                             {"label_vi": "Hũ 500 g", "label_en": "500 g jar", "price": 170_000,
                              "stock": 7, "sku": "MO-500"},
                             {"label_vi": "Thùng", "price": 900_000, "stock": 3, "sku": "MO-BOX"},
                         ])
    make.illustrate(multi, app.config["MEDIA_DIR"], art="mat-ong")
    box = next(v for v in multi.variants if v.sku == "MO-BOX")
    box.active = False
    archived = make.product(coop, name_vi="Sản phẩm đã ngừng bán")
    make.illustrate(archived, app.config["MEDIA_DIR"])
    update_product(archived, {"status": "archived"}, actor_id=None)
    suspended = make.cooperative(name="HTX Bị tạm ngừng")
    hidden = make.product(suspended, name_vi="Sản phẩm của HTX tạm ngừng")
    make.illustrate(hidden, app.config["MEDIA_DIR"])
    suspended.status = CooperativeStatus.SUSPENDED.value
    imageless = make.product(coop, name_vi="Sản phẩm chưa có ảnh")
    db.session.flush()
    return {"coop": coop, "single": single, "multi": multi, "archived": archived,
            "hidden": hidden, "imageless": imageless}


def test_every_item_has_the_required_attributes(client, catalogue, app):
    body = _feed(client).data
    items = _items(body)
    assert items, "no items"
    for item in items:
        missing = [a for a in REQUIRED + REQUIRED_HERE if not item.get(a)]
        assert not missing, f"{item['id']} lacks {missing} ({SPEC_URL})"
        assert item.get("gtin") or item.get("identifier_exists") == "no"
        assert re.fullmatch(r"\d+ VND", item["price"]), item["price"]
        assert item["availability"] in AVAILABILITY
        assert item["link"].startswith(app.config["PUBLIC_BASE_URL"] + "/vi/p/")
        assert item["image_link"].startswith("http") and \
            item["image_link"].endswith((".jpg", ".png")), item["image_link"]
        assert set(item["shipping"]) == {"country", "price"}
        assert item["shipping"]["country"] == "VN"
        assert re.fullmatch(r"\d+ VND", item["shipping"]["price"])
        assert len(item["title"]) <= 150 and len(item["id"]) <= 50
        assert item["_plain"]["title"] == item["title"]


def test_variants_stock_archived_and_suspended(client, catalogue):
    items = {i["id"]: i for i in _items(_feed(client).data)}
    coop = catalogue["coop"].slug
    single, multi = catalogue["single"], catalogue["multi"]
    sku = single.variants[0].sku
    assert items[f"{coop}:{sku}"]["gtin"] == "8938505974194"
    assert "identifier_exists" not in items[f"{coop}:{sku}"]
    assert items[f"{coop}:{sku}"]["price"] == "185000 VND"
    assert items[f"{coop}:{sku}"]["brand"] == "HTX Cà phê <Ea Kmat> & Cộng sự"  # escaped
    # 2.5 kg to the farthest region: 35,000 + 2 further kg x 9,000
    assert items[f"{coop}:{sku}"]["shipping"]["price"] == "53000 VND"
    # one item per on-sale variant, grouped by the product; the inactive one is left out
    group = {k: v for k, v in items.items() if v["item_group_id"] == multi.slug}
    assert set(group) == {f"{coop}:MO-250", f"{coop}:MO-500"}
    assert group[f"{coop}:MO-250"]["availability"] == "out_of_stock"
    assert group[f"{coop}:MO-500"]["availability"] == "in_stock"
    assert group[f"{coop}:MO-500"]["price"] == "170000 VND"
    assert group[f"{coop}:MO-500"]["title"] == "Mật ong hoa cà phê – Hũ 500 g"
    variant = next(v for v in multi.variants if v.sku == "MO-500")
    assert group[f"{coop}:MO-500"]["link"].endswith(f"/vi/p/{multi.slug}?variant={variant.id}")
    groups = {i["item_group_id"] for i in items.values()}
    for gone in ("archived", "hidden", "imageless"):
        assert catalogue[gone].slug not in groups, gone


def test_english_feed_falls_back_to_vietnamese(client, catalogue):
    response = _feed(client, "en-VN")
    assert response.headers["Content-Language"] == "en"
    items = {i["id"]: i for i in _items(response.data)}
    coop = catalogue["coop"].slug
    sku = catalogue["single"].variants[0].sku
    assert items[f"{coop}:{sku}"]["title"] == "Ground Robusta coffee"
    assert items[f"{coop}:{sku}"]["link"].split("/")[3] == "en"
    # no English name: the Vietnamese one, with the English variant label
    assert items[f"{coop}:MO-500"]["title"] == "Mật ong hoa cà phê – 500 g jar"


def test_independent_rss_parser_reads_it(client, catalogue):
    parsed = feedparser.parse(_feed(client).data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title
    titles = {e.title for e in parsed.entries}
    assert "Mật ong hoa cà phê – Hũ 250 g" in titles
    entry = next(e for e in parsed.entries if e.title == "Mật ong hoa cà phê – Hũ 500 g")
    assert entry.link.endswith(f"?variant={catalogue['multi'].variants[1].id}")
    assert parsed.namespaces.get("g") == merchant.G_NS


def test_unknown_locale_or_country_is_a_problem(client):
    for name in ("en-US", "fr-VN", "vi-XX"):
        response = client.get(f"/api/v1/feeds/merchant/{name}.xml")
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert "vi-VN" in response.json["detail"]
        assert response.json["status"] == 404 and response.headers["Content-Language"]


def test_google_categories_are_data(make, client, app):
    coop = make.cooperative()
    coffee = make.category(slug="ca-phe")
    child = make.category(slug="ca-phe-hat", parent=coffee)
    other = make.category(slug="khac-chua-anh-xa")
    products = [make.product(coop, category_id=c.id) for c in (coffee, child, other)]
    for p in products:
        make.illustrate(p, app.config["MEDIA_DIR"])
    by_group = {i["item_group_id"]: i["google_product_category"]
                for i in _items(_feed(client).data)}
    assert by_group[products[0].slug] == "1868"  # Food, Beverages & Tobacco > Beverages > Coffee
    assert by_group[products[1].slug] == by_group[products[0].slug]  # a sub-category: its parent's
    assert by_group[products[2].slug] == merchant.DEFAULT_GOOGLE_CATEGORY == "412"


# A few rows of Google's taxonomy-with-ids.en-US.txt (version 2021-09-21), copied by hand: the
# mapping file must give the id Google lists for the path it names.
GOOGLE_TAXONOMY = {
    "412": "Food, Beverages & Tobacco",
    "422": "Food, Beverages & Tobacco > Food Items",
    "1868": "Food, Beverages & Tobacco > Beverages > Coffee",
    "2073": "Food, Beverages & Tobacco > Beverages > Tea & Infusions",
    "4608": "Food, Beverages & Tobacco > Food Items > Seasonings & Spices",
    "5795": "Food, Beverages & Tobacco > Food Items > Fruits & Vegetables > Fresh & Frozen Fruits",
    "1755": "Food, Beverages & Tobacco > Food Items > Fruits & Vegetables > Dried Fruits",
    "433": "Food, Beverages & Tobacco > Food Items > Nuts & Seeds",
    "4947": "Food, Beverages & Tobacco > Food Items > Condiments & Sauces > Honey",
    "4682": "Food, Beverages & Tobacco > Food Items > Grains, Rice & Cereal > Rice",
    "16": "Arts & Entertainment > Hobbies & Creative Arts > Arts & Crafts",
}


def test_every_category_of_ours_has_a_google_taxonomy_id():
    from market.demo.catalog_data import CATEGORIES

    rows = {r["category_slug"]: r for r in merchant.google_category_rows()}
    assert set(rows) == {slug for slug, _, _ in CATEGORIES}  # every category, nothing else
    for slug, row in rows.items():
        assert row["google_product_category_id"].isdigit(), slug
        assert GOOGLE_TAXONOMY[row["google_product_category_id"]] == \
            row["google_product_category"], slug
    assert merchant.google_categories()["mat-ong"] == "4947"


def _bulk_products(coop, n: int, start: int) -> None:
    """n public products with one variant, two texts and a rendered image each, inserted in
    bulk (the factories would take minutes for thousands)."""
    ids = range(start, start + n)
    db.session.execute(sa.insert(Product), [
        {"id": i, "slug": f"bulk-{i}", "cooperative_id": coop.id, "unit": "kg", "price": 100_000 + i,
         "origin_province_code": coop.province_code, "status": "active"} for i in ids])
    db.session.execute(sa.insert(ProductVariant), [
        {"product_id": i, "cooperative_id": coop.id, "sku": f"B-{i}", "price": 100_000 + i,
         "stock": i % 3, "label_vi": "", "label_en": ""} for i in ids])
    db.session.execute(sa.insert(ProductTranslation), [
        {"product_id": i, "locale": loc, "name": f"Sản phẩm số {i} ({loc})",
         "description": "Mô tả dài của sản phẩm. " * 20} for i in ids for loc in ("vi", "en")])
    db.session.execute(sa.insert(ProductImage), [
        {"product_id": i, "filename": f"products/{i}/photo.png", "rendition_widths": "320,640",
         "width": 800, "height": 600} for i in ids])


def test_feed_streams_in_constant_memory(make, client):
    """3,000 products, read as a stream: the feed is a few MB, yet the peak while writing it
    stays within a budget that does not grow with the catalogue (batches of merchant.BATCH)."""
    coop = make.cooperative()
    db.session.flush()
    start = (db.session.scalar(sa.select(sa.func.max(Product.id))) or 0) + 1
    _bulk_products(coop, 3000, start)
    db.session.commit()
    db.session.expunge_all()
    size = items = 0
    with bounded(seconds=30, megabytes=8):
        response = client.get("/api/v1/feeds/merchant/vi-VN.xml", buffered=False)
        for chunk in response.response:
            size += len(chunk)
            items += chunk.count(b"<item>") if isinstance(chunk, bytes) else chunk.count("<item>")
        response.close()
    assert items >= 3000
    assert size > 3 * 1024 * 1024  # the budget is well under what the whole feed weighs


def test_suspending_a_cooperative_removes_its_items(make, client, app):
    coop = make.cooperative()
    product = make.product(coop)
    make.illustrate(product, app.config["MEDIA_DIR"])
    db.session.flush()
    assert product.slug in {i["item_group_id"] for i in _items(_feed(client).data)}
    db.session.execute(sa.update(Cooperative).where(Cooperative.id == coop.id)
                       .values(status=CooperativeStatus.SUSPENDED.value))
    db.session.flush()
    assert product.slug not in {i["item_group_id"] for i in _items(_feed(client).data)}


def test_unchanged_feed_is_not_modified(client, catalogue):
    first = _feed(client)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/api/v1/feeds/merchant/vi-VN.xml",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = _feed(client, "en-VN")
    assert other.headers["ETag"] != first.headers["ETag"]  # one validator per feed
