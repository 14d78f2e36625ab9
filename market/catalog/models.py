from __future__ import annotations

import enum
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db
from market.i18n import content_locale, localized
from market.uploads import rendition_name

UNITS = ("kg", "g", "hộp", "chai", "gói", "túi", "hũ", "lọ", "bộ", "cái", "thùng", "lít")


class ProductStatus(str, enum.Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"))
    name_vi: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)

    parent = relationship("Category", remote_side=[id], backref="children")

    def name(self, locale: str) -> str:
        return localized(self.name_vi, self.name_en, locale)


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    unit: Mapped[str] = mapped_column(sa.String(20))
    # The lowest price of the active variants (integer VND), kept by the catalogue service
    # (catalog.services.refresh_price) so listing pages sort and filter without a join.
    # The variants hold the prices, stock and weights: this is only their summary.
    price: Mapped[int] = mapped_column(sa.BigInteger)
    origin_province_code: Mapped[int] = mapped_column(sa.Integer)
    # For customs abroad: the HS code (6-10 digits, empty when not given) and the country
    # of origin (ISO 3166 alpha-2).
    hs_code: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")
    origin_country: Mapped[str] = mapped_column(sa.String(2), default="VN", server_default="VN")
    status: Mapped[str] = mapped_column(
        sa.String(20), default=ProductStatus.DRAFT.value, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Reviews (market/reviews): stars summed and counted over visible reviews, kept by the
    # reviews service in the same transaction as the review change.
    rating_sum: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    rating_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # Set (by market/api/sync.py's listeners) once the product has been public: only such a
    # product leaves a tombstone in the partner API, so a draft's slug is never revealed.
    ever_public: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    cooperative = relationship("Cooperative", lazy="joined", innerjoin=True)
    category = relationship("Category")
    translations = relationship(
        "ProductTranslation", cascade="all, delete-orphan", lazy="selectin",
        back_populates="product",
    )
    images = relationship(
        "ProductImage", cascade="all, delete-orphan", lazy="selectin",
        order_by="ProductImage.position", back_populates="product",
    )
    variants = relationship(
        "ProductVariant", cascade="all, delete-orphan", lazy="selectin",
        order_by="[ProductVariant.position, ProductVariant.id]", back_populates="product",
    )

    __table_args__ = (
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("status IN ('draft', 'active', 'archived')", name="status_known"),
        # Listing pages walk these in order instead of sorting every active product.
        sa.Index("ix_products_cooperative_id_status_created_at", "cooperative_id", "status",
                 "created_at"),
        sa.Index("ix_products_category_id_status_created_at", "category_id", "status",
                 "created_at"),
        sa.Index("ix_products_status_created_at", "status", "created_at"),
        # The partner API's keyset pagination (market/api/sync.py): every change since a
        # time, and the public products in (updated_at, id) order without sorting them all.
        sa.Index("ix_products_updated_at_id", "updated_at", "id"),
        sa.Index("ix_products_status_updated_at_id", "status", "updated_at", "id"),
    )

    def translation(self, locale: str) -> ProductTranslation | None:
        """The text a page in `locale` shows (English on en/zh/ko/ja pages), else Vietnamese;
        check `.locale` to tell the user it fell back."""
        by_locale = {t.locale: t for t in self.translations}
        return by_locale.get(content_locale(locale)) or by_locale.get("vi")

    def name(self, locale: str) -> str:
        t = self.translation(locale)
        return t.name if t else self.slug

    @property
    def active_variants(self) -> list[ProductVariant]:
        return [v for v in self.variants if v.active]

    @property
    def default_variant(self) -> ProductVariant | None:
        """The variant a page shows first: the first active one in stock, else the first
        active one, else the first."""
        active = self.active_variants
        return (next((v for v in active if v.stock > 0), None)
                or (active[0] if active else None)
                or (self.variants[0] if self.variants else None))

    @property
    def stock(self) -> int:
        """Units on the shelf over all active variants (read-only: stock moves per variant)."""
        return sum(v.stock for v in self.active_variants)

    @property
    def min_stock(self) -> int:
        """The emptiest active variant's stock (what "low stock" warns about)."""
        return min((v.stock for v in self.active_variants), default=0)

    @property
    def in_stock(self) -> bool:
        return any(v.stock > 0 for v in self.active_variants)

    @property
    def price_range(self) -> tuple[int, int]:
        prices = [v.price for v in self.active_variants] or [self.price]
        return min(prices), max(prices)

    @property
    def rating_avg(self) -> float | None:
        """Average stars of the visible reviews (one decimal), None without reviews."""
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def has_options(self) -> bool:
        """More than one variant to choose from (a picker is shown)."""
        return len(self.active_variants) > 1

    def variant(self, variant_id) -> ProductVariant | None:
        return next((v for v in self.variants if str(v.id) == str(variant_id)), None)


class ProductVariant(db.Model):
    """One option of a product (a pack size, a grade, a roast): its own SKU, price,
    weight and stock. Every product has at least one; orders reserve stock per variant."""

    __tablename__ = "product_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    # Denormalised from the product so the SKU is unique per cooperative in one index.
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(default=0)
    label_vi: Mapped[str] = mapped_column(sa.String(80), default="")  # "Gói 500 g"; "" alone
    label_en: Mapped[str] = mapped_column(sa.String(80), default="")  # "500 g bag"
    sku: Mapped[str] = mapped_column(sa.String(64))
    price: Mapped[int] = mapped_column(sa.BigInteger)  # integer VND
    weight_grams: Mapped[int | None] = mapped_column(sa.Integer)  # shipping weight per unit
    stock: Mapped[int] = mapped_column(sa.Integer, default=0)
    gtin: Mapped[str | None] = mapped_column(sa.String(14))  # GTIN-8/12/13/14, check digit valid
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    product = relationship("Product", back_populates="variants")

    __table_args__ = (
        sa.CheckConstraint("price > 0", name="price_positive"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.UniqueConstraint("cooperative_id", "sku"),
    )

    def label(self, locale: str) -> str:
        return localized(self.label_vi, self.label_en, locale)

    def display_name(self, product_name: str, locale: str) -> str:
        label = self.label(locale)
        return f"{product_name} – {label}" if label else product_name


class StockMovement(db.Model):
    """A change to what a cooperative has on the shelf that is not a sale: goods received,
    a stock count corrected, goods written off, per variant. Reservations and sales move
    `ProductVariant.stock` without a row here, so for every variant at any time:
    stock + held by open orders + sold = sum(delta)."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    variant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product_variants.id", ondelete="CASCADE"), index=True
    )
    delta: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(20))  # initial, edit, import, count, recall
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("reason IN ('initial', 'edit', 'import', 'count', 'recall')",
                           name="reason_known"),
    )


class ProductTranslation(db.Model):
    """One row per (product, locale): name and description."""

    __tablename__ = "product_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(sa.String(5))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    product = relationship("Product", back_populates="translations")

    __table_args__ = (sa.UniqueConstraint("product_id", "locale"),)


@lru_cache(maxsize=20000)
def _picture(base: str, filename: str, widths_text: str, original_w, original_h,
             width: int) -> dict:
    widths = [int(w) for w in widths_text.split(",") if w]
    fallback = max((w for w in widths if w <= width), default=widths[0])
    stem = filename.rpartition(".")[0] or filename
    height = (round(fallback * original_h / original_w) if original_w and original_h
              else round(fallback * 3 / 4))
    return {"webp": ", ".join(f"{base}{stem}-{w}w.webp {w}w" for w in widths),
            "jpg": ", ".join(f"{base}{stem}-{w}w.jpg {w}w" for w in widths),
            "src": f"{base}{stem}-{fallback}w.jpg", "width": fallback, "height": height}


class ProductImage(db.Model):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    # A small rendition for product cards (uploads make one); None for older images.
    thumbnail: Mapped[str | None] = mapped_column(sa.String(200))
    # Responsive renditions (market.uploads.save_renditions): `<stem>-<w>w.webp` and `.jpg`
    # for each width listed here ("320,640,1024"); None for images stored before them.
    width: Mapped[int | None] = mapped_column(sa.Integer)
    height: Mapped[int | None] = mapped_column(sa.Integer)
    rendition_widths: Mapped[str | None] = mapped_column(sa.String(40))
    alt_vi: Mapped[str] = mapped_column(sa.String(200), default="")
    alt_en: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    product = relationship("Product", back_populates="images")

    def alt(self, locale: str) -> str:
        return localized(self.alt_vi, self.alt_en, locale)

    @property
    def card_filename(self) -> str:
        return self.thumbnail or self.filename

    @property
    def widths(self) -> list[int]:
        return [int(w) for w in (self.rendition_widths or "").split(",") if w]

    def rendition(self, width: int, ext: str) -> str:
        """The relative name of one rendition (`ext` is "webp" or "jpg")."""
        return rendition_name(self.filename, width, ext)

    def srcset(self, base: str, ext: str) -> str:
        return ", ".join(f"{base}{self.rendition(w, ext)} {w}w" for w in self.widths)

    def picture(self, base: str, width: int) -> dict | None:
        """What <picture> needs: both srcsets and the JPEG fallback at the largest rendition
        not wider than `width`; None without renditions. Computed once per image and width
        in a process (grids render the same cards again and again)."""
        if not self.rendition_widths:
            return None
        return _picture(base, self.filename, self.rendition_widths, self.width, self.height,
                        width)

    def rendition_height(self, width: int) -> int:
        """The height of the `width` rendition (the aspect ratio of the original)."""
        if not self.width or not self.height:
            return round(width * 3 / 4)
        return round(width * self.height / self.width)
