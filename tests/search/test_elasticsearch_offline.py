"""The Elasticsearch backend up to its boundary: index template and query bodies, offline."""
from market.search.backend import Filters
from market.search.elasticsearch_backend import (
    FUZZINESS,
    build_search,
    build_suggest,
    index_template,
    parse_facets,
    source,
)
from market.search.synonyms import SYNONYMS_FILE, parse


def test_template_folds_vietnamese_and_keeps_an_exact_subfield():
    t = index_template("htx-products")
    assert t["index_patterns"] == ["htx-products-v*"]
    analysis = t["template"]["settings"]["analysis"]
    assert "đ => d" in analysis["char_filter"]["vi_d"]["mappings"]
    folded = analysis["analyzer"]["vi_folded"]
    assert folded["char_filter"] == ["vi_d"] and "vi_ascii" in folded["filter"]
    assert analysis["filter"]["vi_ascii"]["type"] == "asciifolding"
    assert analysis["analyzer"]["vi_exact"]["filter"] == ["lowercase"]
    name = t["template"]["mappings"]["properties"]["name_vi"]
    assert name["analyzer"] == "vi_folded" and name["fields"]["exact"]["analyzer"] == "vi_exact"
    assert t["template"]["mappings"]["properties"]["ocop_stars"]["type"] == "integer"


def test_every_word_must_match_exact_folded_or_fuzzy_with_the_page_language_boosted():
    body = build_search("Cà phê robusta mới", "en")
    words = body["query"]["function_score"]["query"]["bool"]["must"]
    assert len(words) == 3  # "cà phê" is one phrase of the synonym list
    phrase = words[0]["bool"]["should"]
    assert phrase[0]["multi_match"]["query"] == "cà phê"
    assert phrase[0]["multi_match"]["operator"] == "and" and len(phrase) == 2
    short = words[2]["bool"]["should"]
    assert len(short) == 2  # "mới": exact and folded, no fuzziness under 5 letters
    long_word = words[1]["bool"]["should"]
    assert long_word[2]["multi_match"]["fuzziness"] == FUZZINESS == "AUTO:5,100"
    exact_fields = long_word[0]["multi_match"]["fields"]
    assert "name_en.exact^18" in exact_fields and "name_vi.exact^10.5" in exact_fields
    assert "name_en^12" in long_word[1]["multi_match"]["fields"]


def test_synonym_graph_filters_come_from_the_synonym_file_at_search_time_only():
    t = index_template("htx-products")
    analysis = t["template"]["settings"]["analysis"]
    rules = parse(SYNONYMS_FILE.read_text(encoding="utf-8"))
    exact, folded = analysis["filter"]["htx_synonyms"], analysis["filter"]["htx_synonyms_folded"]
    assert exact["type"] == folded["type"] == "synonym_graph"
    assert len(exact["synonyms"]) == len(rules) >= 20
    assert "cà phê, cafe, café, coffee, caphe" in exact["synonyms"]
    assert "ca phe, cafe, coffee, caphe" in folded["synonyms"]
    assert any(line.startswith("butter, bơ lạt") for line in exact["synonyms"])
    # the folded search analyzer folds before its synonym filter; the index analyzers have none
    assert analysis["analyzer"]["vi_folded_search"]["filter"] == [
        "lowercase", "vi_ascii", "htx_synonyms_folded"]
    assert analysis["analyzer"]["vi_exact_search"]["filter"][-1] == "htx_synonyms"
    assert all("synonym" not in f for f in analysis["analyzer"]["vi_folded"]["filter"])
    name = t["template"]["mappings"]["properties"]["name_vi"]
    assert name["search_analyzer"] == "vi_folded_search"
    assert name["fields"]["exact"]["search_analyzer"] == "vi_exact_search"


def test_sizes_and_star_words_are_rewritten_and_indexed_as_keywords():
    body = build_search("mật ong 0,5 lít 4 sao", "vi")
    words = [w["bool"]["should"][0]["multi_match"]["query"]
             for w in body["query"]["function_score"]["query"]["bool"]["must"]]
    assert words == ["mật ong", "500ml", "ocop4sao"]
    t = index_template("htx-products")
    assert t["template"]["mappings"]["properties"]["keywords"]["type"] == "text"
    stored = source({"id": 1, "name_vi": "Mật ong Gói 500 ml", "slug": "x", "ocop_stars": 4})
    assert stored["keywords"].split() == ["500ml", "ocop", "ocop1sao", "ocop2sao", "ocop3sao",
                                          "ocop4sao"]


def test_filters_are_post_filters_and_each_facet_ignores_its_own():
    body = build_search("gao", "vi", Filters(category="gao", province=68, stars=3,
                                             min_price=10, max_price=20))
    post = body["post_filter"]["bool"]["filter"]
    assert {"term": {"category_slug": "gao"}} in post
    assert {"range": {"ocop_stars": {"gte": 3}}} in post
    assert {"range": {"price": {"gte": 10, "lte": 20}}} in post
    category_agg = body["aggs"]["category"]["filter"]["bool"]["filter"]
    assert {"term": {"category_slug": "gao"}} not in category_agg
    assert {"term": {"province_code": 68}} in category_agg
    assert body["aggs"]["price"]["aggs"]["values"]["range"]["ranges"][-1] == {
        "key": "1000000-", "from": 1_000_000}


def test_ties_broken_by_stock_and_stars_and_sorts_and_pages():
    body = build_search("", "vi", sort="price_desc", page=3, per_page=10)
    assert body["query"]["function_score"]["query"] == {"match_all": {}}
    weights = {str(f["filter"]): f["weight"] for f in body["query"]["function_score"]["functions"]}
    assert weights[str({"term": {"in_stock": True}})] > 1
    assert weights[str({"term": {"ocop_stars": 5}})] > weights[str({"term": {"ocop_stars": 4}})]
    assert body["sort"][0] == {"price": "desc"} and body["from"] == 20 and body["size"] == 10


def test_suggest_and_facet_parsing():
    body = build_suggest("sau ri", "vi")
    assert body["query"]["bool"]["must"][-1]["multi_match"]["type"] == "phrase_prefix"
    facets = parse_facets({"category": {"values": {"buckets": [
        {"key": "gao", "doc_count": 2}, {"key": "ca-phe", "doc_count": 0}]}}})
    assert facets == {"category": {"gao": 2}}


def test_only_the_backend_modules_import_their_engine():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "market"

    def importers(name):
        return [p.name for p in root.rglob("*.py")
                if f"import {name}" in p.read_text() or f"from {name} " in p.read_text()]
    assert importers("elasticsearch") == ["elasticsearch_backend.py"]
    assert importers("tantivy") == ["tantivy_backend.py"]
