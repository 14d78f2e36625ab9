"""The set-based rebuild of both department summaries (after a bulk load, a migration, or
`flask department-rebuild`): one INSERT ... SELECT for `department_sales`, one for
`department_daily`, and one read of the counted parts for the daily rows' buyer sets (the
64-bit buyer hashes are computed in Python, which the databases cannot do alike).

It computes exactly what the incremental path (`services.refresh_facts`, `_daily_rows`)
computes row by row; `tests/department/test_summary.py` checks that the two agree after
random changes. Change one, change the other."""
from __future__ import annotations

import sqlalchemy as sa

from market.catalog.models import Category, Product
from market.department.models import DailyFact, SalesFact
from market.ocop.models import OcopCertificate, certificate_products
from market.orders.models import Dispute, LedgerEntry, Order, OrderEvent, OrderLine, VendorOrder
from market.vendors.models import Cooperative

DAILY_KEY = ("day", "cooperative_id", "dim", "key", "commodity_id")


def _local_day(conn, column):
    """The order day in Asia/Ho_Chi_Minh (UTC+7 all year, no daylight saving since 1975)."""
    if conn.dialect.name == "postgresql":
        return sa.cast(sa.func.timezone("Asia/Ho_Chi_Minh", column), sa.Date)
    return sa.func.date(column, "+7 hours")


def _empty(conn, table) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"TRUNCATE {table.name}"))
    else:
        conn.execute(sa.delete(table))


def _temp_table(conn, name: str, *columns) -> sa.Table:
    table = sa.Table(name, sa.MetaData(), *columns, prefixes=["TEMPORARY"])
    table.drop(conn, checkfirst=True)
    table.create(conn)
    return table


def _room(conn) -> None:
    """A bulk rebuild sorts and hashes millions of rows: on PostgreSQL, give this
    transaction the memory to do it without spilling to disk (and no JIT: it compiles
    for longer than the rebuild's expressions then run)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET LOCAL work_mem = '192MB'"))
        conn.execute(sa.text("SET LOCAL jit = off"))


def _refill(conn, table, insert) -> None:
    """Empty `table` and run `insert` with its secondary indexes dropped, then build them
    again: one index build is much cheaper than a million index insertions (all inside
    the caller's transaction: readers wait for its commit, then see the new rows)."""
    _empty(conn, table)
    # Only the indexes the database has: an older migration's rebuild runs before later
    # migrations add theirs.
    present = {index["name"] for index in sa.inspect(conn).get_indexes(table.name)}
    indexes = sorted((index for index in table.indexes if index.name in present),
                     key=lambda index: index.name)
    for index in indexes:
        index.drop(conn)
    conn.execute(insert)
    for index in indexes:
        index.create(conn)


def _insert_rows(conn, table, rows: list[dict], batch: int = 20_000) -> None:
    """Rows into a (temporary) table: COPY on PostgreSQL (an INSERT per thousand rows costs
    ten times as much), inserts elsewhere."""
    if conn.dialect.name == "postgresql" and rows:
        names = [column.name for column in table.columns]
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
        return
    for start in range(0, len(rows), batch):
        conn.execute(sa.insert(table), rows[start:start + batch])


def rebuild_sales(conn) -> int:
    """department_sales from the orders tables, in one statement (the buyer keys, which
    hash guest e-mail addresses, come from one read of the orders)."""
    from market.department.services import NOT_COUNTED, _buyer_key

    vo, o, c = VendorOrder.__table__, Order.__table__, Cooperative.__table__
    ol, le, d, ev = (OrderLine.__table__, LedgerEntry.__table__, Dispute.__table__,
                     OrderEvent.__table__)
    sales = SalesFact.__table__
    _room(conn)
    keys = _temp_table(conn, "tmp_department_buyer_keys",
                       sa.Column("order_id", sa.Integer, primary_key=True),
                       sa.Column("buyer_key", sa.String(64)))
    _insert_rows(conn, keys, [{"order_id": i, "buyer_key": _buyer_key(buyer, email)}
                              for i, buyer, email in conn.execute(
                                  sa.select(o.c.id, o.c.buyer_id, o.c.email))])
    units = sa.select(ol.c.vendor_order_id.label("id"), sa.func.sum(ol.c.quantity).label("n")) \
        .group_by(ol.c.vendor_order_id).subquery()
    refunds = sa.select(le.c.vendor_order_id.label("id"), (-sa.func.sum(le.c.amount)).label("n")) \
        .where(le.c.kind == "refund").group_by(le.c.vendor_order_id).subquery()
    last = sa.select(d.c.vendor_order_id.label("id"), sa.func.max(d.c.id).label("dispute_id")) \
        .group_by(d.c.vendor_order_id).subquery()
    dispute = d.alias("last_dispute")
    paid = sa.select(ev.c.vendor_order_id.label("id"), sa.func.min(ev.c.at).label("at")) \
        .where(ev.c.to_status.in_(("paid", "confirmed"))).group_by(ev.c.vendor_order_id) \
        .subquery()
    counted = vo.c.status.not_in(NOT_COUNTED)
    refund = sa.func.coalesce(refunds.c.n, 0)
    refunded = sa.case((refund > vo.c.subtotal, vo.c.subtotal), else_=refund)
    query = (
        sa.select(vo.c.id, vo.c.order_id, vo.c.cooperative_id, c.c.province_code,
                  c.c.commune_code, o.c.province_code, _local_day(conn, o.c.created_at),
                  vo.c.status, counted, vo.c.subtotal, refunded,
                  sa.case((counted, vo.c.subtotal - refunded), else_=0),
                  sa.case((sa.and_(counted, vo.c.status != "refunded"),
                           sa.func.coalesce(units.c.n, 0)), else_=0),
                  keys.c.buyer_key, last.c.id.is_not(None),
                  sa.func.coalesce(dispute.c.decision, dispute.c.status), paid.c.at,
                  vo.c.delivered_at)
        .select_from(vo).join(o, o.c.id == vo.c.order_id)
        .join(c, c.c.id == vo.c.cooperative_id).join(keys, keys.c.order_id == vo.c.order_id)
        .outerjoin(units, units.c.id == vo.c.id).outerjoin(refunds, refunds.c.id == vo.c.id)
        .outerjoin(last, last.c.id == vo.c.id)
        .outerjoin(dispute, dispute.c.id == last.c.dispute_id)
        .outerjoin(paid, paid.c.id == vo.c.id))
    _refill(conn, sales, sa.insert(sales).from_select(
        ["vendor_order_id", "order_id", "cooperative_id", "province_code", "commune_code",
         "dest_province_code", "day", "status", "counted", "goods", "refunded", "net_goods",
         "units", "buyer_key", "disputed", "dispute_decision", "paid_at", "delivered_at"],
        query))
    keys.drop(conn)
    return conn.execute(sa.select(sa.func.count()).select_from(sales)).scalar()


def _flag(condition):
    return sa.case((condition, 1), else_=0)


PART_FLAGS = ("counted", "cancelled", "refunds", "disputes", "orders_all", "orders_province",
              "orders_commune")


def _parts(conn):
    """One row per summarised part: its day, cooperative, province, commune, destination and
    the 0/1 flags its daily rows add up (the order-counting flags: whether it is its
    order's first counted part in the marketplace, its province, its commune)."""
    s = SalesFact.__table__.c
    first = sa.func.min(sa.case((s.counted, s.vendor_order_id)))
    counted = s.counted.is_(True)
    return sa.select(
        s.vendor_order_id.label("part"), s.day, s.cooperative_id, s.province_code,
        sa.func.coalesce(s.commune_code, 0).label("commune"),
        s.dest_province_code.label("dest"),
        _flag(counted).label("counted"), _flag(s.status == "cancelled").label("cancelled"),
        _flag(sa.and_(counted, s.refunded > 0)).label("refunds"),
        _flag(sa.and_(counted, s.disputed.is_(True))).label("disputes"),
        _flag(first.over(partition_by=s.order_id) == s.vendor_order_id).label("orders_all"),
        _flag(first.over(partition_by=(s.order_id, s.province_code)) == s.vendor_order_id)
        .label("orders_province"),
        _flag(first.over(partition_by=(s.order_id, s.commune_code)) == s.vendor_order_id)
        .label("orders_commune")).subquery("parts")


def _lines(conn):
    """One row per order line of the summarised parts: its part, product, category,
    commodity, OCOP stars on the order day, and its share of the part's figures."""
    F = SalesFact.__table__.c
    s = SalesFact.__table__
    ol, p, cat = OrderLine.__table__, Product.__table__, Category.__table__
    cp, oc = certificate_products, OcopCertificate.__table__
    stars = (sa.select(ol.c.id.label("line_id"), sa.func.max(oc.c.stars).label("stars"))
             .select_from(ol).join(s, F.vendor_order_id == ol.c.vendor_order_id)
             .join(cp, cp.c.product_id == ol.c.product_id)
             .join(oc, oc.c.id == cp.c.certificate_id)
             .where(oc.c.status.in_(("verified", "expired")), oc.c.decision_date <= F.day,
                    F.day <= oc.c.valid_until)
             .group_by(ol.c.id).subquery())
    counted = F.counted.is_(True)
    return (
        sa.select(
            F.vendor_order_id.label("part"), ol.c.product_id,
            sa.func.coalesce(p.c.category_id, 0).label("category"),
            sa.func.coalesce(cat.c.parent_id, p.c.category_id, 0).label("commodity"),
            sa.func.coalesce(stars.c.stars, 0).label("stars"),
            sa.case((sa.and_(counted, F.goods != 0),
                     ol.c.line_total * F.net_goods * 1.0 / F.goods), else_=0.0).label("gmv"),
            sa.case((counted, ol.c.line_total), else_=0).label("goods"),
            sa.case((sa.and_(counted, stars.c.stars > 0), ol.c.line_total), else_=0)
            .label("ocop_goods"),
            sa.case((sa.and_(counted, F.status != "refunded"), ol.c.quantity), else_=0)
            .label("units"))
        .select_from(s).join(ol, ol.c.vendor_order_id == F.vendor_order_id)
        .join(p, p.c.id == ol.c.product_id).outerjoin(cat, cat.c.id == p.c.category_id)
        .outerjoin(stars, stars.c.line_id == ol.c.id)
        .cte("department_lines"))


def _buyer_sets(conn) -> list[dict]:
    """The buyers' hashes of every "coop", "dest" and "commodity" row, from one read of the
    counted parts (and one of their commodities)."""
    from market.department.services import _pack, buyer_hash

    F = SalesFact.__table__.c
    ol, p, cat = OrderLine.__table__, Product.__table__, Category.__table__
    hashes: dict[str, int] = {}
    sets: dict[tuple, set] = {}

    def add(key, buyer_key):
        value = hashes.get(buyer_key)
        if value is None:
            value = hashes[buyer_key] = buyer_hash(buyer_key)
        sets.setdefault(key, set()).add(value)

    for day, coop, commune, dest, buyer_key in conn.execute(
            sa.select(F.day, F.cooperative_id, F.commune_code, F.dest_province_code,
                      F.buyer_key).where(F.counted.is_(True))):
        add((day, coop, "coop", commune or 0, 0), buyer_key)
        add((day, coop, "dest", dest, 0), buyer_key)
    commodity = sa.func.coalesce(cat.c.parent_id, p.c.category_id, 0)
    for day, coop, key, buyer_key in conn.execute(
            sa.select(F.day, F.cooperative_id, commodity, F.buyer_key).distinct()
            .join(ol, ol.c.vendor_order_id == F.vendor_order_id)
            .join(p, p.c.id == ol.c.product_id).outerjoin(cat, cat.c.id == p.c.category_id)
            .where(F.counted.is_(True))):
        add((day, coop, "commodity", key, key), buyer_key)
    return [{**dict(zip(DAILY_KEY, key)), "buyers": _pack(values)}
            for key, values in sets.items()]


def rebuild_daily(conn) -> int:
    """department_daily from department_sales and the order lines, in one statement: the
    lines summed per (part, product / category / commodity / stars), the parts' line totals
    for the per-part "coop" and "dest" rows, then everything summed per row."""
    daily = DailyFact.__table__
    _room(conn)
    lines = _lines(conn)
    zero = sa.literal_column("0")
    sums = [sa.func.sum(lines.c.gmv).label("gmv"), sa.func.sum(lines.c.goods).label("goods"),
            sa.func.sum(lines.c.ocop_goods).label("ocop_goods"),
            sa.func.sum(lines.c.units).label("units"), sa.func.count().label("lines")]
    by_line = [sa.select(lines.c.part, sa.literal_column(f"'{dim}'").label("dim"),
                         key.label("key"), within.label("commodity_id"), *sums)
               .group_by(lines.c.part, key, *(() if within is zero else (within,)))
               for dim, key, within in (("product", lines.c.product_id, lines.c.commodity),
                                        ("category", lines.c.category, lines.c.commodity),
                                        ("commodity", lines.c.commodity, lines.c.commodity),
                                        ("stars", lines.c.stars, zero),
                                        ("cstars", lines.c.stars, lines.c.commodity))]
    totals = sa.select(lines.c.part, *sums).group_by(lines.c.part).subquery("totals")
    parts = _parts(conn)
    t = totals.c
    by_part = [sa.select(t.part, sa.literal_column(f"'{dim}'").label("dim"), key.label("key"),
                         zero.label("commodity_id"), t.gmv, t.goods, t.ocop_goods, t.units,
                         t.lines).join(parts, parts.c.part == t.part)
               for dim, key in (("coop", parts.c.commune), ("dest", parts.c.dest))]
    groups = sa.union_all(*by_line, *by_part).subquery("groups")
    g, pc = groups.c, parts.c
    key = [pc.day, pc.cooperative_id, g.dim, g.key, g.commodity_id]
    rows = (sa.select(*key, pc.province_code, sa.func.sum(g.gmv), sa.func.sum(g.goods),
                      sa.func.sum(g.ocop_goods), sa.func.sum(g.units), sa.func.sum(g.lines),
                      sa.func.count(), *(sa.func.sum(pc[name]) for name in PART_FLAGS))
            .select_from(groups).join(parts, parts.c.part == g.part)
            .group_by(*key, pc.province_code).subquery("figures"))
    buyers = _temp_table(conn, "tmp_department_buyers",
                         sa.Column("day", sa.Date), sa.Column("cooperative_id", sa.Integer),
                         sa.Column("dim", sa.String(10)), sa.Column("key", sa.Integer),
                         sa.Column("commodity_id", sa.Integer),
                         sa.Column("buyers", sa.LargeBinary))
    _insert_rows(conn, buyers, _buyer_sets(conn))
    r = list(rows.c)
    query = sa.select(*r, buyers.c.buyers).select_from(rows).outerjoin(buyers, sa.and_(
        *(buyers.c[name] == column for name, column in zip(DAILY_KEY, r))))
    _refill(conn, daily, sa.insert(daily).from_select(
        [*DAILY_KEY, "province_code", "gmv", "goods", "ocop_goods", "units", "lines", "parts",
         *PART_FLAGS, "buyers"], query))
    buyers.drop(conn)
    return conn.execute(sa.select(sa.func.count()).select_from(daily)).scalar()
