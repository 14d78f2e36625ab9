"""Lots through the vendor portal: only the owning cooperative's staff write; splits keep the
quantities; CSV import is all or nothing; the product page and the buyer's order link to the
lot each unit shipped from."""
from __future__ import annotations

import io

import pytest

from market.errors import NotFound
from market.extensions import db
from market.orders import services as orders
from market.trace import services
from market.trace.models import Lot, OrderLineLot
from tests.conftest import login
from tests.trace.util import coffee, coffee_with_history


def test_another_cooperative_cannot_edit_a_lot(client, make):
    *_rest, harvest, packed = coffee_with_history(make)
    intruder = make.staff()
    db.session.commit()
    count = len(harvest.events)
    with pytest.raises(NotFound):
        services.record_event(intruder, harvest.code, {"kind": "harvest",
                                                       "occurred_on": "2025-11-05"})
    with pytest.raises(NotFound):
        services.split(intruder, harvest.code, [{"taken": 1, "quantity": 1}])
    with pytest.raises(NotFound):
        services.merge(intruder, [packed[0].code, packed[1].code])
    login(client, intruder)
    for path, data in ((f"/vi/vendor/trace/{harvest.code}/events",
                        {"kind": "harvest", "occurred_on": "2025-11-05"}),
                       (f"/vi/vendor/trace/{harvest.code}/split",
                        {"parts-0-taken": "1", "parts-0-quantity": "1"})):
        assert client.post(path, data=data).status_code == 404
    assert client.get(f"/vi/vendor/trace/{harvest.code}").status_code == 404
    response = client.post(f"/vi/trace/{harvest.code}/recall",
                           data={"reason": "x", "confirmed": "1"})
    assert response.status_code == 403
    db.session.expire_all()
    assert len(harvest.events) == count and harvest.recalled_at is None


def test_staff_create_process_and_split_through_the_forms(client, make):
    _coop, staff, product = coffee(make)
    db.session.commit()
    login(client, staff)
    v250, v500 = product.variants
    response = client.post("/vi/vendor/trace/new", data={
        "variant_id": str(v250.id), "kind": "harvest", "quantity": "600", "unit": "kg",
        "produced_on": "2025-11-05", "area": "Buôn Ea Kmat"})
    assert response.status_code == 302
    lot = db.session.scalar(db.select(Lot).filter_by(product_id=product.id))
    for data in ({"kind": "harvest", "occurred_on": "2025-11-05", "place": "Vườn"},
                 {"kind": "processing", "step": "drying", "occurred_on": "2025-11-06",
                  "notes_vi": "Phơi giàn", "notes_en": "Raised beds"}):
        assert client.post(f"/vi/vendor/trace/{lot.code}/events", data=data).status_code == 302
    bad = client.post(f"/vi/vendor/trace/{lot.code}/events",
                      data={"kind": "input", "step": "pesticide", "occurred_on": "2025-10-01",
                            "input_name": "Thuốc X"})
    assert bad.status_code == 422  # a pesticide needs its pre-harvest interval
    assert client.post(f"/vi/vendor/trace/{lot.code}/split", data={
        "parts-0-taken": "50", "parts-0-quantity": "200", "parts-0-variant_id": str(v250.id),
        "parts-1-taken": "50", "parts-1-quantity": "100", "parts-1-variant_id": str(v500.id),
    }).status_code == 302
    db.session.expire_all()
    children = services.children(lot)
    assert [c.quantity for c in children] == [200, 100] and lot.quantity == 500
    assert {c.kind for c in children} == {"packed"}
    assert [e.kind for e in lot.events] == ["harvest", "processing", "split"]
    too_much = client.post(f"/vi/vendor/trace/{lot.code}/split",
                           data={"parts-0-taken": "501", "parts-0-quantity": "1"})
    assert too_much.status_code == 302 and len(services.children(lot)) == 2
    labels = client.get(f"/vi/vendor/trace/labels?lot={children[0].code}&size=small&copies=3")
    assert labels.get_data(as_text=True).count('class="label label-small"') == 3


def test_csv_import_is_all_or_nothing(client, make):
    _coop, staff, _product, harvest, _packed = coffee_with_history(make)
    db.session.commit()
    login(client, staff)
    count = len(harvest.events)
    good = (f"lot,kind,date,step,notes_vi\n{harvest.code},processing,2025-11-27,grinding,Xay\n"
            f"{harvest.code},shipping,2025-11-29,,Gửi kho\n")
    bad = good + "NO-SUCH,harvest,2025-11-05,,\n" + f"{harvest.code},harvest,hôm qua,,\n"
    response = client.post("/vi/vendor/trace/import", data={
        "file": (io.BytesIO(bad.encode()), "events.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<code>lot</code>" in page and "<code>date</code>" in page
    db.session.expire_all()
    assert len(harvest.events) == count
    response = client.post("/vi/vendor/trace/import", data={
        "file": (io.BytesIO(good.encode()), "events.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    assert [e.kind for e in harvest.events[count:]] == ["processing", "shipping"]


def test_orders_record_the_lot_and_the_buyer_sees_it(client, make):
    _coop, staff, product, _harvest, packed = coffee_with_history(make)
    buyer = make.user()
    v250 = product.variants[0]
    order = make.order([(product, 3)], buyer=buyer)
    vo = order.vendor_orders[0]
    orders.transition(vo, "packed", actor=staff)
    rows = db.session.scalars(db.select(OrderLineLot)).all()
    assert [(r.lot_id, r.quantity) for r in rows] == [(packed[0].id, 3)]
    assert packed[0].variant_id == v250.id
    db.session.commit()
    login(client, buyer)
    page = client.get(f"/vi/orders/{order.public_id}").get_data(as_text=True)
    assert f"/vi/trace/{packed[0].code}" in page
    product_page = client.get(f"/en/p/{product.slug}").get_data(as_text=True)
    assert f"/en/trace/{packed[0].code}" in product_page and "Traceable" in product_page
