"""What international orders need beyond the domestic ones: the dated exchange-rate table
(display-only estimates beside the VND price) and the zone table of parcels abroad."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db


class ExchangeRate(db.Model):
    """VND for one unit of a foreign currency on a date, as a bank published it (an admin
    imports the file or sets a rate). The newest date per currency is the one shown."""

    __tablename__ = "exchange_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    rate_date: Mapped[date] = mapped_column(sa.Date)
    vnd_per_unit: Mapped[Decimal] = mapped_column(sa.Numeric(14, 4))
    source: Mapped[str] = mapped_column(sa.String(80), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("currency", "rate_date"),
        sa.CheckConstraint("vnd_per_unit > 0", name="rate_positive"),
    )


class ShippingZoneCountry(db.Model):
    """Which zone of the international table a destination country is in."""

    __tablename__ = "shipping_zone_countries"

    country_code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    zone: Mapped[int] = mapped_column(sa.Integer)


class ShippingZoneRate(db.Model):
    """The fee of a parcel to a zone up to a weight; the zone's heaviest row is the limit."""

    __tablename__ = "shipping_zone_rates"

    zone: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    up_to_grams: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    fee: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (sa.CheckConstraint("fee >= 0 AND up_to_grams > 0", name="rate_sane"),)


class ShippingZoneTable(db.Model):
    """Where the loaded zone table comes from and of what date (one row, replaced with the
    table), shown where checkout quotes a fee abroad."""

    __tablename__ = "shipping_zone_table"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(120), default="")
    table_date: Mapped[date] = mapped_column(sa.Date)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
