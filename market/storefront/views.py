from flask import Blueprint, render_template, request

from market.catalog import services as catalog
from market.geo import services as geo
from market.ocop import services as ocop
from market.vendors import services as vendors

bp = Blueprint("storefront", __name__, url_prefix="/<lang:lang>", template_folder="templates")

PAGE_SIZE = 24


@bp.get("/")
def home():
    page = max(request.args.get("page", 1, type=int), 1)
    total = catalog.count_public_products()
    products = catalog.latest_public_products(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "storefront/home.html",
        cooperatives=vendors.list_approved(),
        products=products,
        badges=ocop.badges_for_products([p.id for p in products]),
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
        province=geo.province,
    )
