"""The department's summaries (department_sales, department_daily) stay equal to a direct
computation from the orders tables under random sequences of orders, payments, cancellations,
deliveries, partial and full refunds, disputes, re-dated orders, OCOP certificates granted and
revoked, and products moved to another category."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from market.accounts.models import Role
from market.catalog.models import Category, Product
from market.department import services as department
from market.department.models import DAILY_DIMS, DailyFact, SalesFact
from market.errors import DomainError
from market.extensions import db
from market.ocop.models import OcopCertificate
from market.orders import ledger, services
from market.orders.models import Dispute, LedgerEntry, VendorOrder
from tests import factories
from tests.conftest import examples, rolled_back_session

START = datetime(2026, 1, 1, tzinfo=UTC)
PHASES = tuple(Phase)  # every phase; a debugging run may drop shrinking
YEAR = department.Period("year", date(2026, 1, 1), date(2026, 12, 31))


def expected(vo: VendorOrder) -> dict:
    """What the summary must say about one part, from the orders tables alone."""
    refunds = -sum(e.amount for e in db.session.scalars(db.select(LedgerEntry).filter_by(
        vendor_order_id=vo.id, kind="refund")))
    counted = vo.status not in ("pending_payment", "cancelled")
    refunded = min(refunds, vo.subtotal)
    return {"status": vo.status, "counted": counted,
            "net_goods": vo.subtotal - refunded if counted else 0,
            "units": sum(line.quantity for line in vo.lines)
            if counted and vo.status != "refunded" else 0,
            "day": (vo.order.created_at + timedelta(hours=7)).date(),
            "province_code": vo.cooperative.province_code}


def expected_daily(parts: list[VendorOrder]) -> dict:
    """What department_daily must hold, from the orders, products and certificates alone:
    {(day, cooperative, dim, key, commodity): (gmv rounded, goods, ocop goods, units, lines,
    parts, counted, cancelled, refunds, disputes)}."""
    certificates = list(db.session.scalars(db.select(OcopCertificate).where(
        OcopCertificate.status.in_(("verified", "expired")))))
    out: dict = {}
    for vo in parts:
        want = expected(vo)
        day, counted = want["day"], want["counted"]
        refunded = vo.subtotal - want["net_goods"] if counted else 0
        disputed = db.session.scalar(db.select(Dispute.id).filter_by(
            vendor_order_id=vo.id).limit(1)) is not None
        seen = set()
        for line in vo.lines:
            product = db.session.get(Product, line.product_id)
            stars = max((c.stars for c in certificates if product in c.products
                         and c.decision_date <= day <= c.valid_until), default=0)
            category = db.session.get(Category, product.category_id) \
                if product.category_id else None
            cat_id = category.id if category else 0
            commodity = (category.parent_id or category.id) if category else 0
            gmv = line.line_total * want["net_goods"] / vo.subtotal if counted else 0
            goods = line.line_total if counted else 0
            for dim, key, within in (("product", product.id, commodity),
                                     ("category", cat_id, commodity),
                                     ("commodity", commodity, commodity),
                                     ("stars", stars, 0), ("cstars", stars, commodity),
                                     ("coop", vo.cooperative.commune_code or 0, 0),
                                     ("dest", vo.order.province_code, 0)):
                k = (day, vo.cooperative_id, dim, key, within)
                row = out.setdefault(k, [0.0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
                row[0] += gmv
                row[1] += goods
                row[2] += goods if stars else 0
                row[3] += line.quantity if counted and vo.status != "refunded" else 0
                row[4] += 1
                if k not in seen:
                    seen.add(k)
                    row[5] += 1
                    row[6] += counted
                    row[7] += vo.status == "cancelled"
                    row[8] += counted and refunded > 0
                    row[9] += counted and disputed
    return {k: (round(v[0]), *v[1:]) for k, v in out.items()}


class Summary(RuleBasedStateMachine):
    app = None

    def __init__(self):
        super().__init__()
        self._ctx = self.app.test_request_context()
        self._ctx.push()
        self._session = rolled_back_session()
        self._session.__enter__()

    def teardown(self):
        self._session.__exit__(None, None, None)
        self._ctx.pop()

    @initialize()
    def world(self):
        self.coops = [factories.cooperative(province_code=66),
                      factories.cooperative(province_code=1)]
        self.staff = [factories.staff(c) for c in self.coops]
        self.admin = factories.user(Role.ADMIN)
        self.buyer = factories.user()
        self.officer = factories.officer(66)
        coffee = factories.category()
        self.categories = [coffee, factories.category(parent=coffee), factories.category()]
        self.products = [factories.product(self.coops[0], price=120_000, stock=500,
                                           category_id=self.categories[0].id),
                         factories.product(self.coops[0], price=35_000, stock=500,
                                           category_id=self.categories[1].id),
                         factories.product(self.coops[1], price=250_000, stock=500)]
        self.parts: list[VendorOrder] = []

    def _try(self, action):
        savepoint = db.session.begin_nested()
        try:
            action()
        except DomainError:
            savepoint.rollback()
        else:
            savepoint.commit()

    def _part(self, data):
        return data.draw(st.sampled_from(self.parts)) if self.parts else None

    @rule(method=st.sampled_from(["cod", "vietqr"]),
          picks=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), min_size=1,
                         max_size=3, unique_by=lambda t: t[0]),
          hours=st.integers(0, 24 * 360))
    def place(self, method, picks, hours):
        order = factories.order([(self.products[i], q) for i, q in picks], method=method,
                                buyer=self.buyer if hours % 2 else None)
        order.created_at = START + timedelta(hours=hours, minutes=30)
        db.session.flush()
        self.parts.extend(order.vendor_orders)

    @rule(data=st.data())
    def pay(self, data):
        vo = self._part(data)
        if vo is not None:
            self._try(lambda: services.mark_order_paid(vo.order, actor=self.admin))

    @rule(data=st.data())
    def cancel(self, data):
        vo = self._part(data)
        if vo is not None:
            self._try(lambda: services.cancel_order(vo.order, guest=True))

    @rule(data=st.data(), to=st.sampled_from(["packed", "shipped", "delivered"]))
    def move(self, data, to):
        vo = self._part(data)
        if vo is not None:
            staff = self.staff[self.coops.index(vo.cooperative)]
            self._try(lambda: services.transition(vo, to, actor=staff, carrier="GHN",
                                                  tracking_number="GHN0001"))

    @rule(data=st.data(), share=st.integers(1, 100))
    def partial_refund(self, data, share):
        vo = self._part(data)
        if vo is not None and ledger.refundable(vo) > 0:
            amount = max(ledger.refundable(vo) * share // 100, 1)
            self._try(lambda: ledger.record_refund(vo, amount))

    @rule(data=st.data())
    def full_refund(self, data):
        vo = self._part(data)
        if vo is not None:
            def refund():
                left = ledger.refundable(vo)
                if left:
                    ledger.record_refund(vo, left)
                services.refund_vendor_order(vo, actor=self.admin)
            self._try(refund)

    @rule(data=st.data(), hours=st.integers(-48, 48))
    def redate(self, data, hours):
        vo = self._part(data)
        if vo is not None:
            vo.order.created_at = vo.order.created_at + timedelta(hours=hours)
            db.session.flush()

    @rule(product=st.integers(0, 2), stars=st.integers(3, 4), days=st.integers(0, 300),
          length=st.integers(0, 200))
    def certify(self, product, stars, days, length):
        first = date(2026, 1, 1) + timedelta(days=days)
        coop = self.products[product].cooperative
        self.certificates = getattr(self, "certificates", 0) + 1
        db.session.add(OcopCertificate(
            cooperative_id=coop.id, certificate_number=f"T-{self.certificates}",
            stars=stars, level="provincial", decision_number="QĐ", decision_date=first,
            valid_until=first + timedelta(days=length), status="verified",
            products=[self.products[product]]))
        db.session.flush()

    @rule(data=st.data())
    def revoke(self, data):
        certificates = list(db.session.scalars(db.select(OcopCertificate)))
        if certificates:
            data.draw(st.sampled_from(certificates)).status = "revoked"
            db.session.flush()

    @rule(product=st.integers(0, 2), category=st.integers(0, 2))
    def recategorise(self, product, category):
        self.products[product].category_id = self.categories[category].id
        db.session.flush()

    @rule()
    def bulk_rebuild(self):
        """The set-based rebuild gives the rows the listeners kept, after any history."""
        before = summaries()
        department.rebuild_all(db.session.connection())
        db.session.expire_all()
        assert summaries() == before

    @invariant()
    def daily_matches(self):
        if not hasattr(self, "parts"):
            return
        db.session.flush()
        db.session.expire_all()
        got = {(f.day, f.cooperative_id, f.dim, f.key, f.commodity_id):
               (round(f.gmv), f.goods, f.ocop_goods, f.units, f.lines, f.parts, f.counted,
                f.cancelled, f.refunds, f.disputes)
               for f in db.session.scalars(db.select(DailyFact))}
        assert got == expected_daily(self.parts)

    @invariant()
    def summary_matches(self):
        if not hasattr(self, "parts"):
            return
        db.session.flush()
        facts = {f.vendor_order_id: f for f in db.session.scalars(db.select(SalesFact))}
        assert set(facts) == {vo.id for vo in self.parts}
        for vo in self.parts:
            want = expected(vo)
            got = facts[vo.id]
            assert {k: getattr(got, k) for k in want} == want, vo.id
        scope = department.scope_for(self.officer)
        figures = department.overview(scope, YEAR)["now"]
        mine = [vo for vo in self.parts if vo.cooperative.province_code == 66
                and expected(vo)["day"].year == 2026]
        assert figures["gmv"] == sum(expected(vo)["net_goods"] for vo in mine)
        assert figures["orders"] == len({vo.order_id for vo in mine if expected(vo)["counted"]})

    @invariant()
    def distinct_counts_match(self):
        """Distinct orders and buyers, from the daily rows, equal a direct count of the
        counted parts: per province, over all provinces, per cooperative, commune,
        destination, and in the admin's comparison."""
        if not hasattr(self, "parts"):
            return
        db.session.flush()
        counted = [vo for vo in self.parts
                   if expected(vo)["counted"] and expected(vo)["day"].year == 2026]

        def direct(parts, by=None):
            out: dict = {}
            for vo in parts:
                k = by(vo) if by else None
                orders, buyers = out.setdefault(k, (set(), set()))
                orders.add(vo.order_id)
                buyers.add(department._buyer_key(vo.order.buyer_id, vo.order.email))
            return {k: (len(o), len(b)) for k, (o, b) in out.items()}

        def got(rows):
            return {r["key"]: (r["orders"], r["buyers"]) for r in rows if r["orders"]}

        officer, admin = department.scope_for(self.officer), department.scope_for(self.admin)
        mine = [vo for vo in counted if vo.cooperative.province_code == 66]
        for scope, parts in ((officer, mine), (admin, counted)):
            now = department.overview(scope, YEAR)["now"]
            assert (now["orders"], now["buyers"]) == direct(parts).get(None, (0, 0))
            assert got(department.breakdown(scope, YEAR, department.Filters(), "cooperatives",
                                            "vi")) == direct(parts, lambda vo: vo.cooperative_id)
            assert got(department.breakdown(scope, YEAR, department.Filters(), "destinations",
                                            "vi")) == direct(parts, lambda vo: vo.order.province_code)
            assert got(department.breakdown(scope, YEAR, department.Filters(), "communes",
                                            "vi")) == direct(parts,
                                                             lambda vo: vo.cooperative.commune_code)
        assert got(department.compare_provinces(admin, YEAR, "vi")) == direct(
            counted, lambda vo: vo.cooperative.province_code)


@pytest.mark.committed  # each example opens (and rolls back) its own transaction
def test_summary_equals_direct_computation(app, monkeypatch):
    from market.accounts import services as accounts

    hashed = accounts.hash_password(factories.PASSWORD)
    monkeypatch.setattr(accounts, "hash_password", lambda password: hashed, raising=False)
    Summary.app = app
    run_state_machine_as_test(Summary, settings=settings(
        max_examples=examples(8), stateful_step_count=15, deadline=None, phases=PHASES,
        suppress_health_check=list(HealthCheck)))


def summaries() -> tuple[dict, dict]:
    """Every column of both summaries (GMV shares to the thousandth of a dong: the bulk build
    sums the same floats in another order), keyed by their primary keys."""
    db.session.flush()
    sales = {row.vendor_order_id: tuple(row) for row in db.session.execute(
        db.select(SalesFact.__table__))}
    daily = {}
    for row in db.session.execute(db.select(DailyFact.__table__)):
        values = row._asdict()
        values["gmv"] = round(values["gmv"], 3)
        daily[tuple(values[k] for k in ("day", "cooperative_id", "dim", "key",
                                        "commodity_id"))] = values
    return sales, daily


def test_bulk_rebuild_equals_the_incremental_summaries(dataset):
    """The set-based rebuild (bulk.py) writes exactly the rows the flush listeners wrote,
    buyers' hashes and distinct-order counts included."""
    sales, daily = summaries()
    assert len(sales) == 6 and {k[2] for k in daily} == set(DAILY_DIMS)
    assert any(v["buyers"] for v in daily.values()) and any(
        v["orders_all"] for v in daily.values())
    db.session.execute(db.delete(DailyFact))
    db.session.execute(db.delete(SalesFact))
    assert department.rebuild_all(db.session.connection()) == 6
    db.session.expire_all()
    assert summaries() == (sales, daily)
