""""Buy again" on the buyer's order list (issue 11): the order's products that are still for
sale go back into the cart, capped by stock; the rest are named in a translated message."""
import pytest

from market.catalog.models import ProductStatus
from market.errors import NotFound
from market.extensions import db
from market.orders import cart
from tests.conftest import login


def _archive(product):
    product.status = ProductStatus.ARCHIVED.value
    db.session.commit()


def test_reorder_service_caps_by_stock_and_reports_the_rest(make):
    buyer = make.user()
    coffee = make.product(name_vi="Cà phê", stock=10)
    pepper = make.product(name_vi="Hồ tiêu", stock=10)
    honey = make.product(name_vi="Mật ong", stock=10)
    order = make.order([(coffee, 3), (pepper, 4), (honey, 1)], buyer=buyer)
    _archive(honey)
    pepper.variants[0].stock = 2  # someone bought most of it since
    db.session.commit()
    result = cart.reorder({make.cart_key(coffee): 1}, order, buyer)
    assert result.items == {make.cart_key(coffee): 4, make.cart_key(pepper): 2}
    assert result.added == ["Cà phê", "Hồ tiêu"]
    assert result.capped == [("Hồ tiêu", 2)]
    assert result.unavailable == ["Mật ong"]


def test_reorder_respects_the_carts_unit_limit(make, monkeypatch):
    monkeypatch.setattr(cart, "MAX_QUANTITY", 5)
    buyer = make.user()
    coffee = make.product(stock=50)
    order = make.order([(coffee, 4)], buyer=buyer)
    other = make.product(stock=50)
    result = cart.reorder({make.cart_key(other): 3}, order, buyer)
    assert result.items == {make.cart_key(other): 3, make.cart_key(coffee): 2}
    assert result.capped == [(coffee.name("vi"), 2)]


def test_sold_out_counts_as_unavailable(make):
    buyer = make.user()
    coffee = make.product(stock=2)
    order = make.order([(coffee, 2)], buyer=buyer)  # took the last two
    result = cart.reorder({}, order, buyer, "en")
    assert result.items == {} and result.unavailable == ["Ground Robusta coffee"]


def test_only_the_buyer_may_reorder(make):
    buyer, other = make.user(), make.user()
    order = make.order([(make.product(), 1)], buyer=buyer)
    for who in (other, None):
        with pytest.raises(NotFound):
            cart.reorder({}, order, who)
    guest_order = make.order([(make.product(), 1)])
    with pytest.raises(NotFound):
        cart.reorder({}, guest_order, buyer)


def test_buy_again_button_round_trip(client, make):
    buyer = make.user()
    coffee = make.product(name_vi="Cà phê Buôn Ma Thuột", stock=10)
    honey = make.product(name_vi="Mật ong hoa cà phê", stock=10)
    order = make.order([(coffee, 2), (honey, 1)], buyer=buyer)
    _archive(honey)
    login(client, buyer)
    listing = client.get("/vi/orders").get_data(as_text=True)
    assert f'action="/vi/orders/{order.public_id}/reorder"' in listing
    assert "Mua lại" in listing
    response = client.post(f"/vi/orders/{order.public_id}/reorder")
    assert response.status_code == 303 and response.headers["Location"].endswith("/vi/cart")
    page = client.get("/vi/cart").get_data(as_text=True)
    assert "Đã thêm lại vào giỏ hàng: Cà phê Buôn Ma Thuột." in page
    assert "Không còn bán nên không được thêm: Mật ong hoa cà phê." in page
    assert cart.load(buyer) == {make.cart_key(coffee): 2}


def test_another_buyers_order_cannot_be_reordered(client, make):
    buyer, other = make.user(), make.user()
    order = make.order([(make.product(), 1)], buyer=buyer)
    db.session.commit()
    login(client, other)
    assert client.post(f"/vi/orders/{order.public_id}/reorder").status_code == 404
    assert cart.load(other) == {}
    assert client.post("/vi/orders/no-such-order/reorder").status_code == 404


def test_reorder_needs_a_sign_in(client, make):
    order = make.order([(make.product(), 1)], buyer=make.user())
    response = client.post(f"/vi/orders/{order.public_id}/reorder")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
