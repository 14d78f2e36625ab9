"""The department's figures, scoped to the officer's province (admins: every province).

Every page and export of `market/department/` reads through these functions; the scope is
checked here, never in a view. Buyers appear only as an opaque key that counts them.

Definitions (README "Department desk" repeats them):

- A *part* is one cooperative's share of an order (a vendor order). It belongs to the
  province and commune of its cooperative, and to the day the buyer placed the order, cut in
  Asia/Ho_Chi_Minh (UTC+7, no daylight saving).
- A part is *counted* once its money is paid (VietQR, card) or, for cash on delivery, once it
  was confirmed, and as long as it is not cancelled: status not in {pending_payment,
  cancelled}. A cancelled part is counted once, as a cancellation, whatever its history.
- GMV (gross merchandise value) = for counted parts, the goods value (line totals, shipping
  excluded) minus the refunds recorded in the ledger for that part, a refund never taking
  more than the goods value. Refunds lower the GMV of the period the order was placed in.
- Orders: distinct orders with a counted part; units: the units of counted parts not fully
  refunded; buyers: distinct buyer accounts (or guest email addresses) with a counted part;
  average order value = GMV / orders.
- Cancellation rate = cancelled parts / parts placed; refund rate = counted parts with a
  refund / counted parts; dispute rate = counted parts with a dispute / counted parts.
- OCOP share = goods value of lines whose product held a verified OCOP certificate on the
  order day / goods value of counted parts.
- Domestic vs foreign buyers: by delivery address. The checkout delivers only within Vietnam
  today, so every buyer is domestic; the figure is shown so that it changes when it does.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from market.accounts.models import Role
from market.catalog.models import Category, Product, ProductTranslation
from market.department.models import DailyFact, SalesFact
from market.errors import NotFound, PermissionDenied, ValidationError
from market.extensions import db
from market.geo import services as geo
from market.ocop.models import OcopCertificate, certificate_products
from market.orders.models import Dispute, LedgerEntry, Order, OrderEvent, OrderLine, VendorOrder
from market.vendors.models import Cooperative

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOT_COUNTED = ("pending_payment", "cancelled")
PERIOD_KINDS = ("day", "week", "month", "quarter", "year", "custom")
MAX_CUSTOM_DAYS = 3 * 366


def local_day(moment: datetime) -> date:
    return moment.astimezone(VN).date()


def today_vn(now: datetime | None = None) -> date:
    return local_day(now or datetime.now(UTC))


# --------------------------------------------------------------------------- scope

@dataclass(frozen=True)
class Scope:
    """Which provinces a user sees. `provinces` None: all of them (admins only)."""

    provinces: tuple[int, ...] | None
    is_admin: bool

    def clause(self, column):
        return sa.true() if self.provinces is None else column.in_(self.provinces)

    def covers(self, province_code: int | None) -> bool:
        return self.provinces is None or province_code in self.provinces

    @property
    def single(self) -> int | None:
        return self.provinces[0] if self.provinces and len(self.provinces) == 1 else None


def may_use(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.has_role(
        Role.OFFICER, Role.ADMIN) and (user.role == Role.ADMIN.value or user.province_code))


def scope_for(user, province=None) -> Scope:
    """The user's scope, narrowed to `province` (a code from a URL or export parameter).
    An officer asking for another province is refused, not silently given their own."""
    if not may_use(user):
        raise PermissionDenied(_l("Only the Department of Industry and Trade sees this page."))
    wanted = None
    if province not in (None, ""):
        try:
            wanted = int(province)
        except (TypeError, ValueError):
            raise NotFound(_l("No such province."))
        if geo.province(wanted) is None:
            raise NotFound(_l("No such province."))
    if user.role == Role.ADMIN.value:
        return Scope((wanted,) if wanted else None, True)
    if wanted and wanted != user.province_code:
        raise PermissionDenied(_l("You see the figures of your own province only."))
    return Scope((user.province_code,), False)


def cooperative_in_scope(scope: Scope, slug: str) -> Cooperative:
    coop = db.session.scalar(sa.select(Cooperative).filter_by(slug=slug))
    if coop is None or not scope.covers(coop.province_code):
        raise NotFound(_l("No such cooperative in your province."))
    return coop


# --------------------------------------------------------------------------- periods

@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        if self.kind in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
            start = _add_months(self.start, -months)
            return Period(self.kind, start, _add_months(start, months) - timedelta(days=1))
        return Period(self.kind, self.start - timedelta(days=self.days),
                      self.start - timedelta(days=1))

    def year_before(self) -> Period:
        start = _add_months(self.start, -12)
        return Period(self.kind, start, _add_months(self.end + timedelta(days=1), -12)
                      - timedelta(days=1))

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) if day.day == 1 else date(
        index // 12, index % 12 + 1, min(day.day, 28))


def parse_period(kind, at=None, start=None, end=None, *, today: date | None = None) -> Period:
    """A period from query parameters: `kind` and a day `at` inside it (default today in
    Vietnam), or `start`/`end` for a custom period. Bad input raises ValidationError."""
    from market.parsing import parse_date

    today = today or today_vn()
    kind = kind or "month"
    if kind not in PERIOD_KINDS:
        raise ValidationError({"period": _l("Choose a day, week, month, quarter, year or "
                                            "custom period.")})
    if kind == "custom":
        first, last = parse_date(start), parse_date(end)
        if not first or not last or last < first:
            raise ValidationError({"start": _l("Give a start and an end date, the end not "
                                               "before the start.")})
        if (last - first).days >= MAX_CUSTOM_DAYS:
            raise ValidationError({"start": _l("A custom period is at most three years.")})
        return Period(kind, first, last)
    day = parse_date(at) if at else today
    if day is None:
        raise ValidationError({"at": _l("Give the date as YYYY-MM-DD.")})
    if kind == "day":
        return Period(kind, day, day)
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind == "month":
        first = day.replace(day=1)
    elif kind == "quarter":
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    else:
        first = date(day.year, 1, 1)
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    return Period(kind, first, _add_months(first, months) - timedelta(days=1))


# --------------------------------------------------------------------------- filters

@dataclass(frozen=True)
class Filters:
    """Optional narrowing: a commodity (top-level category slug) or one cooperative."""

    commodity: str | None = None
    cooperative_id: int | None = None
    commodity_ids: tuple[int, ...] = field(default=(), compare=False)

    @property
    def by_product(self) -> bool:
        return bool(self.commodity)


def commodities() -> list[Category]:
    """The commodities a filter offers: top-level categories."""
    return list(db.session.scalars(
        sa.select(Category).where(Category.parent_id.is_(None)).order_by(Category.position)))


def parse_filters(scope: Scope, commodity=None, cooperative=None) -> Filters:
    commodity_ids: tuple[int, ...] = ()
    if commodity:
        top = db.session.scalar(sa.select(Category).filter_by(slug=str(commodity)[:80]))
        if top is None:
            raise ValidationError({"commodity": _l("No such commodity.")})
        commodity_ids = (top.id, *db.session.scalars(
            sa.select(Category.id).where(Category.parent_id == top.id)))
    coop_id = cooperative_in_scope(scope, str(cooperative)[:100]).id if cooperative else None
    return Filters(commodity or None, coop_id, commodity_ids)


# --------------------------------------------------------------------------- the summary

def _buyer_key(buyer_id, email) -> str:
    if buyer_id:
        return f"u{buyer_id}"
    return "e" + hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:40]


def refresh_facts(vendor_order_ids, connection=None, daily: bool = True) -> None:
    """Rebuild the summary rows of these parts from the orders tables (delete, insert), and
    the daily rows of their (day, cooperative) pairs, before and after."""
    ids = sorted({int(i) for i in vendor_order_ids if i is not None})
    conn = connection or db.session.connection()
    sales = SalesFact.__table__
    for chunk_start in range(0, len(ids), 2000):
        chunk = ids[chunk_start:chunk_start + 2000]
        keys = set(conn.execute(sa.select(sales.c.day, sales.c.cooperative_id)
                                .where(sales.c.vendor_order_id.in_(chunk))).all())
        conn.execute(sa.delete(sales).where(sales.c.vendor_order_id.in_(chunk)))
        rows = _fact_rows(conn, chunk)
        if rows:
            conn.execute(sa.insert(sales), rows)
        if daily:
            keys.update((r["day"], r["cooperative_id"]) for r in rows)
            # The other cooperatives' parts of the same orders: which part counts an order
            # (the first counted one) may have moved to or from them.
            orders = {r["order_id"] for r in rows}
            if orders:
                keys.update(conn.execute(sa.select(sales.c.day, sales.c.cooperative_id)
                                         .where(sales.c.order_id.in_(sorted(orders)))).all())
            refresh_daily(keys, conn)


def _fact_rows(conn, ids: list[int]) -> list[dict]:
    vo, o, c = VendorOrder.__table__, Order.__table__, Cooperative.__table__
    parts = conn.execute(
        sa.select(vo.c.id, vo.c.order_id, vo.c.cooperative_id, vo.c.status, vo.c.subtotal,
                  vo.c.delivered_at, o.c.created_at, o.c.buyer_id, o.c.email,
                  o.c.province_code.label("dest"), c.c.province_code, c.c.commune_code)
        .join(o, o.c.id == vo.c.order_id).join(c, c.c.id == vo.c.cooperative_id)
        .where(vo.c.id.in_(ids))).all()
    if not parts:
        return []
    ol, le, d, ev = (OrderLine.__table__, LedgerEntry.__table__, Dispute.__table__,
                     OrderEvent.__table__)
    units = dict(conn.execute(sa.select(ol.c.vendor_order_id, sa.func.sum(ol.c.quantity))
                              .where(ol.c.vendor_order_id.in_(ids))
                              .group_by(ol.c.vendor_order_id)).all())
    refunds = dict(conn.execute(sa.select(le.c.vendor_order_id, -sa.func.sum(le.c.amount))
                                .where(le.c.vendor_order_id.in_(ids), le.c.kind == "refund")
                                .group_by(le.c.vendor_order_id)).all())
    disputes = {}
    for vo_id, status, decision in conn.execute(
            sa.select(d.c.vendor_order_id, d.c.status, d.c.decision)
            .where(d.c.vendor_order_id.in_(ids)).order_by(d.c.id)):
        disputes[vo_id] = decision or status
    paid = dict(conn.execute(sa.select(ev.c.vendor_order_id, sa.func.min(ev.c.at))
                             .where(ev.c.vendor_order_id.in_(ids),
                                    ev.c.to_status.in_(("paid", "confirmed")))
                             .group_by(ev.c.vendor_order_id)).all())
    rows = []
    for p in parts:
        created = _aware(p.created_at)
        counted = p.status not in NOT_COUNTED
        refunded = min(int(refunds.get(p.id) or 0), p.subtotal)
        rows.append({
            "vendor_order_id": p.id, "order_id": p.order_id, "cooperative_id": p.cooperative_id,
            "province_code": p.province_code, "commune_code": p.commune_code,
            "dest_province_code": p.dest, "day": local_day(created), "status": p.status,
            "counted": counted, "goods": p.subtotal, "refunded": refunded,
            "net_goods": p.subtotal - refunded if counted else 0,
            "units": int(units.get(p.id) or 0) if counted and p.status != "refunded" else 0,
            "buyer_key": _buyer_key(p.buyer_id, p.email),
            "disputed": p.id in disputes, "dispute_decision": disputes.get(p.id),
            "paid_at": _aware(paid.get(p.id)), "delivered_at": _aware(p.delivered_at),
        })
    return rows


def _aware(moment):
    if moment is None:
        return None
    if isinstance(moment, str):  # SQLite through a Core query of a plain column
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rebuild_all(connection=None) -> int:
    """Rebuild both summaries from the orders tables, set-based (after a bulk load, or
    `flask department-rebuild`); returns the number of parts."""
    from market.department import bulk

    conn = connection or db.session.connection()
    parts = bulk.rebuild_sales(conn)
    bulk.rebuild_daily(conn)
    if connection is None:
        db.session.commit()
    return parts


def install_listeners() -> None:
    """Keep the summary in step: every flush that touches a part, its lines, ledger entries,
    events or dispute rebuilds that part's row in the same transaction."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if getattr(install_listeners, "done", False):
        return
    install_listeners.done = True

    watched = (Order, VendorOrder, OrderLine, LedgerEntry, Dispute, OrderEvent)

    @event.listens_for(Session, "before_flush")
    def _remember(session, _ctx, _instances):
        # Objects still pending have no id yet: take their ids after the flush.
        found = session.info.setdefault("department_objects", [])
        products = session.info.setdefault("department_products", set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            moved = isinstance(obj, Cooperative) and any(
                sa.inspect(obj).attrs[name].history.has_changes()
                for name in ("province_code", "commune_code"))
            if moved or isinstance(obj, watched):
                found.append(obj)
            elif isinstance(obj, Product) and obj.id is not None and \
                    sa.inspect(obj).attrs.category_id.history.has_changes():
                products.add(obj.id)
            elif isinstance(obj, OcopCertificate):  # stars by day: every product it names
                history = sa.inspect(obj).attrs.products.history
                products.update(p.id for p in (*history.unchanged, *history.added,
                                               *history.deleted) if p.id is not None)

    @event.listens_for(Session, "after_rollback")
    def _forget(session):
        session.info.pop("department_objects", None)
        session.info.pop("department_products", None)

    @event.listens_for(Session, "after_flush_postexec")
    def _refresh(session, _ctx):
        objects = session.info.pop("department_objects", [])
        products = session.info.pop("department_products", set())
        if products:
            refresh_daily_for_products(products, session.connection())
        if not objects:
            return
        ids: set[int] = set()
        for obj in objects:
            if isinstance(obj, VendorOrder):
                ids.add(obj.id)
            elif isinstance(obj, OrderLine | LedgerEntry | Dispute | OrderEvent):
                ids.add(obj.vendor_order_id)
            elif isinstance(obj, Order | Cooperative):
                column = (VendorOrder.order_id if isinstance(obj, Order)
                          else VendorOrder.cooperative_id)
                ids.update(session.connection().scalars(
                    sa.select(VendorOrder.id).where(column == obj.id)))
        ids.discard(None)
        if ids:
            refresh_facts(ids, session.connection())


# --------------------------------------------------------------------------- daily summary

F = SalesFact.__table__.c
D = DailyFact.__table__.c

def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _star_periods(conn, product_ids) -> dict[int, list]:
    """Per product: (first day, last day, stars) of its verified (or since expired)
    certificates, the rule `_certified_on` applies."""
    cp, oc = certificate_products, OcopCertificate.__table__
    out: dict[int, list] = {}
    ids = sorted(product_ids)
    for start in range(0, len(ids), 2000):
        for product_id, stars, first, last in conn.execute(
                sa.select(cp.c.product_id, oc.c.stars, oc.c.decision_date, oc.c.valid_until)
                .join(oc, oc.c.id == cp.c.certificate_id)
                .where(cp.c.product_id.in_(ids[start:start + 2000]),
                       oc.c.status.in_(("verified", "expired")))):
            out.setdefault(product_id, []).append((_day(first), _day(last), int(stars)))
    return out


def _stars(periods, day: date) -> int:
    return max((stars for first, last, stars in periods or () if first <= day <= last),
               default=0)


BUYER_DIMS = ("coop", "dest", "commodity")  # rows that carry their buyers' hashes


def buyer_hash(buyer_key: str) -> int:
    """A 64-bit hash of a buyer key (unsigned), for the daily rows' buyer sets."""
    return int.from_bytes(hashlib.blake2b(buyer_key.encode(), digest_size=8).digest(), "little")


def _pack(hashes: set[int]) -> bytes:
    import numpy as np

    return np.array(sorted(hashes), dtype="<u8").tobytes()


def _first_parts(conn, where) -> tuple[set, set, set]:
    """Ids of the parts that count their order: the first counted part (lowest id) of each
    order of the parts matching `where`, in the whole marketplace, in its province and in
    its commune. Sibling parts of other cooperatives are looked up too."""
    s = SalesFact.__table__.alias("siblings")
    rows = conn.execute(sa.select(s.c.vendor_order_id, s.c.order_id, s.c.province_code,
                                  s.c.commune_code)
                        .where(s.c.counted.is_(True),
                               s.c.order_id.in_(sa.select(F.order_id).where(where)))
                        .order_by(s.c.vendor_order_id)).all()
    first: dict = {}
    for part_id, order_id, province, commune in rows:  # ascending ids: the first one wins
        # Commune codes are unique across provinces (a missing commune is one group).
        for key in ((order_id,), (order_id, "p", province), (order_id, "c", commune)):
            first.setdefault(key, part_id)
    return ({v for k, v in first.items() if len(k) == 1},
            {v for k, v in first.items() if len(k) == 3 and k[1] == "p"},
            {v for k, v in first.items() if len(k) == 3 and k[1] == "c"})


def _daily_rows(conn, where) -> list[dict]:
    """The daily rows of the parts matching `where` (a clause on department_sales)."""
    ol, p, cat = OrderLine.__table__, Product.__table__, Category.__table__
    lines = conn.execute(
        sa.select(F.vendor_order_id, F.day, F.cooperative_id, F.province_code, F.counted,
                  F.status, F.goods, F.net_goods, F.refunded, F.disputed, F.commune_code,
                  F.dest_province_code, F.buyer_key, ol.c.product_id,
                  ol.c.line_total, ol.c.quantity, p.c.category_id, cat.c.parent_id)
        .join(ol, ol.c.vendor_order_id == F.vendor_order_id)
        .join(p, p.c.id == ol.c.product_id)
        .outerjoin(cat, cat.c.id == p.c.category_id)
        .where(where)).all()
    periods = _star_periods(conn, {line.product_id for line in lines})
    first_all, first_province, first_commune = _first_parts(conn, where) if lines else \
        (set(), set(), set())
    groups: dict[tuple, dict] = {}
    buyers: dict[tuple, set] = {}
    seen: set[tuple] = set()
    for line in lines:
        day = _day(line.day)
        stars = _stars(periods.get(line.product_id), day)
        category = line.category_id or 0
        commodity = line.parent_id or category
        counted = bool(line.counted)
        goods = line.line_total if counted else 0
        gmv = line.line_total * line.net_goods / line.goods if counted and line.goods else 0.0
        units = line.quantity if counted and line.status != "refunded" else 0
        part = line.vendor_order_id
        for dim, key, within in (("product", line.product_id, commodity),
                                 ("category", category, commodity),
                                 ("commodity", commodity, commodity),
                                 ("stars", stars, 0), ("cstars", stars, commodity),
                                 ("coop", line.commune_code or 0, 0),
                                 ("dest", line.dest_province_code, 0)):
            group_key = (day, line.cooperative_id, dim, key, within)
            row = groups.get(group_key)
            if row is None:
                row = groups[group_key] = {
                    "day": day, "cooperative_id": line.cooperative_id, "dim": dim, "key": key,
                    "commodity_id": within, "province_code": line.province_code, "gmv": 0.0,
                    "goods": 0, "ocop_goods": 0, "units": 0, "lines": 0, "parts": 0,
                    "counted": 0, "cancelled": 0, "refunds": 0, "disputes": 0,
                    "orders_all": 0, "orders_province": 0, "orders_commune": 0, "buyers": None}
            row["gmv"] += gmv
            row["goods"] += goods
            row["ocop_goods"] += goods if stars else 0
            row["units"] += units
            row["lines"] += 1
            if (part, group_key) not in seen:  # each part once per row
                seen.add((part, group_key))
                row["parts"] += 1
                row["counted"] += counted
                row["cancelled"] += line.status == "cancelled"
                row["refunds"] += counted and line.refunded > 0
                row["disputes"] += counted and bool(line.disputed)
                row["orders_all"] += part in first_all
                row["orders_province"] += part in first_province
                row["orders_commune"] += part in first_commune
                if counted and dim in BUYER_DIMS:
                    buyers.setdefault(group_key, set()).add(buyer_hash(line.buyer_key))
    for group_key, hashes in buyers.items():
        groups[group_key]["buyers"] = _pack(hashes)
    return list(groups.values())


DAILY_LOCK_SPACE = 0x0D41  # first key of refresh_daily's advisory locks (the second: a cooperative)


def refresh_daily(keys, connection=None) -> None:
    """Rebuild the daily rows of these (day, cooperative) pairs from department_sales and the
    order lines (department_sales must be up to date for them)."""
    conn = connection or db.session.connection()
    daily = DailyFact.__table__
    by_coop: dict[int, set] = {}
    for day, coop_id in keys:
        by_coop.setdefault(int(coop_id), set()).add(_day(day))
    for coop_id, days in sorted(by_coop.items()):
        if conn.dialect.name == "postgresql":
            # Two checkouts from one cooperative on one day rebuild the same rows: under READ
            # COMMITTED both would delete, then both insert (a unique violation). One at a
            # time per cooperative, until the transaction ends; taken in id order.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:space, :coop)"),
                         {"space": DAILY_LOCK_SPACE, "coop": coop_id})
        days = sorted(days)
        for start in range(0, len(days), 500):
            chunk = days[start:start + 500]
            conn.execute(sa.delete(daily).where(daily.c.cooperative_id == coop_id,
                                                daily.c.day.in_(chunk)))
            rows = _daily_rows(conn, sa.and_(F.cooperative_id == coop_id, F.day.in_(chunk)))
            if rows:
                conn.execute(sa.insert(daily), rows)


def refresh_daily_for_products(product_ids, connection=None) -> None:
    """After a product's category or an OCOP certificate changed: every day it sold."""
    ids = {int(i) for i in product_ids if i is not None}
    if not ids:
        return
    conn = connection or db.session.connection()
    ol = OrderLine.__table__
    keys = conn.execute(sa.select(F.day, F.cooperative_id).distinct().join(
        ol, ol.c.vendor_order_id == F.vendor_order_id).where(ol.c.product_id.in_(ids))).all()
    refresh_daily(keys, conn)


def rebuild_daily(connection=None) -> int:
    """Rebuild the whole daily summary from department_sales (set-based, `bulk.py`)."""
    from market.department import bulk

    return bulk.rebuild_daily(connection or db.session.connection())


# --------------------------------------------------------------------------- figures


def _where(scope: Scope, period: Period, filters: Filters):
    clauses = [scope.clause(F.province_code), F.day >= period.start, F.day <= period.end]
    if filters.cooperative_id:
        clauses.append(F.cooperative_id == filters.cooperative_id)
    return clauses


def _line_source(filters: Filters):
    """Line-level rows of the parts, with each line's share of the part's GMV."""
    ol, p = OrderLine.__table__, Product.__table__
    src = sa.select(F, ol.c.line_total, ol.c.quantity, ol.c.product_id, p.c.category_id) \
        .join(ol, ol.c.vendor_order_id == F.vendor_order_id) \
        .join(p, p.c.id == ol.c.product_id)
    if filters.by_product:
        src = src.where(p.c.category_id.in_(filters.commodity_ids))
    return src


def _measures(t, line: bool):
    counted = t.c.counted.is_(True)
    if line:
        gmv = sa.func.sum(sa.case((sa.and_(counted, t.c.goods > 0),
                                   t.c.line_total * t.c.net_goods * 1.0 / t.c.goods), else_=0))
        units = sa.func.sum(sa.case((sa.and_(counted, t.c.status != "refunded"),
                                     t.c.quantity), else_=0))
    else:
        gmv = sa.func.sum(t.c.net_goods)
        units = sa.func.sum(t.c.units)
    part = t.c.vendor_order_id
    if line:  # several rows per part: count each part once
        def parts(condition=None):
            return sa.func.count(sa.distinct(part if condition is None
                                             else sa.case((condition, part))))
    else:  # one row per part: a plain sum is enough (and much cheaper than DISTINCT)
        def parts(condition=None):
            return sa.func.count() if condition is None else sa.func.coalesce(
                sa.func.sum(sa.case((condition, 1), else_=0)), 0)
    return [
        sa.func.coalesce(gmv, 0).label("gmv"),
        sa.func.count(sa.distinct(sa.case((counted, t.c.order_id)))).label("orders"),
        sa.func.coalesce(units, 0).label("units"),
        sa.func.count(sa.distinct(sa.case((counted, t.c.buyer_key)))).label("buyers"),
        parts().label("parts"),
        parts(counted).label("counted"),
        parts(t.c.status == "cancelled").label("cancelled"),
        parts(sa.and_(counted, t.c.refunded > 0)).label("refunds"),
        parts(sa.and_(counted, t.c.disputed.is_(True))).label("disputes"),
    ]


def _source(scope, period, filters):
    if filters.by_product:
        return _line_source(filters).where(*_where(scope, period, filters)).subquery(), True
    return sa.select(F).where(*_where(scope, period, filters)).subquery(), False


def _figures(row) -> dict:
    gmv = round(row.gmv or 0)
    orders = row.orders or 0
    return {
        "gmv": gmv, "orders": orders, "units": int(row.units or 0),
        "buyers": None if row.buyers is None else row.buyers,
        "aov": gmv // orders if orders else 0,
        "cancel_rate": _rate(row.cancelled, row.parts),
        "refund_rate": _rate(row.refunds, row.counted),
        "dispute_rate": _rate(row.disputes, row.counted),
    }


def _rate(part, whole):
    return (part or 0) / whole if whole else None


def _daily_where(scope: Scope, period: Period, filters: Filters, dim: str):
    """Daily rows of one dimension in the scope and period; a commodity filter keeps the rows
    of that commodity (for "commodity" rows: its own row)."""
    clauses = [scope.clause(D.province_code), D.day >= period.start, D.day <= period.end]
    if filters.cooperative_id:
        clauses.append(D.cooperative_id == filters.cooperative_id)
    if filters.by_product:
        dim = "cstars" if dim == "stars" else dim
        clauses.append(D.commodity_id == filters.commodity_ids[0])
    return [D.dim == dim, *clauses]


def _daily_measures(orders=None):
    """Figures from daily rows. A part counts once per row, so part counts add up. Orders:
    on product, category, commodity and stars rows the counted parts (an order with two
    cooperatives counts once for each); on "coop" and "dest" rows `orders`, one of the
    columns that count each order at one part only (see `_orders_column`). Buyers come from
    `_buyers` (None here)."""
    return [
        sa.func.coalesce(sa.func.sum(D.gmv), 0).label("gmv"),
        sa.func.coalesce(sa.func.sum(D.counted if orders is None else orders), 0)
        .label("orders"),
        sa.func.coalesce(sa.func.sum(D.units), 0).label("units"),
        sa.null().label("buyers"),
        sa.func.coalesce(sa.func.sum(D.parts), 0).label("parts"),
        sa.func.coalesce(sa.func.sum(D.counted), 0).label("counted"),
        sa.func.coalesce(sa.func.sum(D.cancelled), 0).label("cancelled"),
        sa.func.coalesce(sa.func.sum(D.refunds), 0).label("refunds"),
        sa.func.coalesce(sa.func.sum(D.disputes), 0).label("disputes"),
    ]


def _orders_column(scope: Scope, filters: Filters, group: str | None = None):
    """Which exact order count of the "coop" / "dest" rows answers this question: within one
    cooperative every counted part is one order; per commune, per province (one province in
    scope, or the comparison), or over every province, the order's first counted part there."""
    if filters.cooperative_id or group == "cooperative":
        return D.counted
    if group == "commune":
        return D.orders_commune
    if scope.provinces is None and group != "province":
        return D.orders_all
    return D.orders_province


def _buyers(where, group=None) -> dict:
    """{group key (None without a group): distinct buyers} from the rows' buyer hashes."""
    import numpy as np

    key = group if group is not None else sa.literal(None)
    if db.engine.dialect.name == "postgresql":
        query = sa.select(key.label("key"), sa.func.string_agg(
            D.buyers, sa.literal(b"", sa.LargeBinary))).where(*where, D.buyers.is_not(None))
        if group is not None:
            query = query.group_by(group)
        chunks = db.session.execute(query).all()
    else:
        joined: dict = {}
        for k, blob in db.session.execute(sa.select(key, D.buyers).where(
                *where, D.buyers.is_not(None))):
            joined.setdefault(k, []).append(blob)
        chunks = [(k, b"".join(v)) for k, v in joined.items()]
    return {k: len(np.unique(np.frombuffer(blob or b"", dtype="<u8")))
            for k, blob in chunks}


class _Row(dict):
    __getattr__ = dict.get


def _daily_aggregate(scope, period, filters, dim, group=None, orders=None,
                     buyers: bool = True):
    """Figures (with buyers where the rows carry them, unless `buyers` is false: the caller
    then adds them with `_add_buyers` to the rows it keeps) of one dimension's daily rows."""
    where = _daily_where(scope, period, filters, dim)
    measures = _daily_measures(orders)
    with_buyers = buyers and dim in BUYER_DIMS
    if group is None:
        row = _Row(db.session.execute(sa.select(*measures).where(*where)).one()._mapping)
        if with_buyers:
            row["buyers"] = _buyers(where).get(None, 0)
        return row
    rows = [_Row(r._mapping) for r in db.session.execute(
        sa.select(group.label("key"), *measures).where(*where).group_by(group)).all()]
    if with_buyers:
        _add_buyers(rows, where, group)
    return rows


def _add_buyers(rows, where, group, keys=None) -> None:
    """Fill "buyers" of grouped rows; `keys`: only the rows of these group keys."""
    if keys is not None:
        where = [*where, group.in_(sorted(keys))]
    counts = _buyers(where, group)
    for r in rows:
        if keys is None or r["key"] in keys:
            r["buyers"] = counts.get(r["key"], 0)


def _ocop_goods(scope, period, filters) -> tuple[int, int]:
    """(goods of counted lines with a verified OCOP certificate on the order day, all goods)."""
    row = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(D.ocop_goods), 0), sa.func.coalesce(sa.func.sum(D.goods), 0))
        .where(*_daily_where(scope, period, filters, "stars"))).one()
    return int(row[0]), int(row[1])


def _figures_of(scope, period, filters):
    if filters.by_product:
        return _figures(_daily_aggregate(scope, period, filters, "commodity"))
    if filters.cooperative_id:
        # One cooperative: its parts, read through (cooperative_id, day), DISTINCT included,
        # are fewer than the province's daily rows the summary would scan.
        t, line = _source(scope, period, filters)
        return _figures(db.session.execute(sa.select(*_measures(t, line))).one())
    return _figures(_daily_aggregate(scope, period, filters, "coop",
                                     orders=_orders_column(scope, filters)))


def overview(scope: Scope, period: Period, filters: Filters = Filters()) -> dict:
    """The overview's figures for the period, the previous period, and their change."""
    now = _figures_of(scope, period, filters)
    before = _figures_of(scope, period.previous(), filters)
    ocop, goods = _ocop_goods(scope, period, filters)
    now["ocop_share"] = ocop / goods if goods else None
    now["domestic_buyers"], now["foreign_buyers"] = now["buyers"], 0
    change = {}
    for key, value in now.items():
        old = before.get(key)
        if key.endswith("_rate"):
            change[key] = (value - old) if value is not None and old is not None else None
        elif isinstance(value, int) and isinstance(old, int) and old:
            change[key] = (value - old) / old
        else:
            change[key] = None
    return {"now": now, "before": before, "change": change, "period": period,
            "previous": period.previous()}


BREAKDOWNS = ("cooperatives", "categories", "commodities", "ocop", "communes",
              "destinations", "products")


def breakdown(scope: Scope, period: Period, filters: Filters, by: str, locale: str,
              limit: int = 200, buyers: bool = True) -> list[dict]:
    """Rows (key, label, figures) of one breakdown, largest GMV first; distinct buyers are
    counted for the rows kept only, and not at all when `buyers` is false."""
    if by not in BREAKDOWNS:
        raise NotFound(_l("No such table."))
    daily = None  # (where, group) of daily rows that carry buyers
    from_daily = True
    if by in ("cooperatives", "communes", "destinations") and not filters.by_product:
        dim, group, kind = {"cooperatives": ("coop", D.cooperative_id, "cooperative"),
                            "communes": ("coop", D.key, "commune"),
                            "destinations": ("dest", D.key, None)}[by]
        rows = _daily_aggregate(scope, period, filters, dim, group,
                                orders=_orders_column(scope, filters, kind), buyers=False)
        daily = (_daily_where(scope, period, filters, dim), group)
    elif by in ("categories", "commodities", "ocop", "products"):
        dim = {"categories": "category", "commodities": "commodity", "ocop": "stars",
               "products": "product"}[by]
        rows = _daily_aggregate(scope, period, filters, dim, D.key, buyers=False)
        if dim in BUYER_DIMS:
            daily = (_daily_where(scope, period, filters, dim), D.key)
    elif by == "cooperatives":
        rows = _daily_aggregate(scope, period, filters, "commodity", D.cooperative_id,
                                buyers=False)
        daily = (_daily_where(scope, period, filters, "commodity"), D.cooperative_id)
    else:  # communes, destinations of one commodity: from the lines
        t = _line_source(filters).where(*_where(scope, period, filters)).subquery()
        key = t.c.commune_code if by == "communes" else t.c.dest_province_code
        rows = db.session.execute(sa.select(key.label("key"), *_measures(t, True))
                                  .group_by(key)).all()
        from_daily = False
    if from_daily:
        # Largest GMV first, cut (keeping every row tied at the cut: labels settle their
        # order below), and only then labels and buyers, for the rows kept.
        rows = sorted(rows, key=lambda r: -round(r["gmv"] or 0))
        total_gmv = sum(round(r["gmv"] or 0) for r in rows)
        if len(rows) > limit:
            tied = round(rows[limit - 1]["gmv"] or 0)
            rows = [r for r in rows if round(r["gmv"] or 0) >= tied]
        if buyers and daily is not None:
            _add_buyers(rows, *daily, keys={r["key"] for r in rows})
        if by == "communes":  # key 0: a cooperative without a commune
            rows = [_Row(r, key=r["key"] or None) for r in rows]
    labels = _labels(by, [r.key for r in rows], locale)
    out = []
    for r in rows:
        figures = _figures(r)
        out.append({"key": r.key, "label": labels.get(r.key, "—"), **figures,
                    "slug": labels.get(("slug", r.key))})
    total = (total_gmv if from_daily else sum(r["gmv"] for r in out)) or 1
    for r in out:
        r["share"] = r["gmv"] / total
    out.sort(key=lambda r: (-r["gmv"], str(r["label"])))
    return out[:limit]


def _labels(by: str, keys: list, locale: str) -> dict:
    keys = [k for k in keys if k is not None]
    labels: dict = {}
    if by == "cooperatives" and keys:
        for coop_id, name, slug in db.session.execute(
                sa.select(Cooperative.id, Cooperative.name, Cooperative.slug)
                .where(Cooperative.id.in_(keys))):
            labels[coop_id], labels[("slug", coop_id)] = name, slug
    elif by in ("categories", "commodities") and keys:
        for cat in db.session.scalars(sa.select(Category).where(Category.id.in_(keys))):
            labels[cat.id] = cat.name(locale)
    elif by == "products" and keys:
        # Names and slugs only (Core rows): whole products would load their cooperative,
        # images, variants and translations for every row of the table.
        t = ProductTranslation.__table__
        names: dict = {}
        for product_id, slug, lang, name in db.session.execute(
                sa.select(Product.id, Product.slug, t.c.locale, t.c.name)
                .outerjoin(t, sa.and_(t.c.product_id == Product.id,
                                      t.c.locale.in_((locale, "vi"))))
                .where(Product.id.in_(keys))):
            labels[("slug", product_id)] = slug
            known = names.setdefault(product_id, {})
            if lang is not None:
                known[lang] = name
            labels[product_id] = known[locale] if locale in known else known.get("vi", slug)
    elif by == "communes":
        for k in keys:
            place = geo.commune(k)
            labels[k] = place.name(locale) if place else str(k)
    elif by == "destinations":
        for k in keys:
            place = geo.province(k)
            labels[k] = place.name(locale) if place else str(k)
    elif by == "ocop":
        for k in keys:
            labels[k] = str(_l("%(n)d stars", n=k)) if k else str(_l("No OCOP rating"))
    return labels


def sort_rows(rows: list[dict], sort: str | None, descending: bool = True) -> list[dict]:
    """A table sorted by one of its figure columns (unknown columns keep the order)."""
    if not rows or not sort or sort not in rows[0] or sort in ("key", "slug"):
        return rows
    return sorted(rows, key=lambda r: (r[sort] is None, r[sort] if r[sort] is not None else 0)
                  if sort != "label" else str(r["label"]).lower(),
                  reverse=descending and sort != "label")


def filter_rows(rows: list[dict], q: str | None) -> list[dict]:
    """Rows whose label holds `q`, with or without diacritics."""
    from market.i18n import fold

    if not q:
        return rows
    needle = fold(q[:100])
    return [r for r in rows if needle in fold(str(r.get("label", "")))]


def cooperative_trends(scope: Scope, period: Period, filters: Filters) -> list[dict]:
    """Every cooperative that sold in this or the previous period, with its trend: new
    (first sale ever in this period), growing / shrinking (GMV up / down by 10 % or more),
    steady, inactive (sold before, nothing now)."""
    plain = Filters(filters.commodity, None, filters.commodity_ids)
    now = {r["key"]: r for r in breakdown(scope, period, plain, "cooperatives", "vi", 10**6,
                                          buyers=False)}
    before = {r["key"]: r for r in breakdown(scope, period.previous(), plain, "cooperatives",
                                             "vi", 10**6, buyers=False)}
    ids = set(now) | set(before)
    # First sale ever: from the daily "coop" rows (one per cooperative and day it sold).
    first = {coop_id: _day(day) for coop_id, day in db.session.execute(
        sa.select(D.cooperative_id, sa.func.min(D.day)).where(
            D.dim == "coop", scope.clause(D.province_code), D.counted > 0,
            D.cooperative_id.in_(ids)).group_by(D.cooperative_id))} if ids else {}
    out = []
    for coop_id in ids:
        cur, old = now.get(coop_id), before.get(coop_id)
        gmv, prev = (cur or {}).get("gmv", 0), (old or {}).get("gmv", 0)
        start = first.get(coop_id)
        if gmv and start and start >= period.start:
            trend = "new"
        elif not gmv:
            trend = "inactive"
        elif prev and gmv >= prev * 1.1:
            trend = "growing"
        elif prev and gmv <= prev * 0.9:
            trend = "shrinking"
        else:
            trend = "steady" if prev else "new"
        label = (cur or old)["label"]
        slug = (cur or old)["slug"]
        out.append({"key": coop_id, "label": label, "slug": slug, "gmv": gmv, "previous": prev,
                    "change": (gmv - prev) / prev if prev else None, "trend": trend})
    out.sort(key=lambda r: (TRENDS.index(r["trend"]), -r["gmv"]))
    return out


TRENDS = ("new", "growing", "steady", "shrinking", "inactive")


def _hours_between(start, end):
    if db.engine.dialect.name == "postgresql":
        return sa.extract("epoch", end - start) / 3600.0
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 24.0


def fulfilment(scope: Scope, period: Period, filters: Filters) -> dict:
    """Hours from payment (or confirmation) to delivery, for parts delivered so far: one
    query for the parts' hours, then the bins and quantiles in numpy."""
    import numpy as np

    t, line = _source(scope, period, filters)
    query = sa.select(t.c.vendor_order_id, _hours_between(t.c.paid_at, t.c.delivered_at)
                      .label("hours")).where(t.c.paid_at.is_not(None),
                                             t.c.delivered_at.is_not(None))
    if line:  # several rows per part
        query = query.distinct()
    hours = np.sort(np.array([float(h) for _id, h in db.session.execute(query)], dtype=float))
    edges = [(_l("within 1 day"), 0, 24), (_l("1 to 3 days"), 24, 72),
             (_l("3 to 7 days"), 72, 168), (_l("more than 7 days"), 168, None)]
    total = len(hours)

    def quantile(q):
        if not total:
            return None
        return max(float(hours[min(round(q * (total - 1)), total - 1)]), 0.0)

    counts = [int(((hours >= low) & (hours < high)).sum()) if high else int((hours >= low).sum())
              for _label, low, high in edges]
    rows = [{"key": str(high), "label": str(label), "parts": n,
             "share": n / total if total else None}
            for (label, _low, high), n in zip(edges, counts)]
    return {"count": total, "median": quantile(0.5), "p90": quantile(0.9), "rows": rows}


DISPUTE_OUTCOMES = {"open": _l("open"), "answered": _l("answered, waiting for a decision"),
                    "full_refund": _l("full refund"), "partial_refund": _l("partial refund"),
                    "rejected": _l("rejected")}


def dispute_outcomes(scope: Scope, period: Period, filters: Filters) -> list[dict]:
    t, _line = _source(scope, period, filters)
    rows = db.session.execute(
        sa.select(t.c.dispute_decision, sa.func.count(sa.distinct(t.c.vendor_order_id)))
        .where(t.c.disputed.is_(True)).group_by(t.c.dispute_decision)).all()
    total = sum(n for _, n in rows) or 1
    return [{"key": k, "label": str(DISPUTE_OUTCOMES.get(k, k)), "parts": n, "share": n / total}
            for k, n in sorted(rows, key=lambda r: -r[1])]


def series(scope: Scope, period: Period, filters: Filters) -> dict:
    """GMV per day (periods up to two months) or per month, with the year before beside."""
    monthly = period.days > 62

    def bucket(day: date):
        return day.replace(day=1) if monthly else day

    def load(p: Period) -> dict:
        dim = "commodity" if filters.by_product else "coop"
        rows = db.session.execute(sa.select(D.day, sa.func.sum(D.gmv)).where(
            *_daily_where(scope, p, filters, dim)).group_by(D.day))
        out: dict = {}
        for day, gmv in rows:
            day = day if isinstance(day, date) else date.fromisoformat(str(day))
            out[bucket(day)] = out.get(bucket(day), 0) + round(gmv or 0)
        return out

    now, before = load(period), load(period.year_before())
    points, day = [], period.start
    while day <= period.end:
        key = bucket(day)
        if not points or points[-1]["at"] != key:
            last_year = _add_months(key, -12) if monthly else key - timedelta(days=364)
            points.append({"at": key, "gmv": now.get(key, 0),
                           "year_before": before.get(bucket(last_year), 0)})
        day += timedelta(days=1)
    return {"monthly": monthly, "points": points}


def compare_provinces(scope: Scope, period: Period, locale: str) -> list[dict]:
    """Admins only: the overview's figures side by side, one row per province."""
    if not scope.is_admin:
        raise PermissionDenied(_l("Only administrators compare provinces."))
    rows = _daily_aggregate(Scope(None, True), period, Filters(), "coop", D.province_code,
                            orders=_orders_column(Scope(None, True), Filters(), "province"))
    out = []
    for r in rows:
        place = geo.province(r.key)
        out.append({"key": r.key, "label": place.name(locale) if place else str(r.key),
                    **_figures(r)})
    out.sort(key=lambda r: -r["gmv"])
    return out


def provinces_in_scope(scope: Scope) -> list:
    if scope.provinces is not None:
        return [geo.province(code) for code in scope.provinces]
    codes = set(db.session.scalars(sa.select(Cooperative.province_code).distinct()))
    return [p for p in geo.provinces() if p.code in codes]


def cooperative_detail(scope: Scope, slug: str, period: Period, locale: str) -> dict:
    coop = cooperative_in_scope(scope, slug)
    filters = Filters(cooperative_id=coop.id)
    return {"cooperative": coop, "overview": overview(scope, period, filters),
            "products": breakdown(scope, period, filters, "products", locale, 50),
            "destinations": breakdown(scope, period, filters, "destinations", locale, 50),
            "series": series(scope, period, filters),
            "commune": geo.commune(coop.commune_code)}


# --------------------------------------------------------------------------- wholesale inquiries

def wholesale_inquiries(scope: Scope, days, locale: str):
    """Requests for quotation to the scope's cooperatives, in aggregate only (counts, volume
    asked, commodities, countries of destination; never a buyer's contact): computed by
    market/wholesale/services.py, which holds the inquiries."""
    from market.parsing import parse_int
    from market.wholesale import services as wholesale

    return wholesale.province_summary(scope, parse_int(days) if days else 365, locale)
