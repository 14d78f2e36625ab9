"""Commodities, markets, price series, observations, import batches and forecasts.

A series is one (commodity, market) pair and has exactly one currency and unit; observations
store VND as whole dong (`amount_vnd`) and other currencies as a decimal (`amount`)."""
from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db
from market.i18n import localized


def _public_id() -> str:
    return secrets.token_urlsafe(9)


class MarketKind(str, enum.Enum):
    PROVINCE = "province"  # a province's farm-gate price
    LOCAL = "local"  # a named market inside a province
    NATIONAL = "national"  # export prices, national averages
    WORLD = "world"  # international reference prices


class Commodity(db.Model):
    __tablename__ = "price_commodities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))

    def name(self, locale: str) -> str:
        return localized(self.name_vi, self.name_en, locale)


class Market(db.Model):
    __tablename__ = "price_markets"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20))
    # The province whose officers manage it; None for national and world markets.
    province_code: Mapped[int | None] = mapped_column(sa.Integer)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('province', 'local', 'national', 'world')", name="kind_known"),
    )

    def name(self, locale: str) -> str:
        return localized(self.name_vi, self.name_en, locale)


class PriceSeries(db.Model):
    __tablename__ = "price_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    commodity_id: Mapped[int] = mapped_column(sa.ForeignKey("price_commodities.id"))
    market_id: Mapped[int] = mapped_column(sa.ForeignKey("price_markets.id"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    unit: Mapped[str] = mapped_column(sa.String(20))
    # True when observations changed after the current forecasts were made.
    forecast_stale: Mapped[bool] = mapped_column(default=True)
    # Publication of this series' forecast, with the officers' commentary.
    published: Mapped[bool] = mapped_column(default=False)
    commentary_vi: Mapped[str] = mapped_column(sa.Text, default="")
    commentary_en: Mapped[str] = mapped_column(sa.Text, default="")
    commentary_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    commentary_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    commodity = relationship(Commodity)
    market = relationship(Market)

    __table_args__ = (
        sa.UniqueConstraint("commodity_id", "market_id"),
        sa.CheckConstraint("currency IN ('VND', 'USD')", name="currency_known"),
    )

    @property
    def unit_label(self) -> str:
        return f"{self.currency}/{self.unit}"

    def commentary(self, locale: str) -> str:
        return localized(self.commentary_vi, self.commentary_en, locale)


class ImportBatch(db.Model):
    __tablename__ = "price_import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=_public_id)
    filename: Mapped[str] = mapped_column(sa.String(255))
    source: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_added: Mapped[int] = mapped_column(default=0)
    rows_unchanged: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    rolled_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rolled_back_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    created_by = relationship("User", foreign_keys=[created_by_id])
    rolled_back_by = relationship("User", foreign_keys=[rolled_back_by_id])


class PriceObservation(db.Model):
    __tablename__ = "price_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("price_series.id"), index=True)
    observed_on: Mapped[date] = mapped_column(sa.Date)
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount_vnd: Mapped[int | None] = mapped_column(sa.BigInteger)
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    source: Mapped[str] = mapped_column(sa.String(255))
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("price_import_batches.id"), index=True)
    imported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    series = relationship(PriceSeries)

    __table_args__ = (
        sa.UniqueConstraint("series_id", "observed_on"),
        sa.CheckConstraint(
            "(currency = 'VND' AND amount_vnd IS NOT NULL AND amount IS NULL) OR "
            "(currency <> 'VND' AND amount IS NOT NULL AND amount_vnd IS NULL)",
            name="one_amount_per_currency",
        ),
    )

    @property
    def price(self):
        return self.amount_vnd if self.currency == "VND" else self.amount


class Forecast(db.Model):
    """One model run for one series at one frequency ('D' daily, 'W' weekly, 'M' monthly)."""

    __tablename__ = "price_forecasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=_public_id)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("price_series.id"), index=True)
    frequency: Mapped[str] = mapped_column(sa.String(1))
    native: Mapped[bool] = mapped_column(default=True)  # False for weekly/monthly aggregates
    is_current: Mapped[bool] = mapped_column(default=True)
    model: Mapped[str] = mapped_column(sa.String(60))
    last_observation_on: Mapped[date] = mapped_column(sa.Date)
    observations: Mapped[int] = mapped_column(default=0)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    backtest_mase: Mapped[float | None] = mapped_column(sa.Float)
    backtest_smape: Mapped[float | None] = mapped_column(sa.Float)
    naive_mase: Mapped[float | None] = mapped_column(sa.Float)
    # [{"date": "2026-02-02", "mean": .., "lo80": .., "hi80": .., "lo95": .., "hi95": ..}, ...]
    points: Mapped[list] = mapped_column(sa.JSON)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How often the conformally calibrated 80% and 95% bands held in the backtest (held out).
    coverage80: Mapped[float | None] = mapped_column(sa.Float)
    coverage95: Mapped[float | None] = mapped_column(sa.Float)
    # The exogenous series the chosen regression used: [{"commodity", "market", "lag"}].
    exogenous: Mapped[list | None] = mapped_column(sa.JSON)

    series = relationship(PriceSeries)

    __table_args__ = (
        sa.CheckConstraint("frequency IN ('D', 'W', 'M')", name="frequency_known"),
    )


class ProductionCost(db.Model):
    """An officer's estimate of the cost of producing a commodity in a province and season
    (giá thành), in whole VND per kg, with where it comes from and how it was worked out."""

    __tablename__ = "price_production_costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    commodity_id: Mapped[int] = mapped_column(sa.ForeignKey("price_commodities.id"))
    province_code: Mapped[int] = mapped_column(sa.Integer)
    season: Mapped[str] = mapped_column(sa.String(20))  # e.g. "2025/26"
    cost_vnd_per_kg: Mapped[int] = mapped_column(sa.BigInteger)
    source: Mapped[str] = mapped_column(sa.String(255))
    method: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))

    commodity = relationship(Commodity)

    __table_args__ = (
        sa.UniqueConstraint("commodity_id", "province_code", "season"),
        sa.CheckConstraint("cost_vnd_per_kg > 0", name="cost_positive"),
    )


class AlertKind(str, enum.Enum):
    ABOVE = "above"  # the price reaches the threshold or more
    BELOW = "below"  # the price falls to the threshold or less
    MOVE = "move"  # the price moves by the percentage or more since the last alert


class PriceAlert(db.Model):
    """A user's subscription to one series: emailed (through the outbox) when a newly
    recorded price triggers it, at most once a day."""

    __tablename__ = "price_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=_public_id)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("price_series.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    threshold: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    move_pct: Mapped[float | None] = mapped_column(sa.Float)
    locale: Mapped[str] = mapped_column(sa.String(5), default="vi")
    # The price a percentage move is measured from (at subscription, then at each alert).
    reference_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    # The observation that last triggered it (a price triggers once) and the local day of
    # the last email (at most one a day).
    last_observation_on: Mapped[date | None] = mapped_column(sa.Date)
    last_sent_on: Mapped[date | None] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    series = relationship(PriceSeries)
    user = relationship("User")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('above', 'below', 'move')", name="kind_known"),
    )
