"""The platform's ledger: what each cooperative has earned, what was refunded, what was paid
out. Card payments land with the platform (Stripe cannot pay out to Vietnam), so the ledger
is the single record of what the platform owes each cooperative."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from market.errors import DomainError, ValidationError
from market.extensions import db
from market.orders.models import (
    LedgerEntry,
    PaymentMethod,
    PayoutBatch,
    VendorOrder,
    VendorOrderStatus,
)
from market.orders.states import was_paid
from market.vendors.models import Cooperative

ENTRY_LABELS = {
    "sale": _l("Sale"), "commission": _l("Platform commission"),
    "cash_collected": _l("Cash collected on delivery"), "refund": _l("Refund"),
    "commission_reversal": _l("Commission returned"), "payout": _l("Bank transfer to you"),
}


def commission(vendor_order: VendorOrder) -> int:
    """Commission is taken on goods, not on the shipping fee the cooperative pays out, and
    only on money the platform handles: cash on delivery stays with the cooperative, and
    its commission would leave the cooperative owing the platform (not invoiced yet)."""
    if _is_cash(vendor_order):
        return 0
    return vendor_order.subtotal * vendor_order.commission_rate_bp // 10_000


def _is_cash(vendor_order: VendorOrder) -> bool:
    return vendor_order.order.payment_method == PaymentMethod.COD.value


def _has(vendor_order: VendorOrder, kind: str) -> bool:
    return db.session.scalar(
        db.select(LedgerEntry.id).filter_by(vendor_order_id=vendor_order.id, kind=kind).limit(1)
    ) is not None


def record_sale(vendor_order: VendorOrder) -> None:
    """Gross and commission for a paid vendor order; safe to call twice."""
    if _has(vendor_order, "sale"):
        return
    coop, vo_id = vendor_order.cooperative_id, vendor_order.id
    entries = [
        LedgerEntry(cooperative_id=coop, vendor_order_id=vo_id, kind="sale",
                    amount=vendor_order.total),
        LedgerEntry(cooperative_id=coop, vendor_order_id=vo_id, kind="commission",
                    amount=-commission(vendor_order)),
    ]
    if _is_cash(vendor_order):
        entries.append(LedgerEntry(cooperative_id=coop, vendor_order_id=vo_id,
                                   kind="cash_collected", amount=-vendor_order.total))
    db.session.add_all(entries)
    db.session.flush()


def _sum(vendor_order_ids: list[int], kind: str) -> int:
    """The entries of one kind for these parts, added up."""
    if not vendor_order_ids:
        return 0
    return db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(LedgerEntry.amount), 0))
        .where(LedgerEntry.vendor_order_id.in_(vendor_order_ids), LedgerEntry.kind == kind))


def refunded_so_far(vendor_order: VendorOrder) -> int:
    return refunded_for([vendor_order.id])


def record_refund(vendor_order: VendorOrder, amount: int) -> None:
    """A reversing entry for `amount` of the gross, giving back the matching commission.
    Cash on delivery: the cooperative hands back cash it kept, so what it owes the platform
    does not change (the `cash_collected` entry is reversed by the same amount)."""
    if not _has(vendor_order, "sale"):
        return  # nothing was ever credited (e.g. unpaid order cancelled)
    remaining = vendor_order.total - refunded_so_far(vendor_order)
    if not 0 < amount <= remaining:
        raise ValidationError({"amount": _l(
            "A refund must be between 1 and %(max)s đồng.", max=remaining)})
    coop, vo_id = vendor_order.cooperative_id, vendor_order.id
    # Cumulative, so that refunds in several pieces give back exactly the whole commission.
    before = vendor_order.total - remaining
    share = (commission(vendor_order) * (before + amount) // vendor_order.total
             - commission(vendor_order) * before // vendor_order.total)
    entries = [LedgerEntry(cooperative_id=coop, vendor_order_id=vo_id, kind="refund",
                           amount=-amount),
               LedgerEntry(cooperative_id=coop, vendor_order_id=vo_id,
                           kind="commission_reversal", amount=share)]
    if _is_cash(vendor_order):
        entries.append(LedgerEntry(cooperative_id=coop, vendor_order_id=vo_id,
                                   kind="cash_collected", amount=amount))
    db.session.add_all(entries)
    db.session.flush()


def refundable(vendor_order: VendorOrder) -> int:
    """What the ledger still credits for this part and a refund could take back."""
    if not _has(vendor_order, "sale"):
        return 0
    return vendor_order.total - refunded_so_far(vendor_order)


def spread_refund(vendor_orders: list[VendorOrder], amount: int) -> int:
    """Record a refund of `amount` made for several parts at once (a partial refund of one
    card payment): each part takes its share in proportion to what it still holds, rounded
    down, and the đồng left over go one each to the parts in id order. Never more than the
    parts hold; returns what was recorded."""
    held = {vo.id: refundable(vo) for vo in vendor_orders}
    parts = sorted((vo for vo in vendor_orders if held[vo.id] > 0), key=lambda vo: vo.id)
    total = sum(held.values())
    amount = min(amount, total)
    if amount <= 0:
        return 0
    shares = {vo.id: amount * held[vo.id] // total for vo in parts}
    left = amount - sum(shares.values())
    for vo in parts:
        if left and shares[vo.id] < held[vo.id]:
            shares[vo.id] += 1
            left -= 1
    for vo in parts:
        if shares[vo.id]:
            record_refund(vo, shares[vo.id])
    return amount


def balance(cooperative_id: int) -> int:
    return db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(LedgerEntry.amount), 0))
        .filter_by(cooperative_id=cooperative_id)
    )


def create_payout(cooperative_id: int, amount: int, bank_reference: str, by_user) -> PayoutBatch:
    """Record a bank transfer to the cooperative; never more than it is owed."""
    owed = balance(cooperative_id)
    if amount <= 0 or amount > owed:
        raise DomainError(_l("A payout must be between 1 and %(owed)s đồng.", owed=owed),
                          code="payout_exceeds_balance")
    if not bank_reference.strip():
        raise ValidationError({"bank_reference": _l("Enter the bank transfer reference.")})
    batch = PayoutBatch(cooperative_id=cooperative_id, amount=amount,
                        bank_reference=bank_reference.strip(), created_by_id=by_user.id)
    db.session.add(batch)
    db.session.flush()
    db.session.add(LedgerEntry(cooperative_id=cooperative_id, payout_batch_id=batch.id,
                               kind="payout", amount=-amount))
    db.session.flush()
    return batch


# Other domains add their own checks (payments: money received but neither credited nor
# refunded, refunds due); the ledger does not know their models.
RECONCILE_CHECKS: list[Callable[[], list[str]]] = []


def reconcile() -> list[str]:
    """Every inconsistency between the ledger and the orders; empty when all is well."""
    problems = []
    rows = db.session.execute(
        db.select(LedgerEntry.vendor_order_id, LedgerEntry.kind,
                  db.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.vendor_order_id.is_not(None))
        .group_by(LedgerEntry.vendor_order_id, LedgerEntry.kind)
    ).all()
    sums: dict[int, dict[str, int]] = {}
    for vo_id, kind, amount in rows:
        sums.setdefault(vo_id, {})[kind] = amount
    for vo in db.session.scalars(db.select(VendorOrder)):
        got = sums.get(vo.id, {})
        credited = "sale" in got
        if credited != was_paid(vo):
            problems.append(f"vendor order {vo.public_id}: status {vo.status} but sale entry "
                            f"{'present' if credited else 'missing'}")
        if credited and got["sale"] != vo.total:
            problems.append(f"vendor order {vo.public_id}: sale {got['sale']} != {vo.total}")
        if -got.get("refund", 0) > vo.total:
            problems.append(f"vendor order {vo.public_id}: refunded more than paid")
        if vo.status == VendorOrderStatus.REFUNDED.value and -got.get("refund", 0) != vo.total:
            problems.append(f"vendor order {vo.public_id}: refunded but the ledger took back "
                            f"{-got.get('refund', 0)} of {vo.total}")
    for coop_id, total in db.session.execute(
        db.select(LedgerEntry.cooperative_id, db.func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.cooperative_id)
    ):
        if total < 0:
            problems.append(f"cooperative {coop_id}: negative balance {total}")
    for check in RECONCILE_CHECKS:
        problems.extend(check())
    return problems


def credited_for(vendor_order_ids: list[int]) -> int:
    """The sale entries of these parts: money the ledger holds for them."""
    return _sum(vendor_order_ids, "sale")


def refunded_for(vendor_order_ids: list[int]) -> int:
    return -_sum(vendor_order_ids, "refund")


def entries_for(cooperative_id: int, limit: int = 100) -> list[LedgerEntry]:
    return list(db.session.scalars(
        db.select(LedgerEntry).filter_by(cooperative_id=cooperative_id)
        .order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc()).limit(limit)))


def payouts_for(cooperative_id: int) -> list[PayoutBatch]:
    return list(db.session.scalars(
        db.select(PayoutBatch).filter_by(cooperative_id=cooperative_id)
        .order_by(PayoutBatch.created_at.desc())))


def balances() -> list[tuple[Cooperative, int]]:
    """(cooperative, amount owed) for every cooperative the platform owes money."""
    owed = db.func.sum(LedgerEntry.amount)
    rows = db.session.execute(
        db.select(Cooperative, owed).join(LedgerEntry, LedgerEntry.cooperative_id == Cooperative.id)
        .group_by(Cooperative.id).having(owed > 0).order_by(Cooperative.name))
    return [(coop, amount) for coop, amount in rows]
