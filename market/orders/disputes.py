"""Disputes: within 7 days of delivery a buyer complains, the cooperative answers, and an
officer of the cooperative's province (or an admin) decides; refunds go through the ledger."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from market.accounts.models import Role
from market.dbtypes import utcnow
from market.errors import DomainError, NotFound, ValidationError
from market.extensions import db
from market.orders import ledger, services, states
from market.orders.models import Dispute, DisputeEvent, VendorOrder, VendorOrderStatus

WINDOW = timedelta(days=7)
DECISIONS = ("full_refund", "partial_refund", "rejected")


def _record(dispute: Dispute, actor, to_status: str, note: str = "") -> None:
    dispute.events.append(DisputeEvent(actor_id=actor.id, from_status=dispute.status,
                                       to_status=to_status, note=note))
    dispute.status = to_status


def open_dispute(vendor_order: VendorOrder, buyer, reason: str, photos: list[str] = (),
                 now: datetime | None = None) -> Dispute:
    if services.role_of(buyer, vendor_order) != states.BUYER:
        raise NotFound(_l("No such order."))
    now = now or utcnow()
    if not can_open(vendor_order, now):
        raise DomainError(_l("A dispute can be opened within 7 days of delivery."),
                          code="dispute_window")
    if db.session.scalar(db.select(Dispute.id).filter_by(vendor_order_id=vendor_order.id)):
        raise DomainError(_l("This order already has a dispute."), code="dispute_exists")
    if len((reason or "").strip()) < 10:
        raise ValidationError({"reason": _l("Describe the problem in a few words.")})
    dispute = Dispute(vendor_order=vendor_order, opened_by_id=buyer.id, reason=reason.strip(),
                      photos=list(photos), created_at=now)
    dispute.events.append(DisputeEvent(actor_id=buyer.id, from_status=None, to_status="open",
                                       note=reason.strip()[:500], at=now))
    db.session.add(dispute)
    db.session.flush()
    return dispute


def answer(dispute: Dispute, staff, text: str) -> Dispute:
    if services.role_of(staff, dispute.vendor_order) != states.COOP:
        raise NotFound(_l("No such dispute."))
    if dispute.status == "decided":
        raise DomainError(_l("This dispute is already decided."), code="dispute_decided")
    if not (text or "").strip():
        raise ValidationError({"answer": _l("Write your answer.")})
    dispute.answer = text.strip()
    _record(dispute, staff, "answered", text.strip()[:500])
    db.session.flush()
    return dispute


def may_decide(user, dispute: Dispute) -> bool:
    if user.role == Role.ADMIN.value:
        return True
    return (user.role == Role.OFFICER.value
            and user.province_code == dispute.vendor_order.cooperative.province_code)


def decide(dispute: Dispute, officer, decision: str, refund_amount: int = 0,
           note: str = "") -> Dispute:
    if not may_decide(officer, dispute):
        raise NotFound(_l("No such dispute."))
    if dispute.status == "decided":
        raise DomainError(_l("This dispute is already decided."), code="dispute_decided")
    if decision not in DECISIONS:
        raise ValidationError({"decision": _l("Choose a decision.")})
    vo = dispute.vendor_order
    if decision == "partial_refund":
        if not 0 < refund_amount < vo.total:
            raise ValidationError({"refund_amount": _l(
                "A partial refund must be between 1 and %(max)s đồng.", max=vo.total - 1)})
        ledger.record_refund(vo, refund_amount)
    elif decision == "full_refund":
        refund_amount = vo.total
        services.transition(vo, VendorOrderStatus.REFUNDED, system=True,
                            note=f"dispute {dispute.public_id}")
    dispute.decision, dispute.refund_amount = decision, refund_amount
    dispute.decided_by_id = officer.id
    _record(dispute, officer, "decided", note)
    db.session.flush()
    return dispute


def for_order(order) -> dict[int, Dispute]:
    """The disputes of an order's parts, by vendor order id."""
    ids = [vo.id for vo in order.vendor_orders]
    return {d.vendor_order_id: d for d in db.session.scalars(
        db.select(Dispute).where(Dispute.vendor_order_id.in_(ids)))}


def can_open(vendor_order: VendorOrder, now: datetime | None = None) -> bool:
    return (vendor_order.status == VendorOrderStatus.DELIVERED.value
            and vendor_order.delivered_at is not None
            and (now or utcnow()) - vendor_order.delivered_at <= WINDOW)


def queue_for(user) -> list[Dispute]:
    """Undecided disputes an officer (own province) or an admin (all) must decide."""
    from market.vendors.models import Cooperative

    query = (db.select(Dispute).join(Dispute.vendor_order).join(VendorOrder.cooperative)
             .where(Dispute.status != "decided").order_by(Dispute.created_at))
    if user.role == Role.OFFICER.value:
        query = query.where(Cooperative.province_code == user.province_code)
    elif user.role != Role.ADMIN.value:
        return []
    return list(db.session.scalars(query))
