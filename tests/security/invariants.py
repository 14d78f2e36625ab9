"""The stock invariant, shared by the random-sequence test (test_invariants.py) and the
multi-node load test (tests/scale): per product, stock + units held by open parts + units
sold == everything ever put on the shelf (the sum of its StockMovement rows), and stock is
never negative."""
from __future__ import annotations

from market.catalog.models import Product, StockMovement
from market.extensions import db
from market.orders import states
from market.orders.models import VendorOrder
from market.orders.models import VendorOrderStatus as S

SOLD = {S.SHIPPED.value, S.DELIVERED.value, S.COMPLETED.value}
HELD = {s.value for s in states.STOCK_HELD}


def stock_problems(product_ids) -> list[tuple]:
    """(product id, stock, held, sold, received) for every product the invariant fails."""
    problems = []
    parts = list(db.session.scalars(db.select(VendorOrder)))
    for product_id in product_ids:
        stock = db.session.scalar(db.select(Product.stock).filter_by(id=product_id))
        received = db.session.scalar(
            db.select(db.func.coalesce(db.func.sum(StockMovement.delta), 0))
            .filter_by(product_id=product_id))
        held = sold = 0
        for vo in parts:
            units = sum(line.quantity for line in vo.lines if line.product_id == product_id)
            if vo.status in HELD:
                held += units
            elif vo.status in SOLD or (vo.status == S.REFUNDED.value and states.goods_left(vo)):
                sold += units
        if stock + held + sold != received or stock < 0:
            problems.append((product_id, stock, held, sold, received))
    return problems
