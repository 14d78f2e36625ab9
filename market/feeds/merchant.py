"""The Google Merchant Center product feed: RSS 2.0 with the `g:` namespace, one `<item>` per
on-sale variant of every public product (`g:item_group_id` ties a product's variants together),
per locale (titles and descriptions in that language, Vietnamese where the English text is
missing) and per destination country.

Specification: https://support.google.com/merchants/answer/7052112 (product data) and
https://support.google.com/merchants/answer/160589 (RSS 2.0 feeds). What we send:

- id: the variant's SKU prefixed by the cooperative's slug (SKUs are unique per cooperative),
  stable across edits; item_group_id: the product's slug.
- link: the product page in the feed's language (`?variant=` when there is a choice).
- image_link: the largest JPEG rendition (raster, as the spec requires; never WebP or SVG);
  a product without a JPEG/PNG image is left out (Merchant Center would reject it).
- price: integer VND with its currency ("185000 VND"); availability in_stock / out_of_stock
  from the variant's stock; archived products and suspended cooperatives are not public and
  are never listed; inactive variants neither.
- brand: the cooperative; gtin where the variant has one, else `identifier_exists` no.
- google_product_category: Google's numeric taxonomy id (the spec takes an id or the full
  path; an id survives Google renaming a branch), from data/google_product_categories.csv
  (our category slug -> id, with the path beside it for people; ids and paths from
  https://www.google.com/basepages/producttype/taxonomy-with-ids.en-US.txt, version
  2021-09-21); a sub-category uses its parent's, anything else the food root (412).
- shipping: the destination country and the most a parcel of that variant costs to anywhere
  in it (Merchant Center must never show less than checkout charges).

The document is written by a generator that reads the catalogue in batches (`yield_per`), so
memory stays flat however many products there are; text is escaped with xml.sax.saxutils.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from market.catalog.models import Category, Product
from market.catalog.services import public_products_query
from market.extensions import db
from market.orders import shipping

G_NS = "http://base.google.com/ns/1.0"
BATCH = 200
TITLE_MAX = 150  # the spec's limits, in characters
DESCRIPTION_MAX = 5000
DEFAULT_GOOGLE_CATEGORY = "412"  # Food, Beverages & Tobacco
RASTER = (".jpg", ".jpeg", ".png")
FEED_LOCALES = ("vi", "en")


@dataclass(frozen=True)
class Destination:
    """A country we ship to, and how its shipping price is worked out."""
    country: str  # ISO 3166-1 alpha-2
    currency: str
    # the most a parcel of `grams` costs to anywhere in the country, in `currency`
    max_fee: object


def _vietnam_max_fee(grams: int) -> int:
    from flask import current_app

    return shipping.max_fee(grams, current_app.config.get("SHIPPING_RATES"))


# Where orders ship today (issue 15 adds destinations abroad: one row each).
DESTINATIONS: dict[str, Destination] = {
    "VN": Destination("VN", "VND", _vietnam_max_fee),
}


class UnknownFeed(LookupError):
    """A locale or country this feed is not made for."""


def destination(locale: str, country: str) -> Destination:
    if locale not in FEED_LOCALES or country not in DESTINATIONS:
        raise UnknownFeed(f"{locale}-{country}")
    return DESTINATIONS[country]


@cache
def google_category_rows() -> tuple[dict, ...]:
    """The mapping file's rows: category_slug, google_product_category_id and
    google_product_category (the id's path in Google's taxonomy, for people)."""
    path = Path(__file__).with_name("data") / "google_product_categories.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def google_categories() -> dict[str, str]:
    """Our category slug -> Google's taxonomy id."""
    return {row["category_slug"]: row["google_product_category_id"]
            for row in google_category_rows()}


def _category_paths() -> dict[int, str]:
    """Our category id -> Google's taxonomy id (a sub-category inherits its parent's)."""
    table = google_categories()
    rows = {c.id: c for c in db.session.scalars(db.select(Category))}

    def path(c: Category | None, depth: int = 0) -> str:
        if c is None or depth > 10:
            return DEFAULT_GOOGLE_CATEGORY
        return table.get(c.slug) or path(rows.get(c.parent_id), depth + 1)

    return {cid: path(c) for cid, c in rows.items()}


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _image(product: Product, media_base: str) -> str | None:
    for image in product.images:
        if image.widths:
            return media_base + image.rendition(image.widths[-1], "jpg")
        if image.filename.lower().endswith(RASTER):
            return media_base + image.filename
    return None


def _element(name: str, value) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def items(product: Product, locale: str, dest: Destination, *, site: str, media_base: str,
          categories: dict[int, str]) -> list[dict]:
    """The feed entries of one product: a dict of attribute -> value per on-sale variant
    (`shipping` is a dict of its sub-attributes). Empty when it has no raster image."""
    image = _image(product, media_base)
    if image is None:
        return []
    name = product.name(locale)
    text = product.translation(locale)
    vi_text = product.translation("vi")
    description = (text.description if text else "") or (vi_text.description if vi_text else "")
    link = f"{site}/{locale}/p/{product.slug}"
    variants = product.active_variants
    out = []
    for variant in variants:
        title = variant.display_name(name, locale)
        entry = {
            "id": f"{product.cooperative.slug}:{variant.sku}"[:50],
            "item_group_id": product.slug,
            "title": _shorten(title, TITLE_MAX),
            "description": _shorten(description or title, DESCRIPTION_MAX),
            "link": f"{link}?variant={variant.id}" if len(variants) > 1 else link,
            "image_link": image,
            "availability": "in_stock" if variant.stock > 0 else "out_of_stock",
            "price": f"{variant.price} {dest.currency}",
            "condition": "new",
            "brand": _shorten(product.cooperative.name, 70),
            "google_product_category": categories.get(product.category_id,
                                                      DEFAULT_GOOGLE_CATEGORY),
            "shipping": {"country": dest.country,
                         "price": f"{dest.max_fee(variant.weight_grams or shipping.DEFAULT_WEIGHT_GRAMS)}"
                                  f" {dest.currency}"},
        }
        if variant.gtin:
            entry["gtin"] = variant.gtin
        else:
            entry["identifier_exists"] = "no"
        out.append(entry)
    return out


def _item_xml(entry: dict) -> str:
    parts = ["<item>"]
    # RSS 2.0's own title/link/description too: plain RSS readers show something useful
    parts += [_element("title", entry["title"]), _element("link", entry["link"]),
              _element("description", entry["description"])]
    for key, value in entry.items():
        if key in ("title", "link", "description"):
            continue
        if isinstance(value, dict):
            parts.append(f"<g:{key}>" + "".join(_element(f"g:{k}", v) for k, v in value.items())
                         + f"</g:{key}>")
        else:
            parts.append(_element(f"g:{key}", value))
    parts.append("</item>\n")
    return "".join(parts)


def public_products_in_batches(batch: int = BATCH) -> Iterator[Product]:
    """Every public product, in id order, `batch` rows at a time (texts, images and variants
    come with each batch through their selectin loaders)."""
    query = public_products_query().order_by(Product.id).execution_options(yield_per=batch)
    yield from db.session.scalars(query)


def write(locale: str, country: str, *, site: str, media_base: str, title: str,
          description: str) -> Iterator[str]:
    """The feed document in chunks (about one batch of products each). Raises UnknownFeed
    before the first chunk for a locale or country we do not serve."""
    dest = destination(locale, country)
    categories = _category_paths()

    def chunks() -> Iterator[str]:
        yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<rss version="2.0" xmlns:g="{G_NS}">\n<channel>\n'
               + _element("title", title) + _element("link", f"{site}/{locale}/")
               + _element("description", description) + "\n")
        buffer = []
        for n, product in enumerate(public_products_in_batches(), 1):
            for entry in items(product, locale, dest, site=site, media_base=media_base,
                               categories=categories):
                buffer.append(_item_xml(entry))
            if n % BATCH == 0:
                yield "".join(buffer)
                buffer.clear()
        buffer.append("</channel>\n</rss>\n")
        yield "".join(buffer)

    return chunks()


def feed_names() -> list[str]:
    """Every feed served, as `<locale>-<country>` (e.g. vi-VN)."""
    return [f"{locale}-{country}" for country in DESTINATIONS for locale in FEED_LOCALES]
