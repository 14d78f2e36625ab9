"""In-process CPU time per storefront request: the Flask test client renders product and
category pages from a database `pages_bench.py` seeded, and `time.process_time` is read
around each request (the page cache off). On a shared machine CPU time is far steadier than
wall-clock latency, so two versions of the code can be compared side by side:

    # the code under test (this checkout), on a copy migrated to it
    .venv/bin/python bench/pages_cpu.py --db bench/out/after.db
    # an older commit checked out in a temporary worktree, on its own copy
    .venv/bin/python bench/pages_cpu.py --root /tmp/before --db /tmp/before/bench/out/before.db

`--root` puts another checkout's `market` package first on sys.path (the venv is shared).
Prints one JSON line: medians and p95 in ms per page type, and the load average.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _stats(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"median_ms": round(1000 * statistics.median(samples), 2),
            "p95_ms": round(1000 * samples[int(len(samples) * 0.95) - 1], 2),
            "n": len(samples)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--categories", type=int, default=120)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", choices=("product", "category"),
                        help="print a cProfile of that page type instead")
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    from market import create_app

    con = sqlite3.connect(args.db)
    slugs = [r[0] for r in con.execute("SELECT slug FROM products ORDER BY id")]
    con.close()
    out = args.db.parent
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.db.resolve()}",
                      "INSTANCE_DIR": str(out / "instance"), "MEDIA_DIR": str(out / "media"),
                      "RATELIMIT_ENABLED": False, "PAGE_CACHE": False,
                      "DATA_CACHE": True})
    rng = random.Random(1)
    sets = {
        "product": [f"/{rng.choice(['vi', 'en'])}/p/{rng.choice(slugs)}"
                    for _ in range(args.products)],
        "category": [f"/{rng.choice(['vi', 'en'])}/category/cat-{rng.randint(0, 7)}"
                     f"?page={rng.randint(1, 40)}" for _ in range(args.categories)],
    }
    client = app.test_client()
    for path in sets["product"][:args.warmup] + sets["category"][:args.warmup]:
        assert client.get(path).status_code == 200, path
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for path in sets[args.profile]:
            client.get(path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        return
    result = {"root": str(args.root), "load_before": os.getloadavg()[0]}
    for name, paths in sets.items():
        samples = []
        for path in paths:
            t0 = time.process_time()
            response = client.get(path)
            samples.append(time.process_time() - t0)
            assert response.status_code == 200, path
        result[name] = _stats(samples)
    result["load_after"] = os.getloadavg()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
