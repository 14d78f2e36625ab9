"""Payment providers behind one small interface: cash on delivery, VietQR bank transfer and
Stripe card payments; and the Stripe webhook, safe to receive twice, late or out of order."""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from market.dbtypes import utcnow
from market.errors import DomainError
from market.extensions import db
from market.orders import ledger, states
from market.orders import services as orders
from market.orders.models import Order, PaymentMethod, VendorOrderStatus
from market.payments import vietqr
from market.payments.models import (
    Payment,
    PaymentStatus,
    PaymentTransition,
    ProcessedEvent,
    Refund,
)
from market.payments.stripe_gateway import GatewayError, StripeGateway

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
        actor_id=getattr(actor, "id", None), source=source[:80], from_status=payment.status,
        to_status=status.value))
    payment.status = status.value


# --- card payments ------------------------------------------------------------------------

class PaymentUnavailable(DomainError):
    code = "payment_unavailable"
    status = 503


def awaiting_card_payment(order: Order) -> bool:
    return order.payment_method == PaymentMethod.STRIPE.value and any(
        vo.status == VendorOrderStatus.PENDING_PAYMENT.value for vo in order.vendor_orders)


def start_card_payment(order: Order, gateway: StripeGateway, *, success_url: str,
                       cancel_url: str) -> str:
    """Create a Stripe Checkout Session for the parts still awaiting payment; return its URL.

    The idempotency key is the same for every click of one attempt (a double click or a
    retry after Stripe was unreachable gets the same session) and new once a session has
    expired, or once the amount changed (a part cancelled)."""
    if not gateway.enabled:
        raise DomainError(_l("Card payments are not available."), code="stripe_disabled")
    parts = [vo for vo in order.vendor_orders
             if vo.status == VendorOrderStatus.PENDING_PAYMENT.value]
    if order.payment_method != PaymentMethod.STRIPE.value or not parts:
        raise DomainError(_l("This order is not awaiting a card payment."), code="not_payable")
    items = [{"name": line.name, "unit_amount": line.unit_price, "quantity": line.quantity}
             for vo in parts for line in vo.lines]
    shipping = sum(vo.shipping_fee for vo in parts)
    if shipping:
        items.append({"name": str(_l("Shipping")), "unit_amount": shipping, "quantity": 1})
    amount = sum(vo.total for vo in parts)
    expired = db.session.scalar(
        db.select(db.func.count()).select_from(Payment)
        .filter_by(order_id=order.id, provider="stripe", status=PaymentStatus.EXPIRED.value))
    try:
        session = gateway.create_checkout_session(
            reference=order.number, line_items=items, email=order.email, locale=order.locale,
            success_url=success_url, cancel_url=cancel_url,
            idempotency_key=f"htx-checkout-{order.public_id}-{expired}-{amount}",
        )
    except GatewayError as exc:
        log.error("stripe checkout for order %s failed: %s", order.public_id, exc)
        raise PaymentUnavailable(_l(
            "We could not reach the card payment service. Your order is kept: try "
            "\"Pay by card\" again in a moment, or cancel the order.")) from exc
    payment = db.session.scalar(db.select(Payment).filter_by(external_id=session.id))
    if payment is None:
        payment = Payment(order=order, provider="stripe", amount=amount,
                          external_id=session.id)
        db.session.add(payment)
        payment.history.append(PaymentTransition(source="checkout", from_status=None,
                                                 to_status=PaymentStatus.PENDING.value))
        db.session.flush()
    return session.url


# --- money in: one rule for every provider -------------------------------------------------

def _settle(payment: Payment, source: str, *, actor=None, gateway: StripeGateway | None = None
            ) -> str:
    """Payment arrived: hand it to the order; whatever no part now holds goes back."""
    parts = orders.mark_order_paid(payment.order, actor=actor, note=source)
    held = sum(vo.total for vo in parts)
    if held >= payment.amount:
        return "paid"
    late = any(orders.is_late(vo) for vo in payment.order.vendor_orders)
    _refund(payment, payment.amount - held, "late_payment" if late else "not_held", source,
            actor=actor, gateway=gateway)
    return "paid, refund " + payment.refunds[-1].status


def transfer_external_id(order: Order) -> str:
    """The bank transfer's payment key, unique: one confirmed transfer per order, however
    often it is confirmed by hand or found in an imported statement."""
    return f"vietqr:{order.transfer_reference}"


def confirm_transfer(reference: str, *, actor, now=None) -> Order:
    """An admin saw the VietQR transfer with this reference reach the platform's account.
    Confirming it twice changes nothing."""
    order = orders.order_for_transfer(reference, actor=actor)
    external_id = transfer_external_id(order)
    if db.session.scalar(db.select(Payment.id).filter_by(external_id=external_id)):
        return order
    payment = Payment(order=order, provider="vietqr", amount=order.total,
                      external_id=external_id, status=PaymentStatus.PAID.value)
    payment.history.append(PaymentTransition(actor_id=actor.id, source="admin transfer",
                                             from_status=None, to_status=PaymentStatus.PAID.value))
    db.session.add(payment)
    db.session.flush()
    _settle(payment, f"transfer {order.transfer_reference}", actor=actor)
    return order


# --- money back ----------------------------------------------------------------------------

def _refund(payment: Payment, amount: int, reason: str, source: str, *, actor=None,
            gateway: StripeGateway | None = None) -> Refund:
    refund = Refund(payment=payment, amount=amount, reason=reason, status="due",
                    idempotency_key=f"htx-refund-{secrets.token_hex(12)}")
    db.session.add(refund)
    db.session.flush()
    _send(refund, source, actor=actor, gateway=gateway)
    return refund


def _send(refund: Refund, source: str, *, actor=None, gateway: StripeGateway | None) -> None:
    """Try the provider; a refund it could not take stays due (and the payment says so)."""
    payment = refund.payment
    if (payment.provider == "stripe" and gateway is not None and gateway.enabled
            and payment.payment_intent):
        try:
            refund.external_id = gateway.refund(payment.payment_intent, refund.amount,
                                                refund.idempotency_key)
        except GatewayError as exc:
            log.error("refund of %s đồng for payment %s not sent: %s", refund.amount,
                      payment.external_id, exc)
        else:
            refund.status, refund.sent_at = "sent", utcnow()
    _sync_refund_status(payment, source, actor)


def _sync_refund_status(payment: Payment, source: str, actor=None) -> None:
    if any(r.status == "due" for r in payment.refunds):
        _set_status(payment, PaymentStatus.REFUND_DUE, source, actor)
    elif payment.status == PaymentStatus.REFUND_DUE.value:
        _set_status(payment, PaymentStatus.PARTIALLY_REFUNDED if payment.refunded_amount
                    else PaymentStatus.PAID, source, actor)


def retry_refunds(gateway: StripeGateway | None) -> int:
    """Send the card refunds that are still due (Stripe was unreachable); returns how many
    went through. Bank-transfer refunds wait for an admin's `record_refund_sent`."""
    sent = 0
    for refund in db.session.scalars(db.select(Refund).filter_by(status="due")
                                     .order_by(Refund.id)):
        _send(refund, "refund retry", gateway=gateway)
        sent += refund.status == "sent"
    return sent


def record_refund_sent(refund_id: int, bank_reference: str, *, actor) -> Refund:
    """An admin transferred a refund due back to the buyer's bank account."""
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.status != "due":
        raise DomainError(_l("This refund is not due."), code="refund_not_due")
    if not (bank_reference or "").strip():
        raise DomainError(_l("Enter the bank transfer reference."), code="bank_reference")
    refund.status, refund.sent_at = "sent", utcnow()
    refund.external_id = bank_reference.strip()[:255]
    _sync_refund_status(refund.payment, "admin refund", actor)
    return refund


def refunds_due() -> list[Refund]:
    return list(db.session.scalars(db.select(Refund).filter_by(status="due")
                                   .order_by(Refund.created_at)))


# --- the Stripe webhook --------------------------------------------------------------------

def handle_stripe_event(event: dict, gateway: StripeGateway | None = None) -> str:
    """Apply one verified Stripe event. Returns what happened, for the log and the tests.
    Each event id is stored under a unique key with its effect; every handler is also safe
    against the same fact arriving under another id, late or out of order."""
    try:
        with db.session.begin_nested():
            db.session.add(ProcessedEvent(provider="stripe", event_id=event["id"][:255],
                                          event_type=event["type"][:80]))
            db.session.flush()
            return _apply(event, gateway)
    except IntegrityError:
        return "duplicate"


def _str(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


def _int(obj: dict, key: str) -> int | None:
    value = obj.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _payment_for_session(obj: dict) -> Payment | None:
    session_id = _str(obj, "id")
    if session_id is None:
        return None
    return db.session.scalar(db.select(Payment).filter_by(external_id=session_id))


def _apply(event: dict, gateway: StripeGateway | None) -> str:
    kind, obj, source = event["type"], event["data"]["object"], f"stripe:{event['id']}"
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        payment = _payment_for_session(obj)
        if payment is None:
            return "unknown session"
        if _str(obj, "payment_status") != "paid":
            return "awaiting async payment"
        if _int(obj, "amount_total") != payment.amount or _str(obj, "currency") != "vnd":
            log.error("stripe amount mismatch for %s: %s", payment.external_id, obj)
            return "amount mismatch"
        if payment.status not in (PaymentStatus.PENDING.value, PaymentStatus.EXPIRED.value):
            return "already paid"
        payment.payment_intent = _str(obj, "payment_intent")
        _set_status(payment, PaymentStatus.PAID, source)
        return _settle(payment, source, gateway=gateway)
    if kind == "checkout.session.expired":
        payment = _payment_for_session(obj)
        if payment is None:
            return "unknown session"
        if payment.status != PaymentStatus.PENDING.value:
            return "ignored"
        # The order keeps its own deadline (expire_unpaid): the buyer may pay again until then.
        _set_status(payment, PaymentStatus.EXPIRED, source)
        return "expired"
    if kind == "charge.refunded":
        intent, refunded = _str(obj, "payment_intent"), _int(obj, "amount_refunded")
        payment = intent and db.session.scalar(db.select(Payment).filter_by(payment_intent=intent))
        if not payment:
            return "unknown charge"
        if refunded is None or not 0 <= refunded <= payment.amount:
            log.error("stripe refund amount unusable for %s: %s", payment.external_id, obj)
            return "bad refund amount"
        if refunded <= payment.refunded_amount:
            return "already recorded"  # a replay, or an older event arriving late
        payment.refunded_amount = refunded
        _record_card_refund(payment, refunded, source)
        return "refund recorded"
    return "ignored"


def _record_card_refund(payment: Payment, refunded: int, source: str) -> None:
    """Stripe's amount_refunded is cumulative. It first covers the refunds we made of money
    no part held; the rest is taken back from the parts, but only what the ledger has not
    already recorded (a dispute's refund is recorded when decided, then sent in Stripe)."""
    ours = sum(r.amount for r in payment.refunds)
    if refunded >= ours:
        for refund in payment.refunds:
            if refund.status == "due":  # someone refunded it in Stripe's dashboard
                refund.status, refund.sent_at = "sent", utcnow()
    parts = [vo for vo in payment.order.vendor_orders]
    ids = [vo.id for vo in parts]
    new = refunded - ours - ledger.refunded_for(ids)
    if refunded >= payment.amount:
        for vo in parts:
            if VendorOrderStatus(vo.status) in states.MONEY_HELD:
                orders.refund_vendor_order(vo, note=source)
    elif new > 0:
        ledger.spread_refund(parts, new)
        for vo in parts:
            if (VendorOrderStatus(vo.status) in states.MONEY_HELD
                    and ledger.refundable(vo) == 0):
                orders.refund_vendor_order(vo, note=source)
    _set_status(payment, PaymentStatus.REFUNDED if refunded >= payment.amount
                else PaymentStatus.PARTIALLY_REFUNDED, source)
    _sync_refund_status(payment, source)


# --- reconciliation: every đồng received is credited to a part or refunded -----------------

_HOLDS_MONEY = (PaymentStatus.PAID.value, PaymentStatus.PARTIALLY_REFUNDED.value,
                PaymentStatus.REFUNDED.value, PaymentStatus.REFUND_DUE.value)


def reconcile_payments() -> list[str]:
    problems = []
    received: dict[int, int] = {}
    for payment in db.session.scalars(db.select(Payment).where(Payment.status.in_(_HOLDS_MONEY))):
        received[payment.order_id] = received.get(payment.order_id, 0) + payment.amount
        for refund in payment.refunds:
            if refund.status == "due":
                problems.append(f"refund due: {refund.amount} đồng of order "
                                f"{payment.order.public_id} ({refund.reason}, payment "
                                f"{payment.external_id}) not sent yet")
    for order_id, amount in received.items():
        order = db.session.get(Order, order_id)
        refunded = db.session.scalar(
            db.select(db.func.coalesce(db.func.sum(Refund.amount), 0)).join(Payment)
            .where(Payment.order_id == order_id, Payment.status.in_(_HOLDS_MONEY)))
        credited = ledger.credited_for([vo.id for vo in order.vendor_orders])
        if credited + refunded != amount:
            late = any(orders.is_late(vo) for vo in order.vendor_orders)
            problems.append(
                f"{'late payment' if late else 'payment'} for order {order.public_id}: "
                f"{amount} đồng received, {credited} credited to cooperatives and {refunded} "
                f"refunded: {amount - credited - refunded} đồng neither in the ledger nor "
                f"refunded")
    return problems


ledger.RECONCILE_CHECKS.append(reconcile_payments)
