"""Public pages: home, cooperative storefronts, product pages, categories, the sitemap."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, g, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from market.catalog import services as catalog
from market.geo import services as geo
from market.i18n import LOCALES, current_lang
from market.ocop import services as ocop
from market.parsing import parse_page
from market.storefront import services
from market.urls import absolute_url_for, public_base_url
from market.vendors import services as vendors

bp = Blueprint("storefront", __name__, url_prefix="/<lang:lang>", template_folder="templates")
seo_bp = Blueprint("seo", __name__)

PAGE_SIZE = 24
SORT_LABELS = ("new", "price_asc", "price_desc")


@bp.app_template_filter("unit")
def unit_filter(unit: str, lang: str | None = None) -> str:
    return catalog.unit_label(unit, lang or current_lang())


@bp.app_template_global("media_base")
def media_base() -> str:
    """The /media/ prefix, built once per request: a grid of cards with six renditions each
    would otherwise call url_for a hundred times."""
    base = g.get("_media_base")
    if base is None:
        base = g._media_base = url_for("media", filename="x")[:-1]
    return base


def crumbs(*items: tuple[str, str]) -> dict:
    """Breadcrumbs from the home page to this page: (name, path) pairs after "Home"."""
    return services.breadcrumbs([(_("Home"), url_for("storefront.home")), *items],
                                public_base_url())


def _page() -> int:
    return parse_page(request.args.get("page"))


def _pages(total: int) -> int:
    return max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


def _seo(endpoint: str, **values) -> dict:
    """Canonical URL and hreflang alternates (vi, en, x-default -> vi) of one public page."""
    page = parse_page(request.args.get("page"))
    if page > 1:
        values["page"] = page
    alternates = {lang: absolute_url_for(endpoint, lang=lang, **values) for lang in LOCALES}
    return {"canonical": alternates[current_lang()], "alternates": alternates,
            "x_default": alternates["vi"]}


@bp.get("/")
def home():
    page = _page()
    sections = services.home_sections(page=page, per_page=PAGE_SIZE)
    return render_template(
        "storefront/home.html", page=page, pages=_pages(sections["total"]),
        seo=_seo("storefront.home"), **sections,
    )


def _sort() -> str:
    sort = request.args.get("sort", "new")
    return sort if sort in SORT_LABELS else "new"


@bp.get("/c/<slug>")
def cooperative(slug):
    coop = vendors.get_public(slug)
    page = _page()
    sort = _sort()
    products, total = catalog.public_page(cooperative_id=coop.id, sort=sort, page=page,
                                          per_page=PAGE_SIZE)
    return render_template(
        "storefront/cooperative.html",
        coop=coop, products=products, page=page, pages=_pages(total), total=total, sort=sort,
        province=geo.province(coop.province_code), commune=geo.commune(coop.commune_code),
        badges=ocop.badges_for_cooperative(coop.id),
        seo=_seo("storefront.cooperative", slug=coop.slug),
        crumbs=crumbs((coop.name, request.path)),
    )


@bp.get("/p/<slug>")
def product(slug):
    lang = current_lang()
    item = catalog.get_public_product(slug)
    text = item.translation(lang)
    seo = _seo("storefront.product", slug=item.slug)
    base = public_base_url() + media_base()
    # Feeds and social cards want raster files: the largest JPEG rendition where there is one.
    images = [base + (i.rendition(i.widths[-1], "jpg") if i.widths else i.filename)
              for i in item.images]
    origin = geo.province(item.origin_province_code)
    description = text.description if text else ""
    json_ld = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": item.name(lang),
        "description": description,
        "sku": item.slug,
        "url": seo["canonical"],
        "image": images,
        "brand": {"@type": "Organization", "name": item.cooperative.name},
        "countryOfOrigin": "VN",
        "offers": {
            "@type": "Offer",
            "url": seo["canonical"],
            "price": str(item.price),
            "priceCurrency": "VND",
            "availability": "https://schema.org/InStock" if item.in_stock
            else "https://schema.org/OutOfStock",
            "seller": {"@type": "Organization", "name": item.cooperative.name},
        },
    }
    if item.category is not None:
        json_ld["category"] = item.category.name(lang)
    usd = None
    if lang == "en":
        usd = catalog_usd(item.price)
    path = [(item.category.name(lang), url_for("storefront.category", slug=item.category.slug))
            ] if item.category is not None else []
    badges = ocop.badges_for_products([item.id])
    return render_template(
        "storefront/product.html",
        product=item, text=text, fallback=bool(text and text.locale != lang),
        origin=origin, coop=item.cooperative, seo=seo, json_ld=json_ld, images=images,
        usd=usd, badge=badges.get(item.id),
        crumbs=crumbs(*path, (item.name(lang), request.path)),
    )


@bp.get("/p/<slug>/related")
def related(slug):
    """The product page's "more from this category" cards, as a fragment the page fetches
    after it has loaded (the page itself stays as fast as before; without JS it links to the
    category instead). Cached briefly: it changes only when the catalogue does."""
    item = catalog.get_public_product(slug)
    products = services.related_products(item)
    response = Response(render_template(
        "storefront/_related.html", products=products,
        badges=ocop.badges_for_products([p.id for p in products])))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def catalog_usd(amount: int) -> dict:
    from market.i18n import usd_estimate

    usd = usd_estimate(amount)
    try:
        usd["rate_date_text"] = format_date(date.fromisoformat(usd["rate_date"]), "long")
    except ValueError:
        usd["rate_date_text"] = usd["rate_date"]
    return usd


@bp.get("/category/<slug>")
def category(slug):
    cat = catalog.get_category(slug)
    page = _page()
    filters = services.parse_filters(request.args)
    products, total, options = services.category_listing(cat, filters, page=page,
                                                         per_page=PAGE_SIZE)
    lang = current_lang()
    return render_template(
        "storefront/category.html", category=cat, products=products, page=page,
        pages=_pages(total), total=total, sort=filters.sort, filters=filters, options=options,
        badges=ocop.badges_for_products([p.id for p in products]),
        seo=_seo("storefront.category", slug=cat.slug),
        crumbs=crumbs((cat.name(lang), request.path)),
    )


@seo_bp.get("/sitemap.xml")
def sitemap():
    """Every public product and storefront, in both languages, with hreflang alternates.
    Slugs are [a-z0-9-] only, so URLs are joined as text (url_for 40,000 times is slow)."""
    root = absolute_url_for("seo.sitemap").removesuffix("sitemap.xml")
    entries = []
    for coop in vendors.list_approved():
        entries.append(({lang: f"{root}{lang}/c/{coop.slug}" for lang in LOCALES}, None))
    for slug, updated in catalog.public_product_slugs():
        entries.append(({lang: f"{root}{lang}/p/{slug}" for lang in LOCALES}, updated))
    xml = render_template("storefront/sitemap.xml", entries=entries, locales=LOCALES)
    response = Response(xml, mimetype="application/xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@seo_bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page says."""
    from flask import current_app, send_from_directory

    return send_from_directory(current_app.static_folder, "img/favicon.ico", max_age=86400)


@seo_bp.get("/robots.txt")
def robots():
    body = f"User-agent: *\nAllow: /\nSitemap: {absolute_url_for('seo.sitemap')}\n"
    return Response(body, mimetype="text/plain")


__all__ = ["bp", "seo_bp"]
