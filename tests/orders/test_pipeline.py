import pytest

from market.accounts.models import Role
from market.errors import DomainError, NotFound
from market.extensions import db
from market.orders import ledger, services
from market.orders.models import LedgerEntry
from market.payments import services as payments


@pytest.fixture
def setup(make):
    coop = make.cooperative()
    staff = make.staff(coop)
    buyer = make.user()
    product = make.product(coop, price=200_000, stock=10)
    return coop, staff, buyer, product


def test_cod_pipeline_records_every_step_and_the_cash_at_delivery(make, setup):
    coop, staff, buyer, product = setup
    vo = make.order([(product, 2)], method="cod", buyer=buyer).vendor_orders[0]
    services.transition(vo, "packed", actor=staff)
    with pytest.raises(DomainError):
        services.transition(vo, "shipped", actor=staff)  # no tracking number
    services.transition(vo, "shipped", actor=staff, carrier="VNPost", tracking_number="EB1VN")
    assert ledger.balance(coop.id) == 0  # cash not collected yet
    services.transition(vo, "delivered", actor=staff)
    services.transition(vo, "completed", actor=buyer)
    assert [e.to_status for e in vo.events] == [
        "confirmed", "packed", "shipped", "delivered", "completed"]
    assert [e.actor_role for e in vo.events[1:]] == ["coop", "coop", "coop", "buyer"]
    # The cooperative kept the cash: the platform owes nothing and takes no commission.
    kinds = {e.kind: e.amount for e in db.session.scalars(
        db.select(LedgerEntry).filter_by(vendor_order_id=vo.id))}
    assert kinds == {"sale": vo.total, "commission": 0, "cash_collected": -vo.total}
    assert ledger.balance(coop.id) == 0
    assert ledger.reconcile() == []


def test_each_transition_only_for_its_actor(make, setup):
    _coop, staff, buyer, product = setup
    vo = make.order([(product, 1)], method="vietqr", buyer=buyer).vendor_orders[0]
    with pytest.raises(DomainError) as exc:
        services.transition(vo, "packed", actor=staff)  # not paid yet
    assert exc.value.code == "illegal_transition"
    with pytest.raises(DomainError):
        services.transition(vo, "paid", actor=buyer)  # a buyer cannot declare payment
    other_staff = make.staff()
    with pytest.raises(NotFound):
        services.transition(vo, "cancelled", actor=other_staff)  # not their order: 404
    services.transition(vo, "cancelled", actor=buyer)
    db.session.refresh(product)
    assert product.stock == 10


def test_vietqr_transfer_confirmed_by_reference_pays_every_part(make, setup):
    coop, staff, _buyer, product = setup
    admin = make.user(Role.ADMIN)
    other = make.product(make.cooperative(), price=50_000)
    order = make.order([(product, 1), (other, 2)], method="vietqr")
    with pytest.raises(NotFound):
        payments.confirm_transfer(order.transfer_reference, actor=staff)  # platform's account
    payments.confirm_transfer(order.transfer_reference.lower(), actor=admin)
    payments.confirm_transfer(order.transfer_reference, actor=admin)  # twice: no change
    assert [vo.status for vo in order.vendor_orders] == ["paid", "paid"]
    first = order.vendor_orders[0]
    assert ledger.balance(coop.id) == first.total - 200_000 * 5 // 100
    assert ledger.reconcile() == []


def test_refund_reverses_the_ledger_and_returns_unshipped_stock(make, setup):
    coop, _staff, _buyer, product = setup
    admin = make.user(Role.ADMIN)
    vo = make.order([(product, 2)], method="vietqr").vendor_orders[0]
    services.mark_order_paid(vo.order, actor=admin, note="transfer")
    services.refund_vendor_order(vo, actor=admin, note="transferred back")
    assert ledger.balance(coop.id) == 0
    db.session.refresh(product)
    assert product.stock == 10
    assert ledger.reconcile() == []


def test_payouts_never_exceed_the_balance(make, setup):
    coop, _staff, _buyer, product = setup
    admin = make.user(Role.ADMIN)
    vo = make.order([(product, 1)], method="vietqr").vendor_orders[0]
    services.mark_order_paid(vo.order, actor=admin, note="transfer")
    owed = ledger.balance(coop.id)
    with pytest.raises(DomainError):
        ledger.create_payout(coop.id, owed + 1, "VCB 123", admin)
    ledger.create_payout(coop.id, owed, "VCB 123", admin)
    assert ledger.balance(coop.id) == 0
    assert ledger.reconcile() == []


def test_vendor_order_queries_are_scoped_to_the_cooperative(make, setup):
    coop, _staff, _buyer, product = setup
    other = make.cooperative()
    mine = make.order([(product, 1)]).vendor_orders[0]
    make.order([(make.product(other), 1)])
    assert services.vendor_orders_for(coop.id) == [mine]
    with pytest.raises(NotFound):
        services.vendor_order_for(other.id, mine.public_id)


def test_payout_pages(client, make, setup):
    from tests.conftest import login

    coop, staff, _buyer, product = setup
    admin = make.user(Role.ADMIN)
    vo = make.order([(product, 1)], method="vietqr").vendor_orders[0]
    services.mark_order_paid(vo.order, actor=admin, note="transfer")
    owed = ledger.balance(coop.id)
    login(client, admin)
    page = client.get("/vi/admin/payouts").get_data(as_text=True)
    assert coop.name in page and "khớp" in page
    client.post("/vi/admin/payouts", data={"cooperative": coop.slug, "amount": str(owed),
                                           "bank_reference": "VCB 0001"})
    assert ledger.balance(coop.id) == 0
    client.post("/vi/account/logout")
    login(client, staff)
    mine = client.get("/vi/vendor/payouts").get_data(as_text=True)
    assert "VCB 0001" in mine and "Hoa hồng nền tảng" in mine
    other = make.staff()
    client.post("/vi/account/logout")
    login(client, other)
    assert "VCB 0001" not in client.get("/vi/vendor/payouts").get_data(as_text=True)
