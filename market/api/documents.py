"""The partner API's documents: one place that turns catalogue rows into the JSON partners
read, for the API pages, the bulk feeds (JSONL, CSV) and the Merchant feed alike.

A product document carries both languages, absolute raster (JPEG) image URLs, the price in
VND, unit, stock status, origin, cooperative, verified OCOP data and GTINs. A tombstone
(`{"id", "deleted": true, "updated_at"}`) stands for a product partners must drop: archived,
back to draft, deleted, or of a cooperative that is no longer approved; only a product that
was once public has one (`Product.ever_public`), so a draft's slug never leaves the site."""
from __future__ import annotations

from flask import url_for

from market.catalog import services as catalog
from market.catalog.models import Product, ProductImage, ProductStatus
from market.geo import services as geo
from market.i18n import CONTENT_LOCALES
from market.ocop.services import badges_for_products
from market.urls import absolute_url_for, public_base_url
from market.vendors.models import Cooperative, CooperativeStatus

LOCALES = CONTENT_LOCALES  # documents carry the languages content is written in


def _iso(at) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at else None


def media_prefix() -> str:
    """Absolute /media/ prefix (the public base URL, never the request's Host)."""
    return public_base_url() + url_for("media", filename="x")[:-1]


def links() -> dict:
    """What a batch of documents shares, worked out once per batch (two url_for and two
    translated unit labels per product cost more than the rest of its document): the media
    prefix, the product page's prefix in each language (a slug is URL-safe as it is, as in
    storefront's product_href), and the unit labels met so far."""
    return {"media": media_prefix(),
            "product": {loc: absolute_url_for("storefront.product", lang=loc, slug="x")[:-1]
                        for loc in LOCALES},
            "units": {}}


def _unit_labels(unit: str, units: dict) -> dict:
    labels = units.get(unit)
    if labels is None:
        labels = units[unit] = {loc: catalog.unit_label(unit, loc) for loc in LOCALES}
    return dict(labels)


def image_document(image: ProductImage, base: str) -> dict:
    widths = image.widths
    if widths:
        largest = widths[-1]
        url = base + image.rendition(largest, "jpg")
        width, height = largest, image.rendition_height(largest)
        renditions = [{"width": w, "height": image.rendition_height(w),
                       "url": base + image.rendition(w, "jpg")} for w in widths]
    else:  # stored before renditions: the re-encoded original (JPEG or PNG)
        url, width, height = base + image.filename, image.width, image.height
        renditions = []
    return {"url": url, "width": width, "height": height,
            "alt": {"vi": image.alt_vi or None, "en": image.alt_en or None},
            "renditions": renditions}


def place_document(code) -> dict | None:
    place = geo.province(code) if code is not None else None
    if place is None:
        return None
    return {"code": place.code, "name": {"vi": place.name_vi, "en": place.name_en}}


def is_public(product: Product) -> bool:
    return (product.status == ProductStatus.ACTIVE.value
            and product.cooperative.status == CooperativeStatus.APPROVED.value)


def tombstone(slug: str, updated_at) -> dict:
    return {"id": slug, "deleted": True, "updated_at": _iso(updated_at)}


def product_document(product: Product, badge=None, prefixes: dict | None = None) -> dict:
    prefixes = prefixes if prefixes is not None else links()
    base, page = prefixes["media"], prefixes["product"]
    by_locale = {t.locale: t for t in product.translations}
    text = {loc: by_locale.get(loc) for loc in LOCALES}
    low, high = product.price_range
    default = product.default_variant
    coop = product.cooperative
    return {
        "id": product.slug,
        "deleted": False,
        "updated_at": _iso(product.updated_at),
        "created_at": _iso(product.created_at),
        "url": {loc: page[loc] + product.slug for loc in LOCALES},
        "name": {loc: (text[loc].name if text[loc] and text[loc].name else None)
                 for loc in LOCALES},
        "description": {loc: (text[loc].description if text[loc] and text[loc].description
                              else None) for loc in LOCALES},
        "category": product.category.slug if product.category else None,
        "cooperative": {"slug": coop.slug, "name": coop.name},
        "unit": product.unit,
        "unit_label": _unit_labels(product.unit, prefixes["units"]),
        "currency": "VND",
        "price": low,
        "price_max": high,
        "in_stock": product.in_stock,
        "availability": "in_stock" if product.in_stock else "out_of_stock",
        "stock": product.stock,
        "origin": place_document(product.origin_province_code),
        "ocop": ({"stars": badge.stars, "certificate_number": badge.certificate_number,
                  "valid_until": badge.valid_until.isoformat(), "level": badge.level}
                 if badge is not None else None),
        "gtin": default.gtin if default is not None and default.gtin else None,
        "rating": {"average": product.rating_avg, "count": product.rating_count},
        "images": [image_document(i, base) for i in product.images],
        "variants": [{
            "sku": v.sku, "label": {"vi": v.label_vi or None, "en": v.label_en or None},
            "price": v.price, "stock": v.stock, "in_stock": v.stock > 0,
            "gtin": v.gtin or None, "weight_grams": v.weight_grams,
            "default": default is not None and v.id == default.id,
        } for v in product.active_variants],
    }


def product_documents(products, *, with_tombstones: bool = True) -> list[dict]:
    """Documents for a batch of products (one OCOP query for the batch): a full document
    for each public product, a tombstone for the others (or nothing without tombstones)."""
    products = list(products)
    public = [p for p in products if is_public(p)]
    badges = {pid: b for pid, b in badges_for_products([p.id for p in public]).items()}
    prefixes = links()
    out = []
    for p in products:
        if is_public(p):
            out.append(product_document(p, badges.get(p.id), prefixes))
        elif with_tombstones:
            out.append(tombstone(p.slug, p.updated_at))
    return out


def cooperative_document(coop: Cooperative, product_count: int | None = None) -> dict:
    doc = {
        "id": coop.slug,
        "name": coop.name,
        "url": {loc: absolute_url_for("storefront.cooperative", lang=loc, slug=coop.slug)
                for loc in LOCALES},
        "province": place_document(coop.province_code),
        "sector": coop.sector or None,
        "founded_year": coop.founded_year,
        "member_count": coop.member_count,
        "story": {"vi": coop.story_vi or None, "en": coop.story_en or None},
        "logo": (media_prefix() + coop.logo) if coop.logo else None,
        "phone": coop.public_phone or None,
    }
    if product_count is not None:
        doc["product_count"] = product_count
    return doc


def category_document(category) -> dict:
    return {"id": category.slug, "parent": category.parent.slug if category.parent else None,
            "name": {"vi": category.name_vi, "en": category.name_en},
            "position": category.position}


CSV_COLUMNS = ("id", "name_vi", "name_en", "url_vi", "url_en", "category", "cooperative",
               "unit", "currency", "price", "price_max", "availability", "stock",
               "origin_province_code", "ocop_stars", "ocop_certificate_number", "gtin",
               "image_url", "updated_at")


def csv_row(doc: dict) -> list:
    """One CSV row of a product document (the flat feed: first image, default GTIN)."""
    return [doc["id"], doc["name"]["vi"] or "", doc["name"]["en"] or "", doc["url"]["vi"],
            doc["url"]["en"], doc["category"] or "", doc["cooperative"]["slug"], doc["unit"],
            doc["currency"], doc["price"], doc["price_max"], doc["availability"], doc["stock"],
            doc["origin"]["code"] if doc["origin"] else "",
            doc["ocop"]["stars"] if doc["ocop"] else "",
            doc["ocop"]["certificate_number"] if doc["ocop"] else "", doc["gtin"] or "",
            doc["images"][0]["url"] if doc["images"] else "", doc["updated_at"]]
