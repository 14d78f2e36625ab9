"""The stock invariant, shared by the random-sequence test (test_invariants.py) and the
multi-node load test (tests/scale): per product variant, stock + units held by open parts +
units sold == everything ever put on the shelf (the sum of its StockMovement rows), and stock
is never negative."""
from __future__ import annotations

from market.catalog.models import ProductVariant, StockMovement
from market.extensions import db
from market.orders import states
from market.orders.models import VendorOrder
from market.orders.models import VendorOrderStatus as S

SOLD = {S.SHIPPED.value, S.DELIVERED.value, S.COMPLETED.value}
HELD = {s.value for s in states.STOCK_HELD}


def stock_problems(product_ids) -> list[tuple]:
    """(variant id, stock, held, sold, received) for every variant of the products given
    where the invariant fails."""
    problems = []
    parts = list(db.session.scalars(db.select(VendorOrder)))
    variants = db.session.execute(
        db.select(ProductVariant.id, ProductVariant.stock)
        .where(ProductVariant.product_id.in_(list(product_ids)))).all()
    for variant_id, stock in variants:
        received = db.session.scalar(
            db.select(db.func.coalesce(db.func.sum(StockMovement.delta), 0))
            .filter_by(variant_id=variant_id))
        held = sold = 0
        for vo in parts:
            units = sum(line.quantity for line in vo.lines if line.variant_id == variant_id)
            if vo.status in HELD:
                held += units
            elif vo.status in SOLD or (vo.status == S.REFUNDED.value and states.goods_left(vo)):
                sold += units
        if stock + held + sold != received or stock < 0:
            problems.append((variant_id, stock, held, sold, received))
    return problems
