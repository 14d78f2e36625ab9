"""Issue 12's storefront: OCOP stars on every card, a home page that leads with products,
category filters and sorts (bad values explained, never a crash), breadcrumbs with
BreadcrumbList JSON-LD, related products, responsive image renditions, the phone menu."""
import io
import json
import re

from PIL import Image

from market.extensions import db
from market.ocop import services as ocop
from market.storefront import services
from tests.ocop.util import submit


def _starred(make, coop, products, stars="4", number=None):
    staff, officer = make.staff(coop), make.officer(coop.province_code)
    cert = submit(staff, products, stars=stars, level="national" if stars == "5" else "provincial",
                  certificate_number=number or f"OCOP-D-{products[0].id}")
    ocop.verify_certificate(cert, officer)
    db.session.flush()
    return cert


def _ld(html: str, kind: str) -> dict:
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL):
        data = json.loads(block)
        if data.get("@type") == kind:
            return data
    raise AssertionError(f"no {kind} JSON-LD")


def _names(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-title"[^>]*>([^<]+)</h3>', html)


def test_ocop_stars_on_cards_of_home_category_storefront_and_search(client, make):
    coop = make.cooperative()
    cat = make.category()
    starred = make.product(coop, name_vi="Mật ong hoa cà phê", name_en="Mật ong hoa cà phê", category_id=cat.id)
    make.product(coop, name_vi="Mật ong rừng", name_en="Mật ong rừng", category_id=cat.id)
    _starred(make, coop, [starred], stars="5", number="OCOP-STAR-5")
    from market.search import indexer
    indexer.drain()
    for url in ("/vi/", f"/vi/category/{cat.slug}", f"/vi/c/{coop.slug}", "/vi/search?q=mật+ong"):
        html = client.get(url).get_data(as_text=True)
        assert 'aria-label="OCOP 5 sao"' in html or 'aria-label="OCOP 5-star"' in html, url
        assert "OCOP-STAR-5" in html, url  # the badge links to its verification page


def test_home_leads_with_featured_ocop_products_then_categories_newest_cooperatives(client, make):
    coop = make.cooperative(name="HTX Trình Diễn")
    cat = make.category(name_vi="Mật ong", name_en="Honey")
    starred = make.product(coop, name_vi="Mật ong năm sao", name_en="Mật ong năm sao", category_id=cat.id)
    make.product(coop, name_vi="Mật ong thường", name_en="Mật ong thường", category_id=cat.id)
    _starred(make, coop, [starred], stars="5")
    html = client.get("/en/").get_data(as_text=True)
    order = [html.index(marker) for marker in (
        'id="featured-title"', 'id="cats-title"', 'id="products-title"', 'id="coops-title"')]
    assert order == sorted(order)
    featured = html[order[0]:order[1]]
    assert "Mật ong năm sao" in featured and "Mật ong thường" not in featured
    tiles = html[order[1]:order[2]]
    assert "Honey" in tiles and "2 products" in tiles
    assert "HTX Trình Diễn" in html[order[3]:]
    assert [p.id for p in services.featured_ocop_products()] == [starred.id]


def test_category_filters_narrow_and_sorts_order(client, make):
    cat = make.category()
    north = make.cooperative(name="HTX Bắc", province_code=1)
    south = make.cooperative(name="HTX Nam")
    cheap = make.product(south, name_vi="Tiêu rẻ", name_en="Tiêu rẻ", price=50_000, category_id=cat.id)
    mid = make.product(south, name_vi="Tiêu vừa", name_en="Tiêu vừa", price=150_000, category_id=cat.id,
                       origin_province_code=1)
    dear = make.product(north, name_vi="Tiêu đắt", name_en="Tiêu đắt", price=400_000, category_id=cat.id)
    _starred(make, south, [mid], stars="4")
    _starred(make, north, [dear], stars="5")
    url = f"/vi/category/{cat.slug}"

    def names(query=""):
        response = client.get(url + query)
        assert response.status_code == 200
        return _names(response.get_data(as_text=True))

    assert set(names()) == {"Tiêu rẻ", "Tiêu vừa", "Tiêu đắt"}
    assert names("?price_min=100.000&price_max=200000") == ["Tiêu vừa"]
    assert set(names("?stars=4")) == {"Tiêu vừa", "Tiêu đắt"}
    assert names("?stars=5") == ["Tiêu đắt"]
    assert names("?province=1") == ["Tiêu vừa"]
    assert names(f"?cooperative={north.slug}") == ["Tiêu đắt"]
    assert names("?sort=price_asc") == ["Tiêu rẻ", "Tiêu vừa", "Tiêu đắt"]
    assert names("?sort=price_desc") == ["Tiêu đắt", "Tiêu vừa", "Tiêu rẻ"]
    assert names("?sort=stars") == ["Tiêu đắt", "Tiêu vừa", "Tiêu rẻ"]
    assert cheap.id  # (the unrated one sorts last by stars)


def test_bad_filter_values_are_explained_and_the_rest_still_apply(client, make):
    cat = make.category()
    coop = make.cooperative()
    make.product(coop, name_vi="Gạo thơm", name_en="Gạo thơm", price=90_000, category_id=cat.id)
    make.product(coop, name_vi="Gạo nếp", name_en="Gạo nếp", price=300_000, category_id=cat.id)
    response = client.get(f"/en/category/{cat.slug}?price_min=abc&price_max=100000&stars=9"
                          "&province=999&cooperative=nobody&sort=%27;drop")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for message in ("Enter a price in đồng", "Choose 3, 4 or 5 stars.",
                    "Choose a province from the list.", "Choose a cooperative from the list.",
                    "Unknown sort order"):
        assert message in html
    assert _names(html) == ["Gạo thơm"]  # price_max still applied
    assert 'value="abc"' in html  # what was typed is kept
    huge = client.get(f"/en/category/{cat.slug}?price_min=" + "9" * 40)
    assert huge.status_code == 200 and "Enter a price in đồng" in huge.get_data(as_text=True)
    reversed_range = client.get(f"/en/category/{cat.slug}?price_min=200000&price_max=100000")
    assert "The highest price is below the lowest price." in reversed_range.get_data(as_text=True)


def test_breadcrumbs_with_breadcrumblist_on_product_category_cooperative_search(client, make):
    cat = make.category(name_vi="Cà phê", name_en="Coffee")
    coop = make.cooperative(name="HTX Ea Tu")
    p = make.product(coop, category_id=cat.id)
    html = client.get(f"/en/p/{p.slug}").get_data(as_text=True)
    crumbs = _ld(html, "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", "Coffee", "Ground Robusta coffee"]
    assert [c["position"] for c in crumbs] == [1, 2, 3]
    assert crumbs[1]["item"] == f"http://127.0.0.1:8000/en/category/{cat.slug}"
    assert 'aria-current="page">Ground Robusta coffee<' in html
    for url, last in ((f"/vi/category/{cat.slug}", "Cà phê"), (f"/vi/c/{coop.slug}", "HTX Ea Tu"),
                      ("/vi/search?q=tiêu", "tiêu")):
        page = client.get(url).get_data(as_text=True)
        names = [c["name"] for c in _ld(page, "BreadcrumbList")["itemListElement"]]
        assert names[0] == "Trang chủ" and last in names[-1], (url, names)


def test_related_products_same_category_in_stock_first(client, make):
    cat, other_cat = make.category(), make.category()
    coop = make.cooperative()
    p = make.product(coop, name_vi="Chính", name_en="Chính", category_id=cat.id)
    sold_out = make.product(coop, name_vi="Hết", name_en="Hết", category_id=cat.id, stock=0)
    in_stock = make.product(coop, name_vi="Còn", name_en="Còn", category_id=cat.id)
    make.product(coop, name_vi="Khác loại", name_en="Khác loại", category_id=other_cat.id)
    assert [r.id for r in services.related_products(p)] == [in_stock.id, sold_out.id]
    db.session.expunge_all()
    first = services.related_products(p.__class__(id=p.id, category_id=cat.id), limit=1)
    assert [r.id for r in first] == [in_stock.id]  # the limit counts products, not joined rows
    assert {t.locale for t in first[0].translations} == {"vi", "en"}
    # Server-rendered in the page itself (no JavaScript, no second request)
    html = client.get(f"/vi/p/{p.slug}").get_data(as_text=True)
    related = html[html.index('id="related-title"'):]
    assert "data-related-src" not in html
    assert _names(related) == ["Còn", "Hết"]
    assert "Hết hàng" in related  # the sold-out card says so
    assert f'href="/vi/category/{cat.slug}"' in related
    assert client.get(f"/vi/p/{p.slug}/related").status_code == 404  # the old fragment is gone


def _jpeg(width=1600, height=1200):
    image = Image.new("RGB", (width, height), (200, 140, 40))
    buf = io.BytesIO()
    image.save(buf, "JPEG")
    buf.seek(0)
    return buf


def test_uploads_get_webp_and_jpeg_renditions_served_through_picture(client, make, app):
    from market.catalog import vendor

    coop = make.cooperative()
    p = make.product(coop)
    image = vendor.upload_image(coop, p.slug, _jpeg(), app.config["MEDIA_DIR"], "Hũ mật ong")
    assert image.widths == [320, 640, 1024] and (image.width, image.height) == (1600, 1200)
    for width in image.widths:
        for ext, fmt in (("webp", "WEBP"), ("jpg", "JPEG")):
            with Image.open(f"{app.config['MEDIA_DIR']}/{image.rendition(width, ext)}") as f:
                assert (f.format, f.size) == (fmt, (width, width * 3 // 4))
    db.session.flush()
    html = client.get(f"/vi/c/{coop.slug}").get_data(as_text=True)
    card = html[html.index('<article class="card product-card">'):]
    card = card[:card.index("</article>")]
    assert '<source type="image/webp" srcset="' in card
    assert f"/media/{image.rendition(640, 'webp')} 640w" in card
    assert f'src="/media/{image.rendition(320, "jpg")}"' in card
    assert 'width="320" height="240"' in card and 'alt="Hũ mật ong"' in card
    page = client.get(f"/vi/p/{p.slug}").get_data(as_text=True)
    assert 'loading="eager"' in page and 'fetchpriority="high"' in page
    product_ld = _ld(page, "Product")
    assert product_ld["image"] == [f"http://127.0.0.1:8000/media/{image.rendition(1024, 'jpg')}"]
    assert client.get(f"/media/{image.rendition(320, 'webp')}").status_code == 200


def test_small_uploads_are_never_scaled_up():
    from market.uploads import rendition_widths

    assert rendition_widths(200) == (200,)
    assert rendition_widths(700) == (320, 640)
    assert rendition_widths(3000) == (320, 640, 1024)


def test_demo_illustrations_are_raster_renditions_without_svg(ctx, tmp_path):
    from market.demo.art import STYLES, VARIANTS, demo_image

    stored = demo_image(str(tmp_path), "mat-ong", 7)
    assert stored.filename.endswith(".jpg") and stored.widths == (320, 640, 1024)
    for width in stored.widths:
        with Image.open(tmp_path / stored.filename.replace(".jpg", f"-{width}w.webp")) as f:
            assert f.size == (width, width * 3 // 4)
    # Every category's pictures ship with the code (no drawing at start-up) and stay small.
    from market.demo.art import SHIPPED

    files = list(SHIPPED.glob("*"))
    assert len(files) == len(STYLES) * VARIANTS * 6
    assert sum(f.stat().st_size for f in files) < 1_500_000


def test_older_demo_svg_cards_are_replaced_by_raster_illustrations(make, app):
    from market.catalog import services as catalog
    from market.demo.art import replace_flat_cards

    cat = make.category(slug="mat-ong-cu")
    p = make.product(category_id=cat.id)
    catalog.add_image(p, "demo/old-card.svg", alt_vi="Ảnh minh họa")
    assert replace_flat_cards(app.config["MEDIA_DIR"]) == 1
    image = p.images[0]
    assert image.filename.startswith("demo/art/") and image.filename.endswith(".jpg")
    assert image.widths == [320, 640, 1024] and image.thumbnail.endswith("-320w.jpg")
    assert replace_flat_cards(app.config["MEDIA_DIR"]) == 0


def test_header_menu_works_without_js_and_has_a_button_for_js(client):
    html = client.get("/en/").get_data(as_text=True)
    assert 'type="checkbox" id="menu-toggle"' in html and 'for="menu-toggle"' in html
    assert 'aria-expanded="false" aria-controls="site-menu"' in html
    assert 'id="site-menu"' in html
    assert '<span>HTX Market</span>' in html
    assert '<span>Chợ HTX</span>' in client.get("/vi/").get_data(as_text=True)
    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"
