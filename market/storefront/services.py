"""What the public storefront pages show, gathered in one place per page (views only parse
the query string and render)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from market.catalog import services as catalog
from market.catalog.models import Category, Product
from market.extensions import db
from market.geo import services as geo
from market.ocop import services as ocop
from market.reviews import services as reviews
from market.vendors import services as vendors
from market.vendors.models import Cooperative

STAR_FILTERS = (3, 4, 5)
COOP_SORTS = ("new", "price_asc", "price_desc", "rating")


@dataclass
class Certification:
    """One OCOP certificate as the cooperative page lists it: its stars and the products
    it covers, by name."""

    number: str
    stars: int
    level: str
    valid_until: date
    badge: ocop.Badge
    products: list[Product] = field(default_factory=list)


@dataclass
class ProductFilters:
    category: str = ""  # a category slug
    stars: int | None = None  # at least this many OCOP stars
    in_stock: bool = False
    sort: str = "new"

    @classmethod
    def parse(cls, args) -> ProductFilters:
        stars = args.get("stars", "")
        sort = args.get("sort", "new")
        return cls(category=(args.get("category") or "")[:80],
                   stars=int(stars) if stars in {str(n) for n in STAR_FILTERS} else None,
                   in_stock=args.get("in_stock") == "1",
                   sort=sort if sort in COOP_SORTS else "new")

    @property
    def active(self) -> bool:
        return bool(self.category or self.stars or self.in_stock)


@dataclass
class CooperativePage:
    coop: Cooperative
    province: object
    commune: object
    products: list[Product]
    total: int  # products matching the filters
    badges: dict  # product id -> Badge
    certifications: list[Certification]
    categories: list[Category]  # those its public products are in, for the filter
    rating: reviews.CooperativeRating
    filters: ProductFilters


def _sorted(query, sort: str):
    if sort == "rating":
        average = db.case((Product.rating_count == 0, 0),
                          else_=Product.rating_sum * 1.0 / Product.rating_count)
        return query.order_by(average.desc(), Product.rating_count.desc(), Product.id.desc())
    return query.order_by(*catalog.SORTS.get(sort, catalog.SORTS["new"]))


def cooperative_page(slug: str, filters: ProductFilters, *, page: int = 1,
                     per_page: int = 24) -> CooperativePage:
    """Everything the page shows, in a fixed number of queries whatever the catalogue size:
    one summary row per public product (category, stock, rating) gives the badges' ids, the
    category filter's choices, the filtered total and the reviews' rating."""
    coop = vendors.get_public(slug)
    public = catalog.public_products_query().where(Product.cooperative_id == coop.id)
    summary = db.session.execute(
        public.with_only_columns(Product.id, Product.category_id,
                                 catalog.variant_stock().label("stock"),
                                 Product.rating_sum, Product.rating_count)).all()
    badges = ocop.badges_for_products([row.id for row in summary])
    category_ids = {row.category_id for row in summary if row.category_id is not None}
    categories = list(db.session.scalars(
        db.select(Category).where(Category.id.in_(category_ids)).order_by(Category.position)
    )) if category_ids else []
    chosen = next((c for c in categories if c.slug == filters.category), None)

    def matches(row) -> bool:
        if filters.category and (chosen is None or row.category_id != chosen.id):
            return False
        if filters.stars and (row.id not in badges or badges[row.id].stars < filters.stars):
            return False
        return not (filters.in_stock and row.stock <= 0)

    ids = [row.id for row in summary if matches(row)]
    total = len(ids)
    products = list(db.session.scalars(
        _sorted(public.where(Product.id.in_(ids)), filters.sort)
        .limit(per_page).offset((max(page, 1) - 1) * per_page))) if ids else []

    certified = {p.id: p for p in db.session.scalars(
        public.where(Product.id.in_(list(badges))).order_by(Product.created_at, Product.id)
    )} if badges else {}
    by_number: dict[str, Certification] = {}
    for product_id, badge in badges.items():
        if product_id not in certified:
            continue
        cert = by_number.setdefault(badge.certificate_number, Certification(
            badge.certificate_number, badge.stars, badge.level, badge.valid_until, badge))
        cert.products.append(certified[product_id])
    certifications = sorted(by_number.values(), key=lambda c: (-c.stars, c.number))
    rating = reviews.cooperative_rating(
        coop.id, totals=(sum(r.rating_sum for r in summary),
                         sum(r.rating_count for r in summary)))
    return CooperativePage(
        coop=coop, province=geo.province(coop.province_code),
        commune=geo.commune(coop.commune_code) if coop.commune_code else None,
        products=products, total=total, badges=badges, certifications=certifications,
        categories=categories, rating=rating, filters=filters)
