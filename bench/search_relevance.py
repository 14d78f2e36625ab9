"""Relevance of the search engine on the demo catalogue: success@3 and NDCG@10 over the query
list of the relevance test suite (tests/search/relevance_cases.py).

    .venv/bin/python bench/search_relevance.py [--verbose]

A hit is relevant when it matches the case's expectation (binary gain). success@3: a relevant
hit among the first three. NDCG@10: DCG of the first ten over the ideal DCG (all relevant
documents first, capped at ten). Runs the embedded engine, and Elasticsearch too when
ELASTICSEARCH_URL is set.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def demo_documents(tmp: Path) -> list[dict]:
    """Seed the demo catalogue into a throw-away SQLite database and build its documents."""
    from flask_migrate import upgrade

    from market import create_app
    from market.demo.seed import seed
    from market.search import indexer

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'demo.db'}",
                      "INSTANCE_DIR": str(tmp), "MEDIA_DIR": str(tmp / "media"),
                      "SEARCH_INLINE_INDEXING": False})
    with app.app_context():
        upgrade()
        seed(str(tmp / "media"), log=lambda *a: None)
        return [d for batch in indexer._public_batches(500) for d in batch]


def evaluate(backend, documents, cases, verbose=False) -> dict:
    from market.search.backend import Filters
    from tests.search.relevance_cases import matches

    backend.rebuild([documents])
    successes, ndcgs, failures = 0, [], []
    for query, locale, filters, expected in cases:
        f = Filters(**filters)
        hits = backend.search(query, locale, f, per_page=10).hits
        gains = [1 if matches(h.document, expected) else 0 for h in hits]
        relevant = sum(1 for d in documents if matches(d, expected) and _passes(d, f))
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(relevant, 10)))
        ndcgs.append(dcg / ideal if ideal else 0.0)
        ok = any(gains[:3])
        successes += ok
        if not ok:
            failures.append(query)
        if verbose:
            print(f"{'ok ' if ok else 'MISS'} {ndcgs[-1]:.2f} {locale} {query!r} {filters}")
    return {"queries": len(cases), "success@3": successes / len(cases),
            "ndcg@10": sum(ndcgs) / len(ndcgs), "misses": failures}


def _passes(doc, f) -> bool:
    return ((f.category is None or doc["category_slug"] == f.category)
            and (f.province is None or doc["province_code"] == f.province)
            and (f.cooperative is None or doc["cooperative_slug"] == f.cooperative)
            and (f.stars is None or (doc["ocop_stars"] or 0) >= f.stars)
            and (f.min_price is None or doc["price"] >= f.min_price)
            and (f.max_price is None or doc["price"] <= f.max_price))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    from market.search.embedded import EmbeddedBackend
    from market.search.tantivy_backend import TantivyBackend
    from tests.search.relevance_cases import CASES

    with tempfile.TemporaryDirectory(prefix="search-relevance-") as tmp:
        documents = demo_documents(Path(tmp))
        backends = {"Tantivy (default embedded)": TantivyBackend(Path(tmp) / "tantivy"),
                    "SQLite FTS5 (alternative)": EmbeddedBackend(Path(tmp) / "index.sqlite3")}
        if os.environ.get("ELASTICSEARCH_URL"):
            from market.search.elasticsearch_backend import ElasticsearchBackend

            backends["elasticsearch"] = ElasticsearchBackend(
                os.environ["ELASTICSEARCH_URL"], alias="htx-relevance-bench")
        print(f"{len(documents)} demo products, {len(CASES)} queries\n")
        print("| engine | queries | success@3 | NDCG@10 | misses |")
        print("| --- | --- | --- | --- | --- |")
        for name, backend in backends.items():
            r = evaluate(backend, documents, CASES, args.verbose)
            print(f"| {name} | {r['queries']} | {r['success@3']:.3f} | {r['ndcg@10']:.3f} | "
                  f"{', '.join(r['misses']) or '-'} |")


if __name__ == "__main__":
    main()
