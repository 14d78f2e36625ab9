"""Partner API benchmark (issue 14): a catalogue of N products (100,000 by default, bulk
inserted), then in-process through the WSGI app (no network): the full cursor sync of
/api/v1/products (limit 500), the p95 of a page of 100 at random positions, and the peak
memory (max RSS of a fresh process) while streaming each bulk feed to the end.

    .venv/bin/python bench/api_bench.py [N]          # writes bench/out/api.db, prints results
"""
from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
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


def page_p95(client, headers, cursors, rounds: int = 200) -> tuple[float, float]:
    rng = random.Random(3)
    times = []
    for _ in range(rounds):
        args = {"limit": 100, "cursor": rng.choice(cursors)}
        t = time.perf_counter()
        response = client.get("/api/v1/products", query_string=args, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def feed_child(db_path: str, secret: str, kind: str) -> None:
    """In a fresh process: stream one feed to the end; print rows and max RSS (MB)."""
    app = _app(Path(db_path))
    client = app.test_client()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = client.get(f"/api/v1/feeds/products.{kind}", buffered=False,
                          headers={"Authorization": f"Bearer {secret}",
                                   "Accept-Encoding": "identity"})
    started, lines, size = time.perf_counter(), 0, 0
    for chunk in response.response:
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        size += len(chunk)
    response.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"lines": lines, "bytes": size, "seconds": time.perf_counter() - started,
                      "max_rss_mb": peak / 1024, "rss_before_mb": base / 1024}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "feed":
        feed_child(*sys.argv[2:5])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "api.db"
    t = time.perf_counter()
    secret = seed(db_path, n)
    print(f"seeded {n} products in {time.perf_counter() - t:.0f} s", flush=True)
    app = _app(db_path)
    headers = {"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"}
    with app.app_context():
        client = app.test_client()
        seconds, seen, cursors = full_sync(client, headers)
        print(f"full cursor sync: {seen} products in {seconds:.1f} s", flush=True)
        median, p95 = page_p95(client, headers, cursors)
        print(f"page of 100: median {median:.1f} ms, p95 {p95:.1f} ms", flush=True)
    for kind in ("jsonl", "csv"):
        out = subprocess.run([sys.executable, __file__, "feed", str(db_path), secret, kind],
                             capture_output=True, text=True, check=True, env=os.environ)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"feed {kind}: {result['lines']} lines, {result['bytes'] / 1e6:.0f} MB in "
              f"{result['seconds']:.0f} s, max RSS {result['max_rss_mb']:.0f} MB "
              f"(before the request {result['rss_before_mb']:.0f} MB)", flush=True)
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
