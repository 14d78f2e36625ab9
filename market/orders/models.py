from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db
from market.orders import numbers


def _public_id() -> str:
    return secrets.token_urlsafe(10)


def _transfer_reference(context) -> str:
    # The order number without its hyphens: banks keep only ASCII letters and digits
    # reliably in the transfer message, and the buyer quotes one number everywhere.
    return numbers.compact(context.get_current_parameters()["number"])


class PaymentMethod(str, enum.Enum):
    COD = "cod"
    VIETQR = "vietqr"
    STRIPE = "stripe"


class VendorOrderStatus(str, enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CONFIRMED = "confirmed"  # cash on delivery: goes straight to the cooperative
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class Order(db.Model):
    """What the buyer placed and pays once; split into one VendorOrder per cooperative."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(20), unique=True, default=_public_id)
    # What people read and type: HTX-7K3Q-9M2P (market/orders/numbers.py).
    number: Mapped[str] = mapped_column(sa.String(16), unique=True, default=numbers.new_number)
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    buyer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(20))
    province_code: Mapped[int] = mapped_column(sa.Integer)
    commune_code: Mapped[int] = mapped_column(sa.Integer)
    address_line: Mapped[str] = mapped_column(sa.String(300))
    locale: Mapped[str] = mapped_column(sa.String(5), default="vi")
    payment_method: Mapped[str] = mapped_column(sa.String(10))
    # Bank-transfer (VietQR) reference: the buyer pays the platform once for the whole order.
    transfer_reference: Mapped[str] = mapped_column(
        sa.String(20), unique=True, default=_transfer_reference
    )
    subtotal: Mapped[int] = mapped_column(sa.BigInteger)
    shipping_total: Mapped[int] = mapped_column(sa.BigInteger)
    total: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who placed it, as a keyed hash (of the API client's address): enough to cap how many
    # orders one client holds, without keeping the address itself.
    client_ref: Mapped[str | None] = mapped_column(sa.String(64), index=True)

    vendor_orders = relationship("VendorOrder", back_populates="order", lazy="selectin",
                                 order_by="VendorOrder.id")

    __table_args__ = (
        sa.CheckConstraint("payment_method IN ('cod', 'vietqr', 'stripe')", name="method_known"),
        sa.CheckConstraint("total = subtotal + shipping_total", name="total_adds_up"),
    )


class VendorOrder(db.Model):
    """One cooperative's part of an order: the unit it packs, ships and is paid for."""

    __tablename__ = "vendor_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(20), unique=True, default=_public_id)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)  # the order's, suffixed
    cooperative_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperatives.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    subtotal: Mapped[int] = mapped_column(sa.BigInteger)
    shipping_fee: Mapped[int] = mapped_column(sa.BigInteger)
    total: Mapped[int] = mapped_column(sa.BigInteger)
    commission_rate_bp: Mapped[int] = mapped_column(sa.Integer)  # basis points: 500 = 5%
    carrier: Mapped[str] = mapped_column(sa.String(80), default="")
    tracking_number: Mapped[str] = mapped_column(sa.String(80), default="")
    reserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order = relationship("Order", back_populates="vendor_orders")
    cooperative = relationship("Cooperative")
    lines = relationship("OrderLine", lazy="selectin", order_by="OrderLine.id",
                         cascade="all, delete-orphan")
    events = relationship("OrderEvent", lazy="selectin", order_by="OrderEvent.id",
                          cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("total = subtotal + shipping_fee", name="total_adds_up"),
        sa.CheckConstraint("subtotal >= 0 AND shipping_fee >= 0", name="amounts_not_negative"),
    )


class OrderLine(db.Model):
    """A product variant as it was sold: name, variant label, SKU, unit and price are copied,
    not referenced. `product_id` stays for reviews, reports and search; `variant_id` says
    whose stock the line holds (None only on bulk-made history rows)."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor_orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_variants.id"),
                                                   index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    variant_label: Mapped[str] = mapped_column(sa.String(80), default="")
    sku: Mapped[str] = mapped_column(sa.String(64), default="")
    unit: Mapped[str] = mapped_column(sa.String(20))
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)
    quantity: Mapped[int] = mapped_column(sa.Integer)
    line_total: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    @property
    def title(self) -> str:
        """The name with the variant's label, as the buyer chose it ("… – Gói 500 g")."""
        return f"{self.name} – {self.variant_label}" if self.variant_label else self.name


class OrderEvent(db.Model):
    """Every state change of a vendor order: who, when, from-state, to-state."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor_orders.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(20))  # buyer, coop, admin, system
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerEntry(db.Model):
    """Money the platform owes a cooperative (positive) or took back (negative), in VND.

    sale: the vendor order's total; commission: the platform's share of the goods;
    cash_collected: cash on delivery the cooperative kept; refund / commission_reversal:
    their reversal; payout: a bank transfer to the cooperative."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperatives.id"), index=True)
    vendor_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendor_orders.id"))
    payout_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payout_batches.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('sale', 'commission', 'cash_collected', 'refund', 'commission_reversal',"
            " 'payout')",
            name="kind_known",
        ),
    )


class PayoutBatch(db.Model):
    """A bank transfer from the platform to a cooperative (Stripe cannot pay out to Vietnam)."""

    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperatives.id"), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    bank_reference: Mapped[str] = mapped_column(sa.String(80))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)


class CartItem(db.Model):
    """A signed-in buyer's saved cart line (one variant); guests keep theirs in the session."""

    __tablename__ = "cart_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (sa.UniqueConstraint("user_id", "variant_id"),)


class Dispute(db.Model):
    """A buyer's complaint about one vendor order, answered by the cooperative and decided
    by an officer of its province or an admin."""

    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(20), unique=True, default=_public_id)
    vendor_order_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor_orders.id"), index=True)
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    photos: Mapped[list] = mapped_column(sa.JSON, default=list)  # media file names
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="open")  # open, answered, decided
    decision: Mapped[str | None] = mapped_column(sa.String(20))  # full_refund, partial_refund, rejected
    refund_amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vendor_order = relationship("VendorOrder")
    events = relationship("DisputeEvent", lazy="selectin", order_by="DisputeEvent.id",
                          cascade="all, delete-orphan")


class DisputeEvent(db.Model):
    __tablename__ = "dispute_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
