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


def _insert_rows(conn, table, rows: list[dict], batch: int = 20_000) -> None:
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
    _empty(conn, sales)
    result = conn.execute(sa.insert(sales).from_select(
        ["vendor_order_id", "order_id", "cooperative_id", "province_code", "commune_code",
         "dest_province_code", "day", "status", "counted", "goods", "refunded", "net_goods",
         "units", "buyer_key", "disputed", "dispute_decision", "paid_at", "delivered_at"],
        query))
    keys.drop(conn)
    return result.rowcount


def _line_rows(conn):
    """One row per order line of the summarised parts, with the part's figures, the
    product's category and commodity and its OCOP stars on the order day."""
    F = SalesFact.__table__.c
    ol, p, cat = OrderLine.__table__, Product.__table__, Category.__table__
    cp, oc = certificate_products, OcopCertificate.__table__
    s = SalesFact.__table__
    stars = (sa.select(ol.c.id.label("line_id"), sa.func.max(oc.c.stars).label("stars"))
             .select_from(ol).join(s, F.vendor_order_id == ol.c.vendor_order_id)
             .join(cp, cp.c.product_id == ol.c.product_id)
             .join(oc, oc.c.id == cp.c.certificate_id)
             .where(oc.c.status.in_(("verified", "expired")), oc.c.decision_date <= F.day,
                    F.day <= oc.c.valid_until)
             .group_by(ol.c.id).subquery())
    first_all = sa.func.min(sa.case((s.c.counted, s.c.vendor_order_id)))
    firsts = sa.select(
        s.c.vendor_order_id.label("part"),
        _flag(first_all.over(partition_by=s.c.order_id) == s.c.vendor_order_id),
        _flag(first_all.over(partition_by=(s.c.order_id, s.c.province_code))
              == s.c.vendor_order_id),
        _flag(first_all.over(partition_by=(s.c.order_id, s.c.commune_code))
              == s.c.vendor_order_id)).subquery()
    first_cols = list(firsts.c)[1:]
    counted = F.counted.is_(True)
    category = sa.func.coalesce(p.c.category_id, 0)
    return (
        sa.select(
            F.vendor_order_id.label("part"), F.day, F.cooperative_id, F.province_code,
            sa.func.coalesce(F.commune_code, 0).label("commune"),
            F.dest_province_code.label("dest"), ol.c.product_id,
            category.label("category"),
            sa.func.coalesce(cat.c.parent_id, p.c.category_id, 0).label("commodity"),
            sa.func.coalesce(stars.c.stars, 0).label("stars"),
            sa.case((sa.and_(counted, F.goods != 0),
                     ol.c.line_total * F.net_goods * 1.0 / F.goods), else_=0.0).label("gmv"),
            sa.case((counted, ol.c.line_total), else_=0).label("goods"),
            sa.case((sa.and_(counted, stars.c.stars > 0), ol.c.line_total), else_=0)
            .label("ocop_goods"),
            sa.case((sa.and_(counted, F.status != "refunded"), ol.c.quantity), else_=0)
            .label("units"),
            _flag(counted).label("counted"), _flag(F.status == "cancelled").label("cancelled"),
            _flag(sa.and_(counted, F.refunded > 0)).label("refunds"),
            _flag(sa.and_(counted, F.disputed.is_(True))).label("disputes"),
            first_cols[0].label("orders_all"), first_cols[1].label("orders_province"),
            first_cols[2].label("orders_commune"))
        .select_from(s).join(ol, ol.c.vendor_order_id == F.vendor_order_id)
        .join(p, p.c.id == ol.c.product_id).outerjoin(cat, cat.c.id == p.c.category_id)
        .outerjoin(stars, stars.c.line_id == ol.c.id)
        .join(firsts, firsts.c.part == F.vendor_order_id)
        .cte("department_lines"))


def _flag(condition):
    return sa.case((condition, 1), else_=0)


PART_FLAGS = ("counted", "cancelled", "refunds", "disputes", "orders_all", "orders_province",
              "orders_commune")


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
    lines unpivoted into the seven dimensions, summed per part, then per row."""
    daily = DailyFact.__table__
    lines = _line_rows(conn)
    dims = (("product", lines.c.product_id, lines.c.commodity),
            ("category", lines.c.category, lines.c.commodity),
            ("commodity", lines.c.commodity, lines.c.commodity),
            ("stars", lines.c.stars, sa.literal_column("0")),
            ("cstars", lines.c.stars, lines.c.commodity),
            ("coop", lines.c.commune, sa.literal_column("0")),
            ("dest", lines.c.dest, sa.literal_column("0")))
    part_cols = [lines.c[name] for name in PART_FLAGS]
    unpivoted = sa.union_all(*(
        sa.select(lines.c.day, lines.c.cooperative_id, sa.literal_column(f"'{dim}'").label("dim"),
                  key.label("key"), within.label("commodity_id"), lines.c.province_code,
                  lines.c.part, lines.c.gmv, lines.c.goods, lines.c.ocop_goods, lines.c.units,
                  *part_cols)
        for dim, key, within in dims)).subquery("unpivoted")
    u = unpivoted.c
    group = [u.day, u.cooperative_id, u.dim, u.key, u.commodity_id]
    per_part = sa.select(
        *group, u.province_code, sa.func.sum(u.gmv).label("gmv"),
        sa.func.sum(u.goods).label("goods"), sa.func.sum(u.ocop_goods).label("ocop_goods"),
        sa.func.sum(u.units).label("units"), sa.func.count().label("lines"),
        *(u[name] for name in PART_FLAGS)
    ).group_by(*group, u.province_code, u.part, *(u[name] for name in PART_FLAGS)) \
        .subquery("per_part")
    pp = per_part.c
    buyers = _temp_table(conn, "tmp_department_buyers",
                         sa.Column("day", sa.Date), sa.Column("cooperative_id", sa.Integer),
                         sa.Column("dim", sa.String(10)), sa.Column("key", sa.Integer),
                         sa.Column("commodity_id", sa.Integer),
                         sa.Column("buyers", sa.LargeBinary))
    _insert_rows(conn, buyers, _buyer_sets(conn))
    rows = sa.select(
        pp.day, pp.cooperative_id, pp.dim, pp.key, pp.commodity_id, pp.province_code,
        sa.func.sum(pp.gmv), sa.func.sum(pp.goods), sa.func.sum(pp.ocop_goods),
        sa.func.sum(pp.units), sa.func.sum(pp.lines), sa.func.count(),
        *(sa.func.sum(pp[name]) for name in PART_FLAGS)
    ).group_by(pp.day, pp.cooperative_id, pp.dim, pp.key, pp.commodity_id,
               pp.province_code).subquery("figures")
    r = rows.c
    query = sa.select(*rows.c, buyers.c.buyers).select_from(rows).outerjoin(buyers, sa.and_(
        *(buyers.c[name] == r[name] for name in DAILY_KEY)))
    _empty(conn, daily)
    result = conn.execute(sa.insert(daily).from_select(
        [*DAILY_KEY, "province_code", "gmv", "goods", "ocop_goods", "units", "lines", "parts",
         *PART_FLAGS, "buyers"], query))
    buyers.drop(conn)
    return result.rowcount
