"""Plain factory functions: each builds a valid object with sensible defaults."""
from __future__ import annotations

import itertools

from stdnum.vn import mst

from market.accounts import services as accounts
from market.accounts.models import Role
from market.catalog import services as catalog
from market.catalog.models import ProductStatus
from market.vendors import services as vendors
from market.vendors.models import CooperativeStatus

PASSWORD = "correct horse battery"
DAK_LAK = 66
_seq = itertools.count(1)


def registration_code() -> str:
    while True:
        body = f"99{next(_seq) + 5000:07d}"
        digit = mst.calc_check_digit(body)
        if len(digit) == 1:
            return body + digit


def cooperative(**overrides):
    n = next(_seq)
    data = {
        "name": f"Hợp tác xã Thử nghiệm {n}", "registration_code": registration_code(),
        "province_code": DAK_LAK, "member_count": 12, "founded_year": 2015,
        "story_vi": "Câu chuyện của hợp tác xã.", "story_en": "The cooperative's story.",
    }
    status = overrides.pop("status", CooperativeStatus.APPROVED)
    data.update(overrides)
    return vendors.create_cooperative(data, status=status)


def user(role=Role.BUYER, **overrides):
    n = next(_seq)
    data = {"email": f"user{n}@example.vn", "password": PASSWORD, "name": f"Người dùng {n}",
            "role": role}
    data.update(overrides)
    return accounts.create_user(**data)


def staff(coop=None, **overrides):
    return user(Role.COOP_STAFF, cooperative=coop or cooperative(), **overrides)


def officer(province_code=DAK_LAK, **overrides):
    return user(Role.OFFICER, province_code=province_code, **overrides)


def category(**overrides):
    n = next(_seq)
    data = {"slug": f"cat-{n}", "name_vi": f"Danh mục {n}", "name_en": f"Category {n}"}
    data.update(overrides)
    return catalog.create_category(**data)


def product(coop=None, **overrides):
    """A product with one variant (price, stock, weight_grams, sku, gtin at the top level),
    or with `variants=[{label_vi, price, stock, ...}, ...]`."""
    data = {
        "name_vi": "Cà phê Robusta rang xay", "name_en": "Ground Robusta coffee",
        "description_vi": "Rang mộc.", "description_en": "Plain roast.",
        "unit": "gói", "price": 185_000, "stock": 40, "origin_province_code": DAK_LAK,
        "status": ProductStatus.ACTIVE.value,
    }
    if "variants" in overrides:
        del data["price"], data["stock"]
    data.update(overrides)
    return catalog.create_product(coop or cooperative(), data)


def illustrate(product, media_dir: str, art: str = "ca-phe", n: int = 0):
    """Give `product` one of the demo's raster illustrations (art: a category slug of
    market.demo.art.STYLES), with its renditions, as the demo seed does."""
    from market.demo.art import demo_image

    picture = demo_image(media_dir, art, n)
    name = product.name("en") or product.name("vi")
    return catalog.add_image(product, picture.filename, alt_vi=f"Ảnh {product.name('vi')}",
                             alt_en=f"Photo of {name}", thumbnail=picture.thumbnails["thumb"],
                             size=picture)


def contact(**overrides):
    from market.orders.services import Contact

    data = {"name": "Nguyễn Thị Mai", "email": "mai@example.vn", "phone": "0912 345 678",
            "province_code": 1, "commune_code": 70, "address_line": "12 Hàng Bạc"}
    data.update(overrides)
    return Contact(**data)


def foreign_contact(**overrides):
    """A buyer in Berlin (an address abroad: province and commune 0)."""
    data = {"name": "Anna Schmidt", "email": "anna@example.de", "phone": "+49 30 1234567",
            "province_code": 0, "commune_code": 0, "address_line": "Unter den Linden 1",
            "country_code": "DE", "postal_code": "10117", "city": "Berlin"}
    data.update(overrides)
    return contact(**data)


def order(lines, method="cod", key=None, buyer=None, **contact_overrides):
    """Place an order for [(product, quantity), ...] through the real checkout service."""
    import secrets

    from market.orders.services import CheckoutLine, place_order

    return place_order(
        lines=[CheckoutLine(p.slug, q) for p, q in lines], contact=contact(**contact_overrides),
        payment_method=method, idempotency_key=key or secrets.token_urlsafe(16), buyer=buyer,
    )


def delivered_vendor_order(province_code=DAK_LAK):
    """A bank-transfer order of one product, paid (through the payment path), packed,
    shipped and delivered: (vendor order, the cooperative's staff, the buyer, the admin)."""
    from market.orders import services as orders

    coop = cooperative(province_code=province_code)
    staff_member, buyer = staff(coop), user()
    admin = user(Role.ADMIN)
    vo = order([(product(coop, price=300_000), 1)], method="vietqr",
               buyer=buyer).vendor_orders[0]
    orders.mark_order_paid(vo.order, actor=admin, note="transfer")
    orders.transition(vo, "packed", actor=staff_member)
    orders.transition(vo, "shipped", actor=staff_member, carrier="GHTK", tracking_number="GHTK12345")
    orders.transition(vo, "delivered", actor=staff_member)
    return vo, staff_member, buyer, admin


def cart_key(product, variant=None) -> str:
    """The cart's key for a product's variant (its default one unless given)."""
    return str((variant or product.default_variant).id)
