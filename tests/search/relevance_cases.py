"""The relevance suite over the demo catalogue: one list, used by tests/search/test_relevance.py
(the top hit must match) and bench/search_relevance.py (success@3, NDCG@10).

Each case: (query, page locale, filters, expected). `expected` maps a document field to what
a relevant hit holds: equality for slugs and codes, a case-sensitive substring for text (so
diacritics count: "Bơ" is not "Bò"). Two keys are not document fields: "text" is a substring
of any text field (names, descriptions, and whatever text the indexer adds, such as variant
labels), and "min_ocop_stars" asks for at least that many verified OCOP stars."""
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

# Issue 12: how buyers type (market/search/synonyms.txt and market/search/terms.py)
NEW_CASES = [
    # Loanwords and English in Vietnamese search, and back
    ("cafe", "vi", {}, {"category_slug": "ca-phe"}),
    ("café", "en", {}, {"category_slug": "ca-phe"}),
    ("cafe robusta", "vi", {}, {"name_vi": "Robusta"}),
    ("caphe", "vi", {}, {"category_slug": "ca-phe"}),
    ("cà phê", "en", {}, {"category_slug": "ca-phe"}),
    ("coffee", "vi", {}, {"category_slug": "ca-phe"}),
    ("tiêu", "vi", {}, {"category_slug": "ho-tieu-gia-vi"}),
    ("pepper", "vi", {}, {"category_slug": "ho-tieu-gia-vi"}),
    ("hồ tiêu", "en", {}, {"category_slug": "ho-tieu-gia-vi"}),
    ("durian", "vi", {}, {"name_vi": "Sầu riêng"}),
    ("sầu riêng", "en", {}, {"name_vi": "Sầu riêng"}),
    ("macadamia", "vi", {}, {"name_vi": "ắc ca"}),
    ("macca", "vi", {}, {"name_vi": "ắc ca"}),
    ("mắc ca", "en", {}, {"name_vi": "ắc ca"}),
    ("cashew", "vi", {}, {"name_vi": "điều"}),
    ("hạt điều", "en", {}, {"name_vi": "điều"}),
    ("honey", "vi", {}, {"category_slug": "mat-ong"}),
    ("mật ong", "en", {}, {"category_slug": "mat-ong"}),
    ("rice", "vi", {}, {"category_slug": "gao"}),
    ("gạo", "en", {}, {"category_slug": "gao"}),
    ("tea", "vi", {}, {"category_slug": "che-tra"}),
    ("trà xanh", "vi", {}, {"name_vi": "Chè xanh"}),
    ("chè", "en", {}, {"category_slug": "che-tra"}),
    ("avocado", "vi", {}, {"name_vi": "Bơ sáp"}),
    ("bơ", "en", {}, {"name_vi": "Bơ sáp"}),
    ("jackfruit", "vi", {}, {"name_vi": "Mít"}),
    ("chanh leo", "vi", {}, {"name_vi": "Chanh dây"}),
    ("brown rice", "vi", {}, {"name_vi": "Gạo lứt"}),
    # English search finds products that have no English text, through their Vietnamese names
    ("honey quân vương 1 lít", "en", {}, {"name_vi": "Mật ong rừng Quân Vương", "text": "1 lít"}),
    ("durian ri6 quảng phú", "en", {}, {"name_vi": "Sầu riêng Ri6 Quảng Phú"}),
    ("clean rice thái hải", "en", {}, {"cooperative_name": "Thái Hải", "category_slug": "gao"}),
    ("tea tân cương 200g", "en", {}, {"category_slug": "che-tra", "text": "200 g"}),
    ("macadamia việt farm 1kg", "en", {}, {"name_vi": "Mắc ca nứt vỏ sấy Việt Farm",
                                           "text": "1 kg"}),
    ("pepper rừng lạnh", "en", {}, {"name_vi": "Hồ tiêu đen Rừng Lạnh"}),
    # Units and sizes, written together, apart, in kg or g, with a decimal comma
    ("500g", "vi", {}, {"text": "500 g"}),
    ("cà phê 500g", "vi", {}, {"category_slug": "ca-phe", "text": "500 g"}),
    ("ca phe 1kg", "vi", {}, {"category_slug": "ca-phe", "text": "1 kg"}),
    ("mật ong 1 lít", "vi", {}, {"category_slug": "mat-ong", "text": "1 lít"}),
    ("honey 500ml", "en", {}, {"category_slug": "mat-ong", "text": "500 ml"}),
    ("tiêu đen 100 g", "vi", {}, {"category_slug": "ho-tieu-gia-vi", "text": "100 g"}),
    ("gạo 5kg", "vi", {}, {"category_slug": "gao", "text": "5 kg"}),
    ("gao 10 kg", "vi", {}, {"category_slug": "gao", "text": "10 kg"}),
    ("pepper 0,5 kg", "en", {}, {"category_slug": "ho-tieu-gia-vi", "text": "500 g"}),
    ("mắc ca 0.5kg", "vi", {}, {"name_vi": "ắc ca", "text": "500 g"}),
    ("chiếu 1,6m", "vi", {}, {"name_vi": "Chiếu", "text": "1,6 m"}),
    ("coffee 250 gr", "en", {}, {"category_slug": "ca-phe", "text": "250 g"}),
    ("chè 200 gram", "vi", {}, {"category_slug": "che-tra", "text": "200 g"}),
    # OCOP and star words: "N sao" means at least N verified stars
    ("ocop", "vi", {}, {"min_ocop_stars": 1}),
    ("OCOP", "en", {}, {"min_ocop_stars": 1}),
    ("4 sao", "vi", {}, {"min_ocop_stars": 4}),
    ("5 sao", "vi", {}, {"min_ocop_stars": 5}),
    ("ocop 5 sao", "vi", {}, {"min_ocop_stars": 5}),
    ("4 stars", "en", {}, {"min_ocop_stars": 4}),
    ("4-star", "en", {}, {"min_ocop_stars": 4}),
    ("cà phê ocop", "vi", {}, {"category_slug": "ca-phe", "min_ocop_stars": 1}),
    ("mắc ca 4 sao", "vi", {}, {"name_vi": "ắc ca", "min_ocop_stars": 4}),
    ("ocop 3 sao tiêu", "vi", {}, {"category_slug": "ho-tieu-gia-vi", "min_ocop_stars": 3}),
    ("cashew 4 stars", "en", {}, {"name_vi": "điều", "min_ocop_stars": 4}),
]
ORIGINAL_CASES = CASES
CASES = ORIGINAL_CASES + NEW_CASES


def matches(document: dict, expected: dict) -> bool:
    for key, value in expected.items():
        if key == "text":
            if not any(value in text for text in _texts(document)):
                return False
            continue
        if key == "min_ocop_stars":
            if (document.get("ocop_stars") or 0) < value:
                return False
            continue
        got = document.get(key)
        if isinstance(value, str) and key not in ("category_slug", "cooperative_slug", "slug"):
            if value not in (got or ""):
                return False
        elif got != value:
            return False
    return True


def _texts(document: dict):
    for key, value in document.items():
        for text in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(text, str) and not key.endswith("slug"):
                yield text
