"""Public pages: home, cooperative storefronts, product pages, categories, the sitemap."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    g,
    get_template_attribute,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from market import cache as page_cache
from market.catalog import services as catalog
from market.geo import services as geo
from market.i18n import LOCALES, content_locale, current_lang
from market.intl import display
from market.parsing import parse_page
from market.reviews import services as reviews
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


@bp.app_template_global("picture_html")
def picture_html(image, lang: str, sizes: str, eager: bool = False, width: int = 640) -> Markup:
    """A product photo as responsive renditions: WebP with a JPEG fallback, its width and
    height set (no layout shift), lazy unless `eager` (the first image a page shows). Images
    stored before renditions existed keep their single file. Built here rather than in a
    Jinja macro: a grid renders it for every card, and the srcsets are computed once per
    image (ProductImage.picture)."""
    base = media_base()
    alt = escape(image.alt(lang))
    loading = "eager" if eager else "lazy"
    p = image.picture(base, width)
    if p is None:
        name = image.card_filename if width <= 320 else image.filename
        return Markup(f'<img src="{escape(base + name)}" alt="{alt}" width="{width}" '
                      f'height="{round(width * 3 / 4)}" loading="{loading}" decoding="async">')
    sizes = escape(sizes)
    high = ' fetchpriority="high"' if eager else ""
    return Markup(
        f'<picture>\n  <source type="image/webp" srcset="{escape(p["webp"])}" sizes="{sizes}">\n'
        f'  <img src="{escape(p["src"])}" srcset="{escape(p["jpg"])}" sizes="{sizes}" '
        f'alt="{alt}" width="{p["width"]}" height="{p["height"]}" loading="{loading}" '
        f'decoding="async"{high}>\n</picture>')


@bp.app_template_global("product_href")
def product_href(product, lang: str) -> str:
    """/<lang>/p/<slug>, with url_for's prefix built once per request and language (a grid
    of cards would call url_for for each)."""
    prefixes = g.get("_product_prefix")
    if prefixes is None:
        prefixes = g._product_prefix = {}
    prefix = prefixes.get(lang)
    if prefix is None:
        prefix = prefixes[lang] = url_for("storefront.product", lang=lang, slug="x")[:-1]
    return prefix + product.slug


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
    missing = vendors.missing_english(view.coop) if content_locale(current_lang()) == "en" else []
    return render_template(
        "storefront/cooperative.html", view=view, coop=view.coop, products=view.products,
        page=page, pages=_pages(view.total), total=view.total, badges=view.badges,
        province=view.province, commune=view.commune, star_filters=services.STARS,
        missing=missing, missing_labels=[str(vendors.ENGLISH_FIELD_LABELS[f]) for f in missing],
        seo=_seo("storefront.cooperative", slug=view.coop.slug,
                 translated=not vendors.missing_english(view.coop)),
        crumbs=crumbs((view.coop.name, request.path)),
        rfq_url=url_for("wholesale.rfq_cooperative", slug=view.coop.slug)
        if services.takes_rfq(view.coop.id) else None,
    )


@bp.get("/p/<slug>")
def product(slug):
    lang = current_lang()
    item = catalog.get_public_product(slug)
    text = item.translation(lang)
    english = content_locale(lang) == "en"  # en, zh, ko and ja pages show English text
    missing = catalog.missing_english(item) if english else []
    seo = _seo("storefront.product", slug=item.slug, translated=catalog.translated(item, "en"))
    base = public_base_url() + media_base()
    # Feeds and social cards want raster files: the largest JPEG rendition where there is one.
    images = [base + (i.rendition(i.widths[-1], "jpg") if i.widths else i.filename)
              for i in item.images]
    origin = geo.province(item.origin_province_code)
    # A description missing in English falls back to the Vietnamese one (marked lang="vi")
    vi_text = item.translation("vi")
    description = (text.description if text else "") or (vi_text.description if vi_text else "")
    description_lang = "en" if english and "description" not in missing else "vi"
    chosen = item.variant(request.args.get("variant")) or item.default_variant
    if chosen is not None and (not chosen.active or (chosen.stock <= 0 and item.in_stock)):
        chosen = item.default_variant  # a sold-out option cannot be the one posted
    json_ld = product_json_ld(item, lang, seo["canonical"], description, images)
    if item.category is not None:
        json_ld["category"] = item.category.name(lang)
    review_items = reviews.for_product(item, current_user)
    json_ld.update(reviews.json_ld(item, review_items, lang))
    estimate = display.estimate(chosen.price if chosen else item.price, services.latest_rates)
    path = [(item.category.name(lang), url_for("storefront.category", slug=item.category.slug))
            ] if item.category is not None else []
    badges = services.badges([item.id])
    return render_template(
        "storefront/product.html",
        product=item, chosen=chosen, text=text, description=description,
        description_lang=description_lang, missing=missing,
        english_shown=english and (text is not None and text.locale == "en"
                                   or description_lang == "en" and bool(description)),
        missing_labels=[str(catalog.ENGLISH_FIELD_LABELS[f]) for f in missing],
        origin=origin, coop=item.cooperative, seo=seo, json_ld=json_ld, images=images,
        estimate=estimate, badge=badges.get(item.id), related=related_cards(item, lang),
        reviews=review_items, author_name=reviews.author_name,
        star_counts=reviews.star_counts(item.id) if item.rating_count else {},
        trace_lots=services.latest_lots(item.id),
        crumbs=crumbs(*path, (item.name(lang), request.path)),
        rfq_url=url_for("wholesale.rfq_product", slug=item.slug)
        if services.takes_rfq(item.cooperative_id, item.id) else None,
    )


def related_cards(item, lang: str) -> list[Markup]:
    """The product page's related cards, as HTML. Every product of a category shows the
    same few (the category's first RELATED + 1, minus itself), so their cards are rendered
    once per category and language and kept under the generations of the catalogue and of
    the category's stock (market.cache.cached_data): a product page usually pays neither
    the query nor the rendering. The cached page keeps the category's stock generation too
    (depends_on), read before the cards are."""
    if item.category is None:
        return []
    stock_scope = f"stock:cat:{item.category.slug}"
    page_cache.depends_on(stock_scope)

    def render():
        products = services.category_top(item.category_id, services.RELATED + 1)
        badges = services.badges([p.id for p in products])
        card = get_template_attribute("macros.html", "product_card")
        return [(p.id, str(card(p, lang, badges.get(p.id)))) for p in products]

    cards = page_cache.cached_data(("catalog", stock_scope),
                                   f"related:{item.category_id}:{lang}", render)
    return [Markup(html) for product_id, html in cards if product_id != item.id
            ][:services.RELATED]


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
        badges=services.badges([p.id for p in products]),
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
