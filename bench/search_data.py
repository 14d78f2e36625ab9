"""A realistic synthetic catalogue for the search benchmarks: product types from the demo's
real vocabulary (market/demo/catalog_data.py), the 34 provinces and 3,321 communes/wards of the
2025 reorganisation (vietnam-provinces), cooperative brands made from real commune names,
and real-world qualifiers and pack sizes. Deterministic (seeded)."""
from __future__ import annotations

import random

from market.demo.catalog_data import CATEGORIES, COOPERATIVES, PRODUCTS
from market.geo import services as geo
from market.i18n import fold, slugify

QUALIFIERS = [  # (vi, en)
    ("", ""), ("hữu cơ", "organic"), ("loại 1", "grade 1"), ("đặc biệt", "premium"),
    ("thượng hạng", "superior"), ("quà tặng", "gift"), ("túi zip", "zip bag"),
    ("xuất khẩu", "export grade"), ("truyền thống", "traditional"), ("sạch", "clean"),
    ("VietGAP", "VietGAP"), ("tự nhiên", "natural"), ("nguyên chất", "pure"),
]
SIZES = ["100 g", "200 g", "250 g", "300 g", "500 g", "1 kg", "2 kg", "5 kg", "hộp 6 gói",
         "chai 500 ml", "1 lít", "thùng 10 kg"]
COOP_KINDS = ["Hợp tác xã Nông nghiệp", "HTX Dịch vụ Nông nghiệp", "Hợp tác xã Sản xuất",
              "HTX Nông lâm nghiệp", "Hợp tác xã Thương mại Dịch vụ", "HTX Hữu cơ"]


def cooperatives(rng: random.Random, count: int = 2000) -> list[dict]:
    wards = sorted(geo._wards().values(), key=lambda w: w.code)
    brands = [c[4] for c in COOPERATIVES]
    out = []
    for n in range(count):
        ward = rng.choice(wards)
        short = ward.name_vi.split(" ", 1)[-1]
        brand = brands[n] if n < len(brands) else short
        province = geo.province(ward.province_code)
        name = f"{rng.choice(COOP_KINDS)} {short}"
        out.append({"id": n + 1, "slug": f"{slugify(name, 80)}-{n}", "name": name,
                    "brand": brand, "province_code": province.code,
                    "province_name": province.name_vi})
    return out


def products(count: int = 100_000, seed: int = 2026) -> list[dict]:
    """`count` documents in the indexer's format (market.search.indexer.document)."""
    rng = random.Random(seed)
    coops = cooperatives(rng)
    categories = {slug: (vi, en) for slug, vi, en in CATEGORIES}
    keys = sorted(PRODUCTS)
    out = []
    for n in range(1, count + 1):
        key = rng.choice(keys)
        cat, name_vi, name_en, desc_vi, desc_en, _unit, price, variants = PRODUCTS[key]
        coop = rng.choice(coops)
        qual_vi, qual_en = rng.choice(QUALIFIERS)
        size = rng.choice(SIZES) if rng.random() < 0.7 else rng.choice(variants)[0]
        full_vi = " ".join(x for x in (name_vi, qual_vi, coop["brand"], size) if x)
        full_en = "" if n % 9 == 4 else " ".join(
            x for x in (name_en, qual_en, coop["brand"], size) if x)
        out.append({
            "id": n, "slug": f"{slugify(full_vi, 100)}-{n}",
            "name_vi": full_vi, "name_en": full_en,
            "description_vi": f"{desc_vi} Sản phẩm của {coop['name']}, {coop['province_name']}.",
            "description_en": "" if not full_en else f"{desc_en} Made by {fold(coop['name'])}.",
            "category_slug": cat, "category_vi": categories[cat][0],
            "category_en": categories[cat][1],
            "cooperative_id": coop["id"], "cooperative_slug": coop["slug"],
            "cooperative_name": coop["name"], "province_code": coop["province_code"],
            "province_name": coop["province_name"],
            "price": int(round(price * rng.uniform(0.3, 3.0), -3)) or 1000,
            "in_stock": rng.random() > 0.08,
            "ocop_stars": rng.choice([3, 3, 4, 4, 5]) if rng.random() < 0.2 else None,
            "created_at": 1_750_000_000.0 + n * 60,
        })
    return out


QUERY_WORDS = [
    "cà phê", "ca phe", "cà phê robusta", "ca phe arabica", "coffee", "ground coffee",
    "hồ tiêu", "tieu den", "black pepper", "pepper", "sầu riêng", "sau rieng sấy", "durian",
    "mắc ca", "mac ca", "macadamia", "mật ong", "mat ong rung", "honey", "gạo st25", "gao",
    "rice", "chè xanh", "tra o long", "green tea", "hạt điều", "cashew", "bơ sáp", "avocado",
    "mít sấy", "jackfruit", "chanh dây", "passion fruit", "thổ cẩm", "brocade", "gùi",
    "basket", "rượu ghè", "rice wine", "gà ta", "chicken", "chà bông", "nghệ", "turmeric",
    "hữu cơ", "organic", "quà tặng", "gift", "đặc biệt", "premium", "1 kg", "500 g",
    "durain", "macadamai", "peper", "cofee", "robsta", "honney", "avocdo", "jackfuit",
    "cà phê đắk lắk", "lam dong", "gia lai", "mat ong hoa ca phe", "tieu do",
]


def queries(count: int = 1000, seed: int = 7) -> list[dict]:
    """Mixed queries: words, typos, places, and a third with a filter; various sorts/pages."""
    rng = random.Random(seed)
    provinces = [p.code for p in geo.provinces()]
    cats = [c[0] for c in CATEGORIES]
    out = []
    for _ in range(count):
        filters = {}
        r = rng.random()
        if r < 0.12:
            filters["category"] = rng.choice(cats)
        elif r < 0.24:
            filters["province"] = rng.choice(provinces)
        elif r < 0.30:
            filters["min_price"], filters["max_price"] = 100_000, 500_000
        elif r < 0.34:
            filters["stars"] = 4
        out.append({
            "q": "" if rng.random() < 0.03 else rng.choice(QUERY_WORDS),
            "locale": rng.choice(["vi", "vi", "en"]),
            "filters": filters,
            "sort": rng.choice(["relevance"] * 7 + ["price_asc", "price_desc", "newest"]),
            "page": rng.choice([1, 1, 1, 1, 2, 3]),
        })
    return out
