"""The relevance suite over the demo catalogue: one list, used by tests/search/test_relevance.py
(the top hit must match) and bench/search_relevance.py (success@3, NDCG@10).

Each case: (query, page locale, filters, expected). `expected` maps a document field to what
a relevant hit holds: equality for slugs and codes, a case-sensitive substring for text (so
diacritics count: "Bơ" is not "Bò")."""
from __future__ import annotations

CASES = [
    # Vietnamese with diacritics
    ("cà phê", "vi", {}, {"category_slug": "ca-phe"}),
    ("cà phê robusta", "vi", {}, {"name_vi": "Robusta"}),
    ("cà phê arabica", "vi", {}, {"name_vi": "Arabica"}),
    ("hồ tiêu", "vi", {}, {"name_vi": "Hồ tiêu"}),
    ("sầu riêng", "vi", {}, {"name_vi": "Sầu riêng"}),
    ("sầu riêng sấy", "vi", {}, {"name_vi": "Sầu riêng sấy"}),
    ("mắc ca", "vi", {}, {"name_vi": "ắc ca"}),
    ("mật ong rừng", "vi", {}, {"name_vi": "Mật ong rừng"}),
    ("gạo lứt", "vi", {}, {"name_vi": "Gạo lứt"}),
    ("hạt điều", "vi", {}, {"name_vi": "điều"}),
    ("bơ", "vi", {}, {"name_vi": "Bơ sáp"}),
    ("chè xanh", "vi", {}, {"name_vi": "Chè xanh"}),
    ("khăn thổ cẩm", "vi", {}, {"name_vi": "thổ cẩm"}),
    ("chà bông", "vi", {}, {"name_vi": "Chà bông"}),
    ("tiêu đỏ", "vi", {}, {"name_vi": "Tiêu đỏ"}),
    # Vietnamese typed without diacritics
    ("ca phe", "vi", {}, {"category_slug": "ca-phe"}),
    ("ca phe rang xay", "vi", {}, {"name_vi": "rang xay"}),
    ("sau rieng", "vi", {}, {"name_vi": "Sầu riêng"}),
    ("mac ca", "vi", {}, {"name_vi": "ắc ca"}),
    ("mat ong", "vi", {}, {"category_slug": "mat-ong"}),
    ("gao st25", "vi", {}, {"name_vi": "ST25"}),
    ("tieu den", "vi", {}, {"name_vi": "tiêu đen"}),
    ("dieu rang muoi", "vi", {}, {"name_vi": "Hạt điều rang muối"}),
    ("mit say", "vi", {}, {"name_vi": "Mít sấy"}),
    ("chanh day", "vi", {}, {"name_vi": "Chanh dây"}),
    ("ga ta", "vi", {}, {"name_vi": "Gà ta"}),
    ("ruou ghe", "vi", {}, {"name_vi": "Rượu ghè"}),
    ("quyt duong", "vi", {}, {"name_vi": "Quýt đường"}),
    # English
    ("coffee", "en", {}, {"category_slug": "ca-phe"}),
    ("pepper", "en", {}, {"category_slug": "ho-tieu-gia-vi"}),
    ("black pepper", "en", {}, {"name_en": "Black pepper"}),
    ("durian", "en", {}, {"name_en": "durian"}),
    ("macadamia", "en", {}, {"name_en": "Macadamia"}),
    ("honey", "en", {}, {"category_slug": "mat-ong"}),
    ("green tea", "en", {}, {"name_en": "green tea"}),
    ("oolong", "en", {}, {"name_en": "Oolong"}),
    ("cashew", "en", {}, {"name_en": "cashew"}),
    ("rice wine", "en", {}, {"name_en": "rice wine"}),
    ("basket", "en", {}, {"name_en": "basket"}),
    ("passion fruit", "en", {}, {"name_en": "passion fruit"}),
    # Typos (one edit, words of 5+ letters)
    ("durain", "en", {}, {"name_en": "durian"}),
    ("macadamai", "en", {}, {"name_en": "acadamia"}),
    ("peper", "en", {}, {"category_slug": "ho-tieu-gia-vi"}),
    ("cofee", "en", {}, {"category_slug": "ca-phe"}),
    ("robsta", "vi", {}, {"name_vi": "Robusta"}),
    ("arabia", "vi", {}, {"name_vi": "Arabica"}),
    # Filters and places
    ("cà phê", "vi", {"province": 68}, {"province_code": 68}),
    ("ca phe", "vi", {"category": "mat-ong"}, {"name_vi": "Mật ong hoa cà phê"}),
    ("mật ong", "vi", {"province": 19}, {"cooperative_name": "Tân Cương"}),
    ("gạo", "vi", {"max_price": 100000}, {"category_slug": "gao"}),
    ("coffee", "en", {"min_price": 400000}, {"category_slug": "ca-phe"}),
    ("Lâm Đồng cà phê", "vi", {}, {"province_code": 68}),
    ("dak lak mat ong", "vi", {}, {"province_code": 66}),
    ("Cầu Đất", "vi", {}, {"name_vi": "Cầu Đất"}),
]


def matches(document: dict, expected: dict) -> bool:
    for key, value in expected.items():
        got = document.get(key)
        if isinstance(value, str) and key not in ("category_slug", "cooperative_slug", "slug"):
            if value not in (got or ""):
                return False
        elif got != value:
            return False
    return True
