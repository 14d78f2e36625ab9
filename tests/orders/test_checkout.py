from datetime import timedelta

import pytest

from market.dbtypes import utcnow
from market.errors import DomainError, ValidationError
from market.extensions import db
from market.orders import services
from market.orders.services import CheckoutLine, CheckoutRefused


def test_one_order_split_per_cooperative_with_shipping(make):
    ea_tu, song_vu = make.cooperative(), make.cooperative(province_code=68)
    coffee = make.product(ea_tu, price=200_000, stock=10, weight_grams=500)
    pepper = make.product(ea_tu, price=80_000, stock=10, weight_grams=250)
    tea = make.product(song_vu, price=150_000, stock=10)
    order = make.order([(coffee, 2), (pepper, 1), (tea, 3)], method="vietqr")

    assert [vo.cooperative_id for vo in order.vendor_orders] == [ea_tu.id, song_vu.id]
    first, second = order.vendor_orders
    assert first.subtotal == 480_000 and second.subtotal == 450_000
    # Hà Nội (north) from the Central Highlands: other region; 1.25 kg -> base + 1 kg
    assert first.shipping_fee == 35_000 + 9_000
    assert second.shipping_fee == 35_000 + 2 * 9_000  # 3 kg
    assert order.total == order.subtotal + order.shipping_total == 930_000 + 97_000
    assert all(vo.status == "pending_payment" and vo.reserved_until for vo in order.vendor_orders)
    assert (coffee.stock, pepper.stock, tea.stock) == (8, 9, 7)
    assert first.events[0].to_status == "pending_payment"


def test_cash_on_delivery_goes_straight_to_the_cooperative(make):
    order = make.order([(make.product(), 1)], method="cod")
    assert order.vendor_orders[0].status == "confirmed"
    assert order.vendor_orders[0].reserved_until is None


def test_same_idempotency_key_gives_the_same_order(make):
    product = make.product(stock=5)
    first = make.order([(product, 2)], key="k" * 20)
    again = make.order([(product, 2)], key="k" * 20)
    assert again.id == first.id
    db.session.refresh(product)
    assert product.stock == 3  # reserved once


def test_two_lines_of_one_product_are_checked_together(make):
    product = make.product(stock=3)
    with pytest.raises(CheckoutRefused) as exc:
        make.order([(product, 2), (product, 2)])
    assert exc.value.problems[0].reason == "out_of_stock"
    assert exc.value.problems[0].available == 3
    db.session.refresh(product)
    assert product.stock == 3


def test_nothing_is_reserved_when_one_line_fails(make):
    plenty, scarce = make.product(stock=50), make.product(stock=1)
    with pytest.raises(CheckoutRefused):
        make.order([(plenty, 5), (scarce, 2)])
    db.session.refresh(plenty)
    assert plenty.stock == 50


def test_buyer_is_told_when_the_price_changed(make):
    product = make.product(price=100_000)
    with pytest.raises(CheckoutRefused) as exc:
        services.place_order(
            lines=[CheckoutLine(product.slug, 1, seen_price=90_000)], contact=make.contact(),
            payment_method="cod", idempotency_key="p" * 20)
    problem = exc.value.problems[0]
    assert (problem.reason, problem.price) == ("price_changed", 100_000)


def test_drafts_and_unknown_products_cannot_be_bought(make):
    draft = make.product(status="draft")
    with pytest.raises(CheckoutRefused) as exc:
        make.order([(draft, 1)])
    assert exc.value.problems[0].reason == "unavailable"


@pytest.mark.parametrize("overrides, field", [
    ({"phone": "12345"}, "phone"), ({"email": "nope"}, "email"), ({"name": ""}, "name"),
    ({"province_code": 99}, "province_code"), ({"commune_code": 999999}, "commune_code"),
    ({"address_line": " "}, "address_line"),
])
def test_bad_contact_is_refused_field_by_field(make, overrides, field):
    with pytest.raises(ValidationError) as exc:
        make.order([(make.product(), 1)], **overrides)
    assert field in exc.value.errors


def test_bad_quantity_method_and_key(make):
    product = make.product()
    with pytest.raises(DomainError):
        make.order([(product, 0)])
    with pytest.raises(DomainError):
        make.order([(product, 1)], method="stripe")  # not configured here
    with pytest.raises(DomainError):
        make.order([(product, 1)], key="short")


def test_unpaid_orders_expire_and_release_stock(make):
    product = make.product(stock=4)
    order = make.order([(product, 3)], method="vietqr")
    assert services.expire_unpaid(now=utcnow()) == 0
    assert services.expire_unpaid(now=utcnow() + timedelta(hours=25)) == 1
    vo = order.vendor_orders[0]
    assert vo.status == "cancelled" and vo.events[-1].actor_role == "system"
    db.session.refresh(product)
    assert product.stock == 4


def test_shipping_table_comes_from_configuration(make):
    coop = make.cooperative(province_code=1)  # ships within Hà Nội
    product = make.product(coop, stock=5, weight_grams=2500)
    rates = {"same_province": (10_000, 1_000), "same_region": (1, 1), "other_region": (1, 1)}
    order = services.place_order(
        lines=[CheckoutLine(product.slug, 1)], contact=make.contact(), payment_method="cod",
        idempotency_key="r" * 20, shipping_rates=rates)
    assert order.shipping_total == 10_000 + 2 * 1_000  # 2.5 kg: first kg + 2 started kg
