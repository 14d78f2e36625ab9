"""Checkout throughput: N concurrent clients place orders through gunicorn on loopback.

    .venv/bin/python bench/checkout_bench.py [--database-url URL] [--clients 20]
        [--orders 2000] [--rounds 3] [--workers 4] [--nodes 1]

Builds a throw-away database (PostgreSQL when --database-url/DATABASE_URL is given, else a
SQLite file under bench/out/), seeds 200 products across 20 cooperatives, starts gunicorn,
and fires JSON checkouts (POST /api/v1/orders, one Idempotency-Key each) from a bounded pool
of client threads. Some products have tiny stock, so many checkouts race for the last units.
Reports orders/s and median/p95 latency per round and checks that no product was oversold.
`--nodes 2` starts two gunicorn app nodes (each with --workers) on two ports, as two machines
behind a load balancer would be, and spreads the clients over them (client i -> node i mod N).
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database_url: str) -> list[tuple[str, int]]:
    """Fresh schema and catalogue; returns [(slug, initial stock)]."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from market import create_app
    from market.extensions import db
    from tests import factories

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.test_request_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        rng = random.Random(7)
        products = []
        for c in range(20):
            coop = factories.cooperative(province_code=rng.choice([66, 68, 52, 1, 79]))
            for p in range(10):
                stock = 3 if p == 0 else 100_000  # one scarce product per cooperative
                product = factories.product(coop, price=rng.randrange(50, 900) * 1000,
                                            stock=stock, name_vi=f"Cà phê {c}-{p}")
                products.append((product.slug, stock))
        db.session.commit()
    return products


def wait_ready(port: int, workers: int, timeout: float = 180.0) -> None:
    """Until /healthz answers 200 a few times per worker (gunicorn binds the port before its
    workers have imported the app; on a busy machine that takes a while)."""
    deadline, answered = time.monotonic() + timeout, 0
    while answered < 3 * workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"port {port}: no answer in {timeout:.0f} s")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            answered += conn.getresponse().status == 200
            conn.close()
        except OSError:
            time.sleep(0.2)


def client_loop(port, products, todo, results, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    rng = random.Random()
    while True:
        with lock:
            if todo[0] <= 0:
                break
            todo[0] -= 1
        lines = [{"product": slug, "quantity": rng.randint(1, 2)}
                 for slug, _ in rng.sample(products, rng.randint(1, 3))]
        body = json.dumps({"lines": lines, "payment_method": "cod", "contact": {
            "name": "Khách thử", "email": "bench@example.vn", "phone": "0912345678",
            "province_code": 1, "commune_code": 70, "address_line": "1 Tràng Tiền"}})
        start = time.perf_counter()
        conn.request("POST", "/api/v1/orders", body=body, headers={
            "Content-Type": "application/json", "Idempotency-Key": secrets.token_urlsafe(18)})
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        with lock:
            results.append((response.status, elapsed))
    conn.close()


def sold_out_check(database_url, products) -> tuple[int, int]:
    """(products below zero, products whose sold quantity != initial - final stock)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        stock = dict(conn.execute(sa.text(
            "SELECT p.slug, SUM(v.stock) FROM products p JOIN product_variants v "
            "ON v.product_id = p.id GROUP BY p.slug")).all())
        sold = dict(conn.execute(sa.text(
            "SELECT p.slug, COALESCE(SUM(l.quantity), 0) FROM products p "
            "LEFT JOIN order_lines l ON l.product_id = p.id GROUP BY p.slug")).all())
    negative = sum(1 for s in stock.values() if s < 0)
    mismatched = sum(1 for slug, initial in products if initial - stock[slug] != sold[slug])
    return negative, mismatched


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--nodes", type=int, default=1, help="gunicorn app nodes (ports port..)")
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{out / 'checkout.db'}"
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    products = setup(url)
    # Every checkout uses one email address: lift the per-client cap on open orders.
    env = dict(os.environ, DATABASE_URL=url, MARKET_RATELIMIT_DISABLED="1",
               MARKET_MAX_OPEN_ORDERS_PER_CLIENT="100000000",
               MARKET_INSTANCE_PATH=str(out / "instance"))
    ports = [args.port + i for i in range(args.nodes)]
    servers = [subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(args.workers), "--threads", "2", "--no-control-socket",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "market:create_app()"],
        cwd=ROOT, env=env) for port in ports]
    try:
        for port in ports:  # every worker answers before the clock starts
            wait_ready(port, args.workers)
        rows = []
        for n in range(args.rounds):
            results, lock, todo = [], threading.Lock(), [args.orders]
            threads = [threading.Thread(target=client_loop,
                                        args=(ports[i % len(ports)], products, todo, results,
                                              lock))
                       for i in range(args.clients)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - start
            ok = [e for s, e in results if s == 201]
            refused = sum(1 for s, _ in results if s == 409)
            other = sum(1 for s, _ in results if s not in (201, 409))
            if other:
                print("other statuses:", dict(collections.Counter(
                    s for s, _ in results if s not in (201, 409))))
            latencies = sorted(e for _, e in results)
            p95 = latencies[int(len(latencies) * 0.95) - 1]
            rows.append((len(ok) / wall, statistics.median(latencies) * 1000, p95 * 1000))
            print(f"round {n + 1}: {len(ok)} orders in {wall:.1f}s = {len(ok) / wall:.1f} orders/s;"
                  f" refused (stock) {refused}; errors {other}; median "
                  f"{statistics.median(latencies) * 1000:.1f} ms; p95 {p95 * 1000:.1f} ms")
        negative, mismatched = sold_out_check(url, products)
        print(f"oversold products: {negative}; stock/sales mismatches: {mismatched}")
        rate, median, p95 = (statistics.median(col) for col in zip(*rows))
        print(f"median of rounds: {rate:.1f} orders/s, median {median:.1f} ms, p95 {p95:.1f} ms")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait()


if __name__ == "__main__":
    main()
