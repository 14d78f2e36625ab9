"""The synonym list, sizes and star words (issue 12): the data file, its parsing, and the same
behaviour in every engine (Elasticsearch only with ELASTICSEARCH_URL)."""
from __future__ import annotations

import pytest

from market.search.backend import Filters, tokens
from market.search.synonyms import SYNONYMS_FILE, Synonyms, default, es_rules, groups, parse
from market.search.terms import derived_terms, rewrite_query, size_terms
from tests.search.test_behaviour import doc, ids

# --- the data file --------------------------------------------------------------------------

def test_the_file_parses_and_covers_the_words_buyers_type():
    rules = parse(SYNONYMS_FILE.read_text(encoding="utf-8"))
    assert len(rules) >= 20
    syn = default()
    for typed, other in [("cafe", "cà phê"), ("cà phê", "coffee"), ("tiêu", "pepper"),
                         ("sầu riêng", "durian"), ("mắc ca", "macadamia"),
                         ("điều", "cashew"), ("honey", "mật ong"), ("rice", "gạo"),
                         ("chè", "trà"), ("avocado", "bơ sáp"), ("rubber", "cao su")]:
        (group,) = syn.groups(tokens(typed))
        assert tuple(tokens(other)) in group.alternatives, (typed, other)


def test_format_equivalence_one_way_comments_and_errors():
    syn = Synonyms(parse("# comment\n\ncà phê, coffee  # trailing\nbutter => bơ lạt\n"))
    assert syn.groups(["coffee"])[0].alternatives == (("cà", "phê"),)
    assert syn.groups(["butter"])[0].alternatives == (("bơ", "lạt"),)
    assert syn.groups(["bơ", "lạt"])[0].alternatives == ()  # one way: not back
    for bad in ("lonely", "a => b => c", " , => x"):
        with pytest.raises(ValueError):
            parse(bad)


def test_longest_phrase_first_and_unaccented_only_when_unambiguous():
    assert [g.words for g in groups(["gạo", "lứt", "đỏ"])] == [("gạo", "lứt"), ("đỏ",)]
    assert groups(["ca", "phe"])[0].alternatives  # unaccented "ca phe" is only cà phê
    syn = Synonyms(parse("bơ, avocado\nbò, beef\n"))
    assert syn.groups(["bo"])[0].alternatives == ()  # bơ or bò: the buyer did not say
    assert syn.groups(["bơ"])[0].alternatives == (("avocado",),)
    assert syn.groups(["bò"])[0].alternatives == (("beef",),)


def test_avocado_is_not_butter():
    assert ("bơ",) not in groups(["avocado"])[0].alternatives
    assert all("avocado" not in alt for alt in groups(["butter"])[0].alternatives)


def test_elasticsearch_rules_are_the_file_lines():
    assert "sầu riêng, durian" in es_rules()
    assert "sau rieng, durian" in es_rules(folded=True)


# --- sizes and stars ------------------------------------------------------------------------

@pytest.mark.parametrize("typed,token", [
    ("500g", "500g"), ("500 g", "500g"), ("500 gr", "500g"), ("0,5 kg", "500g"),
    ("0.5kg", "500g"), ("1kg", "1000g"), ("1 kg", "1000g"), ("1 ký", "1000g"),
    ("1 lít", "1000ml"), ("500ml", "500ml"), ("1,6 m", "160cm"), ("1.500 m", "150000cm"),
])
def test_sizes_normalise_the_same_way_in_queries_and_texts(typed, token):
    assert rewrite_query(typed) == token
    assert size_terms(f"Gói {typed} loại 1") == [token]


def test_numbers_that_are_not_sizes_stay_words():
    assert rewrite_query("gạo ST25 W240 12,5%") == "gạo st25 w240 12,5%"
    assert size_terms("Sầu riêng Ri6, tháng 2-3") == []


@pytest.mark.parametrize("typed", ["4 sao", "4sao", "4 stars", "4 star", "4-star", "4★"])
def test_star_words(typed):
    assert rewrite_query(typed) == "ocop4sao"


def test_documents_derive_sizes_from_any_text_field_and_at_least_their_stars():
    terms = derived_terms({"id": 1, "slug": "goi-500-g", "name_vi": "Cà phê", "ocop_stars": 3,
                           "variant_labels": ["Gói 500 g", "Túi 1 kg"]})
    assert terms == ["500g", "1000g", "ocop", "ocop1sao", "ocop2sao", "ocop3sao"]
    assert derived_terms({"name_vi": "Cà phê", "ocop_stars": None}) == []


# --- the same in every engine ---------------------------------------------------------------

def test_loanwords_and_english_both_ways(backend):
    coffee = doc("Cà phê Robusta", "")
    honey = doc("Mật ong rừng", "")  # no English text at all
    durian = doc("Sầu riêng sấy", "Dried durian")
    backend.index([coffee, honey, durian])
    for query, locale in [("cafe", "vi"), ("coffee", "en"), ("caphe", "vi"), ("cà phê", "en")]:
        assert ids(backend.search(query, locale)) == [coffee["id"]], query
    assert ids(backend.search("honey", "en")) == [honey["id"]]
    assert ids(backend.search("wild honey", "en")) == []  # "wild" is nowhere: every word counts
    assert ids(backend.search("sầu riêng", "en")) == [durian["id"]]
    assert ids(backend.search("durian", "vi")) == [durian["id"]]


def test_avocado_finds_the_fruit_and_butter_does_not(backend):
    avocado = doc("Bơ sáp Đắk Lắk", "")
    butter = doc("Bơ lạt làm bánh", "")
    beef = doc("Bò một nắng", "")
    backend.index([avocado, butter, beef])
    assert ids(backend.search("avocado", "en")) == [avocado["id"]]
    assert ids(backend.search("butter", "en")) == [butter["id"]]
    found = ids(backend.search("bơ", "vi"))  # folded "bo" matches beef too, ranked last
    assert set(found[:2]) == {avocado["id"], butter["id"]} and found[2:] == [beef["id"]]
    assert beef["id"] not in ids(backend.search("avocado", "en"))


def test_sizes_match_however_written(backend):
    small = doc("Cà phê rang xay gói 500 g", "")
    large = doc("Cà phê rang xay 1kg", "")
    labelled = doc("Mật ong", "")
    labelled["variant_labels"] = ["Chai 0,5 lít"]  # text another part of the indexer may add
    backend.index([small, large, labelled])
    for query in ("500g", "500 g", "0,5 kg", "cà phê 500gr"):
        assert ids(backend.search(query, "vi")) == [small["id"]], query
    for query in ("1kg", "1 kg", "1000 g", "ca phe 1 ki"):
        assert ids(backend.search(query, "vi")) == [large["id"]], query
    assert ids(backend.search("mật ong 500ml", "vi")) == [labelled["id"]]


def test_ocop_and_star_words_find_at_least_that_many_stars(backend):
    three = doc("Mật ong hoa cà phê", "Coffee blossom honey", ocop_stars=3)
    five = doc("Mật ong rừng", "Wild honey", ocop_stars=5)
    plain = doc("Mật ong nuôi", "Farm honey")
    backend.index([three, five, plain])
    assert set(ids(backend.search("ocop", "vi"))) == {three["id"], five["id"]}
    assert set(ids(backend.search("mật ong 3 sao", "vi"))) == {three["id"], five["id"]}
    assert ids(backend.search("4 sao", "vi")) == [five["id"]]
    assert ids(backend.search("honey 5 stars", "en")) == [five["id"]]
    assert ids(backend.search("ocop 4-star", "en")) == [five["id"]]
    assert ids(backend.search("mật ong", "vi", Filters(stars=3)))  # the filter still works
