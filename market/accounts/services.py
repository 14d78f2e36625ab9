"""Accounts: registration, password hashing (argon2), authentication, role checks."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from market.accounts.models import Role, User
from market.errors import Collector, ValidationError
from market.extensions import db
from market.i18n import LOCALES

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError({"email": _l("Enter a valid email address.")})


def create_user(
    *, email: str, password: str, name: str, locale: str = "vi", role: Role = Role.BUYER,
    cooperative=None, is_owner: bool = False, province_code: int | None = None,
) -> User:
    errors = Collector()
    try:
        email = normalise_email(email)
    except ValidationError as exc:
        errors.errors.update(exc.errors)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors.add("password", _l("The password needs at least %(n)d characters.",
                                  n=MIN_PASSWORD_LENGTH))
    if not (name or "").strip():
        errors.add("name", _l("Enter your name."))
    if locale not in LOCALES:
        errors.add("locale", _l("Unknown language."))
    if role == Role.COOP_STAFF and cooperative is None:
        errors.add("cooperative", _l("Cooperative staff must belong to a cooperative."))
    if role == Role.OFFICER and province_code is None:
        errors.add("province_code", _l("An officer must be assigned to a province."))
    if "email" not in errors.errors and find_by_email(email) is not None:
        errors.add("email", _l("An account with this email already exists."))
    errors.raise_if_any()
    user = User(
        email=email, password_hash=hash_password(password), name=name.strip(), locale=locale,
        role=role.value, cooperative=cooperative, is_owner=is_owner, province_code=province_code,
    )
    db.session.add(user)
    db.session.flush()
    return user


def find_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; rehashes when argon2 parameters change."""
    user = find_by_email(email or "")
    if user is None or not user.is_active:
        _hasher.hash(password or "")  # same work either way: no user enumeration by timing
        return None
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def load_user(public_id: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(public_id=public_id))
