"""The cooperative's dashboard opens on what needs doing, scoped to its own cooperative."""
from __future__ import annotations

from datetime import date, timedelta

from market.extensions import db
from market.ocop import services as ocop
from market.orders import disputes
from market.orders import services as orders
from market.vendors import dashboard
from tests import factories
from tests.conftest import login
from tests.ocop import util as ocop_util


def test_orders_to_pack_oldest_first_and_only_ours(make):
    coop = make.cooperative()
    staff = make.staff(coop)
    product = make.product(coop, stock=100)
    first = make.order([(product, 1)], method="cod").vendor_orders[0]
    second = make.order([(product, 1)], method="cod").vendor_orders[0]
    unpaid = make.order([(product, 1)], method="vietqr").vendor_orders[0]
    packed = make.order([(product, 1)], method="cod").vendor_orders[0]
    orders.transition(packed, "packed", actor=staff)
    first.created_at = second.created_at - timedelta(hours=2)
    make.order([(make.product(), 1)], method="cod")  # another cooperative's
    db.session.flush()
    todo = dashboard.todo(staff)
    assert todo.orders_to_pack == 2
    assert [vo.id for vo in todo.oldest_to_pack] == [first.id, second.id]
    assert unpaid.id not in [vo.id for vo in todo.oldest_to_pack]


def test_disputes_low_stock_and_expiring_certificates(make):
    vo, staff, buyer, admin = factories.delivered_vendor_order()
    coop = vo.cooperative
    dispute = disputes.open_dispute(vo, buyer, "Hàng bị vỡ khi nhận được.")
    low = make.product(coop, name_vi="Mật ong", stock=3)
    make.product(coop, name_vi="Gạo", stock=50)
    make.product(coop, name_vi="Bản nháp", stock=0, status="draft")
    today = date.today()
    soon = ocop_util.submit(staff, [low], today=today,
                            certificate_number="OCOP-SOON",
                            decision_date=(today - timedelta(days=3 * 365 - 30)).isoformat())
    later = ocop_util.submit(staff, [low], today=today, certificate_number="OCOP-LATER",
                             decision_date=(today - timedelta(days=30)).isoformat())
    for cert in (soon, later):
        ocop.verify_certificate(cert, admin, today=today)
    todo = dashboard.todo(staff, today=today)
    assert [d.id for d in todo.disputes] == [dispute.id]
    assert [p.name("vi") for p in todo.low_stock_products] == ["Mật ong"] and todo.low_stock == 1
    assert [c.certificate_number for c in todo.expiring] == ["OCOP-SOON"]
    disputes.answer(dispute, staff, "Chúng tôi gửi lại hàng.")
    assert dashboard.todo(staff, today=today).disputes == []
    other = make.staff()
    assert dashboard.todo(other).empty


def test_dashboard_page_links_to_each_task(client, make):
    coop = make.cooperative()
    staff = make.staff(coop)
    product = make.product(coop, stock=2)
    vo = make.order([(product, 1)], method="cod").vendor_orders[0]
    login(client, staff)
    html = client.get("/vi/vendor/").get_data(as_text=True)
    assert "1 đơn cần đóng gói" in html and f"/vi/vendor/orders/{vo.public_id}/slip" in html
    assert "1 sản phẩm sắp hết hàng" in html and f"/vi/vendor/products/{product.slug}/edit" in html
    html = client.get("/en/vendor/").get_data(as_text=True)
    assert "1 order to pack" in html and "No open disputes." in html
