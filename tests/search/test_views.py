"""The search pages: HTML with facets, count and "did you mean"; JSON suggestions."""
from __future__ import annotations

import pytest

from market.extensions import db
from market.search import indexer


@pytest.fixture
def catalogue(make, app_backend):
    durian = make.product(name_vi="Sầu riêng Ri6", name_en="Ri6 durian", price=120_000)
    coffee = make.product(name_vi="Cà phê Robusta rang xay", name_en="Ground Robusta coffee")
    db.session.commit()
    indexer.drain()
    return {"durian": durian, "coffee": coffee}


def test_results_page(client, catalogue):
    response = client.get("/vi/search?q=sau+rieng")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    results = html.split('class="search-results"')[1]
    assert results.count("Sầu riêng Ri6") == 1  # the card's name, not repeated under it
    assert "Tìm thấy 1 sản phẩm" in html
    assert 'aria-label="Lọc kết quả"' in html and "Tỉnh/thành" in html  # facets
    assert "Cà phê Robusta" not in html.split('class="search-results"')[1]


def test_english_page_and_facets(client, catalogue, make):
    response = client.get("/en/search?q=coffee")
    html = response.get_data(as_text=True)
    assert "1 product found" in html
    assert html.split('class="search-results"')[1].count("Ground Robusta coffee") == 1
    assert "Province" in html and "Dak Lak Province" in html
    assert '<label for="sort">Sort by</label>' in html


def test_filters_sort_and_pages_come_from_the_query_string(client, catalogue):
    html = client.get("/vi/search?q=&max_price=150000&sort=price_asc").get_data(as_text=True)
    assert "Sầu riêng Ri6" in html and "Cà phê Robusta rang xay" not in html.split(
        'class="search-results"')[1]
    bad = client.get("/vi/search?q=ca+phe&stars=abc&province=xyz&page=-4&sort=nope")
    assert bad.status_code == 200


def test_nothing_found_offers_did_you_mean(client, catalogue):
    html = client.get("/vi/search?q=sau+rieeeng").get_data(as_text=True)
    assert "Có phải bạn muốn tìm" in html and "sau rieng" in html


def test_suggest_json(client, catalogue):
    data = client.get("/en/search/suggest?q=dur").get_json()
    assert data["suggestions"] == ["Ri6 durian"]
    assert client.get("/vi/search/suggest?q=s").get_json()["suggestions"] == []


def test_only_public_products_are_shown_even_if_the_index_lags(client, catalogue):
    from market.catalog.models import ProductStatus

    catalogue["durian"].status = ProductStatus.ARCHIVED.value
    db.session.flush()  # not drained yet: the page still hides it
    html = client.get("/vi/search?q=sau+rieng").get_data(as_text=True)
    assert "Sầu riêng Ri6" not in html.split('class="search-results"')[1]


def test_filters_fold_into_details_on_phones_and_open_while_they_apply(client, catalogue):
    html = client.get("/en/search?q=coffee").get_data(as_text=True)
    assert '<details class="filters-panel">' in html  # closed: phones see the results first
    assert "<summary>Filters and sort" in html
    html = client.get("/en/search?q=coffee&max_price=500000").get_data(as_text=True)
    assert '<details class="filters-panel" open>' in html and "(active)" in html
    assert 'class="grid products search-hits"' in html  # no list numbers beside the cards


def test_ocop_badges_on_result_cards(client, make, app_backend):
    from market.ocop import services as ocop
    from tests.ocop.util import TODAY, submit

    coop = make.cooperative()
    starred = make.product(coop, name_vi="Mật ong hoa cà phê", name_en="Coffee blossom honey")
    cert = submit(make.staff(coop), [starred], today=TODAY)
    ocop.verify_certificate(cert, make.officer(coop.province_code), today=TODAY)
    db.session.commit()
    indexer.drain()
    html = client.get("/en/search?q=honey+ocop").get_data(as_text=True)
    card = html.split('class="search-results"')[1]
    assert "Coffee blossom honey" in card and 'class="ocop-badge' in card
