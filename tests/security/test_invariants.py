"""Issue 10, item 4: random sequences of orders, payments (admin transfer confirmations,
signed Stripe webhooks), late payments, cancellations, expiries, refunds, disputes,
deliveries and payouts; after every step the two invariants hold.

- Stock, per variant: stock + units held by open parts + units sold == sum(StockMovement)
  (one product has two sizes: its variants' stocks never mix).
- Money, per cooperative: ledger balance == paid - refunded - commission - paid out, the
  right-hand side computed here from orders, payments, disputes and payouts (and this
  file's own model of the documented refund-spreading rule), never from the ledger; never
  negative; `ledger.reconcile()` reports nothing but the refunds due this run causes by
  taking Stripe down.

Each example runs in its own rolled-back transaction; Stripe is the loopback FakeStripe of
test_payments.py (or a closed port while "down")."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from market.accounts.models import Role
from market.dbtypes import utcnow
from market.errors import DomainError
from market.extensions import db
from market.orders import disputes, ledger, services, states
from market.orders.models import Order, PayoutBatch, VendorOrder
from market.orders.models import VendorOrderStatus as S
from market.payments import services as payments
from market.payments.models import Payment, Refund
from market.payments.stripe_gateway import StripeGateway
from tests import factories
from tests.conftest import examples, rolled_back_session
from tests.security.invariants import stock_problems
from tests.servers import free_port
from tests.stripe_fakes import (
    SECRET,
    FakeStripe,
    completed,
    event,
    refunded,
    signed,
)


class Market(RuleBasedStateMachine):
    app = client = fake = None  # set by the test

    def __init__(self):
        super().__init__()
        self._ctx = self.app.test_request_context()
        self._ctx.push()
        self._session = rolled_back_session()
        self._session.__enter__()
        self.app.config["STRIPE_API_BASE"] = self.fake.url
        self.refunded: dict[int, int] = {}  # this file's model: vendor order id -> refunded
        self.events = 0

    def teardown(self):
        self._session.__exit__(None, None, None)
        self._ctx.pop()

    @initialize()
    def world(self):
        self.coops = [factories.cooperative(province_code=66) for _ in range(2)]
        self.staff = [factories.staff(c) for c in self.coops]
        self.buyer = factories.user()
        self.admin = factories.user(Role.ADMIN)
        self.officer = factories.officer(66)
        two_sizes = factories.product(self.coops[0], variants=[
            {"label_vi": "Gói 250 g", "price": 120_000, "stock": 4},
            {"label_vi": "Gói 500 g", "price": 210_000, "stock": 2}])
        self.products = [two_sizes, factories.product(self.coops[0], price=35_000, stock=3),
                         factories.product(self.coops[1], price=250_000, stock=3)]
        self.variants = [(p, v) for p in self.products for v in p.variants]
        self.orders: list[Order] = []

    # --- helpers ------------------------------------------------------------------------

    def _try(self, action):
        """One service call as a page would make it: all of it, or none of it."""
        savepoint = db.session.begin_nested()
        try:
            result = action()
        except DomainError:
            savepoint.rollback()
            return None
        savepoint.commit()
        return result

    def _post(self, payload):
        self.events += 1
        body, headers = signed(payload)
        response = self.client.post("/payments/stripe/webhook", data=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["outcome"]

    def _order(self, data, method=None):
        pool = [o for o in self.orders if method is None or o.payment_method == method]
        return data.draw(st.sampled_from(pool)) if pool else None

    def _gateway(self):
        return StripeGateway("sk_test_offline", SECRET, self.app.config["STRIPE_API_BASE"])

    # --- orders and payments --------------------------------------------------------------

    @rule(method=st.sampled_from(["cod", "vietqr", "stripe"]),
          picks=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 3)), min_size=1,
                         max_size=3, unique_by=lambda t: t[0]))
    def place(self, method, picks):
        lines = [(self.variants[i], q) for i, q in picks]
        order = self._try(lambda: services.place_order(
            lines=[services.CheckoutLine(p.slug, q, variant=v.id) for (p, v), q in lines],
            contact=factories.contact(), payment_method=method, buyer=self.buyer,
            idempotency_key=f"prop-{len(self.orders)}-{self.events}-" + "k" * 16,
            methods_available=("cod", "vietqr", "stripe")))
        if order is None:
            return
        self.orders.append(order)
        if method == "stripe":
            self._try(lambda: payments.start_card_payment(
                order, self._gateway(), success_url="https://x.test/ok",
                cancel_url="https://x.test/no"))

    @rule(picks=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 2)), min_size=1,
                         max_size=2, unique_by=lambda t: t[0]),
          then=st.sampled_from(["wait", "pay", "expire_then_pay", "cancel_then_pay"]))
    def place_card(self, picks, then):
        """Card orders and their usual fates in one step, so that sequences reach them."""
        before = len(self.orders)
        self.place("stripe", picks)
        if len(self.orders) == before or then == "wait":
            return
        if then == "expire_then_pay":
            self.expire()  # the payment lands late
        elif then == "cancel_then_pay":
            self._try(lambda: services.cancel_order(self.orders[-1], actor=self.buyer))
        payment = db.session.scalar(db.select(Payment).filter_by(order_id=self.orders[-1].id))
        if payment is not None:
            self._post(completed(payment.external_id, payment.amount, f"evt_{self.events}",
                                 intent=f"pi_{payment.id}"))

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(data=st.data())
    def confirm_transfer(self, data):
        order = self._order(data, "vietqr")
        if order is not None:
            self._try(lambda: payments.confirm_transfer(order.transfer_reference,
                                                        actor=self.admin))

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(data=st.data())
    def card_paid(self, data):
        order = self._order(data, "stripe")
        payment = order and db.session.scalar(
            db.select(Payment).filter_by(order_id=order.id).order_by(Payment.id.desc()))
        if payment is not None:
            self._post(completed(payment.external_id, payment.amount, f"evt_{self.events}",
                                 intent=f"pi_{payment.id}"))

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(data=st.data())
    def card_session_expired(self, data):
        order = self._order(data, "stripe")
        payment = order and db.session.scalar(
            db.select(Payment).filter_by(order_id=order.id).order_by(Payment.id.desc()))
        if payment is not None:
            self._post(event(f"evt_{self.events}", "checkout.session.expired",
                             {"id": payment.external_id}))

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(data=st.data())
    def card_retry(self, data):
        order = self._order(data, "stripe")
        if order is not None:
            self._try(lambda: payments.start_card_payment(
                order, self._gateway(), success_url="https://x.test/ok",
                cancel_url="https://x.test/no"))

    @precondition(lambda self: getattr(self, "orders", None))
    @rule()
    def expire(self):
        services.expire_unpaid(now=utcnow() + timedelta(days=2))

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(data=st.data())
    def buyer_cancels(self, data):
        order = self._order(data)
        if order is not None:
            self._try(lambda: services.cancel_order(order, actor=self.buyer))

    @rule(down=st.booleans())
    def stripe_availability(self, down):
        self.app.config["STRIPE_API_BASE"] = (f"http://127.0.0.1:{free_port()}" if down
                                              else self.fake.url)

    @rule()
    def retry_refunds(self):
        payments.retry_refunds(self._gateway())

    # --- the cooperatives' side -----------------------------------------------------------

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(data=st.data())
    def coop_moves(self, data):
        order = self._order(data)
        if order is None:
            return
        vo = data.draw(st.sampled_from(order.vendor_orders))
        staff = self.staff[self.coops.index(vo.cooperative)]
        targets = states.next_states(vo, states.COOP)
        if targets:
            to = data.draw(st.sampled_from(targets))
            self._try(lambda: services.transition(vo, to, actor=staff, carrier="GHN",
                                                  tracking_number="GY8H6K7D"))

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(data=st.data())
    def buyer_completes(self, data):
        order = self._order(data)
        if order is not None:
            vo = data.draw(st.sampled_from(order.vendor_orders))
            self._try(lambda: services.transition(vo, S.COMPLETED, actor=self.buyer))

    @rule(data=st.data(), percent=st.integers(1, 99))
    def payout(self, data, percent):
        coop = data.draw(st.sampled_from(self.coops))
        owed = ledger.balance(coop.id)
        if owed > 0:
            self._try(lambda: ledger.create_payout(coop.id, max(1, owed * percent // 100),
                                                   "VCB", self.admin))

    # --- refunds --------------------------------------------------------------------------

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(data=st.data(), full=st.booleans(), percent=st.integers(1, 60))
    def card_refunded(self, data, full, percent):
        order = self._order(data, "stripe")
        payment = order and db.session.scalar(
            db.select(Payment).filter_by(order_id=order.id)
            .where(Payment.payment_intent.is_not(None)).order_by(Payment.id.desc()))
        if payment is None or payment.refunded_amount >= payment.amount:
            return
        cumulative = payment.amount if full else min(
            payment.amount, payment.refunded_amount + max(1, payment.amount * percent // 100))
        self._model_card_refund(payment, cumulative)
        self._post(refunded(cumulative, f"evt_{self.events}", intent=payment.payment_intent))

    def _model_card_refund(self, payment, cumulative):
        """The documented rule, written again: our own refunds first, then what the parts'
        recorded refunds do not already cover, spread in proportion to what each part still
        holds, the rounding remainder one đồng at a time in id order."""
        ours = sum(r.amount for r in payment.refunds)
        parts = sorted(payment.order.vendor_orders, key=lambda vo: vo.id)
        if cumulative >= payment.amount:
            for vo in parts:
                if S(vo.status) in states.MONEY_HELD:
                    self.refunded[vo.id] = vo.total
            return
        new = cumulative - ours - sum(self.refunded.get(vo.id, 0) for vo in parts)
        held = {vo.id: vo.total - self.refunded.get(vo.id, 0) for vo in parts
                if states.was_paid(vo) and vo.total > self.refunded.get(vo.id, 0)}
        total = sum(held.values())
        new = min(new, total)
        if new <= 0:
            return
        shares = {i: new * h // total for i, h in held.items()}
        left = new - sum(shares.values())
        for i in sorted(held):
            if left and shares[i] < held[i]:
                shares[i] += 1
                left -= 1
        for i, share in shares.items():
            self.refunded[i] = self.refunded.get(i, 0) + share

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(data=st.data(), decision=st.sampled_from(["full_refund", "partial_refund", "rejected"]),
          percent=st.integers(1, 99))
    def dispute(self, data, decision, percent):
        order = self._order(data)
        if order is None:
            return
        vo = data.draw(st.sampled_from(order.vendor_orders))
        amount = max(1, vo.total * percent // 100)

        def open_and_decide():
            d = disputes.open_dispute(vo, self.buyer, "Hàng không đúng như mô tả.")
            disputes.decide(d, self.officer, decision, amount)
            return True

        if not self._try(open_and_decide):
            return
        if decision == "full_refund":
            self.refunded[vo.id] = vo.total
        elif decision == "partial_refund":
            self.refunded[vo.id] = self.refunded.get(vo.id, 0) + amount

    # --- the invariants -------------------------------------------------------------------

    @invariant()
    def stock_is_accounted_for(self):
        if not hasattr(self, "products"):
            return
        assert stock_problems([p.id for p in self.products]) == []

    @invariant()
    def ledger_matches_the_money(self):
        if not hasattr(self, "coops"):
            return
        for coop in self.coops:
            expected = 0
            for vo in db.session.scalars(db.select(VendorOrder).filter_by(cooperative_id=coop.id)):
                if vo.order.payment_method == "cod" or not states.was_paid(vo):
                    continue  # cash stays with the cooperative; unpaid parts owe nothing
                commission = vo.subtotal * vo.commission_rate_bp // 10_000
                back = self.refunded.get(vo.id, 0)
                assert back <= vo.total
                expected += vo.total - back - (commission - commission * back // vo.total)
            expected -= db.session.scalar(
                db.select(db.func.coalesce(db.func.sum(PayoutBatch.amount), 0))
                .filter_by(cooperative_id=coop.id))
            assert ledger.balance(coop.id) == expected, (coop.id, expected)
            # Known gap (reported): a refund after a payout leaves the cooperative owing the
            # platform, and reconcile says so; never negative otherwise.
            assert expected >= 0 or self._clawback(coop), (coop.id, expected)

    def _clawback(self, coop) -> bool:
        return ledger.balance(coop.id) < 0 and db.session.scalar(
            db.select(db.func.count()).select_from(PayoutBatch)
            .filter_by(cooperative_id=coop.id)) > 0

    @invariant()
    def reconcile_reports_only_refunds_due(self):
        problems = [p for p in ledger.reconcile() if not (
            "negative balance" in p and any(self._clawback(c) for c in getattr(self, "coops", [])))]
        due = db.session.scalar(db.select(db.func.count()).select_from(Refund)
                                .filter_by(status="due"))
        assert [p for p in problems if not p.startswith("refund due:")] == [], problems
        assert len(problems) == due


@pytest.mark.committed  # each example opens (and rolls back) its own transaction
def test_money_and_stock_invariants_hold_under_random_sequences(app, monkeypatch):
    from market.accounts import services as accounts

    hashed = accounts.hash_password(factories.PASSWORD)  # argon2 once, not for every user
    monkeypatch.setattr(accounts, "hash_password", lambda password: hashed, raising=False)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_KEY", "sk_test_offline")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", None)
    fake = FakeStripe()
    Market.app, Market.client, Market.fake = app, app.test_client(), fake
    try:
        run_state_machine_as_test(Market, settings=settings(
            max_examples=examples(10), stateful_step_count=20, deadline=None,
            suppress_health_check=list(HealthCheck)))
    finally:
        fake.close()

