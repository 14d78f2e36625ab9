"""How the embedded engine was chosen: SQLite FTS5 (the Python standard library's sqlite3)
against Tantivy (PyPI `tantivy`, Rust bindings) on the same generated catalogue and queries,
each doing the same work: every word must match (exact or folded, one edit for 5+ letters),
column-weighted relevance, one page of 24 hits, the total, and facet counts on category,
province, cooperative and stars.

    .venv/bin/pip install tantivy   # only for this comparison; the app does not need it
    .venv/bin/python bench/search_engines.py [--products 100000] [--queries 1000]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import percentile, run_embedded  # noqa: E402
from bench.search_data import products, queries  # noqa: E402
from market.i18n import fold  # noqa: E402
from market.search.backend import FUZZY_MIN_LENGTH, Filters, normalise, tokens  # noqa: E402
from market.search.embedded import COLUMNS, WEIGHTS, _row  # noqa: E402


def run_tantivy(docs, qs, tmp: Path) -> dict:
    import tantivy

    builder = tantivy.SchemaBuilder()
    for column in COLUMNS:
        builder.add_text_field(column, stored=False)
    for name in ("id", "category", "province", "cooperative", "stars", "price"):
        builder.add_integer_field(name, stored=True, indexed=True, fast=True)
    schema = builder.build()
    path = tmp / "tantivy"
    path.mkdir()
    index = tantivy.Index(schema, path=str(path))
    categories: dict[str, int] = {}
    start = time.perf_counter()
    writer = index.writer(heap_size=200_000_000, num_threads=2)
    for d in docs:
        row = _row(d)
        fields = {c: row[i + 1] for i, c in enumerate(COLUMNS)}
        fields.update(id=d["id"], category=categories.setdefault(d["category_slug"],
                                                                  len(categories) + 1),
                      province=d["province_code"], cooperative=d["cooperative_id"],
                      stars=d["ocop_stars"] or 0, price=d["price"])
        writer.add_document(tantivy.Document(**fields))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build = time.perf_counter() - start
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    searcher = index.searcher()
    vocab = set()  # typo candidates come from the engine's own fuzzy query here

    def build_query(q, locale, f: Filters):
        weights = dict(zip(COLUMNS, WEIGHTS[locale]))
        musts = []
        for word in tokens(q):
            forms = {normalise(word), fold(normalise(word))}
            should = [(tantivy.Occur.Should, tantivy.Query.boost_query(
                tantivy.Query.term_query(schema, c, form), w))
                for c, w in weights.items() for form in forms]
            if len(fold(word)) >= FUZZY_MIN_LENGTH:
                should += [(tantivy.Occur.Should, tantivy.Query.boost_query(
                    tantivy.Query.fuzzy_term_query(schema, c, fold(word), 1, True), 0.3 * w))
                    for c, w in weights.items() if c.endswith("_f")]
            musts.append((tantivy.Occur.Must, tantivy.Query.boolean_query(should)))
        if f.category:
            musts.append((tantivy.Occur.Must, tantivy.Query.term_query(
                schema, "category", categories.get(f.category, -1))))
        if f.province:
            musts.append((tantivy.Occur.Must, tantivy.Query.term_query(
                schema, "province", f.province)))
        if f.stars:
            musts.append((tantivy.Occur.Must, tantivy.Query.range_query(
                schema, "stars", tantivy.FieldType.Integer, f.stars, 5)))
        if f.min_price is not None:
            musts.append((tantivy.Occur.Must, tantivy.Query.range_query(
                schema, "price", tantivy.FieldType.Integer, f.min_price, f.max_price)))
        return tantivy.Query.boolean_query(musts) if musts else tantivy.Query.all_query()

    aggs = {name: {"terms": {"field": name, "size": 100}}
            for name in ("category", "province", "cooperative", "stars")}
    times = []
    for q in qs[:50] + qs:
        t = time.perf_counter()
        query = build_query(q["q"], q["locale"], Filters(**q["filters"]))
        result = searcher.search(query, limit=24, count=True, offset=(q["page"] - 1) * 24)
        [searcher.doc(addr) for _score, addr in result.hits]
        searcher.aggregate(query, aggs)
        times.append((time.perf_counter() - t) * 1000)
    del vocab
    times = times[50:]
    shutil.rmtree(path)
    return {"build_s": build, "size_mb": size / 1e6, "median_ms": statistics.median(times),
            "p95_ms": percentile(times, 95), "zero_hits": None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    docs, qs = products(args.products), queries(args.queries)
    print("| engine | build (s) | size (MB) | median (ms) | p95 (ms) |")
    print("| --- | --- | --- | --- | --- |")
    for name, run in (("SQLite FTS5", run_embedded), ("Tantivy", run_tantivy)):
        with tempfile.TemporaryDirectory(prefix="search-engines-") as tmp:
            r = run(docs, qs, Path(tmp))
        print(f"| {name} | {r['build_s']:.1f} | {r['size_mb']:.0f} | {r['median_ms']:.2f} | "
              f"{r['p95_ms']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
