"""Accounts: registration, password hashing (argon2) and strength, authentication, and the
server-side sign-in sessions that logout, a password change or a deactivation revoke."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from datetime import timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from zxcvbn import zxcvbn

from market.accounts import addresses
from market.accounts.models import Role, User, UserSession
from market.dbtypes import utcnow
from market.errors import Collector, DomainError, ValidationError
from market.extensions import begin_write, db
from market.i18n import LOCALES
from market.notifications import services as notifications
from market.text import clean_line, too_long

# argon2-cffi's own profiles by name: RFC 9106's low-memory choice in production; the test
# suite configures CHEAPEST (the library's profile for tests), or every user a test makes
# would cost a third of a CPU second.
_HASHERS = {name: PasswordHasher.from_parameters(getattr(profiles, name))
            for name in ("RFC_9106_LOW_MEMORY", "CHEAPEST")}


def _hasher() -> PasswordHasher:
    name = current_app.config["PASSWORD_HASH_PROFILE"] if has_app_context() else None
    return _HASHERS.get(name, _HASHERS["RFC_9106_LOW_MEMORY"])


MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; a cap keeps one request cheap
MIN_PASSWORD_SCORE = 3  # zxcvbn: "safely unguessable", about 10^8 guesses or more
NAME_LENGTH = User.name.type.length
# Words zxcvbn's English lists do not know but Vietnamese passwords are made of.
_SITE_WORDS = ["htx", "market", "htxmarket", "matkhau", "anhyeuem", "emyeuanh", "yeuem",
               "vietnam", "hanoi", "saigon", "hoptacxa", "caphe", "daklak"]
TOUCH_EVERY = timedelta(minutes=15)  # how stale last_seen_at may get before it is written


def hash_password(password: str) -> str:
    return _hasher().hash(password)


# --- input rules ------------------------------------------------------------------------------

_NOT_LATIN = _l("Write the email address in Latin letters: characters from other alphabets "
                "that look like Latin ones are not accepted.")


def normalise_email(email: str) -> str:
    """The email as stored, or ValidationError.

    Look-alike addresses (Cyrillic `а` in `аdmin@`, Greek `α`, fullwidth `ａ`) are refused
    rather than compared by skeleton: the local part must be ASCII (SMTPUTF8 mailboxes are
    next to unused here), and an internationalised domain may use Latin letters only (so
    `việtnam.vn` is fine, `exаmple.vn` with a Cyrillic `а` is not). Fullwidth letters in the
    domain are mapped to ASCII by IDNA, so they meet the ASCII address's uniqueness check."""
    try:
        valid = validate_email((email or "").strip(), check_deliverability=False,
                               allow_smtputf8=False)
    except EmailNotValidError:
        if not (email or "").isascii():
            raise ValidationError({"email": _NOT_LATIN})
        raise ValidationError({"email": _l("Enter a valid email address.")})
    domain = valid.domain
    if any(not ch.isascii() and not unicodedata.name(ch, "").startswith("LATIN")
           for ch in domain):
        raise ValidationError({"email": _NOT_LATIN})
    return valid.normalized.lower()


def clean_name(name) -> str:
    """A person's name as typed, without invisible or direction-overriding characters."""
    if too_long(name, NAME_LENGTH):
        raise ValidationError({"name": _l("The name can have at most %(n)d characters.",
                                          n=NAME_LENGTH)})
    cleaned = clean_line(name, NAME_LENGTH)
    if not any(ch.isalnum() for ch in cleaned):
        raise ValidationError({"name": _l("Enter your name.")})
    return cleaned


def _squash(text: str) -> str:
    """Letters and digits only, case and Vietnamese diacritics folded: "Trần Đức" -> "tranduc"."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


def password_problem(password: str, *, email: str = "", name: str = ""):
    """Why this password is refused (a translatable message), or None."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("The password can have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    squashed = _squash(password)
    personal = [_squash(email), _squash(email.split("@")[0]), _squash(name)]
    if any(p and len(p) >= 4 and (p in squashed or squashed in p) for p in personal):
        return _l("The password must not contain your email address or your name.")
    user_inputs = [email, email.split("@")[0], *name.split(), *_SITE_WORDS]
    # zxcvbn refuses input past 72 characters; a longer passphrase is judged by its start.
    if zxcvbn(password[:72], user_inputs=user_inputs)["score"] < MIN_PASSWORD_SCORE:
        return _l("This password is too common or too easy to guess. A few unrelated "
                  "words make a stronger one.")
    return None


# --- accounts ---------------------------------------------------------------------------------

def create_user(
    *, email: str, password: str, name: str, locale: str = "vi", role: Role = Role.BUYER,
    cooperative=None, is_owner: bool = False, province_code: int | None = None,
) -> User:
    errors = Collector()
    try:
        email = normalise_email(email)
    except ValidationError as exc:
        errors.errors.update(exc.errors)
    try:
        name = clean_name(name)
    except ValidationError as exc:
        errors.errors.update(exc.errors)
    problem = password_problem(password, email=email or "", name=name or "")
    if problem:
        errors.add("password", problem)
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
        email=email, password_hash=hash_password(password), name=name, locale=locale,
        role=role.value, cooperative=cooperative, is_owner=is_owner, province_code=province_code,
    )
    db.session.add(user)
    db.session.flush()
    return user


def find_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))


def _password_matches(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; rehashes when argon2 parameters change."""
    user = find_by_email(email or "")
    if user is None or not user.is_active:
        _hasher().hash(password or "")  # same work either way: no user enumeration by timing
        return None
    if not _password_matches(user, password):
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(user: User, new_password: str, *, keep: UserSession | None = None) -> None:
    """The one way a password changes (change and reset alike): the strength check, the new
    hash, and every sign-in of this person ends but `keep` (a thief who had the old
    password, or a copied cookie, is out). The new hash also voids every reset link sent
    before, as those carry a fingerprint of the old one."""
    problem = password_problem(new_password, email=user.email, name=user.name)
    if problem:
        raise ValidationError({"password": problem})
    user.password_hash = hash_password(new_password)
    end_sessions(user, keep=keep)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """A signed-in person changes their password; the sign-in that changed it stays."""
    if not _password_matches(user, current_password):
        raise ValidationError({"current_password": _l("Your current password is wrong.")})
    set_password(user, new_password, keep=user.current_session)


def update_profile(user: User, *, name, locale, phone) -> None:
    """Name, preferred language (the language of every email to this person) and phone
    (optional; a Vietnamese mobile number when given). Every error at once."""
    errors = Collector()
    try:
        name = clean_name(name)
    except ValidationError as exc:
        errors.errors.update(exc.errors)
    if locale not in LOCALES:
        errors.add("locale", _l("Unknown language."))
    phone = phone if isinstance(phone, str) else ""
    if phone.strip() and not addresses.is_mobile(phone):
        errors.add("phone", addresses.PHONE_MESSAGE)
    errors.raise_if_any()
    user.name, user.locale = name, locale
    user.phone = addresses.normalise_phone(phone)


# --- password reset by email ------------------------------------------------------------------
# A signed, timed token (itsdangerous) naming the user and a fingerprint of their current
# password hash: nothing is stored, a changed password (by this link or otherwise) voids
# every link sent before, and so using a link once voids it.

RESET_SALT = "market.accounts.password-reset"
RESET_MAX_AGE = timedelta(hours=1)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Keyed, so the token (readable base64) says nothing about the hash to whoever reads it.
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:24]


def password_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"u": user.public_id, "p": _password_fingerprint(user)})


_BAD_LINK = _l("This link is not valid. Ask for a new one below.")


def user_for_reset_token(token: str, max_age: timedelta = RESET_MAX_AGE) -> User:
    """The person a reset link is for, or DomainError saying why it no longer works."""
    try:
        data = _reset_serializer().loads(token or "", max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise DomainError(_l("This link has expired. Ask for a new one below."),
                          code="reset_link_expired", status=400)
    except BadData:
        raise DomainError(_BAD_LINK, code="reset_link_invalid", status=400)
    if not isinstance(data, dict) or not isinstance(data.get("u"), str) \
            or not isinstance(data.get("p"), str):
        raise DomainError(_BAD_LINK, code="reset_link_invalid", status=400)
    user = db.session.scalar(db.select(User).filter_by(public_id=data["u"]))
    if user is None or not user.is_active:
        raise DomainError(_BAD_LINK, code="reset_link_invalid", status=400)
    if not hmac.compare_digest(data["p"], _password_fingerprint(user)):
        raise DomainError(_l("This link was already used, or the password was changed since "
                             "it was sent. Ask for a new one below."),
                          code="reset_link_used", status=400)
    return user


def request_password_reset(email: str, link_for) -> None:
    """Queue a reset link for the account with this email, in its owner's language, when
    there is such an active account; otherwise do nothing. The caller answers the same
    either way (no account enumeration). `link_for(token, lang)` builds the absolute URL."""
    try:
        user = find_by_email(normalise_email(email))
    except ValidationError:
        return
    if user is None or not user.is_active:
        return
    minutes = int(RESET_MAX_AGE.total_seconds() // 60)
    notifications.enqueue(
        user.email, user.locale,
        _l("Reset your HTX Market password"),
        _l("Hello %(name)s,\n\nSomeone, hopefully you, asked to reset the password of your "
           "HTX Market account. Open this link within %(minutes)d minutes to choose a new "
           "one:\n\n%(link)s\n\nThe link works once. Setting a new password signs you "
           "out everywhere. If you did not ask for this, ignore this email: your password "
           "stays as it is.\n\nHTX Market",
           name=user.name, minutes=minutes,
           link=link_for(password_reset_token(user), user.locale)))


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link; every sign-in of the person ends."""
    user = user_for_reset_token(token)
    set_password(user, new_password)
    return user


def deactivate(user: User) -> None:
    """Close an account: it can no longer sign in, and every sign-in it has ends now."""
    user.is_active_account = False
    end_sessions(user)


# --- sign-in sessions -------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle_limit() -> timedelta:
    return timedelta(days=current_app.config["SESSION_IDLE_DAYS"])


def start_session(user: User, user_agent: str = "") -> str:
    """A new sign-in for `user`; returns the token for the cookie (only its hash is kept)."""
    now = utcnow()
    db.session.execute(db.delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.last_seen_at < now - _idle_limit()))
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                      last_seen_at=now, user_agent=clean_line(user_agent, 200))
    db.session.add(row)
    db.session.flush()
    user.session_token, user.current_session = token, row
    return token


def load_user(token: str) -> User | None:
    """Flask-Login's user_loader: the user of a live sign-in, in one indexed query
    (user_sessions.token_hash is unique), or None when it was revoked, has been idle too
    long, or the account is closed."""
    if not token or len(token) > 128:
        return None
    current = db.session()
    untouched = not (current.in_transaction() or current.new or current.dirty
                     or current.deleted)
    now = utcnow()
    row = db.session.execute(
        db.select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _token_hash(token),
               UserSession.last_seen_at > now - _idle_limit(),
               User.is_active_account.is_(True))
    ).first()
    if row is None:
        return None
    user, session = row
    if untouched and now - session.last_seen_at > TOUCH_EVERY:
        # Keep idle expiry honest without a write per request: at most one small write per
        # quarter hour, in a transaction of its own and only when the request had none open.
        db.session.commit()
        begin_write(current)
        session.last_seen_at = now
        db.session.commit()
    user.session_token, user.current_session = token, session
    return user


def end_session(user: User) -> None:
    """Sign out: this sign-in's row goes, so a copy of its cookie is worth nothing."""
    if user.current_session is not None:
        db.session.execute(db.delete(UserSession).where(UserSession.id == user.current_session.id))
    user.current_session = user.session_token = None


def end_sessions(user: User, keep: UserSession | None = None) -> int:
    """End every sign-in of `user` except `keep`; returns how many ended."""
    query = db.delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query).rowcount


def sessions_of(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        db.select(UserSession).filter_by(user_id=user.id)
        .order_by(UserSession.last_seen_at.desc())))
