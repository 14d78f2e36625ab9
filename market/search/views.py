from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from market.i18n import current_lang
from market.parsing import parse_page
from market.search import services
from market.search.backend import SORTS
from market.urls import with_query

bp = Blueprint("search", __name__, url_prefix="/<lang:lang>/search", template_folder="templates")


@bp.get("")
def results():
    filters = services.parse_filters(request.args)
    page = services.search_page(
        request.args.get("q", ""), current_lang(), filters,
        sort=request.args.get("sort", "relevance"),
        page=parse_page(request.args.get("page")),
    )
    from market.ocop.services import badges_for_products
    from market.storefront.views import crumbs

    query = request.args.get("q", "").strip()
    trail = crumbs((_("Search: %(q)s", q=query) if query else _("Search products"), request.full_path))
    return render_template("search/results.html", result=page, sorts=SORTS, link=_link,
                           badges=badges_for_products([p.id for p in page.products]),
                           crumbs=trail)


def _link(**changes) -> str:
    """This search with some arguments changed (None removes one); back to page 1."""
    args = request.args.to_dict()
    args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return with_query(url_for("search.results", lang=current_lang()), args)


@bp.get("/suggest")
def suggest():
    names = services.suggest(request.args.get("q", ""), current_lang())
    response = jsonify({"query": request.args.get("q", ""), "suggestions": names})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
