"""The webhook with Stripe's real signing scheme (HMAC-SHA256 over "timestamp.body"), offline.
Creating a Checkout Session needs Stripe itself: see test_stripe_live.py."""
import time

import pytest

from market.extensions import db
from market.orders import ledger
from market.payments.models import Payment, ProcessedEvent
from tests import stripe_fakes
from tests.stripe_fakes import SECRET, event, signed


@pytest.fixture(autouse=True)
def webhook_secret(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", SECRET)


@pytest.fixture
def card_order(make):
    product = make.product(price=500_000, stock=3)
    order = make.order([(product, 2)], method="vietqr")  # stands in: same pending state
    order.payment_method = "stripe"
    payment = Payment(order=order, provider="stripe", amount=order.total, external_id="cs_test_1")
    db.session.add(payment)
    db.session.flush()
    return order, payment, product


def completed(order, event_id="evt_1"):
    return stripe_fakes.completed("cs_test_1", order.total, event_id)


def test_completed_marks_paid_once_even_when_replayed(client, card_order):
    order, payment, _product = card_order
    body, headers = signed(completed(order))
    first = client.post("/payments/stripe/webhook", data=body, headers=headers)
    assert first.get_json()["outcome"] == "paid"
    replay = client.post("/payments/stripe/webhook", data=body, headers=headers)
    assert replay.status_code == 200 and replay.get_json()["outcome"] == "duplicate"
    assert payment.status == "paid"
    assert [vo.status for vo in order.vendor_orders] == ["paid"]
    assert len([e for e in order.vendor_orders[0].events if e.to_status == "paid"]) == 1
    assert ledger.reconcile() == []
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessedEvent)) == 1


def test_a_second_event_for_the_same_session_changes_nothing(client, card_order):
    order, _payment, _ = card_order
    for event_id in ("evt_a", "evt_b"):
        body, headers = signed(completed(order, event_id))
        client.post("/payments/stripe/webhook", data=body, headers=headers)
    credited = ledger.balance(order.vendor_orders[0].cooperative_id)
    assert credited == order.vendor_orders[0].total - ledger.commission(order.vendor_orders[0])


def test_expired_session_leaves_the_order_to_its_own_deadline(client, card_order):
    """The buyer may start another card payment until the reservation runs out."""
    from datetime import timedelta

    from market.dbtypes import utcnow
    from market.orders import services

    order, payment, product = card_order
    body, headers = signed(event("evt_exp", "checkout.session.expired",
                                 {"id": "cs_test_1", "object": "checkout.session"}))
    assert client.post("/payments/stripe/webhook", data=body,
                       headers=headers).get_json()["outcome"] == "expired"
    assert payment.status == "expired" and order.vendor_orders[0].status == "pending_payment"
    services.expire_unpaid(now=utcnow() + timedelta(days=2))
    db.session.refresh(product)
    assert product.stock == 3 and order.vendor_orders[0].status == "cancelled"


def test_refund_reverses_the_ledger(client, card_order):
    order, payment, _ = card_order
    body, headers = signed(completed(order))
    client.post("/payments/stripe/webhook", data=body, headers=headers)
    body, headers = signed(event("evt_ref", "charge.refunded", {
        "id": "ch_1", "object": "charge", "payment_intent": "pi_1",
        "amount_refunded": order.total}))
    client.post("/payments/stripe/webhook", data=body, headers=headers)
    assert payment.status == "refunded"
    assert order.vendor_orders[0].status == "refunded"
    assert ledger.balance(order.vendor_orders[0].cooperative_id) == 0
    assert [t.to_status for t in payment.history] == ["paid", "refunded"]


@pytest.mark.parametrize("tamper", ["secret", "body", "old"])
def test_bad_signatures_are_refused(client, card_order, tamper):
    order, payment, _ = card_order
    if tamper == "secret":
        body, headers = signed(completed(order), secret="whsec_wrong")
    elif tamper == "old":
        body, headers = signed(completed(order), timestamp=time.time() - 3600)
    else:
        body, headers = signed(completed(order))
        body = body.replace(b'"paid"', b'"paid" ')  # re-serialised: not the signed bytes
    assert client.post("/payments/stripe/webhook", data=body, headers=headers).status_code == 400
    assert payment.status == "pending"
