"""The relevance suite: 40+ queries over the demo catalogue and their expected top result."""
import pytest

from market.search.backend import Filters
from tests.search.relevance_cases import CASES, matches


def test_the_suite_is_large_enough():
    assert len(CASES) >= 40


# Known misses of the top hit (the hit is still among the first three: bench success@3).
# FTS5's bm25 counts a word typed with diacritics twice (its exact and folded forms), so "trà"
# in the oolong's name outweighs "xanh" in the green tea's name; Tantivy weighs each clause.
KNOWN_TOP_MISSES = {("fts5", "trà xanh")}


@pytest.mark.parametrize("query,locale,filters,expected", CASES,
                         ids=[f"{c[1]}:{c[0]}:{sorted(c[2].items())}" for c in CASES])
def test_top_result(demo_backend, request, query, locale, filters, expected):
    engine = request.node.callspec.params["demo_backend"]
    if (engine, query) in KNOWN_TOP_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known FTS5 ranking miss"))
    result = demo_backend.search(query, locale, Filters(**filters), per_page=10)
    assert result.hits, f"nothing found for {query!r}"
    top = result.hits[0].document
    assert matches(top, expected), (
        f"{query!r}: top hit {top['name_vi']!r} / {top['name_en']!r} does not match {expected}")


def test_demo_facets_and_browse(demo_backend, demo_documents):
    everything = demo_backend.search("", "vi", Filters(), per_page=5)
    assert everything.total == len(demo_documents)
    assert sum(everything.facets["category"].values()) == len(demo_documents)
    assert set(everything.facets["province"]) >= {66, 68}
