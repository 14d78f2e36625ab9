"""Absolute URLs come from PUBLIC_BASE_URL, never from the Host header; production refuses
unknown hosts. Issue 10, item 5 (Host header)."""
from market import create_app
from market.urls import absolute_url_for

EVIL = {"Host": "evil.example"}
BASE = "http://127.0.0.1:8000"  # the configured PUBLIC_BASE_URL in tests


def test_canonical_and_hreflang_links_ignore_the_host_header(client, make):
    product = make.product()
    html = client.get(f"/vi/p/{product.slug}", headers=EVIL).get_data(as_text=True)
    assert "evil.example" not in html
    assert f'<link rel="canonical" href="{BASE}/vi/p/{product.slug}">' in html
    assert f'hreflang="en" href="{BASE}/en/p/{product.slug}"' in html
    coop_html = client.get(f"/en/c/{product.cooperative.slug}", headers=EVIL).get_data(as_text=True)
    assert "evil.example" not in coop_html
    assert "evil.example" not in client.get("/vi/", headers=EVIL).get_data(as_text=True)


def test_product_images_in_json_ld_and_open_graph_ignore_the_host_header(app, client, make):
    from market.catalog import services as catalog

    product = make.product()
    catalog.add_image(product, "products/test-photo.jpg", alt_vi="Ảnh", alt_en="Photo")
    html = client.get(f"/vi/p/{product.slug}", headers=EVIL).get_data(as_text=True)
    assert "evil.example" not in html
    assert f"{BASE}/media/products/test-photo.jpg" in html


def test_sitemap_and_robots_ignore_the_host_header(client, make):
    product = make.product()
    xml = client.get("/sitemap.xml", headers=EVIL).get_data(as_text=True)
    assert "evil.example" not in xml
    assert f"<loc>{BASE}/vi/p/{product.slug}</loc>" in xml
    robots = client.get("/robots.txt", headers=EVIL).get_data(as_text=True)
    assert robots.strip().endswith(f"Sitemap: {BASE}/sitemap.xml")


def test_atom_feed_ignores_the_host_header(client):
    atom = client.get("/prices/feed.atom", headers=EVIL).get_data(as_text=True)
    assert "evil.example" not in atom
    assert f'<link rel="self" href="{BASE}/prices/feed.atom"/>' in atom


def test_atom_feed_entries_use_the_public_base_url(app, client, monkeypatch):
    from types import SimpleNamespace

    from market.prices import api, services

    series = SimpleNamespace(
        commodity=SimpleNamespace(slug="ca-phe", name_en="Coffee", name_vi="Cà phê"),
        market=SimpleNamespace(slug="dak-lak", name_en="Dak Lak", name_vi="Đắk Lắk"),
        unit_label="VND/kg", commentary_en="", commentary_vi="")
    import datetime as dt

    forecast = SimpleNamespace(
        series=series, public_id="f1", model="ets",
        published_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        last_observation_on=dt.date(2025, 12, 31),
        points=[{"date": "2026-01-01", "mean": 1.0, "lo80": 0.5, "hi80": 1.5}])
    monkeypatch.setattr(services, "published_feed", lambda: [forecast])
    # The stub series has no rows: no freshness or production cost to look up.
    monkeypatch.setattr(services, "freshness", lambda s, today=None: None)
    monkeypatch.setattr(services, "margin_for", lambda s, item=None: None)
    assert api.services is services
    atom = client.get("/prices/feed.atom", headers=EVIL).get_data(as_text=True)
    assert "evil.example" not in atom
    assert f"{BASE}/vi/prices/ca-phe" in atom


def test_absolute_url_for_uses_the_configured_base(app):
    other = create_app({**app.config, "PUBLIC_BASE_URL": "https://htx.example.vn"})
    with other.test_request_context("/", headers=EVIL):
        assert absolute_url_for("seo.sitemap") == "https://htx.example.vn/sitemap.xml"
        assert absolute_url_for("storefront.home", lang="en", _external=True) == (
            "https://htx.example.vn/en/")


def test_production_answers_only_its_own_host(app, monkeypatch):
    monkeypatch.setenv("MARKET_ENV", "production")
    prod = create_app({**app.config, "ENV_NAME": "production", "RATELIMIT_ENABLED": False,
                       "PUBLIC_BASE_URL": "https://htx.example.vn", "TRUSTED_HOSTS": None})
    assert prod.config["TRUSTED_HOSTS"] == ["htx.example.vn"]
    client = prod.test_client()
    assert client.get("/healthz", base_url="https://htx.example.vn").status_code == 200
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400
