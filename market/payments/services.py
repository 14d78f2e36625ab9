"""Payment providers behind one small interface: cash on delivery, VietQR bank transfer and
Stripe card payments; and the Stripe webhook, safe to receive twice, late or out of order."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from market.errors import DomainError
from market.extensions import db
from market.orders import services as orders
from market.orders.models import Order, PaymentMethod, VendorOrderStatus
from market.payments import vietqr
from market.payments.models import Payment, PaymentStatus, PaymentTransition, ProcessedEvent
from market.payments.stripe_gateway import StripeGateway

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BankAccount:
    bin: str
    account: str
    holder: str


def available_methods(gateway: StripeGateway | None, bank: BankAccount | None) -> list[str]:
    """Cash always; VietQR when the platform's account is configured; card only with a key."""
    methods = [PaymentMethod.COD.value]
    if bank is not None:
        methods.append(PaymentMethod.VIETQR.value)
    if gateway is not None and gateway.enabled:
        methods.append(PaymentMethod.STRIPE.value)
    return methods


def transfer_request(order: Order, bank: BankAccount) -> vietqr.TransferRequest:
    return vietqr.TransferRequest(bank_bin=bank.bin, account=bank.account, amount=order.total,
                                  reference=order.transfer_reference)


def _set_status(payment: Payment, status: PaymentStatus, source: str, actor=None) -> None:
    if payment.status == status.value:
        return
    payment.history.append(PaymentTransition(
        actor_id=getattr(actor, "id", None), source=source, from_status=payment.status,
        to_status=status.value))
    payment.status = status.value


def start_card_payment(order: Order, gateway: StripeGateway, *, success_url: str,
                       cancel_url: str) -> str:
    """Create (once per order) a Stripe Checkout Session and return its URL."""
    if not gateway.enabled:
        raise DomainError(_l("Card payments are not available."), code="stripe_disabled")
    items = [{"name": line.name, "unit_amount": line.unit_price, "quantity": line.quantity}
             for vo in order.vendor_orders for line in vo.lines]
    if order.shipping_total:
        items.append({"name": str(_l("Shipping")), "unit_amount": order.shipping_total,
                      "quantity": 1})
    session = gateway.create_checkout_session(
        reference=order.public_id, line_items=items, email=order.email, locale=order.locale,
        success_url=success_url, cancel_url=cancel_url,
        idempotency_key=f"htx-checkout-{order.public_id}",  # retries never make two sessions
    )
    payment = db.session.scalar(db.select(Payment).filter_by(external_id=session.id))
    if payment is None:
        payment = Payment(order=order, provider="stripe", amount=order.total,
                          external_id=session.id)
        db.session.add(payment)
        payment.history.append(PaymentTransition(source="checkout", from_status=None,
                                                 to_status=PaymentStatus.PENDING.value))
        db.session.flush()
    return session.url


def handle_stripe_event(event: dict) -> str:
    """Apply one verified Stripe event. Returns what happened, for the log and the tests."""
    try:
        with db.session.begin_nested():
            db.session.add(ProcessedEvent(provider="stripe", event_id=event["id"],
                                          event_type=event["type"]))
            db.session.flush()
            return _apply(event)
    except IntegrityError:
        return "duplicate"


def _payment_for_session(obj: dict) -> Payment | None:
    return db.session.scalar(db.select(Payment).filter_by(external_id=obj.get("id")))


def _apply(event: dict) -> str:
    kind, obj, source = event["type"], event["data"]["object"], f"stripe:{event['id']}"
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        payment = _payment_for_session(obj)
        if payment is None:
            return "unknown session"
        if obj.get("payment_status") != "paid":
            return "awaiting async payment"
        if obj.get("amount_total") != payment.amount or obj.get("currency") != "vnd":
            log.error("stripe amount mismatch for %s: %s", payment.external_id, obj)
            return "amount mismatch"
        payment.payment_intent = obj.get("payment_intent")
        _set_status(payment, PaymentStatus.PAID, source)
        cancelled = [vo for vo in payment.order.vendor_orders
                     if vo.status == VendorOrderStatus.CANCELLED.value]
        if cancelled:
            # Paid after the reservation expired: money in, goods released. Refund by hand.
            log.error("order %s paid after cancellation; refund needed", payment.order.public_id)
        orders.mark_order_paid(payment.order, system=True, note=source)
        return "paid"
    if kind == "checkout.session.expired":
        payment = _payment_for_session(obj)
        if payment is None:
            return "unknown session"
        if payment.status == PaymentStatus.PENDING.value:
            _set_status(payment, PaymentStatus.EXPIRED, source)
            for vo in payment.order.vendor_orders:
                if vo.status == VendorOrderStatus.PENDING_PAYMENT.value:
                    orders.transition(vo, VendorOrderStatus.CANCELLED, system=True, note=source)
            return "expired"
        return "ignored"
    if kind == "charge.refunded":
        payment = db.session.scalar(
            db.select(Payment).filter_by(payment_intent=obj.get("payment_intent")))
        if payment is None:
            return "unknown charge"
        payment.refunded_amount = int(obj.get("amount_refunded") or 0)
        if payment.refunded_amount >= payment.amount:
            _set_status(payment, PaymentStatus.REFUNDED, source)
            for vo in payment.order.vendor_orders:
                if vo.status in (VendorOrderStatus.PAID.value, VendorOrderStatus.DELIVERED.value):
                    orders.transition(vo, VendorOrderStatus.REFUNDED, system=True, note=source)
        else:
            _set_status(payment, PaymentStatus.PARTIALLY_REFUNDED, source)
        return "refund recorded"
    return "ignored"
