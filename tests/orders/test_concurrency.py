"""25 buyers race for the last 5 units: exactly 5 orders, stock 0, never below.

Runs on committed data (no per-test rollback) in real threads, each with its own session and
connection: on PostgreSQL that is 25 concurrent transactions; SQLite serialises writers."""
import secrets
import threading

import pytest
import sqlalchemy as sa

from market.catalog.models import Product
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.orders import services
from market.orders.models import LedgerEntry, Order, OrderEvent, OrderLine, VendorOrder
from market.orders.services import CheckoutLine, CheckoutRefused
from market.vendors.models import Cooperative
from tests import factories

BUYERS, UNITS = 25, 5


@pytest.fixture
def last_units(app):
    with app.test_request_context():
        coop = factories.cooperative()
        product = factories.product(coop, stock=UNITS)
        db.session.commit()
        ids = coop.id, product.id, product.slug
        mails_before = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxEmail.id), 0)))
        db.session.remove()
    yield ids
    with app.app_context():
        coop_id, product_id, _ = ids
        vo_ids = select_ids(VendorOrder.id, VendorOrder.cooperative_id == coop_id)
        order_ids = select_ids(VendorOrder.order_id, VendorOrder.cooperative_id == coop_id)
        db.session.execute(sa.delete(OutboxEmail).where(OutboxEmail.id > mails_before))
        for model, column, values in [
            (OrderEvent, OrderEvent.vendor_order_id, vo_ids),
            (OrderLine, OrderLine.vendor_order_id, vo_ids),
            (LedgerEntry, LedgerEntry.vendor_order_id, vo_ids),
            (VendorOrder, VendorOrder.id, vo_ids),
            (Order, Order.id, order_ids),
            (Product, Product.id, [product_id]),
            (Cooperative, Cooperative.id, [coop_id]),
        ]:
            db.session.execute(sa.delete(model).where(column.in_(values)))
        db.session.commit()
        db.session.remove()


def select_ids(column, where):
    return list(db.session.scalars(sa.select(column).where(where)))


@pytest.mark.committed
def test_concurrent_checkouts_never_oversell(app, last_units):
    _, product_id, slug = last_units
    barrier = threading.Barrier(BUYERS)
    outcomes, lock = [], threading.Lock()

    def buy(n):
        with app.test_request_context():
            barrier.wait()
            try:
                services.place_order(
                    lines=[CheckoutLine(slug, 1)], contact=factories.contact(),
                    payment_method="cod", idempotency_key=secrets.token_urlsafe(16))
                db.session.commit()
                result = "ok"
            except CheckoutRefused as exc:
                db.session.rollback()
                result = exc.problems[0].reason
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(BUYERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["ok"] * UNITS + ["out_of_stock"] * (BUYERS - UNITS)
    with app.app_context():
        assert db.session.get(Product, product_id).stock == 0
        db.session.remove()
