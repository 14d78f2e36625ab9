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
from market.catalog.models import Category, Product
from market.department.models import SalesFact
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


def refresh_facts(vendor_order_ids, connection=None) -> None:
    """Rebuild the summary rows of these parts from the orders tables (delete, insert)."""
    ids = sorted({int(i) for i in vendor_order_ids if i is not None})
    conn = connection or db.session.connection()
    for chunk_start in range(0, len(ids), 2000):
        chunk = ids[chunk_start:chunk_start + 2000]
        conn.execute(sa.delete(SalesFact.__table__).where(
            SalesFact.__table__.c.vendor_order_id.in_(chunk)))
        rows = _fact_rows(conn, chunk)
        if rows:
            conn.execute(sa.insert(SalesFact.__table__), rows)


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


def rebuild_all(batch: int = 5000, log=None) -> int:
    """Rebuild the whole summary (after a bulk load, or `flask department-rebuild`)."""
    vo = VendorOrder.__table__
    db.session.execute(sa.delete(SalesFact.__table__))
    last, done = 0, 0
    while True:
        ids = list(db.session.scalars(sa.select(vo.c.id).where(vo.c.id > last)
                                      .order_by(vo.c.id).limit(batch)))
        if not ids:
            break
        refresh_facts(ids)
        last, done = ids[-1], done + len(ids)
        if log:
            log(done)
    db.session.commit()
    return done


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
        for obj in (*session.new, *session.dirty, *session.deleted):
            moved = isinstance(obj, Cooperative) and any(
                sa.inspect(obj).attrs[name].history.has_changes()
                for name in ("province_code", "commune_code"))
            if moved or isinstance(obj, watched):
                found.append(obj)

    @event.listens_for(Session, "after_rollback")
    def _forget(session):
        session.info.pop("department_objects", None)

    @event.listens_for(Session, "after_flush_postexec")
    def _refresh(session, _ctx):
        objects = session.info.pop("department_objects", [])
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


# --------------------------------------------------------------------------- figures

F = SalesFact.__table__.c


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
        "gmv": gmv, "orders": orders, "units": int(row.units or 0), "buyers": row.buyers or 0,
        "aov": gmv // orders if orders else 0,
        "cancel_rate": _rate(row.cancelled, row.parts),
        "refund_rate": _rate(row.refunds, row.counted),
        "dispute_rate": _rate(row.disputes, row.counted),
    }


def _rate(part, whole):
    return (part or 0) / whole if whole else None


def _aggregate(scope, period, filters, group=None):
    t, line = _source(scope, period, filters)
    cols = _measures(t, line)
    if group is None:
        return db.session.execute(sa.select(*cols)).one()
    key = group(t)
    return db.session.execute(sa.select(key.label("key"), *cols).group_by(key)).all()


def _ocop_goods(scope, period, filters) -> tuple[int, int]:
    """(goods of counted lines with a verified OCOP certificate on the order day, all goods)."""
    t = _line_source(filters).where(*_where(scope, period, filters),
                                    F.counted.is_(True)).subquery()
    certified = _certified_on(t)
    total = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(t.c.line_total), 0),
        sa.func.coalesce(sa.func.sum(sa.case((certified, t.c.line_total), else_=0)), 0))).one()
    return int(total[1]), int(total[0])


def _certified_on(t, min_stars=None):
    cp, oc = certificate_products, OcopCertificate.__table__
    q = sa.select(oc.c.id).join(cp, cp.c.certificate_id == oc.c.id).where(
        cp.c.product_id == t.c.product_id, oc.c.status.in_(("verified", "expired")),
        oc.c.decision_date <= t.c.day, oc.c.valid_until >= t.c.day)
    if min_stars:
        q = q.where(oc.c.stars == min_stars)
    return sa.exists(q)


def _stars_on(t):
    cp, oc = certificate_products, OcopCertificate.__table__
    return sa.select(sa.func.max(oc.c.stars)).join(cp, cp.c.certificate_id == oc.c.id).where(
        cp.c.product_id == t.c.product_id, oc.c.status.in_(("verified", "expired")),
        oc.c.decision_date <= t.c.day, oc.c.valid_until >= t.c.day).scalar_subquery()


def overview(scope: Scope, period: Period, filters: Filters = Filters()) -> dict:
    """The overview's figures for the period, the previous period, and their change."""
    now = _figures(_aggregate(scope, period, filters))
    before = _figures(_aggregate(scope, period.previous(), filters))
    ocop, goods = _ocop_goods(scope, period, filters)
    now["ocop_share"] = ocop / goods if goods else None
    now["domestic_buyers"], now["foreign_buyers"] = now["buyers"], 0
    change = {}
    for key, value in now.items():
        old = before.get(key)
        if key.endswith("_rate"):
            change[key] = (value - old) if value is not None and old is not None else None
        elif isinstance(value, int) and old:
            change[key] = (value - old) / old
        else:
            change[key] = None
    return {"now": now, "before": before, "change": change, "period": period,
            "previous": period.previous()}


BREAKDOWNS = ("cooperatives", "categories", "commodities", "ocop", "communes",
              "destinations", "products")


def breakdown(scope: Scope, period: Period, filters: Filters, by: str, locale: str,
              limit: int = 200) -> list[dict]:
    """Rows (key, label, figures) of one breakdown, largest GMV first."""
    if by not in BREAKDOWNS:
        raise NotFound(_l("No such table."))
    line = by in ("categories", "commodities", "ocop", "products") or filters.by_product
    if by in ("cooperatives", "communes", "destinations") and not filters.by_product:
        column = {"cooperatives": "cooperative_id", "communes": "commune_code",
                  "destinations": "dest_province_code"}[by]
        rows = _aggregate(scope, period, filters, group=lambda t: t.c[column])
    else:
        t = _line_source(filters).where(*_where(scope, period, filters)).subquery()
        cat = Category.__table__
        key = {
            "cooperatives": t.c.cooperative_id, "communes": t.c.commune_code,
            "destinations": t.c.dest_province_code, "products": t.c.product_id,
            "categories": t.c.category_id,
            "commodities": sa.select(sa.func.coalesce(cat.c.parent_id, cat.c.id))
            .where(cat.c.id == t.c.category_id).scalar_subquery(),
            "ocop": sa.func.coalesce(_stars_on(t), 0),
        }[by]
        rows = db.session.execute(sa.select(key.label("key"), *_measures(t, line))
                                  .group_by(key)).all()
    labels = _labels(by, [r.key for r in rows], locale)
    out = []
    for r in rows:
        figures = _figures(r)
        out.append({"key": r.key, "label": labels.get(r.key, "—"), **figures,
                    "slug": labels.get(("slug", r.key))})
    total = sum(r["gmv"] for r in out) or 1
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
        for product in db.session.scalars(sa.select(Product).where(Product.id.in_(keys))):
            labels[product.id] = product.name(locale)
            labels[("slug", product.id)] = product.slug
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
    now = {r["key"]: r for r in breakdown(scope, period, plain, "cooperatives", "vi", 10**6)}
    before = {r["key"]: r for r in breakdown(scope, period.previous(), plain, "cooperatives",
                                             "vi", 10**6)}
    ids = set(now) | set(before)
    first = dict(db.session.execute(
        sa.select(F.cooperative_id, sa.func.min(F.day)).where(
            F.cooperative_id.in_(ids), F.counted.is_(True)).group_by(F.cooperative_id)).all()
    ) if ids else {}
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
    """Hours from payment (or confirmation) to delivery, for parts delivered so far."""
    t, _line = _source(scope, period, filters)
    parts = sa.select(t.c.vendor_order_id, _hours_between(t.c.paid_at, t.c.delivered_at)
                      .label("hours")).distinct().where(
        t.c.paid_at.is_not(None), t.c.delivered_at.is_not(None)).subquery()
    edges = [(_l("within 1 day"), 0, 24), (_l("1 to 3 days"), 24, 72),
             (_l("3 to 7 days"), 72, 168), (_l("more than 7 days"), 168, None)]
    counts = db.session.execute(sa.select(sa.func.count(), *[
        sa.func.coalesce(sa.func.sum(sa.case((
            sa.and_(parts.c.hours >= low, parts.c.hours < high) if high else parts.c.hours >= low,
            1), else_=0)), 0) for _label, low, high in edges])).one()
    total = counts[0]

    def quantile(q):
        if not total:
            return None
        offset = min(round(q * (total - 1)), total - 1)
        value = db.session.scalar(sa.select(parts.c.hours).order_by(parts.c.hours)
                                  .offset(offset).limit(1))
        return max(float(value), 0.0)

    rows = [{"key": str(high), "label": str(label), "parts": n,
             "share": n / total if total else None}
            for (label, _low, high), n in zip(edges, counts[1:])]
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
        t, line = _source(scope, p, filters)
        rows = db.session.execute(sa.select(t.c.day, _measures(t, line)[0]).group_by(t.c.day))
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
    rows = _aggregate(Scope(None, True), period, Filters(), group=lambda t: t.c.province_code)
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
