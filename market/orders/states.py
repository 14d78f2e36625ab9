"""The vendor-order state machine: which actor may move an order from which state to which.

The rule follows the money. Paid in advance (VietQR, card), the money sits with the
platform: only the payment path may say it arrived or went back. Cash on delivery is
collected by the cooperative at the door: only the cooperative may say it was delivered.
tests/security/test_money.py holds the same table written out independently."""
from __future__ import annotations

from market.orders.models import PaymentMethod, VendorOrder
from market.orders.models import VendorOrderStatus as S

BUYER, COOP, ADMIN, SYSTEM = "buyer", "coop", "admin", "system"
# The payment path: a verified provider event, an admin confirming by its reference a
# transfer that reached the platform's account, or a refund recorded as sent / decided.
# No page passes this role: only orders.services' payment functions do.
PAYMENT = "payment"
ROLES = (BUYER, COOP, ADMIN, SYSTEM, PAYMENT)

PREPAID, CASH = "prepaid", "cash"

_REFUND_PAID = {(frm, S.REFUNDED): frozenset({PAYMENT})
                for frm in (S.PAID, S.PACKED, S.SHIPPED, S.DELIVERED, S.COMPLETED)}

POLICY: dict[str, dict[tuple[S, S], frozenset[str]]] = {
    PREPAID: {
        (S.PENDING_PAYMENT, S.PAID): frozenset({PAYMENT}),
        (S.PENDING_PAYMENT, S.CANCELLED): frozenset({BUYER, ADMIN, SYSTEM}),  # no money yet
        # A payment that arrives after expiry restores the order if its stock can be
        # reserved again (otherwise the payment path refunds it).
        (S.CANCELLED, S.PAID): frozenset({PAYMENT}),
        (S.PAID, S.PACKED): frozenset({COOP}),
        (S.PACKED, S.SHIPPED): frozenset({COOP}),
        (S.SHIPPED, S.DELIVERED): frozenset({COOP, ADMIN}),
        (S.DELIVERED, S.COMPLETED): frozenset({BUYER, ADMIN, SYSTEM}),
        # Once paid, nobody cancels: the money goes back as a refund, or not at all.
        **_REFUND_PAID,
    },
    CASH: {
        (S.CONFIRMED, S.PACKED): frozenset({COOP}),
        (S.CONFIRMED, S.CANCELLED): frozenset({BUYER, COOP, ADMIN}),
        (S.PACKED, S.CANCELLED): frozenset({COOP, ADMIN}),  # not shipped, no money yet
        (S.PACKED, S.SHIPPED): frozenset({COOP}),
        (S.SHIPPED, S.DELIVERED): frozenset({COOP}),  # the cooperative collected the cash
        (S.DELIVERED, S.COMPLETED): frozenset({BUYER, ADMIN, SYSTEM}),
        # A decided dispute: the cooperative gives back cash it kept.
        (S.DELIVERED, S.REFUNDED): frozenset({PAYMENT}),
        (S.COMPLETED, S.REFUNDED): frozenset({PAYMENT}),
    },
}

# States whose stock is still held; cancelling or refunding from them puts it back.
STOCK_HELD = {S.PENDING_PAYMENT, S.CONFIRMED, S.PAID, S.PACKED}
# States in which the platform (prepaid) or the cooperative (cash) holds the buyer's money.
MONEY_HELD = {S.PAID, S.PACKED, S.SHIPPED, S.DELIVERED, S.COMPLETED}


def money_kind(payment_method: str) -> str:
    return CASH if payment_method == PaymentMethod.COD.value else PREPAID


def allowed(payment_method: str, from_status: str, to_status: str, role: str) -> bool:
    table = POLICY[money_kind(payment_method)]
    return role in table.get((S(from_status), S(to_status)), frozenset())


def next_states(vendor_order: VendorOrder, role: str) -> list[S]:
    table = POLICY[money_kind(vendor_order.order.payment_method)]
    return [to for (frm, to), roles in table.items()
            if frm == S(vendor_order.status) and role in roles]


def was_paid(vo: VendorOrder) -> bool:
    """Money for this part reached the platform (PAID) or, for cash on delivery, the
    cooperative collected it at delivery."""
    reached = {e.to_status for e in vo.events}
    if S.PAID.value in reached:
        return True
    return vo.order.payment_method == PaymentMethod.COD.value and S.DELIVERED.value in reached


def goods_left(vo: VendorOrder) -> bool:
    """The parcel was handed to a carrier: its units are sold whatever happens next."""
    return any(e.to_status == S.SHIPPED.value for e in vo.events)
