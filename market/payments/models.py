from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db


class PaymentStatus(str, enum.Enum):
    PENDING = "pending"
    PAID = "paid"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUND_DUE = "refund_due"  # we owe the buyer a refund that is not sent yet


class Payment(db.Model):
    """One attempt to pay for an order through a provider (card or bank transfer)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20), default=PaymentStatus.PENDING.value)
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # VND
    external_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    payment_intent: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    refunded_amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order = relationship("Order")
    history = relationship("PaymentTransition", lazy="selectin",
                           order_by="PaymentTransition.id", cascade="all, delete-orphan")
    refunds = relationship("Refund", lazy="selectin", order_by="Refund.id",
                           back_populates="payment", cascade="all, delete-orphan")


class PaymentTransition(db.Model):
    """Who (or which provider event) changed a payment, when, from what to what."""

    __tablename__ = "payment_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(sa.String(80))  # e.g. "stripe:evt_123" or "admin"
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(db.Model):
    """Money of a payment that no part of the order holds (a part cancelled before the
    payment arrived, a late payment whose stock is gone, an order paid twice): it goes back
    to the buyer. `due` until the provider accepted it (or, for a bank transfer, until an
    admin records the transfer back); the reconciliation lists every refund due."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # VND
    reason: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(10), default="due")
    # Sent with every attempt, so a retry after a timeout never refunds twice.
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(255))  # re_... or bank reference
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment = relationship("Payment", back_populates="refunds")

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("status IN ('due', 'sent')", name="status_known"),
        sa.CheckConstraint("reason IN ('late_payment', 'not_held')", name="reason_known"),
    )


class ProcessedEvent(db.Model):
    """Provider events already handled. The unique key, written in the same transaction as
    the event's effect, makes a replayed or concurrent duplicate a no-op."""

    __tablename__ = "processed_payment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(10))
    event_id: Mapped[str] = mapped_column(sa.String(255))
    event_type: Mapped[str] = mapped_column(sa.String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("provider", "event_id"),)
