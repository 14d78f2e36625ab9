from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db


class Role(str, enum.Enum):
    BUYER = "buyer"
    COOP_STAFF = "coop_staff"  # owner or staff of exactly one cooperative
    OFFICER = "officer"  # Department of Industry and Trade, scoped to one province
    ADMIN = "admin"


def new_public_id() -> str:
    return secrets.token_urlsafe(9)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_id)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="vi")
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.BUYER.value)
    cooperative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="SET NULL"), index=True
    )
    is_owner: Mapped[bool] = mapped_column(default=False)
    province_code: Mapped[int | None] = mapped_column(sa.Integer)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cooperative = relationship("Cooperative", foreign_keys=[cooperative_id])

    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('buyer', 'coop_staff', 'officer', 'admin')", name="role_known"
        ),
    )

    # The server-side sign-in this request runs under (set by services.load_user or
    # services.start_session); not a column.
    current_session = None  # a UserSession
    session_token = None

    def get_id(self) -> str | None:
        # Flask-Login's alternative-token pattern: the session cookie and the remember-me
        # cookie carry the random token of one row in user_sessions, never a user id, so
        # deleting that row ends the sign-in wherever the cookie was copied to.
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def has_role(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}


class UserSession(db.Model):
    """One sign-in: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    user = relationship("User")


class SavedAddress(db.Model):
    """One entry of a buyer's address book: where a parcel goes and who takes it. Rows are
    reached only through their owner (accounts/addresses.py); URLs carry the public id."""

    __tablename__ = "saved_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(20))
    province_code: Mapped[int] = mapped_column(sa.Integer)
    commune_code: Mapped[int] = mapped_column(sa.Integer)
    address_line: Mapped[str] = mapped_column(sa.String(300))
    # Abroad (accounts/addresses.py, clean_foreign_address): the country and its own fields,
    # province and commune 0; the same columns as an order's.
    country_code: Mapped[str] = mapped_column(sa.String(2), default="VN", server_default="VN")
    postal_code: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    city: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    country_area: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    city_area: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
