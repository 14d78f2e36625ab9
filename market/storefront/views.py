"""Public pages: home, cooperative storefronts, product pages, categories, the sitemap."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, g, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from market.catalog import services as catalog
from market.geo import services as geo
from market.i18n import LOCALES, current_lang
from market.ocop import services as ocop
from market.parsing import parse_page
from market.reviews import services as reviews
from market.storefront import services
from market.urls import absolute_url_for, public_base_url
from market.vendors import services as vendors
from market.wholesale import services as wholesale

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


def _seo(endpoint: str, translated: bool = True, **values) -> dict:
    """Canonical URL and hreflang alternates (vi, en, x-default -> vi) of one public page.
    A page whose English text is missing advertises no `en` alternate, and its English URL
    names the Vietnamese page as canonical (it shows the same Vietnamese text)."""
    page = parse_page(request.args.get("page"))
    if page > 1:
        values["page"] = page
    alternates = {lang: absolute_url_for(endpoint, lang=lang, **values) for lang in LOCALES
                  if translated or lang == "vi"}
    return {"canonical": alternates.get(current_lang(), alternates["vi"]),
            "alternates": alternates, "x_default": alternates["vi"]}


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
    page = _page()
    filters = services.ProductFilters.parse(request.args)
    view = services.cooperative_page(slug, filters, page=page, per_page=PAGE_SIZE)
    missing = vendors.missing_english(view.coop) if current_lang() == "en" else []
    return render_template(
        "storefront/cooperative.html", view=view, coop=view.coop, products=view.products,
        page=page, pages=_pages(view.total), total=view.total, badges=view.badges,
        province=view.province, commune=view.commune, star_filters=services.STARS,
        missing=missing, missing_labels=[str(vendors.ENGLISH_FIELD_LABELS[f]) for f in missing],
        seo=_seo("storefront.cooperative", slug=view.coop.slug,
                 translated=not vendors.missing_english(view.coop)),
        crumbs=crumbs((view.coop.name, request.path)),
        rfq_url=url_for("wholesale.rfq_cooperative", slug=view.coop.slug)
        if wholesale.takes_rfq(view.coop.id) else None,
    )


@bp.get("/p/<slug>")
def product(slug):
    lang = current_lang()
    item = catalog.get_public_product(slug)
    text = item.translation(lang)
    missing = catalog.missing_english(item) if lang == "en" else []
    seo = _seo("storefront.product", slug=item.slug, translated=catalog.translated(item, "en"))
    base = public_base_url() + media_base()
    # Feeds and social cards want raster files: the largest JPEG rendition where there is one.
    images = [base + (i.rendition(i.widths[-1], "jpg") if i.widths else i.filename)
              for i in item.images]
    origin = geo.province(item.origin_province_code)
    # A description missing in English falls back to the Vietnamese one (marked lang="vi")
    vi_text = item.translation("vi")
    description = (text.description if text else "") or (vi_text.description if vi_text else "")
    chosen = item.variant(request.args.get("variant")) or item.default_variant
    if chosen is not None and (not chosen.active or (chosen.stock <= 0 and item.in_stock)):
        chosen = item.default_variant  # a sold-out option cannot be the one posted
    json_ld = product_json_ld(item, lang, seo["canonical"], description, images)
    if item.category is not None:
        json_ld["category"] = item.category.name(lang)
    review_items = reviews.for_product(item, current_user)
    json_ld.update(reviews.json_ld(item, review_items, lang))
    usd = None
    if lang == "en":
        usd = catalog_usd(chosen.price if chosen else item.price)
    path = [(item.category.name(lang), url_for("storefront.category", slug=item.category.slug))
            ] if item.category is not None else []
    badges = ocop.badges_for_products([item.id])
    return render_template(
        "storefront/product.html",
        product=item, chosen=chosen, text=text, fallback=bool(text and text.locale != lang),
        description=description, missing=missing,
        missing_labels=[str(catalog.ENGLISH_FIELD_LABELS[f]) for f in missing],
        origin=origin, coop=item.cooperative, seo=seo, json_ld=json_ld, images=images,
        usd=usd, badge=badges.get(item.id),
        reviews=review_items, author_name=reviews.author_name,
        star_counts=reviews.star_counts(item.id) if item.rating_count else {},
        crumbs=crumbs(*path, (item.name(lang), request.path)),
        rfq_url=url_for("wholesale.rfq_product", slug=item.slug)
        if wholesale.takes_rfq(item.cooperative_id, item.id) else None,
    )


def _offer(variant, url: str, seller: dict) -> dict:
    return {
        "@type": "Offer", "url": url, "price": str(variant.price), "priceCurrency": "VND",
        "availability": "https://schema.org/InStock" if variant.stock > 0
        else "https://schema.org/OutOfStock",
        "itemCondition": "https://schema.org/NewCondition", "seller": seller,
    }


def product_json_ld(item, lang: str, canonical: str, description: str, images: list) -> dict:
    """schema.org for the product page: a `Product` with one `Offer` when it has one
    variant, else a `ProductGroup` whose `hasVariant` lists one `Product` per variant (sku,
    gtin, its own offer and URL), as Google's product-variant structured data asks."""
    seller = {"@type": "Organization", "name": item.cooperative.name}
    base = {"name": item.name(lang), "description": description, "image": images,
            "brand": {"@type": "Brand", "name": item.cooperative.name},
            "countryOfOrigin": "VN"}
    variants = item.active_variants or item.variants[:1]
    if len(variants) == 1:
        variant = variants[0]
        data = {"@context": "https://schema.org", "@type": "Product", **base,
                "sku": variant.sku, "url": canonical, "offers": _offer(variant, canonical, seller)}
        if variant.gtin:
            data["gtin"] = variant.gtin
        return data
    members = []
    for variant in variants:
        url = f"{canonical}?variant={variant.id}"
        member = {"@type": "Product", "name": variant.display_name(item.name(lang), lang),
                  "sku": variant.sku, "url": url, "image": images,
                  "offers": _offer(variant, url, seller)}
        if variant.label(lang):
            member["size"] = variant.label(lang)
        if variant.gtin:
            member["gtin"] = variant.gtin
        members.append(member)
    return {"@context": "https://schema.org", "@type": "ProductGroup", **base,
            "url": canonical, "productGroupID": item.slug, "variesBy": ["https://schema.org/size"],
            "hasVariant": members}


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
    # Only translated pages list their English URL (see _seo)
    for coop in vendors.list_approved():
        langs = LOCALES if not vendors.missing_english(coop) else ("vi",)
        entries.append(({lang: f"{root}{lang}/c/{coop.slug}" for lang in langs}, None))
    english = catalog.english_product_slugs()
    for slug, updated in catalog.public_product_slugs():
        langs = LOCALES if slug in english else ("vi",)
        entries.append(({lang: f"{root}{lang}/p/{slug}" for lang in langs}, updated))
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
