"""The anonymous page cache (market/cache.py): a change is visible on the next request after
its transaction commits (price, stock, text, OCOP, listings, prices pages); signed-in
visitors, carts and flash messages are never served a cached page; every visitor gets a
CSRF token of their own from a cached page, and it works."""
import re

import pytest
from flask import g, has_app_context

from market import cache
from market.catalog import services as catalog
from market.extensions import db
from market.ocop import services as ocop
from tests.conftest import login
from tests.ocop.util import TODAY, submit

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def page_cache(app):
    app.config["PAGE_CACHE"] = True
    cache.clear()
    yield
    app.config["PAGE_CACHE"] = False
    cache.clear()


def get(client, path):
    # The tests' app context outlives a request (tests/conftest.py); a real request never
    # inherits the previous one's CSRF token from `g`.
    if has_app_context():
        g.pop("csrf_token", None)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.headers.get("X-Cache"), response.get_data(as_text=True)


@pytest.fixture
def product(make):
    coop = make.cooperative(name="HTX Cà phê Ea Tu")
    p = make.product(coop, price=185_000, stock=40)
    db.session.commit()
    return p


def test_second_anonymous_request_is_served_from_the_cache(client, product, page_cache):
    first = get(client, f"/vi/p/{product.slug}")
    second = get(client, f"/vi/p/{product.slug}")
    assert first[0] == "miss" and second[0] == "hit"
    assert "185.000" in second[1] and second[1].count("Cà phê Robusta rang xay") >= 1
    assert get(client, f"/en/p/{product.slug}")[0] == "miss"  # each language its own entry


def test_price_change_is_visible_on_the_next_request(client, product, page_cache):
    get(client, f"/vi/p/{product.slug}")
    assert get(client, f"/vi/p/{product.slug}")[0] == "hit"
    catalog.update_product(product, {"price": "199000"})
    db.session.commit()
    state, body = get(client, f"/vi/p/{product.slug}")
    assert state == "miss" and "199.000" in body and "185.000" not in body


def test_uncommitted_change_is_not_cached_as_committed(client, product, page_cache):
    get(client, f"/vi/p/{product.slug}")
    catalog.update_product(product, {"price": "199000"})
    db.session.rollback()  # never committed: nothing to invalidate, nothing changed
    state, body = get(client, f"/vi/p/{product.slug}")
    assert state == "hit" and "185.000" in body


def test_stock_change_by_adjustment_and_by_an_order(client, make, product, page_cache):
    get(client, f"/en/p/{product.slug}")
    catalog.adjust_stock(product, -35, reason="count")
    db.session.commit()
    state, body = get(client, f"/en/p/{product.slug}")
    assert state == "miss" and "only 5 left" in body
    assert get(client, f"/en/p/{product.slug}")[0] == "hit"
    # A checkout takes stock with a conditional UPDATE (no unit-of-work flush of Product).
    make.order([(product, 5)])
    db.session.commit()
    state, body = get(client, f"/en/p/{product.slug}")
    assert state == "miss" and "Out of stock" in body


def test_text_change_reaches_product_category_and_home_pages(client, make, page_cache):
    cat = make.category()
    p = make.product(category_id=cat.id, name_vi="Tiêu đen Chư Sê")
    db.session.commit()
    pages = [f"/vi/p/{p.slug}", f"/vi/category/{cat.slug}", "/vi/",
             f"/vi/c/{p.cooperative.slug}"]
    for path in pages:
        get(client, path)
        assert get(client, path)[0] == "hit", path
    catalog.update_product(p, {"name_vi": "Tiêu đỏ Chư Sê"})
    db.session.commit()
    for path in pages:
        state, body = get(client, path)
        assert state == "miss" and "Tiêu đỏ Chư Sê" in body and "Tiêu đen" not in body, path


def _submitted(make):
    """A product of a new cooperative with an OCOP certificate submitted, not yet verified."""
    coop = make.cooperative()
    staff, officer = make.staff(coop), make.officer(coop.province_code)
    p = make.product(coop)
    cert = submit(staff, [p], today=TODAY)
    db.session.commit()
    return coop, staff, officer, p, cert


def test_ocop_verification_shows_the_badge_at_once(client, make, page_cache):
    _, _, officer, p, cert = _submitted(make)
    _, before = get(client, f"/vi/p/{p.slug}")
    assert 'class="badges"' not in before
    assert get(client, f"/vi/p/{p.slug}")[0] == "hit"
    ocop.verify_certificate(cert, officer, today=TODAY)
    db.session.commit()
    state, after = get(client, f"/vi/p/{p.slug}")
    assert state == "miss" and 'class="badges"' in after


def test_signed_in_visitors_never_get_or_fill_the_cache(client, app, make, product, page_cache):
    buyer = make.user(name="Trần Văn Bình")
    db.session.commit()
    anon = app.test_client()
    assert get(anon, f"/vi/p/{product.slug}")[0] == "miss"  # anonymous page stored
    login(client, buyer)
    state, body = get(client, f"/vi/p/{product.slug}")
    assert state is None and "Trần Văn Bình" in body  # rendered for them, not the stored one
    state, body = get(anon, f"/vi/p/{product.slug}")
    assert state == "hit" and "Trần Văn Bình" not in body and "Sign out" not in body
    assert "Đăng xuất" not in body


def test_a_guest_with_a_cart_or_a_flash_gets_a_fresh_page(client, app, product, page_cache):
    get(client, f"/vi/p/{product.slug}")
    response = client.post("/vi/cart/add", data={"product": product.slug, "quantity": "2"})
    assert response.status_code == 302
    # The "Added to your cart" flash and the cart badge belong to this guest only.
    state, body = get(client, "/vi/")
    assert state is None and 'class="cart-count"' in body
    other = app.test_client()
    state, body = get(other, "/vi/")
    assert state in ("miss", "hit") and 'class="cart-count"' not in body
    assert get(client, f"/vi/p/{product.slug}")[0] is None


def test_unknown_query_arguments_bypass_the_cache(client, product, page_cache):
    get(client, "/vi/?page=1")
    assert get(client, "/vi/?page=1")[0] == "hit"
    assert get(client, "/vi/?utm_source=x")[0] is None
    assert get(client, "/vi/?utm_source=x")[0] is None


def test_each_visitor_gets_a_working_csrf_token_of_their_own(app, product, page_cache):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        first, second = app.test_client(), app.test_client()
        state_a, body_a = get(first, f"/vi/p/{product.slug}")
        state_b, body_b = get(second, f"/vi/p/{product.slug}")
        assert (state_a, state_b) == ("miss", "hit")
        token_a, token_b = TOKEN.search(body_a)[1], TOKEN.search(body_b)[1]
        assert token_a != token_b and cache.CSRF_MARK not in body_b
        # The first visitor's token is worth nothing in the second's session...
        g.pop("csrf_token", None)
        refused = second.post("/vi/cart/add", data={"product": product.slug, "quantity": "1",
                                                    "csrf_token": token_a})
        assert refused.status_code == 400
        # ...and the one the cached page gave the second visitor works.
        g.pop("csrf_token", None)
        added = second.post("/vi/cart/add", data={"product": product.slug, "quantity": "1",
                                                  "csrf_token": token_b})
        assert added.status_code == 302
        assert "cart-count" in second.get("/vi/cart").get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_writes_to_private_tables_invalidate_nothing(client, make, product, page_cache):
    get(client, f"/vi/p/{product.slug}")
    make.user()  # a new account: no public page shows it
    db.session.commit()
    assert get(client, f"/vi/p/{product.slug}")[0] == "hit"


def test_scope_of_tables():
    assert cache.scope_of("products") == "catalog"
    assert cache.scope_of("price_observations") == "prices"
    assert cache.scope_of("user_sessions") is None
    assert cache.scope_of("product_reviews_of_the_future") == "catalog"  # unknown: safe side


def test_a_price_import_reaches_the_prices_pages_at_once(client, make, page_cache):
    from datetime import timedelta

    from market.prices import services as prices
    from tests.prices.conftest import csv_bytes

    officer = make.officer()
    today = prices.local_today()

    def row(days_ago, price):
        return ((today - timedelta(days=days_ago)).isoformat(), "coffee_robusta", "dak_lak",
                "VND/kg", price)

    prices.import_prices(officer, "a.csv", csv_bytes([row(5, 101300)]))
    db.session.commit()
    pages = ["/en/prices/", "/en/prices/coffee_robusta?market=dak_lak"]
    for path in pages:
        assert "101,300" in get(client, path)[1]
        assert get(client, path)[0] == "hit"
    prices.import_prices(officer, "b.csv", csv_bytes([row(1, 104700)]))
    db.session.commit()
    for path in pages:
        state, body = get(client, path)
        assert state == "miss" and "104,700" in body, path


def test_a_reservation_refreshes_only_the_pages_that_show_that_stock(client, make, page_cache):
    """A checkout takes the last units of one product: its page, its category's and its
    cooperative's listings, the home page and its category neighbours' pages (their related
    cards) are fresh on the next request; pages of other categories and cooperatives stay
    cached (their generations were not bumped)."""
    cat, other_cat = make.category(), make.category()
    coop, neighbour_coop, other_coop = make.cooperative(), make.cooperative(), make.cooperative()
    sold = make.product(coop, category_id=cat.id, stock=3, name_en="Pepper to sell out")
    neighbour = make.product(neighbour_coop, category_id=cat.id, name_en="Neighbour honey")
    elsewhere = make.product(other_coop, category_id=other_cat.id, name_en="Other tea")
    db.session.commit()
    fresh = [f"/en/p/{sold.slug}", f"/en/category/{cat.slug}", f"/en/c/{coop.slug}", "/en/",
             f"/en/p/{neighbour.slug}"]
    untouched = [f"/en/p/{elsewhere.slug}", f"/en/category/{other_cat.slug}",
                 f"/en/c/{other_coop.slug}", f"/en/c/{neighbour_coop.slug}"]
    for path in fresh + untouched:
        get(client, path)
        state, body = get(client, path)
        assert state == "hit" and "Out of stock" not in body, path
    make.order([(sold, 3)])
    db.session.commit()
    for path in fresh:
        state, body = get(client, path)
        assert state == "miss" and "Out of stock" in body, path
        assert get(client, path)[0] == "hit", path
    for path in untouched:
        assert get(client, path)[0] == "hit", path
    # A stock adjustment by the cooperative is as fine-grained; a price change is not.
    catalog.adjust_stock(sold, 10, reason="count")
    db.session.commit()
    assert get(client, f"/en/p/{sold.slug}")[0] == "miss"
    assert get(client, f"/en/p/{elsewhere.slug}")[0] == "hit"
    catalog.update_product(sold, {"price": "99000"})
    db.session.commit()
    assert get(client, f"/en/p/{elsewhere.slug}")[0] == "miss"


def test_cached_data_follows_the_catalogue_generation(app, make, page_cache):
    from market.storefront import services

    cat = make.category()
    coop = make.cooperative(name="HTX Một")
    make.product(coop, category_id=cat.id)
    db.session.commit()
    assert [c.name for c in services.filter_choices(cat)["cooperatives"]] == ["HTX Một"]
    make.product(make.cooperative(name="HTX Hai"), category_id=cat.id)
    db.session.commit()
    assert [c.name for c in services.filter_choices(cat)["cooperatives"]] == ["HTX Hai",
                                                                              "HTX Một"]


@pytest.fixture
def data_cache(app):
    """The data cache on, the page cache off: every page is rendered, its badges, lots and
    wholesale button come from market.cache.cached_data (as pages_cpu.py measures)."""
    app.config["DATA_CACHE"] = True
    cache.clear()
    yield
    app.config["DATA_CACHE"] = False
    cache.clear()


def test_kept_badges_lots_and_wholesale_button_follow_the_catalogue(client, make, data_cache):
    from market.trace import services as trace
    from market.wholesale import services as wholesale

    coop, staff, officer, p, cert = _submitted(make)
    page = get(client, f"/vi/p/{p.slug}")[1]
    assert 'class="badges"' not in page and "trace-lots" not in page
    assert "rfq-offer" not in page
    ocop.verify_certificate(cert, officer, today=TODAY)
    trace.create_lot_for(coop, {"product_id": p.id, "quantity": 300, "kind": "harvest",
                                "produced_on": TODAY.isoformat()})
    wholesale.save_settings(staff, accepts_all=True, product_ids=[])
    db.session.commit()
    page = get(client, f"/vi/p/{p.slug}")[1]
    assert 'class="badges"' in page and "trace-lots" in page and "rfq-offer" in page


def test_template_gettext_matches_flask_babel(app):
    from flask_babel import force_locale, gettext, ngettext

    with app.test_request_context("/vi/"):
        app.preprocess_request()
        render = app.jinja_env.from_string
        assert render("{{ _('Search') }}").render() == gettext("Search") != "Search"
        assert render("{{ _('Page %(page)d of %(pages)d', page=2, pages=3) }}").render() \
            == gettext("Page %(page)d of %(pages)d", page=2, pages=3)
        assert render("{{ ngettext('%(num)d review', '%(num)d reviews', 3) }}").render() \
            == ngettext("%(num)d review", "%(num)d reviews", 3)
        with force_locale("en"):
            assert render("{{ _('Search') }}").render() == "Search"
        assert render("{{ _('Search') }}").render() == gettext("Search")
        # autoescaped: a variable's markup is escaped, as with Jinja's newstyle gettext
        html = app.jinja_env.from_string("{% autoescape true %}{{ _('Lot %(code)s', "
                                         "code='<b>') }}{% endautoescape %}").render()
        assert "&lt;b&gt;" in html
