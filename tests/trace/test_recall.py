"""A recall stops sales of exactly the affected stock, warns on the trace page, and emails
the buyers of order lines that shipped from the lot."""
from __future__ import annotations

from datetime import date

import pytest

from market.catalog.models import StockMovement
from market.errors import PermissionDenied
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.orders import services as orders
from market.trace import export, services
from tests.conftest import login
from tests.trace.util import coffee


def _two_packed_lots(make):
    """Option A (250 g) has 50 units on the shelf: 20 from an older lot, 30 from a newer;
    option B (500 g) has 40, from its own lot."""
    coop, staff, product = coffee(make, stock=(50, 40))
    a, b = product.variants
    harvest = services.create_lot_for(coop, {"product_id": product.id, "quantity": 300,
                                             "unit": "kg", "produced_on": date(2025, 11, 5)})
    older, newer, other = services.split_lot(harvest, [
        {"taken": 5, "quantity": 20, "variant_id": a.id},
        {"taken": 8, "quantity": 30, "variant_id": a.id},
        {"taken": 20, "quantity": 40, "variant_id": b.id}], on=date(2025, 11, 20))
    newer.produced_on = date(2025, 11, 25)  # packed later: FIFO takes `older` first
    return coop, staff, product, older, newer, other


def test_recall_removes_exactly_the_recalled_lots_remaining_units(make):
    _coop, staff, product, older, newer, other = _two_packed_lots(make)
    a, b = product.variants
    buyer = make.user(locale="en")
    sold = make.order([(product, 5)], buyer=buyer, email=buyer.email)
    orders.transition(sold.vendor_orders[0], "packed", actor=staff)  # 5 units from `older`
    assert services.available(older) == 15 and services.available(newer) == 30
    assert a.stock == 45

    result = services.recall(staff, older.code, "Nấm mốc trong mẫu lưu",
                             trace_url=export.trace_url)
    db.session.refresh(a)
    db.session.refresh(b)
    assert result.stock_removed == 15
    assert a.stock == 30 and b.stock == 40  # newer's 30 still sell; option B untouched
    movement = db.session.scalar(db.select(StockMovement).filter_by(reason="recall"))
    assert (movement.variant_id, movement.delta) == (a.id, -15)
    assert older.recalled and not newer.recalled and not other.recalled
    assert older.events[-1].kind == "recall"
    mails = db.session.scalars(db.select(OutboxEmail).filter_by(recipient=buyer.email)).all()
    assert [m.subject for m in mails if older.code in m.subject] == [
        f"Recall: {sold.vendor_orders[0].lines[0].name}, lot {older.code}"]
    assert f"/en/trace/{older.code}" in mails[-1].body

    # What is left sells, and new orders ship from the lot that was not recalled.
    more = make.order([(product, 30)])
    orders.transition(more.vendor_orders[0], "packed", actor=staff)
    lots = services.lots_for_lines([more.vendor_orders[0].lines[0].id])
    assert [lot.code for lot in next(iter(lots.values()))] == [newer.code]
    db.session.refresh(a)
    assert a.stock == 0  # nothing of option A is left to sell
    with pytest.raises(orders.CheckoutRefused):
        orders.place_order(lines=[orders.CheckoutLine(product.slug, 1, variant=a.id)],
                           contact=make.contact(), payment_method="cod",
                           idempotency_key="after-the-recall-0001")


def test_a_recalled_harvest_lot_recalls_what_was_made_from_it(make):
    _coop, staff, product, older, newer, other = _two_packed_lots(make)
    parent = services.parents(older)[0]
    result = services.recall(staff, parent.code, "Dư lượng thuốc vượt ngưỡng",
                             trace_url=export.trace_url)
    assert {lot.code for lot in result.lots} == {parent.code, older.code, newer.code, other.code}
    assert result.stock_removed == 90
    a, b = product.variants
    db.session.refresh(a)
    db.session.refresh(b)
    assert a.stock == 0 and b.stock == 0


def test_who_may_recall(client, make):
    coop, _staff, _product, older, *_ = _two_packed_lots(make)
    outsider_officer = make.officer(province_code=1)
    with pytest.raises(PermissionDenied):
        services.recall(outsider_officer, older.code, "x", trace_url=export.trace_url)
    officer = make.officer(province_code=coop.province_code)
    db.session.commit()
    login(client, officer)
    assert client.post(f"/vi/trace/{older.code}/recall",
                       data={"reason": "Kiểm tra của Sở"}).status_code == 200  # confirm step
    assert not older.recalled
    response = client.post(f"/vi/trace/{older.code}/recall",
                           data={"reason": "Kiểm tra của Sở", "confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert older.recalled
    for lang, words in (("en", "this lot was recalled"), ("vi", "bị thu hồi")):
        page = client.get(f"/{lang}/trace/{older.code}").get_data(as_text=True)
        assert words in page and "Kiểm tra của Sở" in page
