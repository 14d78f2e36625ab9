"""The department's own tables: a per-part sales summary kept in step with orders, and the
province's cooperative registry with its imports."""
from __future__ import annotations

import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db


class SalesFact(db.Model):
    """One row per vendor order (a cooperative's part of an order), rebuilt from the orders
    tables whenever the part, its lines, its ledger entries or its dispute change (see
    `services.refresh_facts`). Holds no buyer data but an opaque key to count buyers."""

    __tablename__ = "department_sales"

    vendor_order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("vendor_orders.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.Integer)
    cooperative_id: Mapped[int] = mapped_column(sa.Integer)
    province_code: Mapped[int] = mapped_column(sa.Integer)  # the cooperative's
    commune_code: Mapped[int | None] = mapped_column(sa.Integer)  # the cooperative's
    dest_province_code: Mapped[int] = mapped_column(sa.Integer)  # where it is delivered
    day: Mapped[date] = mapped_column(sa.Date)  # order date in Asia/Ho_Chi_Minh
    status: Mapped[str] = mapped_column(sa.String(20))
    counted: Mapped[bool] = mapped_column(sa.Boolean)  # paid or confirmed, not cancelled
    goods: Mapped[int] = mapped_column(sa.BigInteger)  # goods value (subtotal)
    refunded: Mapped[int] = mapped_column(sa.BigInteger)  # refunds, capped at goods
    net_goods: Mapped[int] = mapped_column(sa.BigInteger)  # GMV contribution
    units: Mapped[int] = mapped_column(sa.Integer)
    buyer_key: Mapped[str] = mapped_column(sa.String(64))
    disputed: Mapped[bool] = mapped_column(sa.Boolean)
    dispute_decision: Mapped[str | None] = mapped_column(sa.String(20))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.Index("ix_department_sales_province_day", "province_code", "day"),
        sa.Index("ix_department_sales_day", "day"),
        sa.Index("ix_department_sales_cooperative_day", "cooperative_id", "day"),
        sa.Index("ix_department_sales_order", "order_id"),
    )


REGISTRY_STATUSES = ("active", "suspended", "dissolved")
REGISTRY_KINDS = ("cooperative", "group")  # hợp tác xã, tổ hợp tác


class RegistryEntry(db.Model):
    """A cooperative or cooperative group on the province's register, selling here or not."""

    __tablename__ = "department_registry"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int] = mapped_column(sa.Integer, index=True)
    tax_code: Mapped[str] = mapped_column(sa.String(14))
    kind: Mapped[str] = mapped_column(sa.String(12), default="cooperative")
    name: Mapped[str] = mapped_column(sa.String(200))
    registration_number: Mapped[str] = mapped_column(sa.String(40), default="")
    registered_on: Mapped[date | None] = mapped_column(sa.Date)
    representative: Mapped[str] = mapped_column(sa.String(120), default="")
    sector: Mapped[str] = mapped_column(sa.String(200), default="")
    agricultural: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    commune_code: Mapped[int | None] = mapped_column(sa.Integer)
    members: Mapped[int] = mapped_column(sa.Integer, default=0)
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("province_code", "tax_code"),
        sa.CheckConstraint("status IN ('active', 'suspended', 'dissolved')",
                           name="status_known"),
        sa.CheckConstraint("kind IN ('cooperative', 'group')", name="kind_known"),
        sa.CheckConstraint("members >= 0", name="members_not_negative"),
        sa.Index("ix_department_registry_tax_code", "tax_code"),
    )


def _public_id() -> str:
    return secrets.token_urlsafe(10)


class RegistryImport(db.Model):
    """An uploaded registry file, validated and waiting for the officer to confirm the diff;
    `rows` holds the validated entries (nothing is applied before confirmation)."""

    __tablename__ = "department_registry_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(20), unique=True, default=_public_id)
    province_code: Mapped[int] = mapped_column(sa.Integer)
    filename: Mapped[str] = mapped_column(sa.String(200))
    rows: Mapped[list] = mapped_column(sa.JSON)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


DAILY_DIMS = ("product", "category", "commodity", "stars", "cstars", "coop", "dest")
DAILY_FIGURES = ["key", "commodity_id", "cooperative_id", "gmv", "goods", "ocop_goods", "units",
                 "parts", "counted", "cancelled", "refunds", "disputes"]


DISTINCT_FIGURES = ["orders_all", "orders_province", "orders_commune"]


class DailyFact(db.Model):
    """The line-level figures per (day, cooperative, dimension, key), kept by the same flush
    listeners as `department_sales` (see `services.refresh_daily`). The dimensions: a product,
    a category, a commodity (top-level category), OCOP stars held on that day (0: none). A
    part counts once in each row it has lines in, so the part counts add up exactly over days
    and cooperatives. `commodity_id` holds the commodity of product and category rows; "stars" rows
    cover every commodity (`commodity_id` 0), "cstars" rows the stars within one commodity.
    "coop" rows: one per (day, cooperative), key = its commune (0: none), commodity 0; "dest"
    rows: per (day, cooperative, destination province), commodity 0."""

    __tablename__ = "department_daily"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    dim: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    key: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    commodity_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    province_code: Mapped[int] = mapped_column(sa.Integer)
    gmv: Mapped[float] = mapped_column(sa.Float)  # the lines' share of their parts' GMV
    goods: Mapped[int] = mapped_column(sa.BigInteger)  # line totals of counted parts
    ocop_goods: Mapped[int] = mapped_column(sa.BigInteger)  # of those, OCOP-certified that day
    units: Mapped[int] = mapped_column(sa.Integer)
    lines: Mapped[int] = mapped_column(sa.Integer)
    parts: Mapped[int] = mapped_column(sa.Integer)
    counted: Mapped[int] = mapped_column(sa.Integer)
    cancelled: Mapped[int] = mapped_column(sa.Integer)
    refunds: Mapped[int] = mapped_column(sa.Integer)
    disputes: Mapped[int] = mapped_column(sa.Integer)
    # Distinct orders, exactly, by counting each order at one of its parts only: the order's
    # first counted part (lowest id) in the whole marketplace, in its province, in its
    # commune. Orders are on one day each, so these add up over days and cooperatives.
    orders_all: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    orders_province: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    orders_commune: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # The distinct buyers of the row's counted parts, as sorted 64-bit hashes of their keys
    # (8 bytes each, little-endian), on "coop", "dest" and "commodity" rows: the union over
    # days and cooperatives counts each buyer once (any collision between two buyers' hashes
    # has a probability of about 3 in 10^8 even at a million buyers).
    buyers: Mapped[bytes | None] = mapped_column(sa.LargeBinary)

    # On PostgreSQL the indexes carry the figures (INCLUDE), so that a year's rows are read
    # from the index alone (an index-only scan) rather than from pages scattered on the heap.
    __table_args__ = (
        sa.Index("ix_department_daily_province_dim_day", "province_code", "dim", "day",
                 postgresql_include=DAILY_FIGURES),
        sa.Index("ix_department_daily_dim_day", "dim", "day",
                 postgresql_include=DAILY_FIGURES),
        # One cooperative's rows (its page): without it, a province's whole period is read.
        sa.Index("ix_department_daily_cooperative_dim_day", "cooperative_id", "dim", "day"),
        # The "coop" and "dest" rows' figures with their exact order counts (index-only).
        sa.Index("ix_department_daily_orders", "dim", "province_code", "day",
                 postgresql_include=DAILY_FIGURES + DISTINCT_FIGURES,
                 postgresql_where=sa.text("dim IN ('coop', 'dest')")),
    )


CONFLICT_KINDS = ("name_differs", "not_active", "not_registered", "other_province")
RESOLUTION_ACTIONS = ("accept_name", "suspend", "link", "reviewed")


class RegistryResolution(db.Model):
    """What an officer did about a conflict between the register and a marketplace
    cooperative: who, when, which action, a note, and (for "reviewed") what the conflict
    looked like, so that it comes back when the facts change."""

    __tablename__ = "department_registry_resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[int] = mapped_column(sa.Integer, index=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    seen: Mapped[str] = mapped_column(sa.String(500), default="")  # the conflict as it was
    tax_code: Mapped[str] = mapped_column(sa.String(14), default="")  # the entry linked
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resolved_by = relationship("User")
    cooperative = relationship("Cooperative")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('name_differs', 'not_active', 'not_registered', "
                           "'other_province')", name="kind_known"),
        sa.CheckConstraint("action IN ('accept_name', 'suspend', 'link', 'reviewed')",
                           name="action_known"),
    )
