"""Catalogue rules: products, their per-locale text, categories, stock."""
from __future__ import annotations

import re
import secrets

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from stdnum import ean

from market.catalog.models import (
    UNITS,
    Category,
    Product,
    ProductImage,
    ProductStatus,
    ProductTranslation,
    ProductVariant,
    StockMovement,
)
from market.errors import Collector, ValidationError
from market.extensions import db
from market.geo import services as geo
from market.i18n import CONTENT_LOCALES, current_lang, slugify
from market.parsing import parse_int
from market.vendors.models import Cooperative, CooperativeStatus

MAX_PRICE = 1_000_000_000  # 1 tỷ đồng: anything above is a typo on this marketplace
MAX_VARIANTS = 20
LABEL_LENGTH = 80
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# What a variant's own input may hold; a product without a `variants` list gives these at
# its top level and gets one variant.
VARIANT_FIELDS = ("label_vi", "label_en", "sku", "price", "weight_grams", "stock", "gtin",
                  "active")
_GROUPED_INT = re.compile(r"^-?\d{1,3}([.,\s]\d{3})*$|^-?\d+$")



def variant_stock(fn=db.func.sum):
    """fn (sum, min) of a product's active variants' stock, as a correlated subquery: what
    listings filter and sort on now that stock lives on the variants."""
    return (db.select(db.func.coalesce(fn(ProductVariant.stock), 0))
            .where(ProductVariant.product_id == Product.id, ProductVariant.active.is_(True))
            .correlate(Product).scalar_subquery())

def parse_vnd(value) -> int | None:
    """Integer đồng from an int or text like "1.250.000" / "1,250,000"; None when not a whole
    number (VND has no minor unit, so "12.5" is refused rather than rounded)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip().replace("₫", "").replace("đ", "").strip()
    if not _GROUPED_INT.match(text):
        return None
    return int(re.sub(r"[.,\s]", "", text))




def create_category(slug: str, name_vi: str, name_en: str, parent: Category | None = None,
                    position: int = 0) -> Category:
    category = Category(slug=slug, name_vi=name_vi, name_en=name_en, parent=parent,
                        position=position)
    db.session.add(category)
    db.session.flush()
    return category


def validate_product(data: dict, *, partial: bool = False) -> tuple[dict, dict]:
    """The cleaned values and the field errors of one product's input, without writing."""
    errors = Collector()
    clean = _validate_product(data, errors, partial=partial)
    variants = _validate_variants(data, errors, partial=partial)
    if variants is not None:
        clean["variants"] = variants
    return clean, errors.errors


def valid_gtin(value: str) -> bool:
    """A GTIN-8, -12 (UPC-A), -13 (EAN) or -14 whose GS1 check digit is right."""
    return isinstance(value, str) and len(value) in (8, 12, 13, 14) and value.isdigit() \
        and ean.is_valid(value)


def _validate_variant(data: dict, errors: Collector, prefix: str = "",
                      partial: bool = False) -> dict:
    """One variant's fields; error keys are `prefix` + field ("variants-0-price")."""
    clean: dict = {}

    def given(key):
        return not partial or key in data

    for key, label in (("label_vi", "Vietnamese"), ("label_en", "English")):
        if given(key):
            value = (data.get(key) or "").strip()
            if len(value) > LABEL_LENGTH:
                errors.add(prefix + key, _l("At most %(n)d characters.", n=LABEL_LENGTH))
            clean[key] = value
    if given("sku"):
        sku = (data.get("sku") or "").strip()
        if sku and not _SKU.match(sku):
            errors.add(prefix + "sku", _l(
                "A SKU has 1 to 64 letters, digits, dots, hyphens or underscores."))
        clean["sku"] = sku
    if given("price"):
        price = parse_vnd(data.get("price"))
        if price is None:
            errors.add(prefix + "price", _l("The price must be a whole number of đồng."))
        elif price <= 0:
            errors.add(prefix + "price", _l("The price must be more than 0 đồng."))
        elif price > MAX_PRICE:
            errors.add(prefix + "price", _l("The price is implausibly high."))
        clean["price"] = price
    if given("stock"):
        stock = parse_int(data.get("stock", 0))
        if stock is None:
            errors.add(prefix + "stock", _l("Stock must be a whole number."))
        elif stock < 0:
            errors.add(prefix + "stock", _l("Stock cannot be negative."))
        clean["stock"] = stock
    if given("weight_grams"):
        if data.get("weight_grams") in (None, ""):
            clean["weight_grams"] = None
        else:
            weight = parse_int(data.get("weight_grams"))
            if weight is None or not 0 < weight <= 100_000:
                errors.add(prefix + "weight_grams",
                           _l("The weight must be between 1 and 100,000 grams."))
            clean["weight_grams"] = weight
    if given("gtin"):
        gtin = re.sub(r"[\s-]", "", str(data.get("gtin") or ""))
        if gtin and not valid_gtin(gtin):
            errors.add(prefix + "gtin", _l(
                "A GTIN has 8, 12, 13 or 14 digits and a correct check digit."))
        clean["gtin"] = gtin or None
    if given("active") and data.get("active") is not None:
        clean["active"] = data["active"] not in (False, "0", "false", "no", "")
    return clean


def _validate_variants(data: dict, errors: Collector, *, partial: bool = False
                       ) -> list[dict] | None:
    """The cleaned variants of a product's input: its `variants` list, else one variant
    from the top-level fields (None when partial input names no variant field)."""
    if "variants" in data:
        raw = data["variants"]
        if not isinstance(raw, list) or not raw:
            errors.add("variants", _l("A product needs at least one variant."))
            return []
        if len(raw) > MAX_VARIANTS:
            errors.add("variants", _l("A product has at most %(n)d variants.", n=MAX_VARIANTS))
            return []
        out = []
        for index, row in enumerate(raw):
            row = row if isinstance(row, dict) else {}
            new = not row.get("id")
            clean = _validate_variant(row, errors, f"variants-{index}-", partial=not new)
            clean["id"] = row.get("id") or None
            if new:
                clean.setdefault("active", True)
            out.append(clean)
        if len([v for v in out if v.get("active", True)]) > 1:
            for index, v in enumerate(out):
                if not v.get("label_vi") and "label_vi" in v:
                    errors.add(f"variants-{index}-label_vi", _l(
                        "Name each option (for example “Gói 500 g”) when there are several."))
        skus = [v["sku"] for v in out if v.get("sku")]
        for index, v in enumerate(out):
            if v.get("sku") and skus.count(v["sku"]) > 1:
                errors.add(f"variants-{index}-sku", _l("Each variant needs its own SKU."))
        return out
    if partial and not any(k in data for k in VARIANT_FIELDS):
        return None
    clean = _validate_variant(data, errors, partial=partial)
    if not partial:
        clean.setdefault("active", True)
    return [clean]


def _validate_product(data: dict, errors: Collector, *, partial: bool = False) -> dict:
    """Check every field present in `data` and return the cleaned values."""
    clean: dict = {}

    def given(key):
        return not partial or key in data

    if given("name_vi"):
        name_vi = (data.get("name_vi") or "").strip()
        if not name_vi:
            errors.add("name_vi", _l("Enter the product name in Vietnamese."))
        elif len(name_vi) > 200:
            errors.add("name_vi", _l("The name is longer than 200 characters."))
        clean["name_vi"] = name_vi
    for key in ("description_vi", "name_en", "description_en"):
        if given(key):
            clean[key] = (data.get(key) or "").strip()
    if clean.get("description_en") and not clean.get("name_en") and given("name_en"):
        errors.add("name_en", _l("Enter the English name too, or leave both English fields empty."))
    if given("unit"):
        unit = (data.get("unit") or "").strip()
        if unit not in UNITS:
            errors.add("unit", _l("Choose a unit from the list."))
        clean["unit"] = unit
    if given("origin_province_code"):
        prov = geo.province(data.get("origin_province_code"))
        if prov is None:
            errors.add("origin_province_code", _l("Unknown province: %(code)s",
                                                  code=data.get("origin_province_code")))
        else:
            clean["origin_province_code"] = prov.code
    if given("hs_code") and data.get("hs_code") is not None:
        hs = re.sub(r"[\s.]", "", str(data.get("hs_code") or ""))
        if hs and not re.fullmatch(r"\d{6,10}", hs):
            errors.add("hs_code", _l("An HS code has 6 to 10 digits (dots and spaces are "
                                     "allowed), e.g. 0901.11."))
        clean["hs_code"] = hs
    if given("origin_country") and data.get("origin_country") is not None:
        country = str(data.get("origin_country") or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            errors.add("origin_country", _l("Choose the country of origin from the list."))
        clean["origin_country"] = country
    if given("category_id") and data.get("category_id") not in (None, ""):
        category = db.session.get(Category, parse_int(data.get("category_id")) or 0)
        if category is None:
            errors.add("category_id", _l("Unknown category."))
        clean["category_id"] = category.id if category else None
    if given("status") and data.get("status") is not None:
        if data["status"] not in {s.value for s in ProductStatus}:
            errors.add("status", _l("Unknown status."))
        clean["status"] = data["status"]
    return clean


def _unique_product_slug(name: str) -> str:
    # A short random tail keeps slugs unique without probing, and unguessable in sequence.
    return f"{slugify(name, 100)}-{secrets.token_hex(3)}"


def create_product(cooperative: Cooperative, data: dict, *, actor_id: int | None = None
                   ) -> Product:
    """A product and its variants: `data["variants"]` (a list of variant inputs) or, for a
    product without options, price/stock/weight_grams/sku/gtin at the top level."""
    errors = Collector()
    clean = _validate_product(data, errors)
    variants = _validate_variants(data, errors)
    errors.raise_if_any()
    slug = data.get("slug") or _unique_product_slug(clean["name_vi"])
    if slugify(slug, 120) != slug:
        raise ValidationError({"slug": _l("A slug uses only a-z, 0-9 and hyphens.")})
    product = Product(
        slug=slug, cooperative=cooperative,
        category_id=clean.get("category_id"), unit=clean["unit"],
        price=min(v["price"] for v in variants),
        origin_province_code=clean["origin_province_code"],
        hs_code=clean.get("hs_code", ""), origin_country=clean.get("origin_country") or "VN",
        status=clean.get("status") or ProductStatus.DRAFT.value,
    )
    _set_texts(product, clean)
    db.session.add(product)
    db.session.flush()
    _check_skus(product, variants)
    for values in variants:
        _add_variant(product, values, actor_id=actor_id)
    refresh_price(product)
    return product


def _check_skus(product: Product, variants: list[dict]) -> None:
    """A SKU names one variant in its cooperative: refuse one another product uses."""
    wanted = {v["sku"]: i for i, v in enumerate(variants) if v.get("sku")}
    if not wanted:
        return
    taken = set(db.session.scalars(
        db.select(ProductVariant.sku).where(
            ProductVariant.cooperative_id == product.cooperative_id,
            ProductVariant.product_id != product.id,
            ProductVariant.sku.in_(list(wanted)))))
    if taken:
        raise ValidationError({
            ("sku" if len(variants) == 1 else f"variants-{wanted[sku]}-sku"): _l(
                "Another product of your cooperative already uses the SKU %(sku)s.", sku=sku)
            for sku in sorted(taken)})


def _add_variant(product: Product, values: dict, *, actor_id: int | None = None
                 ) -> ProductVariant:
    position = max((v.position for v in product.variants), default=-1) + 1
    variant = ProductVariant(
        cooperative_id=product.cooperative_id, position=position,
        label_vi=values.get("label_vi", ""), label_en=values.get("label_en", ""),
        sku=values.get("sku") or f"P{product.id}-{position + 1}", price=values["price"],
        weight_grams=values.get("weight_grams"), stock=values.get("stock") or 0,
        gtin=values.get("gtin"), active=values.get("active", True),
    )
    product.variants.append(variant)
    db.session.flush()
    if variant.stock:
        db.session.add(StockMovement(product_id=product.id, variant_id=variant.id,
                                     delta=variant.stock, reason="initial", actor_id=actor_id))
        db.session.flush()
    return variant


def refresh_price(product: Product) -> None:
    """Keep `Product.price` the lowest price of its active variants (of all, when none is
    active): listing pages sort and filter by it."""
    prices = [v.price for v in product.variants if v.active] or \
        [v.price for v in product.variants]
    if prices and product.price != min(prices):
        product.price = min(prices)
    db.session.flush()


def _only_variant(target) -> ProductVariant:
    """A variant, or the single variant of a product that has only one."""
    if isinstance(target, ProductVariant):
        return target
    if len(target.variants) != 1:
        raise ValueError("this product has several variants: say which one")
    return target.variants[0]


def adjust_stock(target, delta: int, *, reason: str, actor_id: int | None = None) -> int:
    """Add (or take away) `delta` units of one variant (or of a product's only variant) in
    one conditional UPDATE, so units reserved by orders meanwhile stay reserved; record the
    movement. Returns the variant's new stock."""
    variant = _only_variant(target)
    if delta == 0:
        return variant.stock
    result = db.session.execute(
        db.update(ProductVariant)
        .where(ProductVariant.id == variant.id, ProductVariant.stock + delta >= 0)
        .values(stock=ProductVariant.stock + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(variant, ["stock"])
    if result.rowcount != 1:
        raise ValidationError({"stock": _l(
            "Only %(n)d units are on the shelf now; you cannot take away %(d)d.",
            n=variant.stock, d=-delta)})
    db.session.add(StockMovement(product_id=variant.product_id, variant_id=variant.id,
                                 delta=delta, reason=reason, actor_id=actor_id))
    db.session.flush()
    return variant.stock


def change_stock(target, shown, entered, *, reason: str,
                 actor_id: int | None = None) -> int:
    """Someone saw `shown` units of a variant (on a page, in an exported sheet) and says
    there are `entered`: apply the difference as an adjustment, so units that orders
    reserved in between stay reserved. Returns the stock now, which differs from `entered`
    exactly when orders moved it meanwhile."""
    errors = Collector()
    values = []
    for key, raw in (("stock_shown", shown), ("stock", entered)):
        value = parse_int(raw)
        if value is None or value < 0:
            errors.add("stock", _l("Stock must be a whole number, 0 or more.") if key == "stock"
                       else _l("The page was out of date; reload it and enter the stock again."))
        values.append(value)
    errors.raise_if_any()
    return adjust_stock(target, values[1] - values[0], reason=reason, actor_id=actor_id)


def update_product(product: Product, data: dict, *, actor_id: int | None = None) -> Product:
    """Change a product's fields and its variants' (a `variants` list: rows with an `id`
    change that variant, rows without add one; or price/weight/sku/gtin at the top level for
    a product with one variant). Never stock of an existing variant, which only moves by
    adjustments (`change_stock`, `adjust_stock`): an absolute write would undo reservations."""
    if "stock" in data:
        raise ValueError("stock changes go through change_stock/adjust_stock")
    errors = Collector()
    clean = _validate_product(data, errors, partial=True)
    variants = _validate_variants(data, errors, partial=True)
    errors.raise_if_any()
    for key in ("category_id", "unit", "origin_province_code", "status", "hs_code",
                "origin_country"):
        if key in clean:
            setattr(product, key, clean[key])
    _set_texts(product, clean)
    if variants is not None:
        if "variants" not in data:  # the top-level shorthand: the product's only variant
            variants[0]["id"] = _only_variant(product).id
        _check_skus(product, variants)
        for values in variants:
            if values.get("id"):
                variant = product.variant(values["id"])
                if variant is None:
                    raise ValidationError({"variants": _l("No such variant.")})
                if values.get("stock") not in (None, 0):
                    raise ValueError("stock changes go through change_stock/adjust_stock")
                for key in VARIANT_FIELDS:
                    if key in values and key != "stock" and not (key == "sku" and not values[key]):
                        setattr(variant, key, values[key])
            else:
                _add_variant(product, values, actor_id=actor_id)
        if not any(v.active for v in product.variants):
            raise ValidationError({"variants": _l("Keep at least one variant on sale.")})
    refresh_price(product)
    return product


def _set_texts(product: Product, clean: dict) -> None:
    by_locale = {t.locale: t for t in product.translations}
    for locale in CONTENT_LOCALES:
        name_key, desc_key = f"name_{locale}", f"description_{locale}"
        if name_key not in clean:
            continue
        row = by_locale.get(locale)
        if not clean[name_key]:
            if row is not None and locale != "vi":
                product.translations.remove(row)  # English removed: pages fall back to vi
            continue
        if row is None:
            row = ProductTranslation(locale=locale, name="", description="")
            product.translations.append(row)
        row.name = clean[name_key]
        row.description = clean.get(desc_key, row.description or "")


def add_image(product: Product, filename: str, alt_vi: str, alt_en: str = "",
              thumbnail: str | None = None, size=None) -> ProductImage:
    """`size`: a market.uploads.StoredImage (width, height, rendition widths), when known."""
    if not (alt_vi or "").strip():
        raise ValidationError({"alt_vi": _l("Describe the image for people who cannot see it.")})
    image = ProductImage(filename=filename, alt_vi=alt_vi.strip(), alt_en=(alt_en or "").strip(),
                         position=len(product.images), thumbnail=thumbnail)
    if size is not None:
        image.width, image.height = size.width, size.height
        image.rendition_widths = ",".join(str(w) for w in size.widths) or None
    product.images.append(image)
    db.session.flush()
    return image


def public_products_query():
    """Active products of approved cooperatives: the only ones buyers ever see."""
    from sqlalchemy.orm import contains_eager

    return (
        db.select(Product)
        .join(Product.cooperative)
        .options(contains_eager(Product.cooperative))  # one join, not a second aliased one
        .where(Product.status == ProductStatus.ACTIVE.value,
               Cooperative.status == CooperativeStatus.APPROVED.value)
    )


def latest_public_products(limit: int = 24, offset: int = 0) -> list[Product]:
    query = public_products_query().order_by(Product.created_at.desc(), Product.id.desc())
    return list(db.session.scalars(query.limit(limit).offset(offset)))


def count_public_products() -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(public_products_query().subquery())
    )


def categories() -> list[Category]:
    return list(db.session.scalars(db.select(Category).order_by(Category.position)))


# --- public pages ---------------------------------------------------------------------------

SORTS = {
    "new": (Product.created_at.desc(), Product.id.desc()),
    "price_asc": (Product.price.asc(), Product.id.asc()),
    "price_desc": (Product.price.desc(), Product.id.desc()),
}

# Units are Vietnamese words in the data; English pages show these labels (msgids are the
# English words, the vi catalog maps them back).
UNIT_LABELS = {
    "kg": _l("kg"), "g": _l("g"), "hộp": _l("box"), "chai": _l("bottle"), "gói": _l("pack"),
    "túi": _l("bag"), "hũ": _l("jar"), "lọ": _l("jar (small)"), "bộ": _l("set"),
    "cái": _l("piece"), "thùng": _l("carton"), "lít": _l("litre"),
}


def unit_label(unit: str, locale: str) -> str:
    """The unit's name in `locale`, whatever the request's language (the API's documents
    carry every language at once)."""
    if locale == "vi" or unit not in UNIT_LABELS:
        return unit
    if locale == current_lang():
        return str(UNIT_LABELS[unit])
    with force_locale(locale):
        return str(UNIT_LABELS[unit])


def get_public_product(slug: str) -> Product:
    from sqlalchemy.orm import joinedload

    # One round trip: the product with its cooperative, category, texts, images, variants.
    product = db.session.scalars(
        public_products_query().where(Product.slug == slug).options(
            joinedload(Product.category), joinedload(Product.translations),
            joinedload(Product.images), joinedload(Product.variants))
    ).unique().first()
    if product is None:
        from market.errors import NotFound

        raise NotFound(_l("No such product."))
    return product


def public_page(*, cooperative_id: int | None = None, category_id: int | None = None,
                sort: str = "new", page: int = 1, per_page: int = 24) -> tuple[list[Product], int]:
    """One page of public products (optionally of one cooperative or category) and the total."""
    query = public_products_query()
    if cooperative_id is not None:
        query = query.where(Product.cooperative_id == cooperative_id)
    if category_id is not None:
        query = query.where(Product.category_id == category_id)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    order = SORTS.get(sort, SORTS["new"])
    rows = db.session.scalars(
        query.order_by(*order).limit(per_page).offset((max(page, 1) - 1) * per_page)
    )
    return list(rows), total


def get_category(slug: str) -> Category:
    category = db.session.scalar(db.select(Category).filter_by(slug=slug))
    if category is None:
        from market.errors import NotFound

        raise NotFound(_l("No such category."))
    return category


def public_product_slugs() -> list[tuple[str, object]]:
    """(slug, updated_at) of every public product, for the sitemap; no ORM objects."""
    query = (
        db.select(Product.slug, Product.updated_at)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(Product.status == ProductStatus.ACTIVE.value,
               Cooperative.status == CooperativeStatus.APPROVED.value)
        .order_by(Product.id)
    )
    return [tuple(r) for r in db.session.execute(query)]


# --- translation completeness (issue 12) ----------------------------------------------------

ENGLISH_FIELD_LABELS = {"name": _l("name"), "description": _l("description")}


def missing_english(product: Product) -> list[str]:
    """The fields of `product` ("name", "description") that lack English: the name always
    needs one; the description when the Vietnamese one is written."""
    by_locale = {t.locale: t for t in product.translations}
    vi, en = by_locale.get("vi"), by_locale.get("en")
    out = []
    if not (en and (en.name or "").strip()):
        out.append("name")
    if vi and (vi.description or "").strip() and not (en and (en.description or "").strip()):
        out.append("description")
    return out


def translated(product: Product, locale: str) -> bool:
    """Whether the page in `locale` shows the product's own text (Vietnamese always does)."""
    return locale == "vi" or not missing_english(product)


def english_product_slugs() -> set[str]:
    """Slugs of public products translated into English (as `missing_english` decides), for
    the sitemap's hreflang alternates; one query, no ORM objects."""
    from sqlalchemy.orm import aliased

    vi, en = aliased(ProductTranslation), aliased(ProductTranslation)
    query = (
        db.select(Product.slug)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .join(en, db.and_(en.product_id == Product.id, en.locale == "en"))
        .outerjoin(vi, db.and_(vi.product_id == Product.id, vi.locale == "vi"))
        .where(Product.status == ProductStatus.ACTIVE.value,
               Cooperative.status == CooperativeStatus.APPROVED.value,
               db.func.trim(en.name) != "",
               db.or_(db.func.trim(en.description) != "", vi.description.is_(None),
                      db.func.trim(vi.description) == ""))
    )
    return set(db.session.scalars(query))
