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
    coop = vendors.get_public(slug)
    badges = ocop.badges_for_cooperative(coop.id)
    public = catalog.public_products_query().where(Product.cooperative_id == coop.id)

    categories = list(db.session.scalars(
        db.select(Category).where(Category.id.in_(
            public.with_only_columns(Product.category_id).distinct().scalar_subquery()))
        .order_by(Category.position)))
    query = public
    if filters.category:
        query = query.join(Category, Category.id == Product.category_id).where(
            Category.slug == filters.category)
    if filters.stars:
        query = query.where(Product.id.in_(
            [pid for pid, badge in badges.items() if badge.stars >= filters.stars] or [0]))
    if filters.in_stock:
        query = query.where(Product.stock > 0)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    products = list(db.session.scalars(
        _sorted(query, filters.sort).limit(per_page).offset((max(page, 1) - 1) * per_page)))

    certified = {p.id: p for p in db.session.scalars(
        public.where(Product.id.in_(list(badges) or [0]))
        .order_by(Product.created_at, Product.id))}
    by_number: dict[str, Certification] = {}
    for product_id, badge in badges.items():
        if product_id not in certified:
            continue  # a draft or archived product: not named on a public page
        cert = by_number.setdefault(badge.certificate_number, Certification(
            badge.certificate_number, badge.stars, badge.level, badge.valid_until, badge))
        cert.products.append(certified[product_id])
    certifications = sorted(by_number.values(), key=lambda c: (-c.stars, c.number))
    return CooperativePage(
        coop=coop, province=geo.province(coop.province_code),
        commune=geo.commune(coop.commune_code) if coop.commune_code else None,
        products=products, total=total, badges=badges, certifications=certifications,
        categories=categories, rating=reviews.cooperative_rating(coop.id), filters=filters)
