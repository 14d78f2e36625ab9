"""Partner API benchmark (issue 14): a catalogue of N products (100,000 by default, bulk
inserted), then in-process through the WSGI app (no network): the full cursor sync of
/api/v1/products (limit 500) and the median and p95 of a page of 100 at random positions,
each repeated; then each bulk feed (JSONL, CSV, the Merchant XML) streamed to the end over a
real socket from gunicorn (one sync worker, as `make run` serves), read in 64 KB chunks, with
the worker's peak RSS (VmHWM in /proc, reset before each feed).

    .venv/bin/python bench/api_bench.py [N]           # seeds bench/out/api.db, runs everything
    .venv/bin/python bench/api_bench.py --feeds       # only the feeds, on the database seeded
    .venv/bin/python bench/api_bench.py --reuse [N]   # everything, on the database seeded
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
SECRET = "api-bench-secret-key-of-sufficient-length"


def _app(db_path: Path):
    from market import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
                       "INSTANCE_DIR": str(OUT / "api-instance"), "MEDIA_DIR": str(OUT / "media"),
                       "RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET})


def seed(db_path: Path, n: int) -> str:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from market.api import keys
    from market.catalog import services as catalog
    from market.catalog.models import Product, ProductImage, ProductTranslation, ProductVariant
    from market.extensions import db
    from market.vendors import services as vendors
    from market.vendors.models import CooperativeStatus
    from tests.factories import registration_code

    if db_path.exists():
        db_path.unlink()
    app = _app(db_path)
    rng = random.Random(14)
    with app.test_request_context():
        upgrade()
        cats = [catalog.create_category(f"cat-{i}", f"Danh mục {i}", f"Category {i}")
                for i in range(8)]
        coops = [vendors.create_cooperative({
            "name": f"Hợp tác xã Thử tải {i}", "registration_code": registration_code(),
            "province_code": 66, "member_count": 10 + i, "story_vi": "Câu chuyện",
            "story_en": "A story"}, status=CooperativeStatus.APPROVED) for i in range(50)]
        db.session.commit()
        conn = db.session.connection()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for base in range(0, n, 5000):
            ids = range(base + 1, min(n, base + 5000) + 1)
            at = [start + timedelta(seconds=i) for i in ids]
            conn.execute(sa.insert(Product.__table__), [{
                "id": i, "slug": f"ca-phe-robusta-{i}", "cooperative_id": coops[i % 50].id,
                "category_id": cats[i % 8].id, "unit": "gói", "price": rng.randint(20, 900) * 1000,
                "origin_province_code": 66, "status": "active", "created_at": t, "updated_at": t,
                "rating_sum": 0, "rating_count": 0} for i, t in zip(ids, at, strict=True)])
            conn.execute(sa.insert(ProductTranslation.__table__), [
                {"product_id": i, "locale": loc, "name": f"{name} {i}",
                 "description": desc * 6}
                for i in ids for loc, name, desc in (
                    ("vi", "Cà phê Robusta số", "Rang mộc, xay vừa. "),
                    ("en", "Robusta coffee no.", "Plain roast, medium grind. "))])
            conn.execute(sa.insert(ProductVariant.__table__), [{
                "product_id": i, "cooperative_id": coops[i % 50].id, "position": 0,
                "label_vi": "Gói 500 g", "label_en": "500 g bag", "sku": f"SKU-{i}",
                "price": 100_000, "weight_grams": 520, "stock": rng.randint(0, 300),
                "gtin": None, "active": True} for i in ids])
            conn.execute(sa.insert(ProductImage.__table__), [{
                "product_id": i, "filename": f"bench/{i}.jpg", "thumbnail": f"bench/{i}-t.jpg",
                "width": 1600, "height": 1200, "rendition_widths": "320,640,1024",
                "alt_vi": "Ảnh", "alt_en": "Photo", "position": 0} for i in ids])
        db.session.commit()
        _, secret = keys.create_key("bench", list(keys.SCOPES), rate_limit=100_000)
        db.session.commit()
    return secret


PORT = 5620  # this benchmark's gunicorn (never 8000)
SECRET_FILE = OUT / "api.secret"


def full_sync(client, headers) -> tuple[float, int, list[str]]:
    started = time.perf_counter()
    cursor, seen, cursors = None, 0, []
    while True:
        args = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/products", query_string=args, headers=headers).get_json()
        seen += len(page["items"])
        cursor = page["next"]
        if cursor is None:
            return time.perf_counter() - started, seen, cursors
        cursors.append(cursor)


def page_times(client, headers, cursors, rounds: int = 200) -> list[float]:
    rng = random.Random(3)
    times = []
    for _ in range(rounds):
        args = {"limit": 100, "cursor": rng.choice(cursors)}
        t = time.perf_counter()
        response = client.get("/api/v1/products", query_string=args, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    return sorted(times)


def _proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def stream(url: str, headers: dict) -> tuple[int, int, float]:
    """GET `url` and read the body to the end in 64 KB chunks: (bytes, lines, seconds)."""
    started, size, lines = time.perf_counter(), 0, 0
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=600) as r:
        assert r.status == 200, r.status
        while chunk := r.read(64 * 1024):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return size, lines, time.perf_counter() - started


FEEDS = (("JSONL", "/api/v1/feeds/products.jsonl", "identity"),
         ("JSONL, brotli", "/api/v1/feeds/products.jsonl", "br"),
         ("CSV", "/api/v1/feeds/products.csv", "identity"),
         ("Merchant XML (vi-VN)", "/api/v1/feeds/merchant/vi-VN.xml", "identity"))


def feeds_over_socket(db_path: Path, secret: str) -> None:
    """Each feed streamed to the end from gunicorn; the worker's RSS before and its peak."""
    from tests import servers

    env = {"DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": SECRET,
           "MARKET_INSTANCE_PATH": str(OUT / "api-instance"),
           "MARKET_MEDIA_DIR": str(OUT / "media"), "MARKET_RATELIMIT_DISABLED": "1",
           "MARKET_SEARCH_INLINE_INDEXING": "0",
           # A sync worker that has not checked in for `timeout` seconds is killed, mid-stream
           # too (the default 30 s cuts off a feed of 100,000 products): see bench/RESULTS.md.
           "GUNICORN_CMD_ARGS": os.environ.get("GUNICORN_CMD_ARGS", "--timeout 900")}
    proc, base, _log = servers.start_gunicorn(env, workers=1, port=PORT)
    try:
        worker = _worker_pid(proc.pid)
        auth = {"Authorization": f"Bearer {secret}"}
        stream(f"{base}/api/v1/products?limit=10", auth)  # warm: imports, first queries
        chosen = os.environ.get("API_BENCH_FEEDS")  # e.g. "JSONL,CSV"; all by default
        for name, path, encoding in FEEDS:
            if chosen and name not in chosen.split(","):
                continue
            Path(f"/proc/{worker}/clear_refs").write_text("5")  # VmHWM := current RSS
            before = _proc_kb(worker, "VmRSS")
            size, lines, seconds = stream(base + path, {**auth, "Accept-Encoding": encoding})
            peak = _proc_kb(worker, "VmHWM")
            print(f"feed {name}: {size / 1e6:.0f} MB, {lines} lines in {seconds:.0f} s; "
                  f"worker RSS {before / 1024:.0f} MB before, peak {peak / 1024:.0f} MB "
                  f"(+{(peak - before) / 1024:.0f} MB)", flush=True)
    finally:
        servers.stop(proc)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 100_000
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "api.db"
    if "--feeds" in sys.argv or "--reuse" in sys.argv:
        secret = SECRET_FILE.read_text().strip()
    else:
        t = time.perf_counter()
        secret = seed(db_path, n)
        SECRET_FILE.write_text(secret)
        print(f"seeded {n} products in {time.perf_counter() - t:.0f} s", flush=True)
    print(f"load average before: {os.getloadavg()}", flush=True)
    if "--feeds" not in sys.argv:
        app = _app(db_path)
        headers = {"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"}
        runs = int(os.environ.get("API_BENCH_RUNS", "3"))
        # No app context held around the client: each request gets its own, and its session
        # is removed after it, as under gunicorn (an outer context made every request share
        # one session, whose identity map then held the whole catalogue for the GC to walk).
        client = app.test_client()
        syncs, medians, p95s = [], [], []
        for _ in range(runs):
            cpu = time.process_time()
            seconds, seen, cursors = full_sync(client, headers)
            cpu = time.process_time() - cpu
            times = page_times(client, headers, cursors)
            syncs.append(seconds)
            medians.append(statistics.median(times))
            p95s.append(times[int(len(times) * 0.95) - 1])
            print(f"full cursor sync: {seen} products in {seconds:.1f} s ({cpu:.1f} s CPU); "
                  f"page of 100: median {medians[-1]:.1f} ms, p95 {p95s[-1]:.1f} ms", flush=True)
        print(f"medians of {runs} runs: sync {statistics.median(syncs):.1f} s, page median "
              f"{statistics.median(medians):.1f} ms, page p95 {statistics.median(p95s):.1f} ms",
              flush=True)
    feeds_over_socket(db_path, secret)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
