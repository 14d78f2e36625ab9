"""Cooperatives: the registry and its rules."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from market.accounts.models import Role, User
from market.dbtypes import utcnow
from market.errors import Collector, NotFound, PermissionDenied, ValidationError
from market.extensions import db
from market.geo import services as geo
from market.i18n import slugify
from market.notifications import events
from market.text import clean_line, too_long
from market.vendors.models import (
    Cooperative,
    CooperativeStatus,
    CooperativeStatusChange,
    StaffInvitation,
)

INVITATION_TTL = timedelta(days=7)
STATUS_LABELS = {"pending": _l("Waiting for review"), "approved": _l("Approved"),
                 "rejected": _l("Rejected"), "suspended": _l("Suspended")}
NAME_LENGTH = Cooperative.name.type.length

MIN_MEMBERS = 5  # Law on Cooperatives 2023, art. 20: at least five official members
FIRST_FOUNDING_YEAR = 1945


def normalise_registration_code(code: str) -> str:
    """Validate a 10-digit enterprise/tax code (with its check digit) or the 13-digit branch
    form, and return it as NNNNNNNNNN or NNNNNNNNNN-NNN."""
    raw = (code or "").strip()
    try:
        compact = mst.validate(raw)
    except StdnumError:
        raise ValidationError({"registration_code": _l(
            "The registration code must be a valid 10-digit enterprise code, or 13 digits "
            "for a branch (NNNNNNNNNN-NNN)."
        )})
    return compact if len(compact) == 10 else f"{compact[:10]}-{compact[10:]}"


def _unique_slug(name: str) -> str:
    base = slugify(name, 90)
    slug, n = base, 2
    while db.session.scalar(db.select(Cooperative.id).filter_by(slug=slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_cooperative(data: dict, *, status=CooperativeStatus.PENDING):
    status = CooperativeStatus(status)
    errors = Collector()
    # Invisible and direction-overriding characters removed, so no name is blank or
    # impersonates another when shown.
    name = clean_line(data.get("name"), NAME_LENGTH)
    if too_long(data.get("name"), NAME_LENGTH):
        errors.add("name", _l("The name can have at most %(n)d characters.", n=NAME_LENGTH))
    elif not any(ch.isalnum() for ch in name):
        errors.add("name", _l("Enter the cooperative's name."))
    code = None
    try:
        code = normalise_registration_code(data.get("registration_code", ""))
    except ValidationError as exc:
        errors.errors.update(exc.errors)
    if code and db.session.scalar(
        db.select(Cooperative.id).filter_by(registration_code=code)
    ) is not None:
        errors.add("registration_code", _l("A cooperative with this registration code exists."))
    province = commune = None
    try:
        province, commune = geo.validate_address(
            data.get("province_code"), data.get("commune_code")
        )
    except ValidationError as exc:
        errors.errors.update(exc.errors)
    members = _int_or_none(data.get("member_count"))
    if members is None or members < MIN_MEMBERS:
        errors.add("member_count", _l(
            "A cooperative has at least %(n)d members.", n=MIN_MEMBERS))
    founded = _int_or_none(data.get("founded_year"))
    if data.get("founded_year") not in (None, "") and (
        founded is None or not FIRST_FOUNDING_YEAR <= founded <= date.today().year
    ):
        errors.add("founded_year", _l("The founding year must be between %(a)d and %(b)d.",
                                      a=FIRST_FOUNDING_YEAR, b=date.today().year))
    errors.raise_if_any()

    coop = Cooperative(
        slug=_unique_slug(data.get("slug") or name), name=name, registration_code=code,
        province_code=province.code, commune_code=commune.code if commune else None,
        address=(data.get("address") or "").strip(), sector=(data.get("sector") or "").strip(),
        founded_year=founded, member_count=members,
        story_vi=(data.get("story_vi") or "").strip(), story_en=(data.get("story_en") or "").strip(),
        contact_email=(data.get("contact_email") or "").strip(),
        contact_phone=(data.get("contact_phone") or "").strip(),
        status=status.value,
    )
    db.session.add(coop)
    db.session.flush()
    return coop


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def get_by_slug(slug: str) -> Cooperative:
    """Any cooperative by slug, whatever its status (for admins and the ledger)."""
    coop = db.session.scalar(db.select(Cooperative).filter_by(slug=slug))
    if coop is None:
        raise NotFound(_l("No such cooperative."))
    return coop


def get_public(slug: str) -> Cooperative:
    """An approved cooperative by slug, as buyers may see it."""
    coop = db.session.scalar(
        db.select(Cooperative).filter_by(slug=slug, status=CooperativeStatus.APPROVED.value)
    )
    if coop is None:
        raise NotFound(_l("No such cooperative."))
    return coop


def list_approved(limit: int | None = None) -> list[Cooperative]:
    query = (
        db.select(Cooperative)
        .filter_by(status=CooperativeStatus.APPROVED.value)
        .order_by(Cooperative.name)
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


# --- onboarding and review ------------------------------------------------------------------

def apply(applicant: User, data: dict) -> Cooperative:
    """A signed-in person applies for a cooperative; it stays pending until reviewed, and the
    applicant becomes its owner."""
    if applicant.cooperative_id is not None:
        raise ValidationError({"name": _l("Your account already belongs to a cooperative.")})
    if applicant.role not in (Role.BUYER.value, Role.COOP_STAFF.value):
        raise PermissionDenied(_l("Officers and administrators cannot apply for a cooperative."))
    coop = create_cooperative(data, status=CooperativeStatus.PENDING)
    _record(coop, None, CooperativeStatus.PENDING, applicant)
    applicant.role = Role.COOP_STAFF.value
    applicant.cooperative_id = coop.id
    applicant.is_owner = True
    db.session.flush()
    events.application_submitted(coop)
    return coop


def _record(coop: Cooperative, from_status, to_status, actor: User | None, reason: str = ""):
    db.session.add(CooperativeStatusChange(
        cooperative_id=coop.id, actor_id=actor.id if actor else None,
        from_status=CooperativeStatus(from_status).value if from_status else None,
        to_status=CooperativeStatus(to_status).value, reason=reason,
    ))


def _reviewable(actor: User):
    """Cooperatives this admin or officer may review; anyone else may review none."""
    query = db.select(Cooperative)
    if actor.has_role(Role.ADMIN):
        return query
    if actor.has_role(Role.OFFICER) and actor.province_code is not None:
        return query.where(Cooperative.province_code == actor.province_code)
    raise PermissionDenied(_l("Only administrators and officers review cooperatives."))


def list_for_review(actor: User, status: str | None = CooperativeStatus.PENDING.value):
    query = _reviewable(actor).order_by(Cooperative.created_at, Cooperative.id)
    if status:
        query = query.where(Cooperative.status == status)
    return list(db.session.scalars(query))


def get_for_review(actor: User, slug: str) -> Cooperative:
    coop = db.session.scalar(_reviewable(actor).where(Cooperative.slug == slug))
    if coop is None:
        raise NotFound(_l("No such cooperative."))
    return coop


_TRANSITIONS = {
    CooperativeStatus.PENDING: {CooperativeStatus.APPROVED, CooperativeStatus.REJECTED},
    CooperativeStatus.REJECTED: {CooperativeStatus.PENDING, CooperativeStatus.APPROVED},
    CooperativeStatus.APPROVED: {CooperativeStatus.SUSPENDED},
    CooperativeStatus.SUSPENDED: {CooperativeStatus.APPROVED},
}


def change_status(coop: Cooperative, to_status, actor: User | None, reason: str = "") -> Cooperative:
    to_status = CooperativeStatus(to_status)
    current = CooperativeStatus(coop.status)
    if to_status not in _TRANSITIONS[current]:
        raise ValidationError({"status": _l("A cooperative cannot go from %(a)s to %(b)s.",
                                            a=STATUS_LABELS[current.value],
                                            b=STATUS_LABELS[to_status.value])})
    reason = (reason or "").strip()
    if to_status in (CooperativeStatus.REJECTED, CooperativeStatus.SUSPENDED) and not reason:
        raise ValidationError({"reason": _l("Give a reason; the cooperative will see it.")})
    coop.status = to_status.value
    coop.rejection_reason = reason if to_status == CooperativeStatus.REJECTED else ""
    _record(coop, current, to_status, actor, reason)
    db.session.flush()
    if to_status == CooperativeStatus.PENDING:
        events.application_submitted(coop)
    elif current in (CooperativeStatus.PENDING, CooperativeStatus.REJECTED):
        events.application_decided(coop, to_status == CooperativeStatus.APPROVED, reason)
    return coop


REFUSALS = ("reject", "suspend")  # decisions that close a cooperative's door: confirmed


def review(actor: User, slug: str, decision: str, reason: str = "") -> Cooperative:
    """Approve, reject, suspend or reinstate; officers only within their province."""
    coop = get_for_review(actor, slug)
    targets = {"approve": CooperativeStatus.APPROVED, "reject": CooperativeStatus.REJECTED,
               "suspend": CooperativeStatus.SUSPENDED}
    if decision not in targets:
        raise ValidationError({"decision": _l("Unknown decision.")})
    return change_status(coop, targets[decision], actor, reason)


def decisions(coop: Cooperative) -> list[str]:
    """The decisions a reviewer can take on this cooperative now."""
    allowed = _TRANSITIONS[CooperativeStatus(coop.status)]
    out = []
    if CooperativeStatus.APPROVED in allowed:
        out.append("approve")
    if CooperativeStatus.REJECTED in allowed:
        out.append("reject")
    if CooperativeStatus.SUSPENDED in allowed:
        out.append("suspend")
    return out


def resubmit(owner: User, data: dict) -> Cooperative:
    """A rejected applicant corrects the story or contacts and asks for review again."""
    coop = own_cooperative(owner)
    if coop.status != CooperativeStatus.REJECTED.value:
        raise ValidationError({"status": _l("Only a rejected application can be resubmitted.")})
    update_profile(owner, data)
    return change_status(coop, CooperativeStatus.PENDING, owner)


def history(coop: Cooperative) -> list[CooperativeStatusChange]:
    return list(db.session.scalars(
        db.select(CooperativeStatusChange).filter_by(cooperative_id=coop.id)
        .order_by(CooperativeStatusChange.created_at, CooperativeStatusChange.id)
    ))


# --- the cooperative's own people -----------------------------------------------------------

def own_cooperative(user: User) -> Cooperative:
    """The cooperative this staff member acts for; everyone else has none."""
    if not user.has_role(Role.COOP_STAFF) or user.cooperative_id is None:
        raise PermissionDenied(_l("This page is for cooperative staff."))
    coop = db.session.get(Cooperative, user.cooperative_id)
    if coop is None:
        raise PermissionDenied(_l("This page is for cooperative staff."))
    return coop


def _require_owner(user: User) -> Cooperative:
    coop = own_cooperative(user)
    if not user.is_owner:
        raise PermissionDenied(_l("Only the cooperative's owner can do this."))
    return coop


PROFILE_FIELDS = ("address", "sector", "story_vi", "story_en", "contact_email", "contact_phone",
                  "member_count", "public_phone")
# A landline (0262 3851 234) or a mobile (0912 345 678), as buyers dial it.
_PUBLIC_PHONE = re.compile(r"^(\+84|0)\d{9,10}$")
PROFILE_IMAGES = {"logo": "logo", "cover_image": "cover_image"}  # form field -> column
PROFILE_IMAGE_SUBDIR = "cooperatives"  # under MEDIA_DIR: shown on the public page


def update_profile(user: User, data: dict) -> Cooperative:
    coop = _require_owner(user)
    errors = Collector()
    if "member_count" in data:
        members = _int_or_none(data.get("member_count"))
        if members is None or members < MIN_MEMBERS:
            errors.add("member_count", _l(
                "A cooperative has at least %(n)d members.", n=MIN_MEMBERS))
    if data.get("public_phone"):
        data = dict(data, public_phone=re.sub(r"[\s.-]", "", clean_line(data["public_phone"], 40)))
        if not _PUBLIC_PHONE.match(data["public_phone"]):
            errors.add("public_phone", _l(
                "Enter a Vietnamese phone number, e.g. 0262 3851 234 or 0912 345 678."))
    errors.raise_if_any()
    for key in PROFILE_FIELDS:
        if key in data:
            value = data[key]
            setattr(coop, key, int(value) if key == "member_count" else (value or "").strip())
    if "ships_abroad" in data:
        coop.ships_abroad = data["ships_abroad"] in (True, "1", "true", "on", "y")
    db.session.flush()
    return coop


def set_profile_image(user: User, field: str, stream, media_dir: str) -> Cooperative:
    """The owner uploads the logo or the cover photo (re-encoded, without metadata, by the
    safe upload code); the old files go once the change commits, the new ones if it does
    not."""
    from market.uploads import remove_on_commit, save_images, stored_files

    coop = _require_owner(user)
    column = PROFILE_IMAGES[field]
    old = getattr(coop, column)
    name, = save_images([stream], media_dir, PROFILE_IMAGE_SUBDIR, db.session(), field=field)
    setattr(coop, column, name)
    if old and old.startswith(f"{PROFILE_IMAGE_SUBDIR}/"):
        remove_on_commit(db.session(), media_dir, stored_files(old))
    db.session.flush()
    return coop


def staff_of(user: User) -> list[User]:
    coop = own_cooperative(user)
    return list(db.session.scalars(
        db.select(User).filter_by(cooperative_id=coop.id).order_by(User.is_owner.desc(), User.name)
    ))


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_staff(owner: User, email: str) -> tuple[StaffInvitation, str]:
    """Returns the invitation and the raw token (for the link); only its hash is stored."""
    from market.accounts.services import find_by_email, normalise_email

    coop = _require_owner(owner)
    email = normalise_email(email)
    existing = find_by_email(email)
    if existing is not None and existing.cooperative_id is not None:
        raise ValidationError({"email": _l("This person already belongs to a cooperative.")})
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation(
        cooperative_id=coop.id, email=email, token_hash=_hash_token(token),
        invited_by_id=owner.id, expires_at=utcnow() + INVITATION_TTL,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def pending_invitations(owner: User) -> list[StaffInvitation]:
    coop = _require_owner(owner)
    return list(db.session.scalars(
        db.select(StaffInvitation)
        .where(StaffInvitation.cooperative_id == coop.id,
               StaffInvitation.accepted_at.is_(None),
               StaffInvitation.expires_at > utcnow())
        .order_by(StaffInvitation.created_at)
    ))


def find_invitation(token: str) -> StaffInvitation:
    invitation = db.session.scalar(
        db.select(StaffInvitation).filter_by(token_hash=_hash_token(token or ""))
    )
    if invitation is None or invitation.accepted_at is not None:
        raise NotFound(_l("This invitation does not exist or was already used."))
    if invitation.expires_at <= utcnow():
        raise NotFound(_l("This invitation has expired; ask the owner for a new one."))
    return invitation


def accept_invitation(token: str, user: User) -> Cooperative:
    invitation = find_invitation(token)
    if user.email != invitation.email:
        raise PermissionDenied(_l("This invitation was sent to another email address."))
    if user.cooperative_id is not None:
        raise ValidationError({"email": _l("This person already belongs to a cooperative.")})
    if not user.has_role(Role.BUYER):
        raise PermissionDenied(_l("Officers and administrators cannot join a cooperative."))
    user.role = Role.COOP_STAFF.value
    user.cooperative_id = invitation.cooperative_id
    user.is_owner = False
    invitation.accepted_at = utcnow()
    db.session.flush()
    return invitation.cooperative


def staff_member(owner: User, public_id: str) -> User:
    """A member of the owner's own cooperative (the owner only; anyone else: not found)."""
    coop = _require_owner(owner)
    member = db.session.scalar(
        db.select(User).filter_by(public_id=public_id, cooperative_id=coop.id)
    )
    if member is None:
        raise NotFound(_l("No such staff member."))
    return member


def remove_staff(owner: User, public_id: str) -> User:
    member = staff_member(owner, public_id)
    if member.is_owner:
        raise ValidationError({"staff": _l("The owner cannot be removed.")})
    member.cooperative_id = None
    member.role = Role.BUYER.value
    db.session.flush()
    return member


ENGLISH_FIELD_LABELS = {"story": _l("story")}


def missing_english(coop: Cooperative) -> list[str]:
    """The cooperative's texts that lack English: its story, when the Vietnamese one is
    written (the name is a proper name, the same in both languages)."""
    if (coop.story_vi or "").strip() and not (coop.story_en or "").strip():
        return ["story"]
    return []
