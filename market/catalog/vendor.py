"""The catalogue as one cooperative's staff see it: every lookup is scoped to that
cooperative, so another cooperative's product or image is simply not found (404)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from market.catalog import services
from market.catalog.models import Product, ProductImage, ProductStatus, ProductTranslation
from market.errors import NotFound, ValidationError
from market.extensions import db
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
    if stock == "out":
        query = query.where(Product.stock == 0)
    elif stock == "low":
        query = query.where(Product.stock > 0, Product.stock <= LOW_STOCK)
    elif stock == "in":
        query = query.where(Product.stock > 0)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Product.updated_at.desc(), Product.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)
    )
    return list(rows), total


def low_stock(coop: Cooperative, limit: int = 10) -> tuple[int, list[Product]]:
    """Products on sale with LOW_STOCK units or fewer (out of stock first), and how many."""
    query = _scoped(coop).where(Product.status == ProductStatus.ACTIVE.value,
                                Product.stock <= LOW_STOCK)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    return total, list(db.session.scalars(query.order_by(Product.stock, Product.id).limit(limit)))


def create_product(coop: Cooperative, data: dict, *, actor_id: int | None = None) -> Product:
    data = {k: v for k, v in data.items() if k != "slug"}  # slugs are made, never chosen
    return services.create_product(coop, data, actor_id=actor_id)


def update_product(coop: Cooperative, slug: str, data: dict, *,
                   actor_id: int | None = None) -> Product:
    """Save the edit form. Its stock arrives as the value the page showed (`stock_shown`)
    and the value entered (`stock`); the difference is applied as an adjustment, so orders
    placed while the page was open keep their units."""
    product = get_product(coop, slug)
    fields = {k: v for k, v in data.items() if k not in ("stock", "stock_shown")}
    services.update_product(product, fields)
    if "stock" in data:
        services.change_stock(product, data.get("stock_shown"), data["stock"], reason="edit",
                              actor_id=actor_id)
    return product


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
    return not any(t.locale == "en" and t.name for t in product.translations)


def texts(product: Product) -> dict:
    by_locale: dict[str, ProductTranslation] = {t.locale: t for t in product.translations}
    out = {}
    for locale in ("vi", "en"):
        row = by_locale.get(locale)
        out[f"name_{locale}"] = row.name if row else ""
        out[f"description_{locale}"] = row.description if row else ""
    return out
