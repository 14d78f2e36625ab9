import re

from market.extensions import db
from market.orders.models import Order
from tests.conftest import login


def _checkout_form(client, lang="vi", **overrides):
    page = client.get(f"/{lang}/checkout").get_data(as_text=True)
    key = re.search(r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"',
                    page).group(1)
    data = {"name": "Trần Văn An", "email": "an@example.vn", "phone": "0987654321",
            "province_code": "1", "commune_code": "70", "address_line": "5 Hàng Bạc",
            "payment_method": "cod", "idempotency_key": key}
    data.update(overrides)
    return data


def test_guest_cart_to_cash_order(client, make):
    product = make.product(name_vi="Hồ tiêu đen", price=120_000, stock=5)
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 2})
    page = client.get("/vi/cart").get_data(as_text=True)
    assert "Hồ tiêu đen" in page and "240.000" in page
    data = _checkout_form(client)
    response = client.post("/vi/checkout", data=data)
    assert response.status_code == 303
    order_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "đã xác nhận" in order_page  # COD goes straight to the cooperative
    again = client.post("/vi/checkout", data=data)  # double submit: same order, or empty cart
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1
    assert again.status_code in (302, 303)
    db.session.refresh(product)
    assert product.stock == 3


def test_vietqr_order_shows_the_qr_and_reference(client, make):
    product = make.product(price=99_000)
    client.post("/en/cart/add", data={"product": product.slug, "quantity": 1})
    response = client.post("/en/checkout", data=_checkout_form(client, "en",
                                                              payment_method="vietqr"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    order = db.session.scalar(db.select(Order))
    assert "<svg" in page and order.transfer_reference in page
    assert "awaiting payment" in page


def test_card_option_hidden_without_stripe_key(client, make):
    client.post("/vi/cart/add", data={"product": make.product().slug, "quantity": 1})
    page = client.get("/vi/checkout").get_data(as_text=True)
    assert 'value="cod"' in page and 'value="vietqr"' in page
    assert 'value="stripe"' not in page


def test_missing_commune_asks_for_it_and_keeps_the_input(client, make):
    client.post("/vi/cart/add", data={"product": make.product().slug, "quantity": 1})
    response = client.post("/vi/checkout", data=_checkout_form(client, commune_code="0"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Chọn xã hoặc phường." in page
    assert 'value="5 Hàng Bạc"' in page
    assert "Phường Hoàn Kiếm" in page  # the commune list of the chosen province


def test_adding_more_than_stock_is_refused(client, make):
    product = make.product(stock=2)
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 3})
    assert "Chỉ còn 2 sản phẩm." in client.get("/vi/cart").get_data(as_text=True)


def test_guest_cart_merges_at_login(client, make):
    buyer = make.user()
    product = make.product()
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 2})
    login(client, buyer)
    from market.orders import cart
    assert cart.load(buyer) == {make.cart_key(product): 2}


def test_orders_are_private(client, make):
    product = make.product()
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 1})
    location = client.post("/vi/checkout", data=_checkout_form(client)).headers["Location"]
    stranger = make.user()
    other = client.application.test_client()
    assert other.get(location).status_code == 404
    login(other, stranger)
    assert other.get(location).status_code == 404


def test_cooperative_sees_and_moves_only_its_own_orders(client, make):
    coop = make.cooperative()
    staff = make.staff(coop)
    mine = make.order([(make.product(coop), 1)]).vendor_orders[0]
    theirs = make.order([(make.product(), 1)]).vendor_orders[0]
    login(client, staff)
    listing = client.get("/vi/vendor/orders").get_data(as_text=True)
    assert mine.public_id in listing and theirs.public_id not in listing
    assert client.get(f"/vi/vendor/orders/{theirs.public_id}").status_code == 404
    assert client.post(f"/vi/vendor/orders/{theirs.public_id}",
                       data={"to": "packed"}).status_code == 404
    client.post(f"/vi/vendor/orders/{mine.public_id}", data={"to": "packed"})
    client.post(f"/vi/vendor/orders/{mine.public_id}",
                data={"to": "shipped", "carrier": "GHN", "tracking_number": "GHN123"})
    db.session.refresh(mine)
    assert (mine.status, mine.tracking_number) == ("shipped", "GHN123")
    assert theirs.status == "confirmed"


def test_card_option_shown_with_a_stripe_key(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_KEY", "sk_test_offline")
    client.post("/en/cart/add", data={"product": make.product().slug, "quantity": 1})
    assert 'value="stripe"' in client.get("/en/checkout").get_data(as_text=True)


def test_checkout_shows_shipping_once_the_province_is_known(client, make):
    product = make.product(price=100_000, weight_grams=500)  # from Đắk Lắk (66)
    client.post("/vi/cart/add", data={"product": product.slug, "quantity": 1})
    response = client.post("/vi/checkout", data=_checkout_form(
        client, province_code="66", commune_code="0"))
    page = response.get_data(as_text=True)
    assert "18.000" in page  # same province: base fee for the first kg
    assert "118.000" in page  # goods plus shipping
