from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db
from market.i18n import localized


class CooperativeStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Cooperative(db.Model):
    __tablename__ = "cooperatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Enterprise/tax code: 10 digits, or the 13-digit branch form NNNNNNNNNN-NNN.
    registration_code: Mapped[str] = mapped_column(sa.String(14), unique=True)
    province_code: Mapped[int] = mapped_column(sa.Integer, index=True)
    commune_code: Mapped[int | None] = mapped_column(sa.Integer)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    sector: Mapped[str] = mapped_column(sa.String(200), default="")
    founded_year: Mapped[int | None] = mapped_column(sa.Integer)
    member_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    story_vi: Mapped[str] = mapped_column(sa.Text, default="")
    story_en: Mapped[str] = mapped_column(sa.Text, default="")
    logo: Mapped[str | None] = mapped_column(sa.String(200))
    cover_image: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")  # the platform's use
    # Shown on the public page; contact_email / contact_phone stay between platform and HTX.
    public_phone: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=CooperativeStatus.PENDING.value)
    # Platform commission on goods, in basis points; None means the platform default (5 %).
    commission_rate_bp: Mapped[int | None] = mapped_column(sa.Integer)
    # Why an application was rejected (shown to the applicant); empty otherwise.
    rejection_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Opted in to parcels abroad (international zone table, card payment only).
    ships_abroad: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                               server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'suspended')", name="status_known"
        ),
        sa.CheckConstraint("member_count >= 0", name="members_not_negative"),
    )

    def story(self, locale: str) -> str:
        return localized(self.story_vi, self.story_en, locale)

    @property
    def is_approved(self) -> bool:
        return self.status == CooperativeStatus.APPROVED.value


class CooperativeStatusChange(db.Model):
    """Every state change of a cooperative: who, when, from-state and to-state."""

    __tablename__ = "cooperative_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User", foreign_keys=[actor_id])


class StaffInvitation(db.Model):
    """An owner's invitation to join the cooperative's staff. Only the token's SHA-256 is
    stored; the token itself travels in the email link."""

    __tablename__ = "staff_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cooperative = relationship("Cooperative")
