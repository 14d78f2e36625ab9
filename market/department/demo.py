"""Demo data for the department's desk, loaded by `flask seed-demo` (idempotent, about a
second): Đắk Lắk's cooperative register (the demo cooperatives, plus invented ones that do
not sell online yet) and about a year of invented order history (market/department/
synthetic.py), with the coffee harvest (November to January) and Tết busier."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from market.accounts import services as accounts
from market.catalog.models import Category, Product, ProductStatus
from market.department import synthetic
from market.department.models import RegistryEntry, SalesFact
from market.extensions import db
from market.geo import services as geo
from market.orders.models import Dispute, LedgerEntry, Order, OrderEvent, OrderLine, VendorOrder
from market.vendors.models import Cooperative

# Invented cooperatives on the register that are not on the marketplace (outreach list).
OFFLINE = [
    ("Hợp tác xã Nông nghiệp Ea Tu (demo)", "cà phê", 40),
    ("Hợp tác xã Dịch vụ Nông nghiệp Hòa Thắng (demo)", "sầu riêng", 27),
    ("Hợp tác xã Mật ong Krông Bông (demo)", "mật ong", 19),
    ("Tổ hợp tác Dệt thổ cẩm Buôn Đôn (demo)", "thủ công mỹ nghệ", 12),
    ("Hợp tác xã Nông sản sạch Ea Kar (demo)", "rau quả", 33),
    ("Hợp tác xã Ca cao Cư Kuin (demo)", "ca cao", 21),
]


def _demo_code(index: int) -> str:
    from stdnum.vn import mst

    seq = 900_000 + index * 13
    while len(mst.calc_check_digit(f"60{seq:07d}")) != 1:
        seq += 1
    body = f"60{seq:07d}"
    return body + mst.calc_check_digit(body)


def seed_registry(province_name: str = "Đắk Lắk") -> int:
    province = geo.find_province(province_name)
    if db.session.scalar(db.select(RegistryEntry.id).filter_by(
            province_code=province.code).limit(1)) is not None:
        return 0
    rng = random.Random(13)
    added = 0
    coops = db.session.scalars(db.select(Cooperative).filter_by(
        province_code=province.code).order_by(Cooperative.id)).all()
    for n, coop in enumerate(coops):
        db.session.add(RegistryEntry(
            province_code=province.code, tax_code=coop.registration_code,
            name=coop.name if n != 3 else coop.name.replace("Hợp tác xã", "HTX"),
            registration_number=f"40.07.{1000 + n}", representative="(demo)",
            registered_on=datetime(2005 + n % 15, 1 + n % 12, 10).date(), sector=coop.sector,
            commune_code=coop.commune_code, members=coop.member_count, status="active"))
        added += 1
    communes = geo.communes(province.code)
    for n, (name, sector, members) in enumerate(OFFLINE):
        db.session.add(RegistryEntry(
            province_code=province.code, tax_code=_demo_code(n), name=name,
            kind="group" if name.startswith("Tổ") else "cooperative", sector=sector,
            registration_number=f"40.07.{2000 + n}", representative="(demo)",
            registered_on=datetime(2012 + n, 3, 1).date(), members=members,
            commune_code=rng.choice(communes).code,
            status="dissolved" if n == 5 else "active"))
        added += 1
    return added


DEMO_LINES = 900
PREFIX = "demo-department"


def seed_orders(now: datetime | None = None) -> int:
    """About a year of invented order history for the demo cooperatives (bulk inserts of the
    same rows the benchmark's generator makes: a second or two, not a checkout per order)."""
    if db.session.scalar(db.select(Order.id).where(
            Order.idempotency_key.like(f"{PREFIX}-%")).limit(1)):
        return 0
    now = now or datetime.now(UTC)
    coffee = db.session.scalar(db.select(Category.id).filter_by(slug="ca-phe"))
    items = [synthetic.Item(p.id, p.cooperative_id, p.price, p.name("vi"), p.unit,
                            p.category_id == coffee)
             for p in db.session.scalars(db.select(Product).filter_by(
                 status=ProductStatus.ACTIVE.value).order_by(Product.id))]
    buyer = accounts.find_by_email("buyer@demo.htx.vn")
    if not items or buyer is None:
        return 0
    destinations = [(p.code, geo.communes(p.code)[0].code) for p in geo.provinces()[:12]]
    ids = synthetic.Ids(*(_next_id(m) for m in (Order, VendorOrder, OrderLine, OrderEvent,
                                                LedgerEntry, Dispute)))
    first_order = ids.order
    for chunk in synthetic.generate(items, lines=DEMO_LINES, start=now - timedelta(days=395),
                                    end=now - timedelta(days=1), ids=ids,
                                    destinations=destinations, dispute_user_id=buyer.id,
                                    seed=13, prefix=PREFIX):
        for table, rows in chunk.items():
            if not rows:
                continue
            columns = synthetic.TABLE_COLUMNS[table]
            records = [dict(zip(columns, row)) for row in rows]
            if table == "disputes":
                for record in records:
                    record["photos"] = []
            db.session.execute(sa.insert(db.metadata.tables[table]), records)
    db.session.flush()
    return ids.order - first_order


def _next_id(model) -> int:
    return (db.session.scalar(db.select(sa.func.max(model.id))) or 0) + 1


def seed() -> dict:
    counts = {"registry entries": seed_registry(), "department orders": seed_orders()}
    facts = db.session.scalar(db.select(sa.func.count()).select_from(SalesFact))
    parts = db.session.scalar(db.select(sa.func.count()).select_from(VendorOrder))
    if facts != parts:  # bulk rows, or a database migrated from before the summary existed
        from market.department.services import rebuild_all

        rebuild_all()
    return counts
