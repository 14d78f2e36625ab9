"""Partner API keys: created by an admin, shown once, stored as a keyed hash.

A key reads `htx_<prefix>_<secret>`. The prefix is public (shown in the admin list, indexed,
used to find the row); the secret is 32 random bytes and only its HMAC-SHA256 under the app's
SECRET_KEY is stored. Secrets are high-entropy, so a keyed hash is enough (no password
stretching), and checking a key costs one indexed lookup and one HMAC.

Services here are plain functions: the admin views and the `require_scope` decorator
(`market/api/auth.py`) call them; webhooks (`market/webhooks/`) read `ApiKey` rows."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from market.dbtypes import UTCDateTime, utcnow
from market.errors import ValidationError
from market.extensions import begin_write, db

SCOPES = {
    "listings:read": _l("Read listings: cooperatives, products, categories, feeds"),
    "prices:read": _l("Read prices and forecasts"),
    "orders:write": _l("Place orders and read their status"),
    "webhooks:manage": _l("Register and manage webhooks"),
}
PREFIX = "htx"
DEFAULT_RATE_LIMIT = 600  # requests per minute
ROTATION_GRACE = timedelta(hours=24)  # the old key keeps working this long after a rotation


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True, index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[str] = mapped_column(sa.Text, default="")  # space-separated
    rate_limit: Mapped[int] = mapped_column(sa.Integer, default=DEFAULT_RATE_LIMIT)  # per minute
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_keys.id", ondelete="SET NULL"))

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_set

    def active(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None or self.revoked_at > (now or utcnow())

    @property
    def display(self) -> str:
        return f"{PREFIX}_{self.prefix}_…"


class ApiRequest(db.Model):
    """One row per API request (written after the response): key, route, status, duration."""

    __tablename__ = "api_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_keys.id", ondelete="SET NULL"), index=True)
    method: Mapped[str] = mapped_column(sa.String(8))
    route: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[int] = mapped_column(sa.Integer)
    duration_ms: Mapped[int] = mapped_column(sa.Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def _hash(secret: str) -> str:
    pepper = current_app.config["SECRET_KEY"].encode()
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def _clean_scopes(scopes) -> str:
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValidationError({"scopes": _l("Choose at least one of the listed scopes.")},
                              code="bad_scopes")
    return " ".join(scopes)


def create_key(name: str, scopes, contact: str = "",
               rate_limit: int = DEFAULT_RATE_LIMIT) -> tuple[ApiKey, str]:
    """A new key; returns the row and the full secret, which is never shown again."""
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 120:
        errors["name"] = _l("Give the partner's name (at most 120 characters).")
    if not isinstance(rate_limit, int) or not 1 <= rate_limit <= 100_000:
        errors["rate_limit"] = _l("Give a rate limit between 1 and 100000 requests a minute.")
    if errors:
        raise ValidationError(errors, code="bad_key")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(name=name, contact=(contact or "").strip()[:200], prefix=prefix,
                 secret_hash=_hash(secret), scopes=_clean_scopes(scopes), rate_limit=rate_limit)
    db.session.add(key)
    db.session.flush()
    return key, f"{PREFIX}_{prefix}_{secret}"


def rotate_key(key: ApiKey, grace: timedelta = ROTATION_GRACE) -> tuple[ApiKey, str]:
    """A new key with the same partner, scopes and limit; the old one stops after `grace`."""
    new, secret = create_key(key.name, key.scope_set, key.contact, key.rate_limit)
    key.replaced_by_id = new.id
    end = utcnow() + grace
    if key.revoked_at is None or key.revoked_at > end:
        key.revoked_at = end
    db.session.flush()
    return new, secret


def revoke_key(key: ApiKey) -> ApiKey:
    now = utcnow()
    if key.revoked_at is None or key.revoked_at > now:
        key.revoked_at = now
    db.session.flush()
    return key


def parse(value: str | None) -> tuple[str, str] | None:
    """(prefix, secret) of a presented key, or None when it is not one of ours."""
    if not value:
        return None
    parts = value.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def authenticate(header_value: str | None) -> ApiKey | None:
    """The active key a header value names (the `Bearer ` scheme is optional), else None."""
    if header_value and header_value[:7].lower() == "bearer ":
        header_value = header_value[7:]
    parsed = parse(header_value)
    if parsed is None:
        return None
    prefix, secret = parsed
    key = db.session.scalar(sa.select(ApiKey).filter_by(prefix=prefix))
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    return key if key.active() else None


def list_keys() -> list[ApiKey]:
    return list(db.session.scalars(sa.select(ApiKey).order_by(ApiKey.created_at.desc(),
                                                              ApiKey.id.desc())))


def get_key(key_id: int) -> ApiKey | None:
    return db.session.get(ApiKey, key_id)


def log_request(key_id: int | None, method: str, route: str, status: int,
                duration_ms: int) -> bool:
    """One insert (and, for a key, its last_used_at) in a short writing transaction of its
    own, after the view committed. Returns False (and logs nothing) when the view left
    changes uncommitted: they are not this function's to commit."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        return False
    now = utcnow()
    session.commit()  # end the view's (read) transaction; then take the write lock first
    begin_write(session())
    session.execute(sa.insert(ApiRequest).values(key_id=key_id, method=method,
                                                 route=route[:200], status=status,
                                                 duration_ms=duration_ms, at=now))
    if key_id is not None:
        session.execute(sa.update(ApiKey).where(ApiKey.id == key_id)
                        .values(last_used_at=now).execution_options(synchronize_session=False))
    session.commit()
    return True


def recent_requests(key: ApiKey, limit: int = 50) -> list[ApiRequest]:
    return list(db.session.scalars(sa.select(ApiRequest).filter_by(key_id=key.id)
                                   .order_by(ApiRequest.id.desc()).limit(limit)))


class ApiOrder(db.Model):
    """Which key placed an order: a partner reads the status of its own orders only."""

    __tablename__ = "api_orders"

    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"),
                                          primary_key=True)
    key_id: Mapped[int] = mapped_column(sa.ForeignKey("api_keys.id", ondelete="CASCADE"),
                                        index=True)


def record_order(key: ApiKey, order_id: int) -> None:
    if db.session.get(ApiOrder, order_id) is None:
        db.session.add(ApiOrder(order_id=order_id, key_id=key.id))


def order_of_key(key: ApiKey, order_model, public_id: str):
    """The order `public_id` if `key` placed it (else None: another's order is not found)."""
    return db.session.scalar(
        sa.select(order_model).join(ApiOrder, ApiOrder.order_id == order_model.id)
        .where(order_model.public_id == public_id, ApiOrder.key_id == key.id))
