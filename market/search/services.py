"""Search for buyers: parse what they asked, ask the backend, load what they may see."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from market.catalog import services as catalog
from market.catalog.models import Product
from market.catalog.services import MAX_PRICE, parse_int, parse_vnd, public_products_query
from market.extensions import db
from market.geo import services as geo
from market.ocop.services import badges_for_products
from market.search import backend_for
from market.search.backend import PER_PAGE, SORTS, Filters
from market.vendors.models import Cooperative

MAX_QUERY_LENGTH = 200


def backend():
    return backend_for(current_app)


@dataclass
class Page:
    query: str
    filters: Filters
    sort: str
    page: int
    pages: int
    total: int
    products: list = field(default_factory=list)       # Product objects, ranked
    facets: dict = field(default_factory=dict)         # facet -> [(key, label, count)]
    did_you_mean: str | None = None
    badges: dict = field(default_factory=dict)         # product id -> verified OCOP badge


def parse_filters(args) -> Filters:
    """Filters from query-string arguments; a malformed value is ignored, not an error."""
    stars = parse_int(args.get("stars"))
    province = parse_int(args.get("province"))
    return Filters(
        category=(args.get("category") or "").strip() or None,
        province=province if province and geo.province(province) else None,
        cooperative=(args.get("cooperative") or "").strip() or None,
        stars=stars if stars and 1 <= stars <= 5 else None,
        min_price=_price(args.get("min_price")),
        max_price=_price(args.get("max_price")),
    )


def _price(value) -> int | None:
    price = parse_vnd(value) if value else None
    return price if price is not None and 0 <= price <= MAX_PRICE else None


def _labels(facets: dict, locale: str) -> dict:
    categories = {c.slug: c.name(locale) for c in catalog.categories()}
    coop_slugs = list(facets.get("cooperative", {}))
    coops = dict(db.session.execute(
        db.select(Cooperative.slug, Cooperative.name).where(Cooperative.slug.in_(coop_slugs))
    ).all()) if coop_slugs else {}
    out = {}
    for name, counts in facets.items():
        rows = []
        for key, count in counts.items():
            if name == "category":
                label = categories.get(key, key)
            elif name == "province":
                place = geo.province(key)
                label = place.name(locale) if place else str(key)
            elif name == "cooperative":
                label = coops.get(key, key)
            else:
                label = key
            rows.append((key, label, count))
        if name == "stars":
            rows.sort(key=lambda r: -int(r[0]))
        elif name == "price":
            order = ["0-100000", "100000-300000", "300000-1000000", "1000000-"]
            rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else 99)
        else:
            rows.sort(key=lambda r: (-r[2], str(r[1])))
        out[name] = rows
    return out


def load_public(ids: list[int]) -> dict[int, Product]:
    """The products buyers may see among `ids` (the index may lag the database briefly)."""
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(
        public_products_query().where(Product.id.in_(ids))).unique()}


def search_page(query: str, locale: str, filters: Filters, sort: str = "relevance",
                page: int = 1, per_page: int = PER_PAGE) -> Page:
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    sort = sort if sort in SORTS else "relevance"
    page = max(int(page or 1), 1)
    result = backend().search(query, locale, filters, sort, page, per_page)
    products = load_public([h.id for h in result.hits])
    ranked = [products[h.id] for h in result.hits if h.id in products]
    badges = badges_for_products([p.id for p in ranked]) if ranked else {}
    suggestion = None
    if result.total == 0 and query:
        suggestion = backend().did_you_mean(query)
    return Page(
        query=query, filters=filters, sort=sort, page=page,
        pages=max((result.total + per_page - 1) // per_page, 1), total=result.total,
        products=ranked, facets=_labels(result.facets, locale),
        did_you_mean=suggestion, badges=badges,
    )


def suggest(prefix: str, locale: str, limit: int = 8) -> list[str]:
    prefix = (prefix or "").strip()[:MAX_QUERY_LENGTH]
    if len(prefix) < 2:
        return []
    return backend().suggest(prefix, locale, limit)
