"""The default embedded search engine: Tantivy (PyPI `tantivy`, Rust) in a directory, no
server needed. Chosen by measurement over SQLite FTS5 (bench/RESULTS.md, "Search (issue 5)").
The only module that imports `tantivy`.

Text columns are the same as the FTS5 engine's (`embedded.COLUMNS`): lower-cased with
diacritics ("exact") and folded by `market.i18n.fold` (đ -> d included); a query word must
match somewhere, exact forms weigh more than folded ones, and a word of 5+ letters also
matches terms one edit away (a swap of neighbours is one edit) at a lower weight. Ties are
broken by the `boost` fast field (verified OCOP stars, stock) through `weight_by_field`.
Synonyms expand the query (market/search/synonyms.py): a word or phrase of the list matches
its own forms or one of its synonyms as a phrase, at SYNONYM_FACTOR of the weight; sizes and
star words are tokens of the `extra` column (market/search/terms.py).

A Tantivy commit is atomic, so `rebuild()` (delete all, add all, one commit) never shows a
half-built index. One writer at a time: a second one waits for the lock.
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
from pathlib import Path

import tantivy

from market.i18n import content_locale, fold, localized
from market.search.backend import (
    FUZZY_MIN_LENGTH,
    IN_STOCK_BOOST,
    PER_PAGE,
    PRICE_BUCKETS,
    STARS_BOOST,
    Filters,
    Hit,
    SearchResult,
    folded_tokens,
    normalise,
    osa_distance,
    tokens,
)
from market.search.embedded import COLUMNS, WEIGHTS, _row
from market.search.synonyms import SYNONYM_FACTOR, query_groups

log = logging.getLogger(__name__)
EXACT = ("name_vi", "name_en", "cat")
FOLDED = ("name_vi_f", "name_en_f", "cat_f", "desc_vi", "desc_en", "extra")
FUZZY_FACTOR = 0.3
FACET_FIELDS = {"category": "category", "province": "province", "cooperative": "cooperative",
                "stars": "stars"}
SORT_FIELDS = {"price_asc": ("price", "Asc"), "price_desc": ("price", "Desc"),
               "newest": ("created", "Desc")}


def _schema():
    b = tantivy.SchemaBuilder()
    for column in COLUMNS:
        b.add_text_field(column, stored=False)
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    b.add_text_field("category", fast=True, tokenizer_name="raw")
    b.add_text_field("cooperative", fast=True, tokenizer_name="raw")
    for name in ("province", "stars", "price", "created"):
        b.add_integer_field(name, indexed=True, fast=True)
    b.add_float_field("boost", fast=True)
    b.add_bytes_field("data", stored=True)  # the document as JSON, stored, not indexed
    return b.build()


class TantivyBackend:
    """SearchBackend on Tantivy."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        try:
            self.index_ = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError as exc:  # an index of an older schema: derived data, start afresh
            if "schema does not match" not in str(exc):
                raise
            log.warning("search index at %s has an older schema: emptied, run `flask reindex`",
                        self.path)
            shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
            self.index_ = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        self._lock = threading.Lock()

    # --- writing ----------------------------------------------------------------------------
    def _write(self, fn, heap_size: int = 64_000_000, threads: int = 1) -> None:
        with self._lock:
            deadline = time.monotonic() + 60
            while True:
                try:
                    writer = self.index_.writer(heap_size=heap_size, num_threads=threads)
                    break
                except ValueError:  # another process holds the writer lock
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            try:
                fn(writer)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
        self.index_.reload()

    def _document(self, d: dict):
        row = _row(d)
        stars = d.get("ocop_stars") or 0
        return tantivy.Document(
            **{c: row[i + 1] for i, c in enumerate(COLUMNS)},
            id=int(d["id"]), category=d.get("category_slug") or "",
            cooperative=d.get("cooperative_slug") or "", province=int(d.get("province_code") or 0),
            stars=int(stars), price=int(d["price"]), created=int(d.get("created_at") or 0),
            boost=1.0 + STARS_BOOST * stars + (IN_STOCK_BOOST if d.get("in_stock") else 0.0),
            data=json.dumps(d, ensure_ascii=False).encode(),
        )

    def index(self, documents: list[dict]) -> None:
        documents = list(documents)
        if not documents:
            return

        def run(writer):
            for d in documents:
                writer.delete_documents_by_term("id", int(d["id"]))
                writer.add_document(self._document(d))
        self._write(run)

    def delete(self, product_ids: list[int]) -> None:
        if product_ids:
            self._write(lambda w: [w.delete_documents_by_term("id", int(i)) for i in product_ids])

    def clear(self) -> None:
        self._write(lambda w: w.delete_all_documents())

    def rebuild(self, batches) -> None:
        def run(writer):
            writer.delete_all_documents()
            for batch in batches:
                for d in batch:
                    writer.add_document(self._document(d))
        self._write(run, heap_size=256_000_000, threads=2)

    def count(self) -> int:
        return self._searcher().num_docs

    # --- reading ----------------------------------------------------------------------------
    def _searcher(self):
        self.index_.reload()
        return self.index_.searcher()

    def _word_query(self, word: str, weights: dict):
        """One word the buyer typed: exact, folded, or one edit away (5+ letters)."""
        Q, Occur = tantivy.Query, tantivy.Occur
        exact, folded = normalise(word), fold(normalise(word))
        should = [(Occur.Should, Q.boost_query(Q.term_query(self.schema, c, exact), w))
                  for c, w in weights.items() if c in EXACT]
        should += [(Occur.Should, Q.boost_query(Q.term_query(self.schema, c, folded), w))
                   for c, w in weights.items() if c in FOLDED]
        if len(folded) >= FUZZY_MIN_LENGTH and folded.isalpha():
            should += [(Occur.Should, Q.boost_query(
                Q.fuzzy_term_query(self.schema, c, folded, 1, True), FUZZY_FACTOR * w))
                for c, w in weights.items() if c in FOLDED]
        return Q.boolean_query(should)

    def _phrase_query(self, words: tuple, weights: dict):
        """A synonym: its words as a phrase (exact and folded forms), no typo tolerance."""
        Q, Occur = tantivy.Query, tantivy.Occur

        def one(column, terms):
            if len(terms) == 1:
                return Q.term_query(self.schema, column, terms[0])
            return Q.phrase_query(self.schema, column, list(terms))
        exact = [normalise(w) for w in words]
        folded = [fold(w) for w in exact]
        should = [(Occur.Should, Q.boost_query(one(c, exact), SYNONYM_FACTOR * w))
                  for c, w in weights.items() if c in EXACT]
        should += [(Occur.Should, Q.boost_query(one(c, folded), SYNONYM_FACTOR * w))
                   for c, w in weights.items() if c in FOLDED]
        return Q.boolean_query(should)

    def _text_query(self, query: str, locale: str):
        """Every synonym group of the query must match: its own words, or an alternative."""
        weights = dict(zip(COLUMNS, WEIGHTS.get(content_locale(locale), WEIGHTS["vi"])))
        Q, Occur = tantivy.Query, tantivy.Occur
        musts = []
        for group in query_groups(query):
            own = [(Occur.Must, self._word_query(w, weights)) for w in group.words]
            own_query = own[0][1] if len(own) == 1 else Q.boolean_query(own)
            if not group.alternatives:
                musts.append((Occur.Must, own_query))
                continue
            should = [(Occur.Should, own_query)] + [
                (Occur.Should, self._phrase_query(alt, weights)) for alt in group.alternatives]
            musts.append((Occur.Must, Q.boolean_query(should)))
        return musts

    def _filter_clauses(self, f: Filters) -> list:
        Q, Occur, Int = tantivy.Query, tantivy.Occur, tantivy.FieldType.Integer
        out = []
        if f.category:
            out.append(Q.term_query(self.schema, "category", f.category))
        if f.province is not None:
            out.append(Q.term_query(self.schema, "province", int(f.province)))
        if f.cooperative:
            out.append(Q.term_query(self.schema, "cooperative", f.cooperative))
        if f.stars is not None:
            out.append(Q.range_query(self.schema, "stars", Int, int(f.stars), 5))
        if f.min_price is not None or f.max_price is not None:
            out.append(Q.range_query(self.schema, "price", Int,
                                     int(f.min_price if f.min_price is not None else 0),
                                     int(f.max_price if f.max_price is not None else 1 << 62)))
        return [(Occur.Must, Q.const_score_query(q, 0.0)) for q in out]

    def _query(self, text: list, filters: Filters):
        clauses = text + self._filter_clauses(filters)
        if not text:
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def search(self, query: str, locale: str, filters: Filters | None = None,
               sort: str = "relevance", page: int = 1, per_page: int = PER_PAGE) -> SearchResult:
        filters = filters or Filters()
        text = self._text_query(query, locale)
        searcher = self._searcher()
        page = max(int(page), 1)
        q = self._query(text, filters)
        if sort in SORT_FIELDS:
            field, order = SORT_FIELDS[sort]
            result = searcher.search(q, limit=per_page, offset=(page - 1) * per_page,
                                     count=True, order_by_field=field,
                                     order=getattr(tantivy.Order, order))
        else:
            result = searcher.search(q, limit=per_page, offset=(page - 1) * per_page,
                                     count=True, weight_by_field="boost")
        hits = []
        for score, address in result.hits:
            doc = json.loads(searcher.doc(address)["data"][0])
            hits.append(Hit(id=doc["id"], score=float(score), document=doc))
        return SearchResult(hits=hits, total=result.count,
                            facets=self._facets(searcher, text, filters))

    def _facets(self, searcher, text, filters: Filters) -> dict:
        """Each facet counts with every filter but its own; one aggregation when no filter."""
        def aggs_for(names):
            out = {}
            for name in names:
                if name == "price":
                    out[name] = {"range": {"field": "price", "ranges": [
                        {"key": key, "from": low, **({"to": high} if high else {})}
                        for key, low, high in PRICE_BUCKETS]}}
                else:
                    out[name] = {"terms": {"field": FACET_FIELDS[name], "size": 1000}}
            return out

        names = ["category", "province", "cooperative", "stars", "price"]
        if filters.active():
            runs = [([name], filters.without(name)) for name in names]
        else:
            runs = [(names, filters)]
        facets = {}
        for group, f in runs:
            result = searcher.aggregate(self._query(text, f), aggs_for(group))
            for name in group:
                buckets = result[name]["buckets"]
                counts = {}
                for b in buckets:
                    key = b["key"]
                    if not b["doc_count"] or key in ("", 0, 0.0) and name in ("stars", "category",
                                                                           "cooperative"):
                        continue
                    if name in ("province", "stars"):
                        key = int(key)
                    counts[key] = b["doc_count"]
                facets[name] = counts
        return facets

    def suggest(self, prefix: str, locale: str, limit: int = 8) -> list[str]:
        words = tokens(prefix)
        if not words or len(fold(prefix.strip())) < 2:
            return []
        Q, Occur = tantivy.Query, tantivy.Occur
        musts = self._text_query(" ".join(words[:-1]), locale) if len(words) > 1 else []
        last = re.escape(fold(words[-1]))
        musts.append((Occur.Must, Q.boolean_query([
            (Occur.Should, Q.regex_query(self.schema, c, f"{last}.*"))
            for c in ("name_vi_f", "name_en_f")])))
        searcher = self._searcher()
        result = searcher.search(Q.boolean_query(musts), limit=limit * 4, count=False,
                                 weight_by_field="boost")
        names: list[str] = []
        for _score, address in result.hits:
            doc = json.loads(searcher.doc(address)["data"][0])
            name = localized(doc.get("name_vi"), doc.get("name_en"), locale)
            if name and name not in names:
                names.append(name)
        return names[:limit]

    def did_you_mean(self, query: str) -> str | None:
        searcher = self._searcher()
        fields = ("name_vi_f", "name_en_f", "cat_f", "extra")

        def known(term: str) -> bool:
            return any(searcher.doc_freq(f, term) for f in fields)

        out, changed = [], False
        for word in folded_tokens(query):
            if known(word) or not word.isalpha() or len(word) < 3:
                out.append(word)
                continue
            split = next((f"{word[:i]} {word[i:]}" for i in range(2, len(word) - 1)
                          if known(word[:i]) and known(word[i:])), None)
            if split:
                out.append(split)
                changed = True
                continue
            best = None
            for f in fields:
                for term, _freq in searcher.terms_with_prefix(f, word[0], limit=5000):
                    if term.isalpha() and abs(len(term) - len(word)) <= 2:
                        d = osa_distance(word, term, 2)
                        if d <= 2 and (best is None or d < best[0]):
                            best = (d, term)
            if best is None:
                return None
            out.append(best[1])
            changed = True
        return " ".join(out) if changed else None
