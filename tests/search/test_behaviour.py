"""Behaviour every backend shares, run against each (Elasticsearch only with ELASTICSEARCH_URL).
Documents go straight through the SearchBackend interface, so OCOP stars can be set here
before the OCOP domain exists."""
from __future__ import annotations

import itertools

from market.search.backend import Filters

_ids = itertools.count(1)


def doc(name_vi, name_en="", **overrides):
    n = next(_ids)
    d = {
        "id": n, "slug": f"p-{n}", "name_vi": name_vi, "name_en": name_en,
        "description_vi": "", "description_en": "",
        "category_slug": "thuc-pham", "category_vi": "Thực phẩm", "category_en": "Food",
        "cooperative_id": 1, "cooperative_slug": "htx-a", "cooperative_name": "HTX A",
        "province_code": 66, "province_name": "Tỉnh Đắk Lắk", "price": 100_000,
        "in_stock": True, "ocop_stars": None, "created_at": 1_700_000_000.0 + n,
    }
    d.update(overrides)
    return d


def ids(result):
    return [h.id for h in result.hits]


def test_diacritics_are_ignored_both_ways(backend):
    coffee = doc("Cà phê Robusta", "Robusta coffee")
    typed = doc("Sau rieng kho", "")  # a cooperative typed its name without diacritics
    backend.index([coffee, typed])
    assert ids(backend.search("ca phe", "vi")) == [coffee["id"]]
    assert ids(backend.search("CÀ PHÊ", "vi")) == [coffee["id"]]
    assert ids(backend.search("sầu riêng", "vi")) == [typed["id"]]


def test_d_with_stroke_folds_to_d(backend):
    red = doc("Tiêu đỏ", "Red pepper")
    backend.index([red])
    assert ids(backend.search("tieu do", "vi")) == [red["id"]]
    assert ids(backend.search("TIÊU ĐỎ", "vi")) == [red["id"]]


def test_exact_diacritics_rank_higher(backend):
    beef = doc("Bò một nắng", "Sun-dried beef")
    avocado = doc("Bơ sáp", "Avocado")
    backend.index([beef, avocado])
    assert ids(backend.search("bò", "vi"))[0] == beef["id"]
    assert ids(backend.search("bơ", "vi"))[0] == avocado["id"]
    assert set(ids(backend.search("bo", "vi"))) == {beef["id"], avocado["id"]}


def test_both_languages_searched_and_page_language_boosted(backend):
    vi_match = doc("Hộp quà honey", "Gift box")
    en_match = doc("Hộp quà", "Honey gift box")
    backend.index([vi_match, en_match])
    assert ids(backend.search("honey", "vi")) == [vi_match["id"], en_match["id"]]
    assert ids(backend.search("honey", "en")) == [en_match["id"], vi_match["id"]]


def test_one_typo_in_long_words(backend):
    durian = doc("Sầu riêng Ri6", "Ri6 durian")
    macadamia = doc("Nhân mắc ca", "Macadamia kernels")
    pepper = doc("Hồ tiêu đen", "Black pepper")
    backend.index([durian, macadamia, pepper])
    assert ids(backend.search("durain", "en")) == [durian["id"]]
    assert ids(backend.search("macadamai", "en")) == [macadamia["id"]]
    assert ids(backend.search("peper", "en")) == [pepper["id"]]
    assert ids(backend.search("pepperr", "en")) == [pepper["id"]]
    assert ids(backend.search("durxxn", "en")) == []  # two edits: no
    assert ids(backend.search("tieux", "vi")) == [pepper["id"]]  # 5 letters: one edit allowed
    assert ids(backend.search("bax", "en")) == []  # short words must be exact


def test_name_above_category_above_description(backend):
    in_description = doc("Hộp quà tặng", "Gift box", description_en="With wild honey inside.")
    in_category = doc("Hũ thủy tinh", "Glass jar", category_en="Honey", category_vi="Mật ong")
    in_name = doc("Quà tặng", "Honey gift")
    backend.index([in_description, in_category, in_name])
    assert ids(backend.search("honey", "en")) == [in_name["id"], in_category["id"],
                                                 in_description["id"]]


def test_verified_stars_and_stock_break_ties(backend):
    plain = doc("Mật ong rừng", "Wild honey")
    out_of_stock_starred = doc("Mật ong rừng", "Wild honey", ocop_stars=4, in_stock=False)
    starred = doc("Mật ong rừng", "Wild honey", ocop_stars=4)
    three = doc("Mật ong rừng", "Wild honey", ocop_stars=3)
    backend.index([plain, out_of_stock_starred, starred, three])
    assert ids(backend.search("mật ong", "vi")) == [
        starred["id"], three["id"], out_of_stock_starred["id"], plain["id"]]


def test_filters_and_disjunctive_facets(backend):
    a = doc("Cà phê A", category_slug="ca-phe", province_code=66, cooperative_slug="htx-a",
            ocop_stars=4, price=50_000)
    b = doc("Cà phê B", category_slug="ca-phe", province_code=68, cooperative_slug="htx-b", cooperative_id=2,
            ocop_stars=3, price=250_000)
    c = doc("Cà phê mật ong", category_slug="mat-ong", province_code=68,
            cooperative_slug="htx-b", cooperative_id=2, price=1_500_000)
    backend.index([a, b, c])
    everything = backend.search("ca phe", "vi")
    assert everything.total == 3
    assert everything.facets["category"] == {"ca-phe": 2, "mat-ong": 1}
    assert everything.facets["province"] == {66: 1, 68: 2}
    assert everything.facets["cooperative"] == {"htx-a": 1, "htx-b": 2}
    assert everything.facets["stars"] == {4: 1, 3: 1}
    assert everything.facets["price"] == {"0-100000": 1, "100000-300000": 1, "1000000-": 1}

    by_province = backend.search("ca phe", "vi", Filters(province=68))
    assert sorted(ids(by_province)) == [b["id"], c["id"]]
    assert by_province.facets["province"] == {66: 1, 68: 2}  # its own filter left out
    assert by_province.facets["category"] == {"ca-phe": 1, "mat-ong": 1}
    assert ids(backend.search("ca phe", "vi", Filters(category="mat-ong"))) == [c["id"]]
    assert ids(backend.search("ca phe", "vi", Filters(cooperative="htx-a"))) == [a["id"]]
    assert sorted(ids(backend.search("ca phe", "vi", Filters(stars=3)))) == [a["id"], b["id"]]
    assert ids(backend.search("ca phe", "vi", Filters(stars=4))) == [a["id"]]
    assert ids(backend.search("", "vi", Filters(min_price=100_000, max_price=300_000))) == [b["id"]]


def test_sorts_and_pages(backend):
    docs = [doc(f"Gạo sạch {n}", price=price) for n, price in enumerate([30_000, 10_000, 20_000])]
    backend.index(docs)
    assert ids(backend.search("gao", "vi", sort="price_asc")) == [docs[1]["id"], docs[2]["id"],
                                                                 docs[0]["id"]]
    assert ids(backend.search("gao", "vi", sort="price_desc")) == [docs[0]["id"], docs[2]["id"],
                                                                  docs[1]["id"]]
    assert ids(backend.search("gao", "vi", sort="newest")) == [d["id"] for d in reversed(docs)]
    first = backend.search("gao", "vi", sort="price_asc", page=1, per_page=2)
    second = backend.search("gao", "vi", sort="price_asc", page=2, per_page=2)
    assert first.total == second.total == 3
    assert ids(first) + ids(second) == [docs[1]["id"], docs[2]["id"], docs[0]["id"]]


def test_every_word_must_match(backend):
    black = doc("Hồ tiêu đen", "Black pepper")
    white = doc("Tiêu sọ trắng", "White pepper")
    backend.index([black, white])
    assert ids(backend.search("black pepper", "en")) == [black["id"]]
    assert backend.search("black unicorn", "en").total == 0


def test_replace_and_delete(backend):
    p = doc("Chè xanh", "Green tea")
    backend.index([p])
    backend.index([dict(p, name_vi="Trà Ô long", name_en="Oolong tea")])
    assert backend.search("che xanh", "vi").total == 0
    assert ids(backend.search("o long", "vi")) == [p["id"]]
    backend.delete([p["id"], 999_999])
    assert backend.search("o long", "vi").total == 0


def test_rebuild_replaces_everything(backend):
    old = doc("Gà ta", "Chicken")
    new = doc("Gạo ST25", "ST25 rice")
    backend.index([old])
    backend.rebuild([[new]])
    assert backend.search("ga ta", "vi").total == 0
    assert ids(backend.search("gao", "vi")) == [new["id"]]


def test_suggest_completes_names_in_the_page_language(backend):
    backend.index([doc("Hồ tiêu đen", "Black pepper"), doc("Tiêu sọ trắng", "White pepper"),
                   doc("Sầu riêng Ri6", "")])
    assert backend.suggest("pep", "en") == ["Black pepper", "White pepper"] or \
        sorted(backend.suggest("pep", "en")) == ["Black pepper", "White pepper"]
    assert backend.suggest("sau ri", "en") == ["Sầu riêng Ri6"]  # falls back to Vietnamese
    assert backend.suggest("hồ tiê", "vi") == ["Hồ tiêu đen"]


def test_did_you_mean(backend):
    backend.index([doc("Sầu riêng Ri6", "Ri6 durian"), doc("Cà phê Robusta", "Robusta coffee")])
    assert backend.did_you_mean("sau rieeeng") == "sau rieng"
    assert backend.did_you_mean("sau rieng") is None


def test_a_tantivy_index_of_an_older_schema_is_replaced(tmp_path):
    import tantivy

    from market.search.tantivy_backend import TantivyBackend

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("old", stored=True)
    tantivy.Index(builder.build(), path=str(tmp_path), reuse=True)
    backend = TantivyBackend(tmp_path)  # would refuse the old schema; the index is derived data
    backend.index([doc("Gạo ST25", "ST25 rice")])
    assert backend.search("gao", "vi").total == 1
