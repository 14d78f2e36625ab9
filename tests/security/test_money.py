"""Issue 10, item 1: only whoever holds the money may say it arrived or went back.

The policy below is written out here, independently of market/orders/states.py, and the
table test compares every (payment kind, from, to, role) combination against it."""
from __future__ import annotations

import itertools

import pytest

from market.accounts.models import Role
from market.errors import DomainError
from market.extensions import db
from market.orders import ledger, services, states
from market.orders.models import LedgerEntry
from market.orders.models import VendorOrderStatus as S
from tests.conftest import login

B, C, A, SYS, PAY = "buyer", "coop", "admin", "system", "payment"

# Money paid in advance (VietQR, card) sits with the platform; cash on delivery is collected
# by the cooperative at the door. PAY is the payment path: a verified Stripe event, an admin
# confirming a received transfer by its reference, or a refund recorded as such.
EXPECTED = {
    "prepaid": {
        ("pending_payment", "paid"): {PAY},
        ("pending_payment", "cancelled"): {B, A, SYS},
        ("cancelled", "paid"): {PAY},  # a late payment restores the order
        ("paid", "packed"): {C},
        ("packed", "shipped"): {C},
        ("shipped", "delivered"): {C, A},
        ("delivered", "completed"): {B, A, SYS},
        ("paid", "refunded"): {PAY},
        ("packed", "refunded"): {PAY},
        ("shipped", "refunded"): {PAY},
        ("delivered", "refunded"): {PAY},
        ("completed", "refunded"): {PAY},
    },
    "cash": {
        ("confirmed", "packed"): {C},
        ("confirmed", "cancelled"): {B, C, A},
        ("packed", "cancelled"): {C, A},
        ("packed", "shipped"): {C},
        ("shipped", "delivered"): {C},  # the cooperative collected the cash
        ("delivered", "completed"): {B, A, SYS},
        ("delivered", "refunded"): {PAY},
        ("completed", "refunded"): {PAY},
    },
}


def test_the_transition_table_is_exactly_the_documented_policy():
    roles = (B, C, A, SYS, PAY)
    assert set(states.ROLES) == set(roles)
    for kind, method in (("prepaid", "vietqr"), ("prepaid", "stripe"), ("cash", "cod")):
        for frm, to, role in itertools.product(S, S, roles):
            want = role in EXPECTED[kind].get((frm.value, to.value), set())
            assert states.allowed(method, frm, to, role) is want, (method, frm, to, role)


def test_no_person_reaches_paid_or_refunded_without_the_payment_path():
    for method in ("vietqr", "stripe", "cod"):
        for frm in S:
            for role in (B, C, A, SYS):
                assert not states.allowed(method, frm, S.PAID, role)
                assert not states.allowed(method, frm, S.REFUNDED, role)


@pytest.fixture
def shop(make):
    coop = make.cooperative()
    return coop, make.staff(coop), make.user(), make.user(Role.ADMIN), \
        make.product(coop, price=200_000, stock=10)


def test_coop_staff_cannot_mark_a_bank_transfer_paid_through_the_page(client, make, shop):
    coop, staff, buyer, admin, product = shop
    order = make.order([(product, 2)], method="vietqr", buyer=buyer)
    vo = order.vendor_orders[0]
    login(client, staff)
    client.post(f"/vi/vendor/orders/{vo.public_id}", data={"to": "paid"})
    db.session.refresh(vo)
    assert vo.status == "pending_payment"
    assert ledger.balance(coop.id) == 0
    with pytest.raises(DomainError):
        ledger.create_payout(coop.id, 1, "VCB 1", admin)
    page = client.get(f"/vi/vendor/orders/{vo.public_id}").get_data(as_text=True)
    assert 'value="paid"' not in page


@pytest.mark.parametrize("method", ["vietqr", "stripe"])
def test_admin_cannot_mark_paid_or_refunded_through_the_generic_transition(make, shop, method):
    coop, _staff, buyer, admin, product = shop
    order = make.order([(product, 1)], method="vietqr", buyer=buyer)
    order.payment_method = method
    vo = order.vendor_orders[0]
    with pytest.raises(DomainError):
        services.transition(vo, "paid", actor=admin)  # must go through the reference
    assert ledger.balance(coop.id) == 0
    services.mark_order_paid(order, actor=admin, note="test")
    with pytest.raises(DomainError):
        services.transition(vo, "refunded", actor=admin)  # no money went back
    assert ledger.balance(coop.id) > 0


def test_nobody_cancels_a_paid_order_without_a_refund(client, make, shop):
    coop, staff, buyer, admin, product = shop
    order = make.order([(product, 2)], method="vietqr", buyer=buyer)
    vo = order.vendor_orders[0]
    services.mark_order_paid(order, actor=admin, note="test")
    owed = ledger.balance(coop.id)
    for actor in (buyer, staff, admin):
        with pytest.raises(DomainError):
            services.transition(vo, "cancelled", actor=actor)
    login(client, buyer)
    client.post(f"/vi/orders/{order.public_id}/cancel/{vo.public_id}", data={"confirmed": "1"})
    client.post(f"/vi/orders/{order.public_id}/cancel", data={"confirmed": "1"})
    db.session.refresh(vo)
    assert vo.status == "paid" and ledger.balance(coop.id) == owed


def test_only_an_admin_confirming_the_reference_marks_a_transfer_paid(client, make, shop):
    _coop, staff, buyer, admin, product = shop
    order = make.order([(product, 1)], method="vietqr", buyer=buyer)
    login(client, staff)
    client.post("/vi/admin/transfers", data={"reference": order.transfer_reference})
    assert order.vendor_orders[0].status == "pending_payment"
    client.post("/vi/account/logout")
    login(client, admin)
    client.post("/vi/admin/transfers", data={"reference": order.transfer_reference})
    client.post("/vi/admin/transfers", data={"reference": order.transfer_reference})
    vo = order.vendor_orders[0]
    db.session.refresh(vo)
    assert vo.status == "paid"
    paid = [e for e in vo.events if e.to_status == "paid"]
    assert len(paid) == 1 and paid[0].actor_id == admin.id and paid[0].actor_role == PAY
    assert ledger.reconcile() == []


def test_cash_is_confirmed_by_the_cooperative_that_collected_it(make, shop):
    coop, staff, buyer, admin, product = shop
    vo = make.order([(product, 1)], method="cod", buyer=buyer).vendor_orders[0]
    services.transition(vo, "packed", actor=staff)
    services.transition(vo, "shipped", actor=staff, carrier="GHN", tracking_number="GY8H6K7D")
    with pytest.raises(DomainError):
        services.transition(vo, "delivered", actor=admin)  # the admin holds no cash
    services.transition(vo, "delivered", actor=staff)
    kinds = {e.kind: e.amount for e in db.session.scalars(
        db.select(LedgerEntry).filter_by(vendor_order_id=vo.id))}
    assert kinds["cash_collected"] == -vo.total and ledger.balance(coop.id) == 0


def test_a_cash_refund_decided_in_a_dispute_leaves_nothing_owed(make, shop):
    from market.orders import disputes

    coop, staff, buyer, admin, product = shop
    vo = make.order([(product, 1)], method="cod", buyer=buyer).vendor_orders[0]
    services.transition(vo, "packed", actor=staff)
    services.transition(vo, "shipped", actor=staff, carrier="GHN", tracking_number="GY8H6K7D")
    services.transition(vo, "delivered", actor=staff)
    dispute = disputes.open_dispute(vo, buyer, "Hàng bị vỡ khi nhận được.")
    disputes.decide(dispute, admin, "full_refund")
    assert vo.status == "refunded"
    assert ledger.balance(coop.id) == 0 and ledger.reconcile() == []


def test_every_order_change_records_who_when_from_and_to(make, shop):
    _coop, staff, buyer, admin, product = shop
    order = make.order([(product, 1)], method="vietqr", buyer=buyer)
    services.mark_order_paid(order, actor=admin, note="transfer")
    vo = order.vendor_orders[0]
    services.transition(vo, "packed", actor=staff)
    services.refund_vendor_order(vo, actor=admin, note="bank transfer back VCB 9")
    assert [(e.from_status, e.to_status, e.actor_role) for e in vo.events] == [
        (None, "pending_payment", "buyer"), ("pending_payment", "paid", PAY),
        ("paid", "packed", "coop"), ("packed", "refunded", PAY)]
    assert all(e.at is not None for e in vo.events)
    assert [e.actor_id for e in vo.events[1:]] == [admin.id, staff.id, admin.id]
