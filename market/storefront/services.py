"""What the public storefront pages show, gathered in one place per page: the home page's
sections, a category's filtered and sorted listing, the cooperative's page, related products,
breadcrumbs. Plain functions: views parse the request and call these; templates get
everything they show (OCOP badges included) without querying."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from market import cache as page_cache
from market.catalog import services as catalog
from market.catalog.models import Category, Product, ProductImage
from market.extensions import db
from market.geo import services as geo
from market.intl import rates
from market.ocop import services as ocop
from market.reviews import services as reviews
from market.trace import services as trace
from market.vendors import services as vendors
from market.vendors.models import Cooperative
from market.wholesale import services as wholesale

FEATURED = 10  # two rows of five on a wide screen
STARS = (3, 4, 5)  # OCOP ratings start at 3 stars
SORTS = ("new", "price_asc", "price_desc", "stars")
MAX_PRICE = 10**12  # no product costs a trillion đồng; a longer number would overflow SQL


# --- home --------------------------------------------------------------------------------

@dataclass
class CategoryTile:
    category: Category
    count: int
    image: ProductImage | None


def featured_ocop_products(limit: int = FEATURED) -> list[Product]:
    """Public products with a verified OCOP rating: most stars first, then in stock, newest."""
    stars = ocop.verified_stars_subquery()
    query = (catalog.public_products_query()
             .join(stars, stars.c.product_id == Product.id)
             .order_by(stars.c.stars.desc(), (catalog.variant_stock() > 0).desc(),
                       Product.created_at.desc(), Product.id.desc())
             .limit(limit))
    return list(db.session.scalars(query))


def category_tiles() -> list[CategoryTile]:
    """Every category that has public products, with their number and one of their photos
    (two queries)."""
    public = catalog.public_products_query().subquery()
    rows = db.session.execute(
        db.select(Category, db.func.count(db.distinct(public.c.id)), db.func.min(ProductImage.id))
        .join(public, public.c.category_id == Category.id)
        .outerjoin(ProductImage, db.and_(ProductImage.product_id == public.c.id,
                                         ProductImage.position == 0))
        .group_by(Category.id).order_by(Category.position, Category.id)).all()
    wanted = [image_id for _c, _n, image_id in rows if image_id is not None]
    images = {i.id: i for i in db.session.scalars(
        db.select(ProductImage).where(ProductImage.id.in_(wanted)))} if wanted else {}
    return [CategoryTile(category, count, images.get(image_id))
            for category, count, image_id in rows]


def home_sections(*, page: int, per_page: int) -> dict:
    """Featured OCOP products, categories with photos, one page of the newest products, the
    cooperatives (with their provinces), and the OCOP badges of every product shown."""
    featured = featured_ocop_products() if page == 1 else []
    newest, total = catalog.public_page(page=page, per_page=per_page)
    coops = vendors.list_approved()
    return {
        "featured": featured, "categories": category_tiles() if page == 1 else [],
        "products": newest, "total": total, "cooperatives": coops,
        "provinces": {c.id: geo.province(c.province_code) for c in coops},
        "badges": ocop.badges_for_products([p.id for p in featured + newest]),
    }


# --- category listing --------------------------------------------------------------------

@dataclass
class Filters:
    price_min: int | None = None
    price_max: int | None = None
    province: int | None = None
    stars: int | None = None
    cooperative: str | None = None  # a cooperative's slug
    sort: str = "new"
    errors: dict = field(default_factory=dict)  # field -> translated message

    def active(self) -> bool:
        return any(v is not None for v in (self.price_min, self.price_max, self.province,
                                            self.stars, self.cooperative))


def parse_filters(args) -> Filters:
    """Filters from a query string (a dict-like). A bad value is dropped with a message for
    its field; the rest still apply."""
    f = Filters()
    for name in ("price_min", "price_max"):
        raw = (args.get(name) or "").strip()
        if raw:
            value = catalog.parse_vnd(raw)
            if value is None or value < 0 or value > MAX_PRICE:
                f.errors[name] = _l("Enter a price in đồng, e.g. 150000.")
            else:
                setattr(f, name, value)
    if f.price_min is not None and f.price_max is not None and f.price_min > f.price_max:
        f.errors["price_max"] = _l("The highest price is below the lowest price.")
        f.price_max = None
    raw = (args.get("province") or "").strip()
    if raw:
        place = geo.province(raw) if raw.isdigit() else None
        if place is None:
            f.errors["province"] = _l("Choose a province from the list.")
        else:
            f.province = place.code
    raw = (args.get("stars") or "").strip()
    if raw:
        if raw.isdigit() and int(raw) in STARS:
            f.stars = int(raw)
        else:
            f.errors["stars"] = _l("Choose 3, 4 or 5 stars.")
    raw = (args.get("cooperative") or "").strip()
    if raw:
        f.cooperative = raw[:120]
    sort = args.get("sort") or "new"
    if sort in SORTS:
        f.sort = sort
    else:
        f.errors["sort"] = _l("Unknown sort order; showing the newest first.")
    return f


def category_listing(category: Category, filters: Filters, *, page: int, per_page: int
                     ) -> tuple[list[Product], int, dict]:
    """One page of a category's public products matching `filters`, the total, and the
    choices the filter form offers (provinces and cooperatives that have products here).
    An unknown cooperative slug adds an error to `filters` and matches nothing else."""
    query = catalog.public_products_query().where(Product.category_id == category.id)
    options = filter_choices(category)
    if filters.price_min is not None:
        query = query.where(Product.price >= filters.price_min)
    if filters.price_max is not None:
        query = query.where(Product.price <= filters.price_max)
    if filters.province is not None:
        query = query.where(Product.origin_province_code == filters.province)
    if filters.cooperative is not None:
        if filters.cooperative not in {c.slug for c in options["cooperatives"]}:
            filters.errors["cooperative"] = _l("Choose a cooperative from the list.")
            filters.cooperative = None
        else:
            query = query.where(Cooperative.slug == filters.cooperative)
    stars = ocop.verified_stars_subquery()
    if filters.stars is not None:
        query = query.join(stars, stars.c.product_id == Product.id).where(
            stars.c.stars >= filters.stars)
    elif filters.sort == "stars":
        query = query.outerjoin(stars, stars.c.product_id == Product.id)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    if filters.sort == "stars":
        order = (db.func.coalesce(stars.c.stars, 0).desc(), Product.created_at.desc(),
                 Product.id.desc())
    else:
        order = catalog.SORTS[filters.sort]
    rows = list(db.session.scalars(
        query.order_by(*order).limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return rows, total, options


class CooperativeChoice(NamedTuple):
    slug: str
    name: str


def filter_choices(category: Category) -> dict:
    """The provinces and cooperatives that have public products in `category` (what the
    filter form offers): one query, kept under the catalogue's generation (market.cache), so
    a category page usually reads it from the cache instead of scanning its products."""

    def compute():
        rows = db.session.execute(
            catalog.public_products_query().where(Product.category_id == category.id)
            .with_only_columns(Product.origin_province_code, Cooperative.slug,
                               Cooperative.name).distinct()).all()
        return {"provinces": sorted({code for code, _s, _n in rows if code is not None}),
                "cooperatives": sorted({(slug, name) for _c, slug, name in rows},
                                       key=lambda c: (c[1], c[0]))}

    data = page_cache.cached_data(("catalog",), f"facets:{category.id}:{category.slug}",
                                  compute)
    provinces = sorted((p for p in map(geo.province, data["provinces"]) if p),
                       key=lambda p: p.name_vi)
    return {"provinces": provinces, "stars": STARS,
            "cooperatives": [CooperativeChoice(*c) for c in data["cooperatives"]]}


# --- product page ------------------------------------------------------------------------

RELATED = 4  # cards in the product page's "more from this category"


def related_products(product: Product, limit: int = RELATED) -> list[Product]:
    """Other public products of the same category: in stock first, then the newest."""
    if product.category_id is None:
        return []
    return category_top(product.category_id, limit, exclude_id=product.id)


def category_top(category_id: int, limit: int, exclude_id: int | None = None
                 ) -> list[Product]:
    """A category's first `limit` public products, in stock first, then the newest (the
    product page shows the first RELATED of them that are not itself). Each part walks the
    (category_id, status, created_at) index and stops at `limit` rows (sorting a whole
    category by stock would cost more than the rest of the page)."""
    from sqlalchemy.orm import selectinload

    def newest(*where, n):
        if exclude_id is not None:
            where = (*where, Product.id != exclude_id)
        query = (catalog.public_products_query()
                 .where(Product.category_id == category_id, *where)
                 .options(selectinload(Product.translations), selectinload(Product.images))
                 .order_by(Product.category_id, Product.status, Product.created_at.desc(),
                           Product.id.desc())
                 .limit(n))
        return list(db.session.scalars(query))

    rows = newest(catalog.variant_stock() > 0, n=limit)
    if len(rows) < limit:
        rows += newest(catalog.variant_stock() <= 0, n=limit - len(rows))
    return rows


# --- what pages show beside the products: kept under the catalogue's generation --------
# A product page would otherwise pay a query each for its OCOP badge, its lots, the
# wholesale button and the exchange rates, and a grid one for its badges. Each is read for
# the whole site at once and kept (market.cache.cached_data: every write to those tables
# bumps "catalog"); without the data cache, each page asks for just its own.

def badges(product_ids) -> dict[int, ocop.Badge]:
    """ocop.badges_for_products, from every current badge (kept per day too: a certificate
    stops counting after its last valid day)."""
    if not page_cache.data_cache_on():
        return ocop.badges_for_products(product_ids)
    today = ocop.today_in_vietnam()
    every = page_cache.cached_data(("catalog",), f"badges:{today.isoformat()}",
                                   lambda: ocop.current_badges(today))
    return {i: every[i] for i in product_ids if i in every}


def latest_lots(product_id: int) -> list:
    """trace.latest_lots; no query for a product without lots."""
    if page_cache.data_cache_on() and product_id not in page_cache.cached_data(
            ("catalog",), "traced-products", trace.traced_product_ids):
        return []
    return trace.latest_lots(product_id)


def takes_rfq(cooperative_id: int, product_id: int | None = None) -> bool:
    """wholesale.takes_rfq."""
    if not page_cache.data_cache_on():
        return wholesale.takes_rfq(cooperative_id, product_id)
    takers = page_cache.cached_data(("catalog",), "rfq-takers", wholesale.rfq_takers)
    return wholesale.taker_takes(takers, cooperative_id, product_id)


def latest_rates() -> dict:
    """intl.rates.latest()."""
    return page_cache.cached_data(("catalog",), "rates:latest", rates.latest)


# --- breadcrumbs -------------------------------------------------------------------------

def breadcrumbs(items: list[tuple[str, str]], base_url: str) -> dict:
    """[(name, path), ...] from the home page to the current page -> what the template shows
    and its schema.org BreadcrumbList (absolute URLs; the last item is the page itself)."""
    return {
        "items": items,
        "json_ld": {
            "@context": "https://schema.org", "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": n, "name": str(name), "item": base_url + path}
                for n, (name, path) in enumerate(items, start=1)
            ],
        },
    }


# --- the cooperative's page ------------------------------------------------------------

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
                   stars=int(stars) if stars in {str(n) for n in STARS} else None,
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
