"""The catalogue as one cooperative's staff see it: every lookup is scoped to that
cooperative, so another cooperative's product or image is simply not found (404)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from market.catalog import services
from market.catalog.models import (
    Product,
    ProductImage,
    ProductStatus,
    ProductTranslation,
)
from market.errors import NotFound, ValidationError
from market.extensions import db
from market.i18n import CONTENT_LOCALES
from market.uploads import save_image
from market.vendors.models import Cooperative

VENDOR_PAGE_SIZE = 50
STOCK_FILTERS = ("in", "low", "out")
LOW_STOCK = 10


def _scoped(coop: Cooperative):
    return db.select(Product).where(Product.cooperative_id == coop.id)


def get_product(coop: Cooperative, slug: str) -> Product:
    product = db.session.scalar(_scoped(coop).where(Product.slug == slug))
    if product is None:
        raise NotFound(_l("No such product."))
    return product


def get_image(coop: Cooperative, image_id: int) -> ProductImage:
    image = db.session.scalar(
        db.select(ProductImage).join(ProductImage.product)
        .where(ProductImage.id == image_id, Product.cooperative_id == coop.id)
    )
    if image is None:
        raise NotFound(_l("No such image."))
    return image


def list_products(coop: Cooperative, *, status: str | None = None, stock: str | None = None,
                  page: int = 1, per_page: int = VENDOR_PAGE_SIZE) -> tuple[list[Product], int]:
    query = _scoped(coop)
    if status in {s.value for s in ProductStatus}:
        query = query.where(Product.status == status)
    total, lowest = services.variant_stock(db.func.sum), services.variant_stock(db.func.min)
    if stock == "out":
        query = query.where(total == 0)
    elif stock == "low":  # some variant is running low, and something is left
        query = query.where(total > 0, lowest <= LOW_STOCK)
    elif stock == "in":
        query = query.where(total > 0)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Product.updated_at.desc(), Product.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)
    )
    return list(rows), total


def low_stock(coop: Cooperative, limit: int = 10) -> tuple[int, list[Product]]:
    """Products on sale with a variant of LOW_STOCK units or fewer (the emptiest first),
    and how many."""
    lowest = services.variant_stock(db.func.min)
    query = _scoped(coop).where(Product.status == ProductStatus.ACTIVE.value,
                                lowest <= LOW_STOCK)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    return total, list(db.session.scalars(query.order_by(lowest, Product.id).limit(limit)))


def create_product(coop: Cooperative, data: dict, *, actor_id: int | None = None) -> Product:
    data = {k: v for k, v in data.items() if k != "slug"}  # slugs are made, never chosen
    return services.create_product(coop, data, actor_id=actor_id)


def update_product(coop: Cooperative, slug: str, data: dict, *,
                   actor_id: int | None = None) -> tuple[Product, list]:
    """Save the edit form. Each existing variant's stock arrives as the value the page
    showed (`stock_shown`) and the value entered (`stock`); the difference is applied as an
    adjustment, so orders placed while the page was open keep their units. Returns the
    product and (variant, stock now) of each variant whose stock orders moved
    meanwhile (it differs from what was entered)."""
    product = get_product(coop, slug)
    rows, stock_edits = [], []
    for index, row in enumerate(data.get("variants") or []):
        row = dict(row)
        if row.get("id"):
            entered, shown = row.pop("stock", None), row.pop("stock_shown", None)
            if entered is not None:
                stock_edits.append((index, row["id"], shown, entered))
        rows.append(row)
    fields = {k: v for k, v in data.items() if k != "variants"}
    if "variants" in data:
        fields["variants"] = rows
    services.update_product(product, fields, actor_id=actor_id)
    moved = []
    for index, variant_id, shown, entered in stock_edits:
        variant = product.variant(variant_id)
        try:
            now = services.change_stock(variant, shown, entered, reason="edit",
                                        actor_id=actor_id)
        except ValidationError as exc:
            raise ValidationError({f"variants-{index}-stock": exc.message}) from None
        if str(now) != str(entered).strip():
            moved.append((variant, now))
    return product, moved


def archive_product(coop: Cooperative, slug: str) -> Product:
    return services.update_product(get_product(coop, slug),
                                   {"status": ProductStatus.ARCHIVED.value})


def upload_image(coop: Cooperative, slug: str, stream, media_dir: str, alt_vi: str,
                 alt_en: str = "") -> ProductImage:
    product = get_product(coop, slug)
    if not (alt_vi or "").strip():  # before touching the disk
        raise ValidationError({"alt_vi": _l("Describe the image for people who cannot see it.")})
    stored = save_image(stream, media_dir, f"products/{coop.id}", renditions=True)
    return services.add_image(product, stored.filename, alt_vi, alt_en,
                              thumbnail=stored.thumbnails.get("thumb"), size=stored)


def delete_image(coop: Cooperative, image_id: int) -> Product:
    image = get_image(coop, image_id)
    product = image.product
    product.images.remove(image)
    for position, other in enumerate(product.images):
        other.position = position
    db.session.flush()
    return product


def english_missing(product: Product) -> bool:
    return bool(services.missing_english(product))


def untranslated(coop: Cooperative, limit: int = 200) -> tuple[int, list[tuple[Product, list]]]:
    """The cooperative's products (archived ones aside) that lack English, with the fields
    missing (services.missing_english), oldest first, and how many there are."""
    query = (_scoped(coop).where(Product.status != ProductStatus.ARCHIVED.value)
             .options(selectinload(Product.translations)).order_by(Product.id))
    rows = [(p, services.missing_english(p)) for p in db.session.scalars(query)]
    rows = [(p, fields) for p, fields in rows if fields]
    return len(rows), rows[:limit]


def texts(product: Product) -> dict:
    by_locale: dict[str, ProductTranslation] = {t.locale: t for t in product.translations}
    out = {}
    for locale in CONTENT_LOCALES:
        row = by_locale.get(locale)
        out[f"name_{locale}"] = row.name if row else ""
        out[f"description_{locale}"] = row.description if row else ""
    return out
