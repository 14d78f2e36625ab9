"""`flask seed-demo`: a living marketplace to click through. Safe to run again: every row is
looked up by its natural key first, so a second run adds nothing."""
from __future__ import annotations

import hashlib
import random

from market.accounts import services as accounts
from market.accounts.models import Role
from market.catalog import services as catalog
from market.catalog.models import Category, Product, ProductStatus
from market.demo.art import demo_image, replace_flat_cards
from market.demo.catalog_data import CATEGORIES, COOPERATIVES, PRODUCTS, SECTORS_EN
from market.extensions import db
from market.geo import services as geo
from market.i18n import fold, slugify
from market.vendors import services as vendors
from market.vendors.models import Cooperative, CooperativeStatus

DEMO_PASSWORD = "htx-demo-2026"
DEMO_ACCOUNTS = [
    # email, name, role, extra
    ("admin@demo.htx.vn", "Quản trị viên", Role.ADMIN, {}),
    ("officer.daklak@demo.htx.vn", "Cán bộ Sở Công Thương Đắk Lắk", Role.OFFICER, {"province": "Đắk Lắk"}),
    ("owner@demo.htx.vn", "Chủ nhiệm HTX Ea Kmat", Role.COOP_STAFF, {"coop": 0, "owner": True}),
    ("staff@demo.htx.vn", "Nhân viên HTX Ea Kmat", Role.COOP_STAFF, {"coop": 0}),
    ("owner.caudat@demo.htx.vn", "Chủ nhiệm HTX Song Vũ", Role.COOP_STAFF, {"coop": 13, "owner": True}),
    ("buyer@demo.htx.vn", "Người mua thử", Role.BUYER, {}),
]


def _registration_code(index: int) -> str:
    """Invented but valid enterprise codes (prefix 60, old Đắk Lắk tax office) with check digit."""
    from stdnum.vn import mst

    seq = index * 7 + 1
    while len(mst.calc_check_digit(f"60{seq:07d}")) != 1:  # some bodies have no valid digit
        seq += 1
    body = f"60{seq:07d}"
    return body + mst.calc_check_digit(body)


def _commune_for(province, old_place: str):
    """Best effort: the 2025 commune whose name matches the old one, else the first listed."""
    wanted = [fold(part).strip() for part in old_place.replace("(", "/").split("/")]
    candidates = geo.communes(province.code)
    for ward in candidates:
        short = fold(ward.name_vi).removeprefix("xa ").removeprefix("phuong ")
        if any(short and short in w for w in wanted if w):
            return ward
    return candidates[0]


def seed(media_dir: str, log=print, *, private_dir: str | None = None) -> dict:
    """Load the demo (idempotent). Public images go to `media_dir`; the OCOP decisions to
    `private_dir` (default: the app's PRIVATE_DIR), where older versions' private files
    left under `media_dir` are moved too."""
    from flask import current_app

    from market.uploads import move_legacy_private

    private_dir = private_dir or current_app.config["PRIVATE_DIR"]
    move_legacy_private(media_dir, private_dir)
    rng = random.Random(2026)
    counts = {"cooperatives": 0, "products": 0, "users": 0, "categories": 0}
    categories = {}
    for position, (slug, name_vi, name_en) in enumerate(CATEGORIES):
        category = db.session.scalar(db.select(Category).filter_by(slug=slug))
        if category is None:
            category = catalog.create_category(slug, name_vi, name_en, position=position)
            counts["categories"] += 1
        categories[slug] = category

    coops = []
    for index, (name, province_name, old_place, sector, brand, keys, members) in enumerate(COOPERATIVES):
        code = _registration_code(index)
        coop = db.session.scalar(db.select(Cooperative).filter_by(registration_code=code))
        province = geo.find_province(province_name)
        if coop is None:
            commune = _commune_for(province, old_place or province_name)
            coop = vendors.create_cooperative({
                "name": name, "registration_code": code, "province_code": province.code,
                "commune_code": commune.code, "address": old_place, "sector": sector,
                "member_count": members, "founded_year": rng.randint(1998, 2021),
                "story_vi": f"{name} gồm {members} thành viên, chuyên {sector}. "
                            f"Địa bàn khi thành lập: {old_place or province_name}.",
                "story_en": (f"A cooperative of {members} member households in {province.name_en}, "
                             f"working in {SECTORS_EN[sector]}.") if index % 5 != 4 else "",
                "contact_email": f"lienhe{index + 1}@demo.htx.vn",
            }, status=CooperativeStatus.APPROVED)
            counts["cooperatives"] += 1
        coops.append(coop)

        for key in keys:
            cat, name_vi, name_en, desc_vi, desc_en, unit, price, sizes = PRODUCTS[key]
            # One product per kind, its pack sizes as variants (one size: in the name).
            several = len(sizes) > 1
            label = "" if several else sizes[0][0]
            full_vi = " ".join(x for x in (name_vi, brand, label) if x)
            # The slug names the first size, as the products made before variants did (the
            # migration folded those into their first size): seeding again adds nothing.
            slug_name = " ".join(x for x in (full_vi, sizes[0][0] if several else "") if x)
            slug = f"{slugify(slug_name, 100)}-{hashlib.sha1(code.encode()).hexdigest()[:4]}"
            if db.session.scalar(db.select(Product.id).filter_by(slug=slug)) is not None:
                continue
            n = counts["products"]
            english_missing = n % 9 == 4  # on purpose: pages must fall back to vi
            variants = []
            for index, (size, factor) in enumerate(sizes):
                variants.append({
                    "label_vi": f"{UNIT_WORDS_VI.get(unit, unit)} {size}".strip() if several else "",
                    "label_en": f"{size} {UNIT_WORDS_EN.get(unit, '')}".strip() if several else "",
                    "price": int(round(price * factor * rng.uniform(0.9, 1.1), -3)),
                    "weight_grams": _grams(size),
                    "stock": 0 if (n + index) % 17 == 3 else rng.randint(5, 400),
                })
            product = catalog.create_product(coop, {
                "slug": slug, "name_vi": full_vi, "description_vi": desc_vi,
                "name_en": "" if english_missing else " ".join(
                    x for x in (name_en, brand, label) if x),
                "description_en": "" if english_missing else desc_en,
                "unit": unit, "variants": variants,
                "origin_province_code": province.code, "category_id": categories[cat].id,
                "status": ProductStatus.ACTIVE.value,
            })
            art = demo_image(media_dir, cat, n)
            catalog.add_image(product, art.filename, alt_vi=f"Ảnh minh họa {full_vi}",
                              alt_en=f"Illustration of {name_en}",
                              thumbnail=art.thumbnails["thumb"], size=art)
            counts["products"] += 1

    replace_flat_cards(media_dir)  # demos seeded by older versions had SVG cards only
    for email, name, role, extra in DEMO_ACCOUNTS:
        if accounts.find_by_email(email):
            continue
        province = geo.find_province(extra["province"]) if "province" in extra else None
        accounts.create_user(
            email=email, password=DEMO_PASSWORD, name=name, role=role,
            locale="vi", cooperative=coops[extra["coop"]] if "coop" in extra else None,
            is_owner=extra.get("owner", False),
            province_code=province.code if province else None,
        )
        counts["users"] += 1

    from market.ocop.demo import seed_ocop

    seed_ocop(private_dir)  # verified 3/4/5-star, one pending and one expired certificate
    from market.reviews.demo import seed as seed_reviews

    counts["reviews"] = seed_reviews(media_dir)  # delivered orders, reviews, replies
    from market.department.demo import seed as seed_department

    counts.update(seed_department())  # Đắk Lắk's register and a year of invented orders
    from market.trace.demo import seed as seed_trace

    counts["lots"] = seed_trace()  # coffee and pepper lots with full histories, one altered
    from market.intl.demo import seed as seed_intl

    counts.update(seed_intl(coops[0] if coops else None))  # rates; a coffee exporter abroad
    from market.wholesale.demo import seed as seed_wholesale

    counts["inquiries"] = seed_wholesale()  # the owner's cooperative takes RFQs; one quoted
    db.session.commit()
    return counts


# How a pack-size option reads: "Gói 500 g" / "500 g pack" (units are Vietnamese words).
UNIT_WORDS_VI = {"gói": "Gói", "hũ": "Hũ", "hộp": "Hộp", "chai": "Chai", "túi": "Túi",
                 "lọ": "Lọ"}
UNIT_WORDS_EN = {"gói": "pack", "hũ": "jar", "hộp": "box", "chai": "bottle", "túi": "bag",
                 "lọ": "jar"}


def _grams(size: str) -> int | None:
    """The shipping weight of a pack size written "250 g" or "1 kg" (None for others)."""
    number, _sep, unit = size.partition(" ")
    try:
        value = float(number.replace(",", "."))
    except ValueError:
        return None
    # A millilitre of honey or juice weighs about a gram: close enough for a shipping fee.
    return int(value * {"g": 1, "kg": 1000, "ml": 1, "lít": 1000}.get(unit, 0)) or None


def accounts_table() -> str:
    rows = [f"  {email:32} {DEMO_PASSWORD}   {role.value}" for email, _n, role, _e in DEMO_ACCOUNTS]
    return "Demo accounts (email / password / role):\n" + "\n".join(rows)
