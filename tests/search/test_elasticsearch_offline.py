"""The Elasticsearch backend up to its boundary: index template and query bodies, offline."""
from market.search.backend import Filters
from market.search.elasticsearch_backend import (
    FUZZINESS,
    build_search,
    build_suggest,
    index_template,
    parse_facets,
)


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
    body = build_search("Cà phê robusta", "en")
    words = body["query"]["function_score"]["query"]["bool"]["must"]
    assert len(words) == 3
    short = words[0]["bool"]["should"]
    assert len(short) == 2  # "cà": exact and folded, no fuzziness under 5 letters
    long_word = words[2]["bool"]["should"]
    assert long_word[2]["multi_match"]["fuzziness"] == FUZZINESS == "AUTO:5,100"
    exact_fields = long_word[0]["multi_match"]["fields"]
    assert "name_en.exact^18" in exact_fields and "name_vi.exact^10.5" in exact_fields
    assert "name_en^12" in long_word[1]["multi_match"]["fields"]


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
