"""Cooperatives: the registry and its rules."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from market.errors import Collector, NotFound, ValidationError
from market.extensions import db
from market.geo import services as geo
from market.i18n import slugify
from market.vendors.models import Cooperative, CooperativeStatus

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
    name = (data.get("name") or "").strip()
    if not name:
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
