"""Storefront pages under load: seed 10,000 products into a separate SQLite database under
bench/out/, serve it with gunicorn (2 workers) on 127.0.0.1, drive it from a bounded client
(threads + http.client, keep-alive), several rounds, report medians.

    .venv/bin/python bench/pages_bench.py [--products 10000] [--rounds 3] [--seconds 10]

`--reuse DB` serves a copy of a database an earlier run seeded (migrated to this code first),
so two versions of the code can be compared on the very same rows, back to back.
`--serve DB --root CHECKOUT` serves that database as it is with another checkout's code (an
older commit in a temporary worktree, its own database already seeded by its own code), so
"before" and "after" run side by side in the same time window.

Pages are rendered uncached (MARKET_PAGE_CACHE=0: the page cache has its own figures from
`throughput_bench.py`); the small data cache (filter choices, related cards) stays on.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))


def seed(db_path: Path, n_products: int) -> tuple[list[str], list[str]]:
    from flask_migrate import upgrade

    from market import create_app
    from market.catalog import services as catalog
    from market.extensions import db
    from market.vendors import services as vendors
    from market.vendors.models import CooperativeStatus
    from tests.factories import registration_code

    if db_path.exists():
        db_path.unlink()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
                      "INSTANCE_DIR": str(OUT / "instance"), "MEDIA_DIR": str(OUT / "media")})
    rng = random.Random(7)
    with app.test_request_context():
        upgrade()
        cats = [catalog.create_category(f"cat-{i}", f"Danh mục {i}", f"Category {i}")
                for i in range(8)]
        coops = []
        for i in range(50):
            coops.append(vendors.create_cooperative({
                "name": f"Hợp tác xã Thử tải {i}", "registration_code": registration_code(),
                "province_code": 66, "member_count": 10 + i, "story_vi": "Câu chuyện " * 40,
                "story_en": "A story " * 40}, status=CooperativeStatus.APPROVED))
        product_slugs = []
        for n in range(n_products):
            p = catalog.create_product(coops[n % len(coops)], {
                "name_vi": f"Cà phê Robusta số {n}", "name_en": f"Robusta coffee no. {n}",
                "description_vi": "Rang mộc, xay vừa. " * 10,
                "description_en": "Plain roast, medium grind. " * 10,
                "unit": "gói", "price": rng.randint(20, 900) * 1000, "stock": rng.randint(0, 300),
                "origin_province_code": 66, "category_id": cats[n % 8].id, "status": "active",
            })
            image = catalog.add_image(p, f"bench/{n}.jpg", alt_vi="Ảnh",
                                      thumbnail=f"bench/{n}-thumb.jpg")
            # Responsive renditions, as uploads store them since issue 12 (the files need not
            # exist: the client fetches pages only). Older code has no such columns.
            if hasattr(image, "rendition_widths"):
                image.width, image.height, image.rendition_widths = 1600, 1200, "320,640,1024"
            product_slugs.append(p.slug)
            if n % 500 == 499:
                db.session.commit()
        db.session.commit()
        coop_slugs = [c.slug for c in coops]
    return product_slugs, coop_slugs


def reuse(source: Path, db_path: Path) -> tuple[list[str], list[str]]:
    """A copy of an earlier run's database, migrated to this code (new columns get the
    values `seed` would give them), and its product and cooperative slugs."""
    import shutil
    import sqlite3

    from flask_migrate import upgrade

    from market import create_app

    for stale in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        stale.unlink(missing_ok=True)  # an old WAL would be replayed onto the copy
    shutil.copyfile(source, db_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
                      "INSTANCE_DIR": str(OUT / "instance"), "MEDIA_DIR": str(OUT / "media")})
    with app.app_context():
        upgrade()
    con = sqlite3.connect(db_path)
    columns = {row[1] for row in con.execute("PRAGMA table_info(product_images)")}
    if "rendition_widths" in columns:
        con.execute("UPDATE product_images SET width = 1600, height = 1200, "
                    "rendition_widths = '320,640,1024'")
        con.commit()
    products = [r[0] for r in con.execute("SELECT slug FROM products ORDER BY id")]
    coops = [r[0] for r in con.execute("SELECT slug FROM cooperatives ORDER BY id")]
    con.close()
    return products, coops


def drive(port: int, paths: list[str], seconds: float, threads: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(seed_: int):
        rng = random.Random(seed_)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        local = []
        while time.perf_counter() < stop:
            path = rng.choice(paths)
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            local.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(local)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies), "errors": errors[0], "rps": len(latencies) / elapsed,
        "median_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95) - 1],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reuse", type=Path, help="a bench.db an earlier run seeded")
    parser.add_argument("--serve", type=Path, help="serve this database as it is")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "bench.db"
    t0 = time.perf_counter()
    if args.serve:
        import sqlite3

        db_path = args.serve.resolve()
        con = sqlite3.connect(db_path)
        products = [r[0] for r in con.execute("SELECT slug FROM products ORDER BY id")]
        coops = [r[0] for r in con.execute("SELECT slug FROM cooperatives ORDER BY id")]
        con.close()
    elif args.reuse:
        products, coops = reuse(args.reuse, db_path)
    else:
        products, coops = seed(db_path, args.products)
    print(f"seeded {len(products)} products, {len(coops)} cooperatives "
          f"in {time.perf_counter() - t0:.1f}s")

    env = dict(os.environ, MARKET_DATABASE_URL=f"sqlite:///{db_path}",
               MARKET_INSTANCE_PATH=str(OUT / "instance"), MARKET_MEDIA_DIR=str(OUT / "media"),
               MARKET_RATELIMIT_DISABLED="1", MARKET_PAGE_CACHE="0", MARKET_DATA_CACHE="1",
               PYTHONPATH=str(args.root.resolve()))
    print(f"serving {args.root} at load average {os.getloadavg()}")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--no-control-socket", "--bind",
         f"127.0.0.1:{args.port}", "--log-level", "warning", "market:create_app()"],
        cwd=args.root, env=env)
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        rng = random.Random(1)
        sets = {
            "product page": [f"/{rng.choice(['vi', 'en'])}/p/{rng.choice(products)}"
                             for _ in range(2000)],
            "storefront page": [f"/{rng.choice(['vi', 'en'])}/c/{c}?page={rng.randint(1, 8)}"
                                for c in coops for _ in range(4)],
            "category page": [f"/{rng.choice(['vi', 'en'])}/category/cat-{rng.randint(0, 7)}"
                              f"?page={rng.randint(1, 40)}" for _ in range(200)],
        }
        for name, paths in sets.items():
            drive(args.port, paths, 2, args.threads)  # warm-up
            rounds = [drive(args.port, paths, args.seconds, args.threads)
                      for _ in range(args.rounds)]
            med = {k: statistics.median(r[k] for r in rounds)
                   for k in ("median_ms", "p95_ms", "rps")}
            print(f"{name}: median {med['median_ms']:.1f} ms, p95 {med['p95_ms']:.1f} ms, "
                  f"{med['rps']:.0f} req/s (median of {args.rounds} rounds of "
                  f"{args.seconds:.0f}s, {args.threads} client threads; "
                  f"errors {sum(r['errors'] for r in rounds)})")
        print(f"load average after: {os.getloadavg()}")
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:  # a loaded host: do not leave it on the port
            server.kill()
            server.wait(10)


if __name__ == "__main__":
    main()
