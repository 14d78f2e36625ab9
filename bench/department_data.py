"""Fill a PostgreSQL database for the department desk's benchmark: 500 cooperatives in 5
provinces (100 each, 8 products each), every province's register (the 500 plus 100 not yet
online per province), and LINES order lines over two years with the coffee harvest
(November to January) and Tết busier, cancellations, refunds and disputes
(market/department/synthetic.py). Rows go in with COPY (psycopg); the department summaries are
then rebuilt set-based (market/department/bulk.py) and the tables analysed.

    DATABASE_URL=postgresql://postgres@127.0.0.1:55470/bench_dept \\
        nice -n 10 .venv/bin/python bench/department_data.py --lines 1000000

The database is emptied first (all tables dropped and migrated again)."""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROVINCES = ("Đắk Lắk", "Lâm Đồng", "Gia Lai", "Sơn La", "Cần Thơ")
PASSWORD = "bench-department-2026"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--coops", type=int, default=500)
    parser.add_argument("--no-summary", action="store_true",
                        help="load the tables only (then run again with --summary-only)")
    parser.add_argument("--summary-only", action="store_true",
                        help="rebuild the department summaries of the loaded data, and VACUUM")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("set DATABASE_URL to a PostgreSQL database")

    import sqlalchemy as sa
    from flask_migrate import upgrade
    from stdnum.vn import mst

    from market import create_app
    from market.accounts import services as accounts
    from market.accounts.models import Role
    from market.demo.catalog_data import CATEGORIES
    from market.department import synthetic
    from market.extensions import db
    from market.geo import services as geo

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://",
                                                             "postgresql+psycopg://", 1),
                      "RATELIMIT_ENABLED": False, "SEARCH_INLINE_INDEXING": False})
    t0 = time.time()
    if args.summary_only:
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            _summary(db, t0)
        return
    with app.app_context():
        db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        rng = random.Random(500)
        now = datetime.now(UTC)
        cats = []
        for pos, (slug, vi, en) in enumerate(CATEGORIES):
            cats.append(db.session.execute(sa.text(
                "INSERT INTO categories (slug, name_vi, name_en, position) "
                "VALUES (:s, :v, :e, :p) RETURNING id"), {"s": slug, "v": vi, "e": en, "p": pos}
            ).scalar())
        db.session.commit()
        coffee = cats[0]
        places = [geo.find_province(name) for name in PROVINCES]
        seq = 1
        coop_rows, product_rows, text_rows, registry_rows, items = [], [], [], [], []
        variant_rows = []
        per = args.coops // len(places)

        def code():
            nonlocal seq
            while True:
                body = f"70{seq:07d}"
                seq += 1
                digit = mst.calc_check_digit(body)
                if len(digit) == 1:
                    return body + digit

        pid = 1
        for p_index, place in enumerate(places):
            communes = geo.communes(place.code)
            for n in range(per):
                cid = p_index * per + n + 1
                tax = code()
                commune = communes[n % len(communes)].code
                name = f"HTX Thử nghiệm {cid} {place.short_name}"
                coop_rows.append((cid, f"bench-htx-{cid}", name, tax, place.code, commune, "",
                                  "nông nghiệp", None, 20 + n % 80, "", "", None, "", "",
                                  "approved", None, "", now))
                registry_rows.append((place.code, tax, "cooperative", name, "", None, "", "",
                                      True, commune, 20 + n % 80, "active", now))
                is_coffee = n % 3 == 0
                for k in range(8):
                    cat = coffee if is_coffee and k < 5 else rng.choice(cats[1:])
                    price = rng.choice((45, 60, 85, 120, 150, 185, 240, 320)) * 1000
                    name = f"Sản phẩm {pid} của HTX {cid}"
                    product_rows.append((pid, f"bench-p-{pid}", cid, cat, "gói", price,
                                         place.code, "active", now, now))
                    variant_rows.append((pid, pid, cid, 0, "", "", f"P{pid}-1", price, 500,
                                         1000, True))
                    text_rows.append((pid, "vi", name, ""))
                    items.append(synthetic.Item(pid, cid, price, name, "gói", cat == coffee))
                    pid += 1
            for n in range(100):
                registry_rows.append((place.code, code(), "cooperative",
                                      f"HTX Chưa lên sàn {n} {place.short_name}", "", None, "",
                                      "", n % 4 != 0, communes[n % len(communes)].code, 15,
                                      "active" if n % 10 else "dissolved", now))
        raw = db.engine.raw_connection()
        cur = raw.cursor()

        def copy(table, columns, rows):
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)

        copy("cooperatives", ("id", "slug", "name", "registration_code", "province_code",
                              "commune_code", "address", "sector", "founded_year",
                              "member_count", "story_vi", "story_en", "logo", "contact_email",
                              "contact_phone", "status", "commission_rate_bp",
                              "rejection_reason", "created_at"), coop_rows)
        copy("products", ("id", "slug", "cooperative_id", "category_id", "unit", "price",
                          "origin_province_code", "status", "created_at", "updated_at"),
             product_rows)
        copy("product_variants", ("id", "product_id", "cooperative_id", "position", "label_vi",
                                  "label_en", "sku", "price", "weight_grams", "stock",
                                  "active"), variant_rows)
        copy("product_translations", ("product_id", "locale", "name", "description"),
             text_rows)
        copy("department_registry", ("province_code", "tax_code", "kind", "name",
                                     "registration_number", "registered_on", "representative",
                                     "sector", "agricultural", "commune_code", "members",
                                     "status", "updated_at"), registry_rows)
        raw.commit()
        for place in places:
            accounts.create_user(email=f"officer.{place.code}@bench.htx.vn", password=PASSWORD,
                                 name=f"Cán bộ {place.short_name}", role=Role.OFFICER,
                                 province_code=place.code)
        accounts.create_user(email="admin@bench.htx.vn", password=PASSWORD, name="Admin",
                             role=Role.ADMIN)
        buyer = accounts.create_user(email="buyer@bench.htx.vn", password=PASSWORD,
                                     name="Người mua", role=Role.BUYER)
        db.session.commit()
        print(f"catalogue and register: {time.time() - t0:.1f} s", flush=True)

        destinations = [(p.code, geo.communes(p.code)[0].code) for p in geo.provinces()]
        ids = synthetic.Ids(1, 1, 1, 1, 1, 1)
        end = now.replace(hour=0, minute=0, second=0, microsecond=0)
        made = 0
        for chunk in synthetic.generate(items, lines=args.lines, start=end - timedelta(days=730),
                                        end=end, ids=ids, destinations=destinations,
                                        dispute_user_id=buyer.id, chunk_lines=50_000):
            for table in ("orders", "vendor_orders", "order_lines", "order_events",
                          "ledger_entries", "disputes"):
                copy(table, synthetic.TABLE_COLUMNS[table], chunk[table])
            raw.commit()
            made += len(chunk["order_lines"])
            print(f"  {made:,} lines, {time.time() - t0:.0f} s", flush=True)
        for table in ("cooperatives", "products", "product_variants", "product_translations",
                      "orders",
                      "vendor_orders", "order_lines", "order_events", "ledger_entries",
                      "disputes", "department_registry"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        raw.commit()
        raw.close()
        print(f"orders: {ids.order - 1:,}, parts: {ids.vendor_order - 1:,}, lines: "
              f"{ids.line - 1:,}, disputes: {ids.dispute - 1:,} ({time.time() - t0:.0f} s)",
              flush=True)
        if not args.no_summary:
            _summary(db, t0)


def _summary(db, t0) -> None:
    from market.department import bulk

    t1 = time.time()
    conn = db.session.connection()
    parts = bulk.rebuild_sales(conn)
    t2 = time.time()
    rows = bulk.rebuild_daily(conn)
    db.session.commit()
    print(f"summaries (set-based): department_sales {parts:,} rows in {t2 - t1:.0f} s, "
          f"department_daily {rows:,} rows in {time.time() - t2:.0f} s", flush=True)
    # VACUUM too: the visibility map lets the daily summary's covering indexes answer
    # with index-only scans (autovacuum does it in a live database).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    print(f"summary: {parts:,} parts; total {time.time() - t0:.0f} s", flush=True)

if __name__ == "__main__":
    main()
