"""Translation completeness (issue 12): an English page whose text is missing says so, marks
the Vietnamese text lang="vi", and advertises no English alternate until it is translated;
the vendor portal lists the products that lack English and which fields."""
from __future__ import annotations

import re

from market.catalog import services as catalog
from market.catalog import vendor as vendor_catalog
from market.vendors import services as vendors
from tests.conftest import login

BASE = "http://127.0.0.1:8000"


def test_missing_english_fields(make):
    full = make.product()
    nothing = make.product(name_en="", description_en="")
    no_description = make.product(description_en="")
    no_description_anywhere = make.product(description_vi="", description_en="")
    assert catalog.missing_english(full) == []
    assert catalog.missing_english(nothing) == ["name", "description"]
    assert catalog.missing_english(no_description) == ["description"]
    assert catalog.missing_english(no_description_anywhere) == []
    assert catalog.translated(nothing, "vi") and not catalog.translated(nothing, "en")


def test_untranslated_product_page_in_english(client, make):
    p = make.product(name_en="", description_en="")
    en = client.get(f"/en/p/{p.slug}").get_data(as_text=True)
    assert "Shown in Vietnamese: not translated yet." in en
    assert "Missing in English: name, description." in en
    assert '<h1 lang="vi">Cà phê Robusta rang xay</h1>' in en
    assert re.search(r'<div lang="vi"><p>Rang mộc\.</p></div>', en)
    # no English alternate: the English URL points at the Vietnamese page as canonical
    assert 'rel="alternate" hreflang="en"' not in en
    assert f'<link rel="canonical" href="{BASE}/vi/p/{p.slug}">' in en
    vi = client.get(f"/vi/p/{p.slug}").get_data(as_text=True)
    assert 'rel="alternate" hreflang="en"' not in vi and "Shown in Vietnamese" not in vi
    assert f'hreflang="vi" href="{BASE}/vi/p/{p.slug}"' in vi


def test_partly_translated_product_shows_the_vietnamese_description(client, make):
    p = make.product(description_en="")
    en = client.get(f"/en/p/{p.slug}").get_data(as_text=True)
    assert "<h1 >Ground Robusta coffee</h1>" in en or "<h1>Ground Robusta coffee</h1>" in en
    assert "Missing in English: description." in en
    assert '<div lang="vi"><p>Rang mộc.</p></div>' in en
    assert 'rel="alternate" hreflang="en"' not in en


def test_translated_product_advertises_both_languages(client, make):
    p = make.product()
    en = client.get(f"/en/p/{p.slug}").get_data(as_text=True)
    assert "Shown in Vietnamese" not in en and 'lang="vi"' not in en.split("<main")[1]
    assert f'hreflang="en" href="{BASE}/en/p/{p.slug}"' in en


def test_cooperative_without_english_story(client, make):
    coop = make.cooperative(story_en="")
    en = client.get(f"/en/c/{coop.slug}").get_data(as_text=True)
    assert "Shown in Vietnamese: not translated yet." in en and "Missing in English: story." in en
    assert '<div class="story" lang="vi">' in en
    assert 'rel="alternate" hreflang="en"' not in en
    assert vendors.missing_english(coop) == ["story"]
    translated = make.cooperative(story_en="Our story.")
    html = client.get(f"/en/c/{translated.slug}").get_data(as_text=True)
    assert "Shown in Vietnamese" not in html and 'rel="alternate" hreflang="en"' in html


def test_sitemap_lists_english_urls_of_translated_pages_only(client, make):
    coop = make.cooperative(story_en="Our story.")
    done = make.product(coop)
    todo = make.product(coop, name_en="", description_en="")
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"<loc>{BASE}/en/p/{done.slug}</loc>" in xml
    assert f"<loc>{BASE}/vi/p/{todo.slug}</loc>" in xml
    assert f"{BASE}/en/p/{todo.slug}" not in xml
    assert f"<loc>{BASE}/en/c/{coop.slug}</loc>" in xml
    assert catalog.english_product_slugs() >= {done.slug}
    assert todo.slug not in catalog.english_product_slugs()


def test_vendor_portal_lists_products_lacking_english_and_the_fields(client, make):
    coop = make.cooperative()
    staff = make.staff(coop)
    make.product(coop, name_vi="Mật ong đủ tiếng Anh")
    make.product(coop, name_vi="Tiêu đen chưa dịch", name_en="", description_en="")
    make.product(coop, name_vi="Gạo thiếu mô tả", description_en="")
    make.product(make.cooperative(), name_vi="Của hợp tác xã khác", name_en="",
                 description_en="")
    count, rows = vendor_catalog.untranslated(coop)
    assert count == 2
    assert {p.name("vi"): fields for p, fields in rows} == {
        "Tiêu đen chưa dịch": ["name", "description"], "Gạo thiếu mô tả": ["description"]}
    login(client, staff, lang="en")
    html = client.get("/en/vendor/").get_data(as_text=True)
    section = html.split('id="untranslated"')[1].split("</section>")[0]
    assert "Tiêu đen chưa dịch" in section and "Gạo thiếu mô tả" in section
    assert "Mật ong đủ tiếng Anh" not in section and "Của hợp tác xã khác" not in section
    assert "name, description" in section
