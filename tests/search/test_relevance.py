"""The relevance suite: 40+ queries over the demo catalogue and their expected top result."""
import pytest

from market.search.backend import Filters
from tests.search.relevance_cases import CASES, matches


def test_the_suite_is_large_enough():
    assert len(CASES) >= 40


# Known misses of the top hit (the hit is still among the first three: bench success@3),
# as (engine, query); strict, so a miss that is fixed must leave this list. None today (FTS5's
# "trà xanh" miss went when the demo's pack sizes became variants of one product).
KNOWN_TOP_MISSES: set[tuple[str, str]] = set()


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
