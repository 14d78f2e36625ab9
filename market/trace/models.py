"""Lots (batches) of a product variant, the events that happened to them, and which lot
each ordered unit shipped from. Events are append-only: each stores a SHA-256 hash over
its canonical content and the previous event's hash (market.trace.chain)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db
from market.i18n import localized

LOT_KINDS = ("harvest", "bulk", "packed")
EVENT_KINDS = ("input", "harvest", "processing", "packing", "shipping", "split", "merge",
               "certification", "lab", "correction", "recall")


class Lot(db.Model):
    __tablename__ = "trace_lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)  # GS1 AI (10): <= 20 chars
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # Packed lots are sold as one variant; harvest and bulk lots may have none.
    variant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_variants.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="harvest")
    quantity: Mapped[int] = mapped_column(sa.Integer)
    unit: Mapped[str] = mapped_column(sa.String(20))
    produced_on: Mapped[date] = mapped_column(sa.Date)  # harvest or production date
    best_before: Mapped[date | None] = mapped_column(sa.Date)
    commune_code: Mapped[int | None] = mapped_column(sa.Integer)
    area: Mapped[str] = mapped_column(sa.String(200), default="")  # growing area
    farms: Mapped[str] = mapped_column(sa.Text, default="")  # "name; lat; lon" per line
    standards: Mapped[str] = mapped_column(sa.String(200), default="")
    # The last event's hash: a deleted tail of the chain is noticed too.
    head_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recall_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cooperative = relationship("Cooperative")
    product = relationship("Product")
    variant = relationship("ProductVariant")
    events = relationship("LotEvent", order_by="LotEvent.seq", back_populates="lot",
                          cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        sa.CheckConstraint("kind IN ('harvest', 'bulk', 'packed')", name="kind_known"),
    )

    @property
    def recalled(self) -> bool:
        return self.recalled_at is not None


class LotEvent(db.Model):
    __tablename__ = "trace_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("trace_lots.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    place_code: Mapped[str] = mapped_column(sa.String(40), default="")  # location tracking code
    actor: Mapped[str] = mapped_column(sa.String(120), default="")
    step: Mapped[str] = mapped_column(sa.String(20), default="")  # drying, roasting, pesticide...
    details: Mapped[str] = mapped_column(sa.Text, default="{}")  # canonical JSON object
    notes_vi: Mapped[str] = mapped_column(sa.Text, default="")
    notes_en: Mapped[str] = mapped_column(sa.Text, default="")
    photos: Mapped[str] = mapped_column(sa.Text, default="[]")  # JSON list of media names
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    hash: Mapped[str] = mapped_column(sa.String(64))

    lot = relationship("Lot", back_populates="events")

    __table_args__ = (
        sa.UniqueConstraint("lot_id", "seq"),
        sa.CheckConstraint(
            "kind IN ('input', 'harvest', 'processing', 'packing', 'shipping', 'split', "
            "'merge', 'certification', 'lab', 'correction', 'recall')", name="kind_known"),
    )

    def notes(self, locale: str) -> str:
        return localized(self.notes_vi, self.notes_en, locale)


class LotLink(db.Model):
    """Genealogy: `child` was made from `quantity` (in the parent's unit) of `parent`
    (a split makes several children of one parent, a merge one child of several)."""

    __tablename__ = "trace_lot_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trace_lots.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trace_lots.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(sa.Integer)

    parent = relationship("Lot", foreign_keys=[parent_id])
    child = relationship("Lot", foreign_keys=[child_id])


class OrderLineLot(db.Model):
    """Which lot the units of one order line shipped from (written when the part is packed
    or shipped, oldest lot first)."""

    __tablename__ = "order_line_lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trace_lots.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(sa.Integer)

    lot = relationship("Lot")

    __table_args__ = (sa.UniqueConstraint("order_line_id", "lot_id"),
                      sa.CheckConstraint("quantity > 0", name="quantity_positive"))
