"""The buyer's side of issue 11: signed links to guest orders, the order page, searching
orders by number, the checkout summary without JavaScript, carriers, the cart controls."""
from __future__ import annotations

import re
import time
from datetime import UTC
from pathlib import Path

import pytest
from itsdangerous.timed import TimestampSigner

from market.errors import ValidationError
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.orders import carriers, cart, links, services
from market.orders.models import Order
from tests.conftest import login
from tests.orders.test_views import _checkout_form


def _mails(to=None):
    query = db.select(OutboxEmail).order_by(OutboxEmail.id)
    if to:
        query = query.filter_by(recipient=to)
    return db.session.scalars(query).all()


def _link_in(body: str) -> str:
    return re.search(r"(http://\S+/orders/link/\S+)", body).group(1)


def _path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _old_token(order, monkeypatch, days=91):
    """A link made `days` ago."""
    now = int(time.time())
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: now - days * 86400)
        return links.make_token(order)


# --- signed links to guest orders ---------------------------------------------------------

def test_guest_confirmation_email_carries_a_link_that_opens_the_order_anywhere(client, make, app):
    product = make.product(name_vi="Tiêu đen Chư Sê")
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 1})
    placed = client.post("/vi/checkout", data=_checkout_form(client, email="lan@example.vn"))
    order = db.session.scalar(db.select(Order))
    confirmation = client.get(placed.headers["Location"]).get_data(as_text=True)
    mail = _mails("lan@example.vn")[0]
    url = _link_in(mail.body)
    assert url.startswith(app.config["PUBLIC_BASE_URL"] + "/vi/orders/link/")
    assert order.number in mail.subject
    # The page shows a link too (signed a moment apart, so maybe not the same characters).
    on_page = re.search(r'class="share-link" href="([^"]+)"', confirmation).group(1)
    assert links.order_id_from(on_page.rsplit("/", 1)[1]) == order.public_id

    stranger = app.test_client()  # another browser: no session, not signed in
    page = stranger.get(_path(url))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert order.number in body and "Tiêu đen Chư Sê" in body
    assert page.headers["Cache-Control"] == "private, no-store"
    assert stranger.get(f"/vi/orders/{order.public_id}").status_code == 404  # no link, no page


def test_a_tampered_link_says_so_and_opens_nothing(client, make):
    order = make.order([(make.product(), 1)])
    token = links.make_token(order)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(f"/en/orders/link/{tampered}")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This order link is not valid." in body and order.number not in body
    vi = client.get(f"/vi/orders/link/{tampered}").get_data(as_text=True)
    assert "Liên kết đến đơn hàng này không hợp lệ." in vi


def test_a_token_of_another_purpose_is_not_an_order_link(client, make, app):
    from itsdangerous import URLSafeTimedSerializer

    order = make.order([(make.product(), 1)])
    other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        {"o": order.public_id})
    assert client.get(f"/vi/orders/link/{other}").status_code == 400


def test_an_expired_link_offers_a_new_one_by_email(client, make, monkeypatch):
    order = make.order([(make.product(), 1)], email="hoa@example.vn")
    token = _old_token(order, monkeypatch)
    response = client.get(f"/en/orders/link/{token}")
    body = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This order link has expired." in body and 'name="email"' in body
    assert order.number not in body
    before = len(_mails())
    wrong = client.post("/en/orders/link/resend", data={"token": token,
                                                        "email": "someone@example.vn"})
    assert len(_mails()) == before  # not the order's address: nothing sent
    right = client.post("/en/orders/link/resend", data={"token": token,
                                                        "email": " HOA@example.vn "})
    assert wrong.get_data(as_text=True) == right.get_data(as_text=True)  # same answer
    mail = _mails("hoa@example.vn")[-1]
    fresh = _link_in(mail.body)
    assert order.number in mail.subject
    assert client.application.test_client().get(_path(fresh)).status_code == 200


def test_expiry_follows_the_configured_days(client, make, monkeypatch, app):
    order = make.order([(make.product(), 1)])
    token = _old_token(order, monkeypatch, days=10)
    assert client.get(f"/vi/orders/link/{token}").status_code == 200
    monkeypatch.setitem(app.config, "ORDER_LINK_DAYS", 7)
    assert client.get(f"/vi/orders/link/{token}").status_code == 410


def test_a_tampered_resend_sends_nothing(client, make):
    order = make.order([(make.product(), 1)], email="hoa@example.vn")
    before = len(_mails())
    response = client.post("/vi/orders/link/resend",
                           data={"token": links.make_token(order) + "x", "email": order.email})
    assert response.status_code == 200 and len(_mails()) == before


def test_links_open_guest_orders_only(make):
    buyer = make.user()
    mine = make.order([(make.product(), 1)], buyer=buyer)
    # A buyer's order is opened by signing in: a link (if one leaked) proves nothing.
    assert not services.may_view(mine, None, [], linked_order_id=mine.public_id)
    guest = make.order([(make.product(), 1)])
    assert services.may_view(guest, None, [], linked_order_id=guest.public_id)
    assert not services.may_view(guest, None, [], linked_order_id=mine.public_id)
    assert "/orders/link/" not in links.order_url(mine)


def test_guest_cancels_through_the_link_in_another_browser(make, app):
    product = make.product(stock=5)
    order = make.order([(product, 2)], method="vietqr")
    token = links.make_token(order)
    browser = app.test_client()
    asked = browser.post(f"/vi/orders/{order.public_id}/cancel", data={"link": token})
    assert f"Hủy đơn {order.number}?" in asked.get_data(as_text=True)
    assert order.vendor_orders[0].status == "pending_payment"  # asked again, nothing done
    response = browser.post(f"/vi/orders/{order.public_id}/cancel",
                            data={"link": token, "confirmed": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/vi/orders/link/{token}")
    db.session.refresh(order.vendor_orders[0])
    db.session.refresh(product)
    assert order.vendor_orders[0].status == "cancelled" and product.stock == 5
    assert order.vendor_orders[0].events[-1].actor_role == "buyer"
    page = browser.get(f"/vi/orders/link/{token}").get_data(as_text=True)
    assert "Hủy đơn hàng" not in page  # nothing left to cancel


def test_another_orders_link_cancels_nothing(make, app):
    mine = make.order([(make.product(), 1)], method="vietqr")
    theirs = make.order([(make.product(), 1)], method="vietqr")
    browser = app.test_client()
    response = browser.post(f"/vi/orders/{theirs.public_id}/cancel",
                            data={"link": links.make_token(mine)})
    assert response.status_code == 404
    bad = browser.post(f"/vi/orders/{theirs.public_id}/cancel",
                       data={"link": "not-a-token", "confirmed": "1"})
    assert bad.status_code == 400 and "không hợp lệ" in bad.get_data(as_text=True)
    assert theirs.vendor_orders[0].status == "pending_payment"


def test_a_form_sent_with_an_expired_link_offers_a_new_one(make, app, monkeypatch):
    order = make.order([(make.product(), 1)], method="vietqr")
    response = app.test_client().post(f"/en/orders/{order.public_id}/cancel",
                                      data={"link": _old_token(order, monkeypatch)})
    assert response.status_code == 410 and 'name="email"' in response.get_data(as_text=True)
    assert order.vendor_orders[0].status == "pending_payment"


def test_a_paid_order_is_not_cancelled_through_its_link(make, app):
    from market.accounts.models import Role

    order = make.order([(make.product(), 1)], method="vietqr")
    services.mark_order_paid(order, actor=make.user(Role.ADMIN), note="transfer")
    app.test_client().post(f"/vi/orders/{order.public_id}/cancel",
                           data={"link": links.make_token(order), "confirmed": "1"})
    assert order.vendor_orders[0].status == "paid"


# --- the order page -----------------------------------------------------------------------

def _shipped_order(make, **contact):
    coop_a, coop_b = make.cooperative(name="HTX Cà phê A"), make.cooperative(name="HTX Tiêu B")
    staff = make.staff(coop_a)
    order = make.order([(make.product(coop_a), 1), (make.product(coop_b), 1)], **contact)
    vo = order.vendor_orders[0]
    services.transition(vo, "packed", actor=staff)
    services.transition(vo, "shipped", actor=staff, carrier="ghn", tracking_number="gy8h 6k7d")
    return order, vo


def test_order_page_shows_address_payment_parcels_and_tracking(client, make):
    order, vo = _shipped_order(make, province_code=1, commune_code=70)
    token = links.make_token(order)
    page = client.get(f"/vi/orders/link/{token}").get_data(as_text=True)
    assert "Nguyễn Thị Mai" in page and "0912345678" in page and "12 Hàng Bạc" in page
    assert "Phường Hoàn Kiếm" in page and "Thành phố Hà Nội" in page
    assert "Thanh toán khi nhận hàng" in page
    assert "HTX Cà phê A" in page and "HTX Tiêu B" in page and vo.number in page
    assert "Giao Hàng Nhanh" in page and "GY8H6K7D" in page
    assert 'href="https://donhang.ghn.vn/?order_code=GY8H6K7D"' in page
    assert 'rel="noopener noreferrer"' in page
    en = client.get(f"/en/orders/link/{token}").get_data(as_text=True)
    assert "Cash on delivery" in en and "Hoàn Kiếm Ward" in en


def test_payment_states(make):
    from market.accounts.models import Role

    product = make.product(stock=20)
    assert services.payment_state(make.order([(product, 1)], method="cod")) == "cod"
    transfer = make.order([(product, 1)], method="vietqr")
    assert services.payment_state(transfer) == "awaiting_transfer"
    services.mark_order_paid(transfer, actor=make.user(Role.ADMIN), note="t")
    assert services.payment_state(transfer) == "paid"
    cancelled = make.order([(product, 1)], method="vietqr")
    services.cancel_order(cancelled, guest=True)
    assert services.payment_state(cancelled) == "unpaid"


def test_dates_have_one_format_per_locale(ctx):
    from datetime import datetime

    from flask_babel import force_locale

    from market.i18n import format_localtime

    at = datetime(2026, 11, 23, 18, 20, tzinfo=UTC)  # 01:20 next day in Hà Nội
    with force_locale("vi"):
        assert format_localtime(at) == "24/11/2026 01:20"
    with force_locale("en"):
        assert format_localtime(at) == "24 Nov 2026, 01:20"
    # The filter takes no style: no template can ask for a format of its own.
    templates = Path(__file__).resolve().parents[2] / "market"
    styled = [str(p) for p in templates.rglob("*.html") if "localtime(" in p.read_text()]
    assert styled == []


def test_old_free_text_carriers_still_show(make):
    order, vo = _shipped_order(make)
    vo.carrier = "Bưu điện huyện"  # typed before the list existed
    view = services.order_view(order, "vi")
    assert view.parcels[0].carrier_name == "Bưu điện huyện"
    assert view.parcels[0].tracking_url is None


# --- searching the buyer's orders by number -----------------------------------------------

def test_search_by_number_is_scoped_to_the_buyer(client, make):
    buyer, other = make.user(), make.user()
    product = make.product(stock=30)
    mine = make.order([(product, 1)], buyer=buyer)
    also_mine = make.order([(product, 1)], buyer=buyer)
    theirs = make.order([(product, 1)], buyer=other)
    typed = mine.number.lower().replace("-", " ") + "-1"  # any case, spaces, a part suffix
    assert services.orders_of(buyer, typed) == [mine]
    assert services.orders_of(buyer, theirs.number) == []
    assert services.orders_of(buyer, "not a number") == []
    assert {o.id for o in services.orders_of(buyer)} == {mine.id, also_mine.id}
    login(client, buyer)
    page = client.get("/vi/orders", query_string={"q": mine.number.replace("-", "")})
    body = page.get_data(as_text=True)
    assert mine.number in body and also_mine.number not in body
    other_page = client.get("/vi/orders", query_string={"q": theirs.number}).get_data(as_text=True)
    assert theirs.public_id not in other_page and "Không có đơn hàng nào" in other_page


# --- checkout summary with and without JavaScript -----------------------------------------

def test_update_total_rerenders_the_summary_keeps_input_and_places_nothing(client, make):
    coop = make.cooperative()  # Đắk Lắk
    product = make.product(coop, price=100_000, weight_grams=500, stock=5)
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 2})
    data = _checkout_form(client, province_code="66", commune_code="0",
                          name="Y Bhim Niê", phone="0905 111 222", address_line="Buôn Ky")
    data["recalculate"] = "Cập nhật tổng tiền"
    response = client.post("/vi/checkout", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
    db.session.refresh(product)
    assert product.stock == 5
    assert 'value="Y Bhim Niê"' in page and 'value="0905 111 222"' in page
    assert 'value="Buôn Ky"' in page
    assert re.search(r'<option selected value="66">', page)
    assert "Buôn Ma Thuột" in page  # the province's communes for the next step
    assert "18.000" in page and "218.000" in page  # same-province parcel, grand total
    assert 'class="error"' not in page  # no complaints about the missing commune yet
    assert data["idempotency_key"] in page  # the same checkout continues


def test_summary_fragment_for_the_script(client, make):
    product = make.product(price=100_000, weight_grams=500)
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 1})
    fragment = client.get("/vi/checkout/summary", query_string={"province_code": "66"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "118.000" in fragment.get_data(as_text=True)
    unknown = client.get("/vi/checkout/summary", query_string={"province_code": "x"})
    assert "118.000" not in unknown.get_data(as_text=True)


def test_checkout_totals_service(make):
    product = make.product(price=100_000, weight_grams=500)
    summary = cart.summarise({make.cart_key(product): 2})
    open_ = services.checkout_totals(summary, None)
    assert (open_.goods, open_.shipping, open_.total) == (200_000, None, None)
    known = services.checkout_totals(summary, "66")
    assert known.shipping == {product.cooperative_id: 18_000} and known.total == 218_000


# --- carriers -----------------------------------------------------------------------------

@pytest.mark.parametrize("code, number, url", [
    ("ghn", "GY8H6K7D", "https://donhang.ghn.vn/?order_code=GY8H6K7D"),
    ("ghtk", "S123456789", "https://i.ghtk.vn/S123456789"),
    ("viettelpost", "1098234812",
     "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?order_number=1098234812"),
    ("vnpost", "EB123456789VN", "https://www.vnpost.vn/vi-vn/dinh-vi/buu-pham?key=EB123456789VN"),
    ("jt", "862350452337", "https://jtexpress.vn/vi/tracking?type=track&billcode=862350452337"),
    ("ninjavan", "NIVN123456", "https://www.ninjavan.co/vi-vn/tracking?id=NIVN123456"),
    ("other", "ABC123", None),
    ("Giao hàng tận nơi", "ABC123", None),
])
def test_tracking_urls(code, number, url):
    assert carriers.tracking_url(code, number) == url


def test_tracking_numbers_are_checked():
    assert carriers.clean_shipment("GHN", " gy8h 6k7d ") == ("ghn", "GY8H6K7D")
    for carrier, number, field in [("dhl", "ABC123", "carrier"), ("ghn", "", "tracking_number"),
                                   ("ghn", "AB", "tracking_number"),
                                   ("ghn", "A" * 41, "tracking_number"),
                                   ("ghn", "AB12<script>", "tracking_number"),
                                   ("ghn", "X1/../2", "tracking_number")]:
        with pytest.raises(ValidationError) as exc:
            carriers.clean_shipment(carrier, number)
        assert field in exc.value.errors


def test_mark_shipped_form_picks_a_carrier_from_the_list(client, make):
    coop = make.cooperative()
    staff = make.staff(coop)
    vo = make.order([(make.product(coop), 1)]).vendor_orders[0]
    login(client, staff)
    client.post(f"/vi/vendor/orders/{vo.public_id}", data={"to": "packed"})
    page = client.get(f"/vi/vendor/orders/{vo.public_id}").get_data(as_text=True)
    assert '<select id="carrier" name="carrier"' in page and 'value="vnpost"' in page
    client.post(f"/vi/vendor/orders/{vo.public_id}",
                data={"to": "shipped", "carrier": "fedex", "tracking_number": "EB1234VN"})
    assert vo.status == "packed"
    client.post(f"/vi/vendor/orders/{vo.public_id}",
                data={"to": "shipped", "carrier": "vnpost", "tracking_number": "eb123456789vn"})
    db.session.refresh(vo)
    assert (vo.status, vo.carrier, vo.tracking_number) == ("shipped", "vnpost", "EB123456789VN")


# --- the cart -----------------------------------------------------------------------------

def test_cart_steps_removes_and_counts(client, make):
    product = make.product(stock=3, name_vi="Mắc ca Đắk Lắk")
    other = make.product(stock=9)
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 1})
    client.post("/vi/cart/add", data={"product": other.slug, "quantity": 2})
    page = client.get("/vi/cart").get_data(as_text=True)
    assert 'name="step" value="1"' in page and 'name="remove"' in page
    assert re.search(r'class="cart-count"[^>]*>3<', page)
    client.post("/vi/cart/update", data={"product": product.slug, "step": "1"})
    client.post("/vi/cart/update", data={"product": product.slug, "step": "1"})
    with client.session_transaction() as s:
        assert s["cart"][make.cart_key(product)] == 3
    refused = client.post("/vi/cart/update", data={"product": product.slug, "step": "1"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Chỉ còn 3 sản phẩm." in refused  # no more than the stock
    client.post("/vi/cart/update", data={"product": product.slug, "step": "-1"})
    client.post("/vi/cart/update", data={"product": other.slug, "remove": "1"})
    with client.session_transaction() as s:
        assert s["cart"] == {make.cart_key(product): 2}
    client.post("/vi/cart/update", data={"product": product.slug, "step": "5"})
    with client.session_transaction() as s:
        assert s["cart"] == {make.cart_key(product): 2}  # only −1 and +1 are steps


def test_signed_in_cart_count_is_one_query(client, make):
    from sqlalchemy import event

    buyer = make.user()
    login(client, buyer)
    product = make.product(stock=9)
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 4})
    assert cart.count_saved(buyer) == 4
    statements = []
    listener = lambda *args: statements.append(args[2])
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = client.get("/vi/prices/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert re.search(r'class="cart-count"[^>]*>4<', page)
    assert sum("cart_items" in s for s in statements) == 1


def test_resending_links_is_rate_limited(app, make):
    from market import create_app

    limited = create_app({**app.config, "RATELIMIT_ENABLED": True,
                          "RATELIMIT_STORAGE_URI": "memory://"})
    order = make.order([(make.product(), 1)])
    data = {"token": links.make_token(order), "email": "someone@example.vn"}
    browser = limited.test_client()
    try:
        statuses = [browser.post("/vi/orders/link/resend", data=data).status_code
                    for _ in range(4)]
    finally:
        # The limiter is one instance shared with the suite's app: switch it off again.
        create_app({**app.config})
    assert statuses == [200, 200, 200, 429]


def test_emails_get_absolute_links_outside_a_request_too(app):
    """A worker or a CLI command (no request) that queues an order email still links to
    the configured public address."""
    from flask import has_request_context

    from tests import factories

    assert not has_request_context()
    order = factories.order([(factories.product(), 1)], email="worker@example.vn")
    url = _link_in(_mails("worker@example.vn")[0].body)
    assert url.startswith(app.config["PUBLIC_BASE_URL"] + "/vi/orders/link/")
    assert links.order_id_from(url.rsplit("/", 1)[1]) == order.public_id


def test_only_parts_still_open_offer_to_be_cancelled(client, make):
    buyer = make.user()
    a, b = make.cooperative(), make.cooperative()
    order = make.order([(make.product(a), 1), (make.product(b), 1)], method="cod", buyer=buyer)
    login(client, buyer)
    page = client.get(f"/en/orders/{order.public_id}").get_data(as_text=True)
    assert page.count("Cancel this part") == 2
    services.transition(order.vendor_orders[0], "packed", actor=make.staff(a))
    page = client.get(f"/en/orders/{order.public_id}").get_data(as_text=True)
    assert page.count("Cancel this part") == 1
