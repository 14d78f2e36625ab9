"""Disputes: within 7 days of delivery a buyer complains, the cooperative answers, and an
officer of the cooperative's province (or an admin) decides; refunds go through the ledger."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from market.accounts.models import Role
from market.dbtypes import utcnow
from market.errors import DomainError, NotFound, ValidationError
from market.extensions import db
from market.notifications import events
from market.orders import ledger, services, states
from market.orders.models import Dispute, DisputeEvent, VendorOrder, VendorOrderStatus
from market.uploads import save_images, stored_files

WINDOW = timedelta(days=7)
MAX_PHOTOS = 3
PHOTO_SUBDIR = "disputes"  # under PRIVATE_DIR
DECISIONS = ("full_refund", "partial_refund", "rejected")
DECISION_LABELS = {"full_refund": _l("full refund"), "partial_refund": _l("partial refund"),
                   "rejected": _l("rejected: no refund")}
STATUS_LABELS = {"open": _l("awaiting the cooperative's answer"),
                 "answered": _l("answered, awaiting the decision"), "decided": _l("decided")}


def _record(dispute: Dispute, actor, to_status: str, note: str = "") -> None:
    dispute.events.append(DisputeEvent(actor_id=actor.id, from_status=dispute.status,
                                       to_status=to_status, note=note))
    dispute.status = to_status


def open_dispute(vendor_order: VendorOrder, buyer, reason: str, photos=(),
                 now: datetime | None = None, *, private_dir: str | None = None) -> Dispute:
    """Open a dispute. `photos` are the uploaded file streams: they are stored (under
    `private_dir`, served only by `photo_for`'s checked view) after every rule has passed,
    and deleted again if one is refused or the transaction rolls back."""
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
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _l("Attach at most %(n)d photos.", n=MAX_PHOTOS)})
    names = _store_photos(photos, private_dir) if photos else []
    dispute = Dispute(vendor_order=vendor_order, opened_by_id=buyer.id, reason=reason.strip(),
                      photos=names, created_at=now)
    dispute.events.append(DisputeEvent(actor_id=buyer.id, from_status=None, to_status="open",
                                       note=reason.strip()[:500], at=now))
    db.session.add(dispute)
    db.session.flush()
    events.dispute_opened(dispute)
    return dispute


def _store_photos(streams, private_dir: str) -> list[str]:
    return save_images(streams, private_dir, PHOTO_SUBDIR, db.session(), field="photos")


def may_see(user, dispute: Dispute) -> bool:
    """The buyer who opened it, staff of the cooperative, officers of its province, admins."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.id == dispute.opened_by_id:
        return True
    if (user.role == Role.COOP_STAFF.value
            and user.cooperative_id == dispute.vendor_order.cooperative_id):
        return True
    return may_decide(user, dispute)


def photo_for(user, public_id: str, index: int, size: str | None = None) -> str:
    """The stored photo's name (relative to PRIVATE_DIR) for someone who may see the
    dispute; anyone else learns nothing (404)."""
    dispute = db.session.scalar(db.select(Dispute).filter_by(public_id=public_id))
    if dispute is None or not may_see(user, dispute) or not 0 <= index < len(dispute.photos):
        raise NotFound(_l("No such photo."))
    name = dispute.photos[index]
    return stored_files(name)[1] if size == "thumb" else name


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
        services.refund_vendor_order(vo, actor=officer, note=f"dispute {dispute.public_id}")
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


def awaiting_answer(cooperative_id: int) -> list[Dispute]:
    """The cooperative's open disputes it has not answered yet, oldest first."""
    return list(db.session.scalars(
        db.select(Dispute).join(Dispute.vendor_order)
        .where(VendorOrder.cooperative_id == cooperative_id, Dispute.status == "open")
        .order_by(Dispute.created_at)))
