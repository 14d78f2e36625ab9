"""Wholesale and export inquiries: which products and cooperatives take requests for
quotation, the requests (RFQs), the cooperative's quotes, the thread of every step, and the
agreement an accepted quote becomes."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.accounts.models import new_public_id
from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db


class RfqStatus(str, enum.Enum):
    OPEN = "open"  # sent, waiting for the cooperative's quote
    QUOTED = "quoted"  # the cooperative quoted; the buyer's turn
    COUNTERED = "countered"  # the buyer proposed other terms; the cooperative's turn
    ACCEPTED = "accepted"  # the buyer accepted the current quote: an agreement exists
    DECLINED = "declined"  # the buyer declined the quote
    WITHDRAWN = "withdrawn"  # the buyer withdrew the inquiry before a quote was accepted
    REFUSED = "refused"  # the cooperative declined to quote


CLOSED = frozenset({RfqStatus.ACCEPTED.value, RfqStatus.DECLINED.value,
                    RfqStatus.WITHDRAWN.value, RfqStatus.REFUSED.value})


class WholesaleProfile(db.Model):
    """A cooperative's wholesale setting: `accepts_all` takes inquiries for every product
    and for goods not listed; without it, only the products in wholesale_products do."""

    __tablename__ = "wholesale_profiles"

    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), primary_key=True)
    accepts_all: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WholesaleProduct(db.Model):
    """A product that takes requests for quotation (a row: it does)."""

    __tablename__ = "wholesale_products"

    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)


class Rfq(db.Model):
    """A buyer's request for quotation to one cooperative, for one of its products or for
    goods it did not list. The contact is copied from the signed-in buyer (and what they
    added): the cooperative sees it, the Department never does."""

    __tablename__ = "wholesale_rfqs"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_id)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id", ondelete="SET NULL"), index=True)
    # the product's top-level category when it was asked (the Department's "commodity")
    commodity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="SET NULL"))
    goods: Mapped[str] = mapped_column(sa.String(200))  # the product's name, or the buyer's words
    quantity: Mapped[int] = mapped_column(sa.BigInteger)
    unit: Mapped[str] = mapped_column(sa.String(12))
    quantity_kg: Mapped[int | None] = mapped_column(sa.BigInteger)  # None for containers
    incoterm: Mapped[str] = mapped_column(sa.String(3))
    incoterm_place: Mapped[str] = mapped_column(sa.String(120))
    destination_country: Mapped[str] = mapped_column(sa.String(2))
    destination_port: Mapped[str] = mapped_column(sa.String(120), default="")
    target_date: Mapped[date] = mapped_column(sa.Date)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    company: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str] = mapped_column(sa.String(30), default="")
    status: Mapped[str] = mapped_column(sa.String(12), default=RfqStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    buyer = relationship("User")
    cooperative = relationship("Cooperative")
    product = relationship("Product")
    quotes = relationship("Quote", order_by="Quote.id", back_populates="rfq",
                          cascade="all, delete-orphan")
    events = relationship("RfqEvent", order_by="RfqEvent.id", back_populates="rfq",
                          cascade="all, delete-orphan")
    agreement = relationship("Agreement", uselist=False, back_populates="rfq")

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "unit IN ('kg', 'tonne', 'container_20', 'container_40')", name="unit_known"),
        sa.CheckConstraint(
            "status IN ('open', 'quoted', 'countered', 'accepted', 'declined', 'withdrawn', "
            "'refused')", name="status_known"),
        sa.Index("ix_wholesale_rfqs_cooperative_id_created_at", "cooperative_id", "created_at"),
    )

    def goods_name(self, locale: str) -> str:
        """The product's name in `locale` (the buyer's words for goods not listed)."""
        return self.product.name(locale) if self.product is not None else self.goods

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def current_quote(self) -> Quote | None:
        return self.quotes[-1] if self.quotes else None


class Quote(db.Model):
    """The cooperative's answer: price per unit in integer VND (a USD figure only for
    information), for a quantity in the inquiry's unit, valid until a day (Vietnam time)."""

    __tablename__ = "wholesale_quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_id)
    rfq_id: Mapped[int] = mapped_column(sa.ForeignKey("wholesale_rfqs.id", ondelete="CASCADE"),
                                        index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    quantity: Mapped[int] = mapped_column(sa.BigInteger)  # in the inquiry's unit
    price_vnd: Mapped[int] = mapped_column(sa.BigInteger)  # per price_unit
    price_unit: Mapped[str] = mapped_column(sa.String(12))
    price_usd_cents: Mapped[int | None] = mapped_column(sa.BigInteger)  # for information
    min_order: Mapped[int] = mapped_column(sa.BigInteger)  # in the inquiry's unit
    valid_until: Mapped[date] = mapped_column(sa.Date)
    lead_time_days: Mapped[int] = mapped_column(sa.Integer)
    # [{"number", "stars", "valid_until"}] copied from its verified OCOP certificates
    certifications: Mapped[list] = mapped_column(sa.JSON, default=list)
    other_certifications: Mapped[str] = mapped_column(sa.String(300), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rfq = relationship("Rfq", back_populates="quotes")

    __table_args__ = (
        sa.CheckConstraint("price_vnd > 0", name="price_positive"),
        sa.CheckConstraint("quantity > 0 AND min_order > 0", name="quantities_positive"),
        sa.CheckConstraint("lead_time_days >= 0", name="lead_time_known"),
    )


class RfqEvent(db.Model):
    """One step of the thread: who, on which side, what they did, from and to which state,
    with their message (and a counter-offer's price and quantity)."""

    __tablename__ = "wholesale_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    rfq_id: Mapped[int] = mapped_column(sa.ForeignKey("wholesale_rfqs.id", ondelete="CASCADE"),
                                        index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(sa.String(12))  # buyer, cooperative
    action: Mapped[str] = mapped_column(sa.String(12))
    from_status: Mapped[str | None] = mapped_column(sa.String(12))
    to_status: Mapped[str] = mapped_column(sa.String(12))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    quote_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("wholesale_quotes.id", ondelete="SET NULL"))
    counter_price_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)
    counter_quantity: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rfq = relationship("Rfq", back_populates="events")
    actor = relationship("User")
    quote = relationship("Quote")


class Agreement(db.Model):
    """What an accepted quote becomes: both parties and the terms as they were accepted
    (a copy, so later edits of the product or the cooperative change nothing)."""

    __tablename__ = "wholesale_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_id)
    rfq_id: Mapped[int] = mapped_column(sa.ForeignKey("wholesale_rfqs.id", ondelete="CASCADE"),
                                        unique=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("wholesale_quotes.id",
                                                        ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    terms: Mapped[dict] = mapped_column(sa.JSON)
    quoted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rfq = relationship("Rfq", back_populates="agreement")
    quote = relationship("Quote")
