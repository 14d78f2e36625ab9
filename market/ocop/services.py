"""OCOP certificate rules: submission, verification workflow, expiry, badges.

Every function takes its actor and its clock explicitly (`today`, a date in Vietnam), so the
rules never read the request and tests can move time. Every state change is recorded as an
OcopCertificateEvent with who, when, from-state and to-state.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from market.accounts.models import Role, User
from market.catalog.models import Product
from market.errors import Collector, DomainError, NotFound, PermissionDenied, ValidationError
from market.extensions import db
from market.notifications import events
from market.ocop.models import (
    CertificateStatus,
    IssuingLevel,
    OcopCertificate,
    OcopCertificateEvent,
)
from market.parsing import parse_date, parse_int
from market.uploads import remove_on_rollback, save_document, stored_files

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
VALIDITY_MONTHS = 36  # an OCOP certificate is valid for 36 months from the decision
STARS = (3, 4, 5)
DOCUMENT_SUBDIR = "ocop"
_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9./-]{1,58}[A-Z0-9]$")

S = CertificateStatus
# from-state -> the states it may move to
TRANSITIONS = {
    S.SUBMITTED: {S.VERIFIED, S.REJECTED},
    S.VERIFIED: {S.REVOKED, S.EXPIRED},
    S.REJECTED: {S.SUBMITTED},  # corrected and submitted again by the cooperative
    S.EXPIRED: set(),
    S.REVOKED: set(),
}


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status = 409


@dataclass(frozen=True)
class Badge:
    stars: int
    certificate_number: str
    valid_until: date
    level: str


def today_in_vietnam(now: datetime | None = None) -> date:
    return (now or datetime.now(VIETNAM)).astimezone(VIETNAM).date()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_valid_until(decision_date: date) -> date:
    return add_months(decision_date, VALIDITY_MONTHS)


def normalise_number(value: str | None) -> str:
    return re.sub(r"\s+", "", (value or "").strip()).upper()




def certificate_product_ids(obj) -> list[int] | None:
    """The products an OCOP certificate covers, or None when `obj` is not a certificate
    (lets search re-index a product whose badge changed without knowing our models)."""
    if not isinstance(obj, OcopCertificate):
        return None
    return [p.id for p in obj.products if p.id is not None]


# --- roles --------------------------------------------------------------------------------

def _is_admin(user: User | None) -> bool:
    return user is not None and user.has_role(Role.ADMIN)


def can_review(user: User | None, cert: OcopCertificate) -> bool:
    """An officer of the cooperative's province, or an admin."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if _is_admin(user):
        return True
    return (user.has_role(Role.OFFICER) and user.province_code is not None
            and user.province_code == cert.cooperative.province_code)


def is_reviewer(user: User | None) -> bool:
    return user is not None and user.has_role(Role.OFFICER, Role.ADMIN)


def can_manage(user: User | None, cert: OcopCertificate) -> bool:
    """Staff of the cooperative that owns the certificate."""
    return (user is not None and user.has_role(Role.COOP_STAFF)
            and user.cooperative_id == cert.cooperative_id)


def _require_reviewer(actor: User, cert: OcopCertificate) -> None:
    if not can_review(actor, cert):
        raise PermissionDenied(_l(
            "Only an officer of the cooperative's province or an administrator may review "
            "this certificate."))


def _require_staff(actor: User) -> None:
    if actor is None or not actor.has_role(Role.COOP_STAFF) or actor.cooperative_id is None:
        raise PermissionDenied(_l("Only staff of a cooperative may submit OCOP certificates."))


# --- submission ---------------------------------------------------------------------------

def _validate(cooperative_id: int, data: dict, today: date, exclude_id: int | None = None,
              ) -> dict:
    errors = Collector()
    clean: dict = {}

    stars = parse_int(data.get("stars"))
    if stars not in STARS:
        errors.add("stars", _l("An OCOP rating has 3, 4 or 5 stars."))
    clean["stars"] = stars

    level = (data.get("level") or "").strip()
    if level not in {lv.value for lv in IssuingLevel}:
        errors.add("level", _l("Choose the issuing level: provincial or national."))
    elif stars == 5 and level != IssuingLevel.NATIONAL.value:
        errors.add("level", _l("A 5-star certificate is issued nationally."))
    elif stars in (3, 4) and level != IssuingLevel.PROVINCIAL.value:
        errors.add("level", _l("3- and 4-star certificates are issued by the province."))
    clean["level"] = level

    number = normalise_number(data.get("certificate_number"))
    if not _NUMBER.match(number):
        errors.add("certificate_number", _l(
            "Enter the certificate number as printed (3 to 60 letters, digits, '.', '/' or '-')."))
    else:
        owner = db.session.scalar(
            db.select(OcopCertificate.cooperative_id)
            .where(OcopCertificate.certificate_number == number,
                   OcopCertificate.id != (exclude_id or 0)).limit(1))
        if owner is not None and owner != cooperative_id:
            errors.add("certificate_number", _l(
                "This certificate number is already used by another cooperative."))
        elif owner is not None:
            errors.add("certificate_number", _l(
                "Your cooperative has already submitted this certificate number; if it was "
                "rejected, correct it and submit it again from its page."))
    clean["certificate_number"] = number

    decision_number = (data.get("decision_number") or "").strip()
    if not decision_number:
        errors.add("decision_number", _l("Enter the number of the decision."))
    elif len(decision_number) > 60:
        errors.add("decision_number", _l("The decision number is longer than 60 characters."))
    clean["decision_number"] = decision_number

    decision_date = parse_date(data.get("decision_date"))
    if decision_date is None:
        errors.add("decision_date", _l("Enter the date of the decision."))
    elif decision_date > today:
        errors.add("decision_date", _l("The decision date cannot be in the future."))
    clean["decision_date"] = decision_date

    valid_until = None
    if data.get("valid_until") not in (None, ""):
        valid_until = parse_date(data.get("valid_until"))
        if valid_until is None:
            errors.add("valid_until", _l("Enter the validity date as YYYY-MM-DD."))
    elif decision_date is not None:
        valid_until = default_valid_until(decision_date)
    if valid_until and decision_date and valid_until < decision_date:
        errors.add("valid_until", _l("The certificate cannot expire before the decision date."))
    clean["valid_until"] = valid_until

    raw_ids = data.get("product_ids") or []
    ids = {parse_int(v) for v in raw_ids}
    if not ids or None in ids:
        errors.add("product_ids", _l("Choose at least one product the certificate covers."))
        products = []
    else:
        products = list(db.session.scalars(db.select(Product).where(Product.id.in_(ids))))
        if len(products) != len(ids) or any(p.cooperative_id != cooperative_id for p in products):
            errors.add("product_ids", _l(
                "A certificate can only cover your own cooperative's products."))
    clean["products"] = products

    clean["notes"] = (data.get("notes") or "").strip()[:2000]
    errors.raise_if_any()
    return clean


def create_certificate(cooperative_id: int, data: dict, *, document_stream=None,
                       private_dir: str, submitted_by: User | None, today: date | None = None,
                       require_document: bool = True) -> OcopCertificate:
    """Check every rule, store the scanned decision (under PRIVATE_DIR: only the views that
    check the viewer serve it), record the submission. `submitted_by` None means the system
    (the demo loader)."""
    today = today or today_in_vietnam()
    missing = _l("Attach the scanned decision (PDF or image).")
    try:
        clean = _validate(cooperative_id, data, today)
    except ValidationError as exc:
        if require_document and document_stream is None:
            exc.errors.setdefault("document", missing)
        raise
    if require_document and document_stream is None:
        raise ValidationError({"document": missing})
    document = None
    if document_stream is not None:
        document = _store_document(document_stream, private_dir)
    cert = OcopCertificate(
        cooperative_id=cooperative_id, certificate_number=clean["certificate_number"],
        stars=clean["stars"], level=clean["level"], decision_number=clean["decision_number"],
        decision_date=clean["decision_date"], valid_until=clean["valid_until"],
        document=document, notes=clean["notes"], status=S.SUBMITTED.value,
        submitted_by=submitted_by, products=clean["products"],
    )
    db.session.add(cert)
    cert.events.append(OcopCertificateEvent(actor=submitted_by, from_status=None,
                                            to_status=S.SUBMITTED.value))
    db.session.flush()
    return cert


def _store_document(stream, private_dir: str) -> str:
    """Save the scanned decision; it is deleted again if the transaction rolls back."""
    document = save_document(stream, private_dir, DOCUMENT_SUBDIR)
    remove_on_rollback(db.session(), private_dir, [document] + (
        stored_files(document)[1:] if not document.endswith(".pdf") else []))
    return document


def submit_certificate(actor: User, data: dict, document_stream, *, private_dir: str,
                       today: date | None = None) -> OcopCertificate:
    """Cooperative staff submit a certificate for their own cooperative's products."""
    _require_staff(actor)
    cert = create_certificate(actor.cooperative_id, data, document_stream=document_stream,
                              private_dir=private_dir, submitted_by=actor, today=today)
    events.certificate_submitted(cert)
    return cert


def resubmit_certificate(cert: OcopCertificate, actor: User, data: dict, document_stream=None,
                         *, private_dir: str, today: date | None = None) -> OcopCertificate:
    """Staff correct a rejected certificate and submit it again (the same rules apply; the
    document is kept unless a new one is given)."""
    if not can_manage(actor, cert):
        raise PermissionDenied(_l("Only staff of the cooperative may change its certificates."))
    if cert.status != S.REJECTED.value:
        raise IllegalTransition(_l(
            "A certificate that is %(current)s cannot become %(target)s.",
            current=status_label(cert.status), target=status_label(S.SUBMITTED.value)))
    clean = _validate(cert.cooperative_id, data, today or today_in_vietnam(), exclude_id=cert.id)
    if document_stream is not None:
        cert.document = _store_document(document_stream, private_dir)
    for key in ("certificate_number", "stars", "level", "decision_number", "decision_date",
                "valid_until", "products", "notes"):
        setattr(cert, key, clean[key])
    _move(cert, S.SUBMITTED, actor)
    cert.submitted_by, cert.submitted_at = actor, cert.events[-1].at
    # The rejection (who, when, why) stays in the history.
    cert.reviewer, cert.reviewed_at, cert.reason = None, None, ""
    events.certificate_submitted(cert)
    return cert


# --- transitions --------------------------------------------------------------------------

_STATUS_LABELS = {
    S.SUBMITTED.value: _l("submitted, awaiting verification"),
    S.VERIFIED.value: _l("verified"),
    S.REJECTED.value: _l("rejected"),
    S.EXPIRED.value: _l("expired"),
    S.REVOKED.value: _l("revoked"),
}


def status_label(status: str):
    return _STATUS_LABELS.get(status, status)


def _move(cert: OcopCertificate, to: CertificateStatus, actor: User | None, reason: str = "",
          ) -> OcopCertificate:
    current = CertificateStatus(cert.status)
    if to not in TRANSITIONS[current]:
        raise IllegalTransition(_l(
            "A certificate that is %(current)s cannot become %(target)s.",
            current=status_label(current.value), target=status_label(to.value)))
    cert.events.append(OcopCertificateEvent(
        actor=actor, from_status=current.value, to_status=to.value, reason=reason))
    cert.status = to.value
    db.session.flush()
    return cert


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _l("Give the reason; the cooperative will see it.")})
    return text[:2000]


def verify_certificate(cert: OcopCertificate, actor: User, *, today: date | None = None,
                       ) -> OcopCertificate:
    _require_reviewer(actor, cert)
    today = today or today_in_vietnam()
    if cert.status == S.SUBMITTED.value and cert.valid_until < today:
        raise IllegalTransition(_l(
            "This certificate expired on %(day)s; it cannot be verified.",
            day=cert.valid_until.isoformat()))
    _move(cert, S.VERIFIED, actor)
    cert.reviewer, cert.reviewed_at, cert.reason = actor, cert.events[-1].at, ""
    return cert


def reject_certificate(cert: OcopCertificate, actor: User, reason: str) -> OcopCertificate:
    _require_reviewer(actor, cert)
    text = _reason(reason)
    _move(cert, S.REJECTED, actor, text)
    cert.reviewer, cert.reviewed_at, cert.reason = actor, cert.events[-1].at, text
    return cert


def revoke_certificate(cert: OcopCertificate, actor: User, reason: str) -> OcopCertificate:
    _require_reviewer(actor, cert)
    text = _reason(reason)
    _move(cert, S.REVOKED, actor, text)
    cert.reviewer, cert.reviewed_at, cert.reason = actor, cert.events[-1].at, text
    return cert


def expire_due(today: date | None = None) -> int:
    """The daily job: verified certificates past their validity become expired. Returns how
    many moved. Safe to repeat."""
    today = today or today_in_vietnam()
    due = db.session.scalars(
        db.select(OcopCertificate)
        .where(OcopCertificate.status == S.VERIFIED.value, OcopCertificate.valid_until < today)
        .order_by(OcopCertificate.id)
        .with_for_update(of=OcopCertificate, skip_locked=True)  # a reviewer holds it: next run
    ).all()
    for cert in due:
        _move(cert, S.EXPIRED, None)
    return len(due)


# --- reading ------------------------------------------------------------------------------

def badges_for_products(product_ids, today: date | None = None) -> dict[int, Badge]:
    """product id -> its Badge, only for verified certificates valid on `today`; where a
    product has several, the most stars (then the latest validity) wins."""
    ids = {int(i) for i in product_ids or ()}
    if not ids:
        return {}
    from market.ocop.models import certificate_products as cp

    return _best_badges(cp.c.product_id.in_(ids), today)


def current_badges(today: date | None = None) -> dict[int, Badge]:
    """Every product's Badge on `today` (badges_for_products of all products), for pages
    that keep it under the catalogue's generation (market.storefront.services.badges)."""
    return _best_badges(db.true(), today)


def _best_badges(which, today: date | None) -> dict[int, Badge]:
    from market.ocop.models import certificate_products as cp

    today = today or today_in_vietnam()
    rows = db.session.execute(
        db.select(cp.c.product_id, OcopCertificate.stars, OcopCertificate.certificate_number,
                  OcopCertificate.valid_until, OcopCertificate.level)
        .join(OcopCertificate, OcopCertificate.id == cp.c.certificate_id)
        .where(which, OcopCertificate.status == S.VERIFIED.value,
               OcopCertificate.valid_until >= today)
    ).all()
    best: dict[int, Badge] = {}
    for product_id, stars, number, valid_until, level in rows:
        badge = Badge(stars, number, valid_until, level)
        current = best.get(product_id)
        if current is None or (stars, valid_until) > (current.stars, current.valid_until):
            best[product_id] = badge
    return best


def verified_stars_subquery(today: date | None = None):
    """A subquery (product_id, stars): each product's most stars among its verified
    certificates valid on `today`, for listings that filter or sort by OCOP stars (the same
    rule as badges_for_products)."""
    from market.ocop.models import certificate_products as cp

    today = today or today_in_vietnam()
    return (
        db.select(cp.c.product_id.label("product_id"),
                  db.func.max(OcopCertificate.stars).label("stars"))
        .join(OcopCertificate, OcopCertificate.id == cp.c.certificate_id)
        .where(OcopCertificate.status == S.VERIFIED.value, OcopCertificate.valid_until >= today)
        .group_by(cp.c.product_id)
        .subquery("ocop_stars")
    )


def badges_for_cooperative(cooperative_id: int, today: date | None = None) -> dict[int, Badge]:
    """Badges of every product of one cooperative (product id -> Badge)."""
    ids = db.session.scalars(
        db.select(Product.id).where(Product.cooperative_id == cooperative_id)).all()
    return badges_for_products(ids, today=today)


def public_certificate(number: str) -> OcopCertificate:
    """What the public verification page may show: certificates an officer has decided on
    and verified at some point (verified, expired, revoked). Submitted or rejected claims are
    not the department's word, so they are 'not found'."""
    cert = db.session.scalar(
        db.select(OcopCertificate)
        .where(OcopCertificate.certificate_number == normalise_number(number),
               OcopCertificate.status.in_([S.VERIFIED.value, S.EXPIRED.value, S.REVOKED.value]))
        .limit(1))
    if cert is None:
        raise NotFound(_l("No certificate verified by the department has this number."))
    return cert


def certificates_of_cooperative(actor: User) -> list[OcopCertificate]:
    _require_staff(actor)
    return list(db.session.scalars(
        db.select(OcopCertificate).where(OcopCertificate.cooperative_id == actor.cooperative_id)
        .order_by(OcopCertificate.submitted_at.desc(), OcopCertificate.id.desc())))


def products_for_submission(actor: User) -> list[Product]:
    _require_staff(actor)
    return list(db.session.scalars(
        db.select(Product).where(Product.cooperative_id == actor.cooperative_id)
        .order_by(Product.id)))


def _scope_to_reviewer(query, actor: User):
    from market.vendors.models import Cooperative

    if not is_reviewer(actor):
        raise PermissionDenied(_l("Only officers and administrators review OCOP certificates."))
    if _is_admin(actor):
        return query
    return query.join(Cooperative, Cooperative.id == OcopCertificate.cooperative_id).where(
        Cooperative.province_code == actor.province_code)


def review_queue(actor: User) -> list[OcopCertificate]:
    """Pending submissions the actor may decide on: their province only, oldest first."""
    query = db.select(OcopCertificate).where(OcopCertificate.status == S.SUBMITTED.value)
    query = _scope_to_reviewer(query, actor)
    return list(db.session.scalars(
        query.order_by(OcopCertificate.submitted_at, OcopCertificate.id)))


def verified_in_scope(actor: User) -> list[OcopCertificate]:
    """Verified certificates the actor could revoke, soonest to expire first."""
    query = db.select(OcopCertificate).where(OcopCertificate.status == S.VERIFIED.value)
    query = _scope_to_reviewer(query, actor)
    return list(db.session.scalars(
        query.order_by(OcopCertificate.valid_until, OcopCertificate.id)))


def get_certificate(public_id: str, *, for_update: bool = False) -> OcopCertificate:
    """`for_update`: lock the row (PostgreSQL) so two officers deciding at once, or a decision
    racing the expiry job, cannot both apply a transition."""
    query = db.select(OcopCertificate).filter_by(public_id=public_id)
    if for_update:
        query = query.with_for_update(of=OcopCertificate)
    cert = db.session.scalar(query)
    if cert is None:
        raise NotFound(_l("No such certificate."))
    return cert


def get_for_staff(actor: User, public_id: str, *, for_update: bool = False) -> OcopCertificate:
    cert = get_certificate(public_id, for_update=for_update)
    if not can_manage(actor, cert):
        raise NotFound(_l("No such certificate."))  # do not confirm that it exists
    return cert


def get_for_reviewer(actor: User, public_id: str, *, for_update: bool = False,
                     ) -> OcopCertificate:
    cert = get_certificate(public_id, for_update=for_update)
    if not can_review(actor, cert):
        raise PermissionDenied(_l(
            "Only an officer of the cooperative's province or an administrator may review "
            "this certificate."))
    return cert


def document_for(actor: User, public_id: str) -> str:
    """The stored decision document's path (relative to PRIVATE_DIR), for the owning
    cooperative's staff, an officer of its province, or an admin."""
    cert = get_certificate(public_id)
    if not (can_manage(actor, cert) or can_review(actor, cert)):
        raise PermissionDenied(_l("You may not see this document."))
    if not cert.document:
        raise NotFound(_l("This certificate has no document."))
    return cert.document


def expiring_soon(cooperative_id: int, days: int = 60, today: date | None = None
                  ) -> list[OcopCertificate]:
    """The cooperative's verified certificates whose validity ends within `days`."""
    today = today or today_in_vietnam()
    return list(db.session.scalars(
        db.select(OcopCertificate).where(
            OcopCertificate.cooperative_id == cooperative_id,
            OcopCertificate.status == S.VERIFIED.value,
            OcopCertificate.valid_until >= today,
            OcopCertificate.valid_until <= today + timedelta(days=days))
        .order_by(OcopCertificate.valid_until)))
