"""A small hand-checked dataset: two cooperatives of Đắk Lắk, one of Hà Nội.

April 2026 (Vietnam time) in Đắk Lắk:
- o1 cash on delivery, confirmed: coffee 2 x 100,000 + honey 1 x 50,000 = 250,000 goods,
  placed 2026-03-31 17:30 UTC, which is 00:30 on 1 April in Vietnam.
- o2 bank transfer, paid, 1 x 100,000 coffee, 40,000 refunded: 60,000 of GMV.
- o3 bank transfer, never paid, cancelled by the payment timeout: a cancellation.
- o4 cash on delivery, confirmed, then cancelled by the buyer: a cancellation.
- o5 Hà Nội's cooperative: not Đắk Lắk's.
- o6 placed 2026-03-31 16:30 UTC = 23:30 on 31 March in Vietnam: March, not April.
GMV April = 310,000; orders 2; units 4 (2 + 1 + 1); buyers 1 (o1 and o2 share an email);
parts placed 4, cancelled 2; refund rate 1/2; March GMV 100,000."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from market.accounts.models import Role
from market.extensions import db
from market.orders import ledger, services
from tests import factories

HANOI = 1


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def dataset(make):
    coffee = make.category(slug="ca-phe-test", name_vi="Cà phê", name_en="Coffee")
    honey = make.category(slug="mat-ong-test", name_vi="Mật ong", name_en="Honey")
    a1 = make.cooperative(name="HTX Một", commune_code=24121)
    a2 = make.cooperative(name="HTX Hai")
    b1 = make.cooperative(name="HTX Hà Nội", province_code=HANOI)
    pa = make.product(a1, price=100_000, stock=100, category_id=coffee.id)
    pb = make.product(a1, price=50_000, stock=100, category_id=honey.id, name_vi="Mật ong")
    pc = make.product(a2, price=200_000, stock=100, category_id=coffee.id)
    pd = make.product(b1, price=70_000, stock=100, category_id=coffee.id)
    admin = make.user(Role.ADMIN)
    o1 = make.order([(pa, 2), (pb, 1)], method="cod", email="same@example.vn")
    o2 = make.order([(pa, 1)], method="vietqr", email="same@example.vn")
    services.mark_order_paid(o2, actor=admin)
    ledger.record_refund(o2.vendor_orders[0], 40_000)
    o3 = make.order([(pc, 1)], method="vietqr", email="three@example.vn")
    services.transition(o3.vendor_orders[0], "cancelled", system=True)
    o4 = make.order([(pc, 3)], method="cod", email="four@example.vn")
    services.cancel_order(o4, guest=True)
    o5 = make.order([(pd, 1)], method="cod", email="five@example.vn")
    o6 = make.order([(pa, 1)], method="cod", email="six@example.vn")
    for order, moment in ((o1, "2026-03-31T17:30"), (o2, "2026-04-15T03:00"),
                          (o3, "2026-04-20T03:00"), (o4, "2026-04-10T03:00"),
                          (o5, "2026-04-05T03:00"), (o6, "2026-03-31T16:30")):
        order.created_at = at(moment)
    db.session.flush()
    return {"coffee": coffee, "honey": honey, "a1": a1, "a2": a2, "b1": b1,
            "officer": make.officer(factories.DAK_LAK), "admin": admin,
            "orders": [o1, o2, o3, o4, o5, o6]}
