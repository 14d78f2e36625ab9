"""The one interface every search engine sits behind, and the text rules both engines share.

The rest of the code talks to a `SearchBackend` only; it never imports an engine. A document
is a plain dict built by `market.search.indexer.build_documents` (see DOCUMENT_FIELDS).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

from markupsafe import Markup, escape

from market.i18n import fold

# The indexed document. `ocop_stars` is an int 1..5 or None (no verified certificate).
DOCUMENT_FIELDS = (
    "id", "slug", "name_vi", "name_en", "description_vi", "description_en",
    "category_slug", "category_vi", "category_en", "cooperative_id", "cooperative_slug",
    "cooperative_name", "province_code", "province_name", "price", "in_stock", "ocop_stars",
    "created_at",  # POSIX seconds (float), for the "newest" sort
)
SORTS = ("relevance", "price_asc", "price_desc", "newest")
FACETS = ("category", "province", "cooperative", "stars", "price")
# Price facet buckets in VND: (key, low inclusive, high exclusive or None)
PRICE_BUCKETS = (
    ("0-100000", 0, 100_000),
    ("100000-300000", 100_000, 300_000),
    ("300000-1000000", 300_000, 1_000_000),
    ("1000000-", 1_000_000, None),
)
FUZZY_MIN_LENGTH = 5  # one edit allowed for words of 5+ letters
PER_PAGE = 24

# Ranking knobs shared by both engines: a field's weight, the page language's boost, and the
# tie-breakers among otherwise equal matches.
STARS_BOOST = 0.03       # per verified OCOP star, multiplicative
IN_STOCK_BOOST = 0.05    # multiplicative

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """NFC and lower case: phones may send decomposed (NFD) Vietnamese."""
    return unicodedata.normalize("NFC", text or "").lower()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


def folded_tokens(text: str) -> list[str]:
    return [fold(t) for t in tokens(text)]


def osa_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (Damerau: a swap of two neighbours is one edit),
    cut off at `limit + 1`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def highlight(text: str, query: str) -> Markup:
    """Wrap the words of `text` that match a query word in <mark>, diacritics ignored and one
    edit allowed for words of 5+ letters. Both engines use this, so pages look the same."""
    wanted = set(folded_tokens(query))
    if not text or not wanted:
        return Markup(escape(text or ""))
    out, last = [], 0
    for m in _TOKEN.finditer(text):
        word = fold(m.group(0).lower())
        hit = word in wanted or any(
            len(w) >= FUZZY_MIN_LENGTH and osa_distance(word, w, 1) <= 1 for w in wanted
        )
        if hit:
            out.append(escape(text[last:m.start()]))
            out.append(Markup("<mark>") + escape(m.group(0)) + Markup("</mark>"))
            last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


@dataclass
class Hit:
    id: int
    score: float
    document: dict


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict] = field(default_factory=dict)  # facet -> {key: count}


@dataclass
class Filters:
    category: str | None = None       # category slug
    province: int | None = None       # province code
    cooperative: str | None = None    # cooperative slug
    stars: int | None = None          # at least this many verified OCOP stars
    min_price: int | None = None
    max_price: int | None = None

    def without(self, name: str) -> Filters:
        """These filters less one: a facet counts what choosing another value would give."""
        data = dict(self.__dict__)
        if name == "price":
            data["min_price"] = data["max_price"] = None
        else:
            data[name] = None
        return Filters(**data)

    def active(self) -> bool:
        return any(v is not None for v in self.__dict__.values())


class SearchBackend(Protocol):
    """What a search engine must do for the marketplace. Every engine behaves identically
    (tests/search/test_behaviour.py runs against each)."""

    def index(self, documents: list[dict]) -> None:
        """Add or replace documents (a batch)."""

    def delete(self, product_ids: list[int]) -> None:
        """Remove documents by product id (a batch); unknown ids are ignored."""

    def search(self, query: str, locale: str, filters: Filters | None = None,
               sort: str = "relevance", page: int = 1, per_page: int = PER_PAGE) -> SearchResult:
        """Hits of one page, the total, and facet counts (FACETS)."""

    def suggest(self, prefix: str, locale: str, limit: int = 8) -> list[str]:
        """Product names in `locale` completing what the buyer is typing."""

    def did_you_mean(self, query: str) -> str | None:
        """A corrected query (folded words) when the words are not in the index."""

    def rebuild(self, documents) -> None:
        """Replace the whole index by `documents` (an iterable of batches), without downtime."""

    def clear(self) -> None:
        """Empty the index."""
