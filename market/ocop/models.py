from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db


class CertificateStatus(str, enum.Enum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REVOKED = "revoked"


class IssuingLevel(str, enum.Enum):
    PROVINCIAL = "provincial"  # 3 and 4 stars: the provincial People's Committee
    NATIONAL = "national"  # 5 stars: the central OCOP council


def new_public_id() -> str:
    return secrets.token_urlsafe(9)


certificate_products = db.Table(
    "ocop_certificate_products",
    sa.Column("certificate_id", sa.ForeignKey("ocop_certificates.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class OcopCertificate(db.Model):
    __tablename__ = "ocop_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_id)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    certificate_number: Mapped[str] = mapped_column(sa.String(60), index=True)
    stars: Mapped[int] = mapped_column(sa.SmallInteger)
    level: Mapped[str] = mapped_column(sa.String(20))
    decision_number: Mapped[str] = mapped_column(sa.String(60))
    decision_date: Mapped[date] = mapped_column(sa.Date)
    valid_until: Mapped[date] = mapped_column(sa.Date, index=True)
    document: Mapped[str | None] = mapped_column(sa.String(200))  # relative to PRIVATE_DIR
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(
        sa.String(20), default=CertificateStatus.SUBMITTED.value, index=True
    )
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # of the last rejection/revocation
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cooperative = relationship("Cooperative", lazy="joined", innerjoin=True)
    products = relationship("Product", secondary=certificate_products, lazy="selectin",
                            order_by="Product.id")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    events = relationship("OcopCertificateEvent", cascade="all, delete-orphan",
                          order_by="OcopCertificateEvent.id", back_populates="certificate")

    __table_args__ = (
        sa.UniqueConstraint("cooperative_id", "certificate_number"),
        sa.CheckConstraint("stars BETWEEN 3 AND 5", name="stars_3_to_5"),
        sa.CheckConstraint("level IN ('provincial', 'national')", name="level_known"),
        sa.CheckConstraint("stars < 5 OR level = 'national'", name="five_stars_national"),
        sa.CheckConstraint("valid_until >= decision_date", name="valid_after_decision"),
        sa.CheckConstraint(
            "status IN ('submitted', 'verified', 'rejected', 'expired', 'revoked')",
            name="status_known",
        ),
    )

    def is_valid_on(self, day: date) -> bool:
        """Verified and not past its validity: the only case that earns a badge."""
        return self.status == CertificateStatus.VERIFIED.value and self.valid_until >= day

    def effective_status(self, day: date) -> str:
        """The status as of `day`, even if the daily expiry job has not run yet."""
        if self.status == CertificateStatus.VERIFIED.value and self.valid_until < day:
            return CertificateStatus.EXPIRED.value
        return self.status


class OcopCertificateEvent(db.Model):
    """One row per state change: who (None: the system), when, from which to which state."""

    __tablename__ = "ocop_certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ocop_certificates.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    certificate = relationship("OcopCertificate", back_populates="events")
    actor = relationship("User")
