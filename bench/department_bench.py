"""Time every department page and export on the database bench/department_data.py filled:
in-process requests through the Flask test client (the whole request: routing, session,
SQL, rendering), as the officer of Đắk Lắk (and the admin for the comparison), after two
warm-up requests. Prints a Markdown table: median and p95 per page.

    DATABASE_URL=postgresql://postgres@127.0.0.1:55470/bench_dept \\
        nice -n 10 .venv/bin/python bench/department_bench.py --repeat 20
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-department-2026"


def quantile(values, q):
    values = sorted(values)
    return values[min(round(q * (len(values) - 1)), len(values) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--export-repeat", type=int, default=3)
    args = parser.parse_args()
    from market import create_app
    from market.department.tables import ALL_TABLES
    from market.extensions import db

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        slug = db.session.execute(db.text(
            "SELECT slug FROM cooperatives WHERE province_code = 66 ORDER BY id LIMIT 1")).scalar()
        lines = db.session.execute(db.text("SELECT count(*) FROM order_lines")).scalar()
    officer, admin = app.test_client(), app.test_client()
    for client, email in ((officer, "officer.66@bench.htx.vn"), (admin, "admin@bench.htx.vn")):
        r = client.post("/en/account/login", data={"email": email, "password": PASSWORD})
        assert r.status_code == 302, r.status_code
    year, quarter, month = "period=year", "period=quarter", "period=month"
    pages = [("overview, month", officer, f"/vi/department/?{month}"),
             ("overview, quarter", officer, f"/vi/department/?{quarter}"),
             ("overview, year", officer, f"/vi/department/?{year}"),
             ("overview, year, commodity coffee", officer,
              f"/vi/department/?{year}&commodity=ca-phe")]
    for name in ("cooperatives", "commodities", "categories", "ocop", "communes",
                 "destinations", "products", "trends", "fulfilment", "disputes"):
        pages.append((f"table {name}, year", officer, f"/vi/department/tables/{name}?{year}"))
    pages += [("cooperative page, year", officer, f"/vi/department/cooperatives/{slug}?{year}"),
              ("compare provinces (admin), year", admin, f"/vi/department/compare?{year}"),
              ("overview, all provinces (admin), year", admin, f"/vi/department/?{year}"),
              ("registry (600 entries)", officer, "/vi/department/registry"),
              ("registry matches", officer, "/vi/department/registry/matches"),
              ("indicators (13 months)", officer, "/vi/department/indicators")]
    exports = []
    for name in ALL_TABLES:
        client = admin if name == "compare" else officer
        for fmt in ("csv", "xlsx"):
            exports.append((f"export {name}.{fmt}, year", client,
                            f"/vi/department/export/{name}/{fmt}?{year}"))
    exports.append(("monthly PDF report", officer, "/vi/department/report.pdf"))
    print(f"{lines:,} order lines; {args.repeat} requests per page, {args.export_repeat} per "
          "export\n")
    print("| page | median | p95 |\n| --- | --- | --- |")
    for label, client, url in pages + exports:
        n = args.export_repeat if label.startswith(("export", "monthly")) else args.repeat
        for _ in range(2 if n > 3 else 1):
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
        times = []
        for _ in range(n):
            t = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        unit = lambda ms: f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms"
        print(f"| {label} | {unit(statistics.median(times))} | {unit(quantile(times, 0.95))} |",
              flush=True)


if __name__ == "__main__":
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        sys.exit("set DATABASE_URL to the PostgreSQL database of bench/department_data.py")
    main()
