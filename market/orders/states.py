"""The vendor-order state machine: which actor may move an order from which state to which."""
from __future__ import annotations

from market.orders.models import PaymentMethod, VendorOrder
from market.orders.models import VendorOrderStatus as S

BUYER, COOP, ADMIN, SYSTEM = "buyer", "coop", "admin", "system"

TRANSITIONS: dict[tuple[S, S], frozenset[str]] = {
    (S.PENDING_PAYMENT, S.PAID): frozenset({SYSTEM, ADMIN, COOP}),  # coop: transfer received
    (S.PENDING_PAYMENT, S.CANCELLED): frozenset({BUYER, ADMIN, SYSTEM}),
    (S.CONFIRMED, S.PACKED): frozenset({COOP}),
    (S.CONFIRMED, S.CANCELLED): frozenset({BUYER, COOP, ADMIN}),
    (S.PAID, S.PACKED): frozenset({COOP}),
    (S.PAID, S.REFUNDED): frozenset({ADMIN, SYSTEM}),
    (S.PACKED, S.SHIPPED): frozenset({COOP}),
    (S.SHIPPED, S.DELIVERED): frozenset({COOP, ADMIN}),
    (S.DELIVERED, S.COMPLETED): frozenset({BUYER, ADMIN, SYSTEM}),
    (S.DELIVERED, S.REFUNDED): frozenset({ADMIN, SYSTEM}),
}

# States whose stock is still held; cancelling from them puts it back on the shelf.
STOCK_HELD = {S.PENDING_PAYMENT, S.CONFIRMED, S.PAID, S.PACKED}


def allowed(from_status: str, to_status: str, role: str) -> bool:
    return role in TRANSITIONS.get((S(from_status), S(to_status)), frozenset())


def next_states(from_status: str, role: str) -> list[S]:
    return [to for (frm, to), roles in TRANSITIONS.items()
            if frm == S(from_status) and role in roles]


def was_paid(vo: VendorOrder) -> bool:
    """Money for this part reached the platform (PAID) or, for cash on delivery, the
    cooperative collected it at delivery."""
    reached = {e.to_status for e in vo.events}
    if S.PAID.value in reached:
        return True
    return vo.order.payment_method == PaymentMethod.COD.value and S.DELIVERED.value in reached
