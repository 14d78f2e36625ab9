"""Search benchmark: 100,000 realistic products (bench/search_data.py); for each embedded
engine (the real backends: Tantivy, the default, and SQLite FTS5) the index build time, index
size, and median/p95 latency of 1,000 mixed queries with all facets, next to a plain SQL LIKE
baseline in the same run.

    .venv/bin/python bench/search_bench.py [--products 100000] [--queries 1000] [--runs 3]
        [--engines tantivy,fts5,like]
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_data import products, queries
from market.i18n import fold
from market.search.backend import PER_PAGE, Filters, tokens
from market.search.embedded import EmbeddedBackend
from market.search.tantivy_backend import TantivyBackend


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def run_embedded(docs, qs, tmp: Path, engine: str = "fts5") -> dict:
    if engine == "tantivy":
        path = tmp / "tantivy"
        backend = TantivyBackend(path)
    else:
        path = tmp / "index.sqlite3"
        backend = EmbeddedBackend(path)
    start = time.perf_counter()
    backend.rebuild(docs[i:i + 2000] for i in range(0, len(docs), 2000))
    build = time.perf_counter() - start
    if engine == "fts5":
        backend._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = _size(path)
    for q in qs[:50]:  # warm-up: page cache, vocabulary
        backend.search(q["q"], q["locale"], Filters(**q["filters"]), q["sort"], q["page"])
    times, empty = [], 0
    for q in qs:
        t = time.perf_counter()
        r = backend.search(q["q"], q["locale"], Filters(**q["filters"]), q["sort"], q["page"])
        times.append((time.perf_counter() - t) * 1000)
        empty += r.total == 0
    if engine == "fts5":
        backend.close()
    return {"build_s": build, "size_mb": size / 1e6, "median_ms": statistics.median(times),
            "p95_ms": percentile(times, 95), "zero_hits": empty}


LIKE_SORT = {"relevance": "id", "price_asc": "price, id", "price_desc": "price DESC, id",
             "newest": "created DESC"}


def run_like(docs, qs, tmp: Path) -> dict:
    """The naive alternative: folded text columns in a table, one LIKE per word."""
    path = tmp / "like.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, text_f TEXT, category TEXT, "
                 "province INTEGER, cooperative TEXT, stars INTEGER, price INTEGER, "
                 "created REAL)")
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        (d["id"], fold(" ".join((d["name_vi"], d["name_en"], d["category_vi"], d["category_en"],
                                 d["description_vi"], d["description_en"],
                                 d["cooperative_name"], d["province_name"]))).lower(),
         d["category_slug"], d["province_code"], d["cooperative_slug"], d["ocop_stars"],
         d["price"], d["created_at"]) for d in docs])
    for column in ("category", "province", "price"):
        conn.execute(f"CREATE INDEX ix_{column} ON p ({column})")
    conn.execute("COMMIT")
    build = time.perf_counter() - start
    size = _size(path)
    times = []
    for q in qs[:50] + qs:
        where, args = [], []
        for word in tokens(q["q"]):
            where.append("text_f LIKE ?")
            args.append(f"%{fold(word)}%")
        f = q["filters"]
        for key, column, op in (("category", "category", "="), ("province", "province", "="),
                                ("stars", "stars", ">="), ("min_price", "price", ">="),
                                ("max_price", "price", "<=")):
            if key in f:
                where.append(f"{column} {op} ?")
                args.append(f[key])
        clause = " AND ".join(where) or "1"
        t = time.perf_counter()
        conn.execute(f"SELECT id FROM p WHERE {clause} ORDER BY {LIKE_SORT[q['sort']]} "
                     f"LIMIT {PER_PAGE} OFFSET {(q['page'] - 1) * PER_PAGE}", args).fetchall()
        conn.execute(f"SELECT count(*) FROM p WHERE {clause}", args).fetchone()
        for column in ("category", "province", "cooperative", "stars"):
            conn.execute(f"SELECT {column}, count(*) FROM p WHERE {clause} GROUP BY {column}",
                         args).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    times = times[50:]
    conn.close()
    return {"build_s": build, "size_mb": size / 1e6, "median_ms": statistics.median(times),
            "p95_ms": percentile(times, 95), "zero_hits": None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="tantivy,fts5,like")
    args = parser.parse_args()
    t = time.perf_counter()
    docs = products(args.products)
    qs = queries(args.queries)
    print(f"generated {len(docs)} products and {len(qs)} queries in "
          f"{time.perf_counter() - t:.1f} s; {os.cpu_count()} CPU(s)")
    engines = args.engines.split(",")
    names = {"tantivy": "Tantivy (default embedded)", "fts5": "SQLite FTS5 (alternative)",
             "like": "SQL LIKE baseline"}
    results = {names[e]: [] for e in engines}
    for run in range(args.runs):
        for engine in engines:
            with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
                r = (run_like(docs, qs, Path(tmp)) if engine == "like"
                     else run_embedded(docs, qs, Path(tmp), engine))
                results[names[engine]].append(r)
        print(f"run {run + 1}: " + "; ".join(
            f"{k}: p95 {v[-1]['p95_ms']:.1f} ms" for k, v in results.items() if v))
    print(f"\nmedians of {args.runs} runs, {len(docs)} products, {len(qs)} queries with facets\n")
    print("| engine | build (s) | size (MB) | median (ms) | p95 (ms) | queries with no hit |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, runs in results.items():
        if not runs:
            continue
        med = {k: statistics.median(r[k] for r in runs) for k in
               ("build_s", "size_mb", "median_ms", "p95_ms")}
        zero = runs[0]["zero_hits"]
        print(f"| {name} | {med['build_s']:.1f} | {med['size_mb']:.0f} | {med['median_ms']:.2f} |"
              f" {med['p95_ms']:.2f} | {'-' if zero is None else zero} |")


if __name__ == "__main__":
    main()
