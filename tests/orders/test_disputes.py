from datetime import timedelta

import pytest

from market.accounts.models import Role
from market.dbtypes import utcnow
from market.errors import DomainError, NotFound, ValidationError
from market.orders import disputes, ledger


@pytest.fixture
def delivered(make):
    vo, staff, buyer, _admin = make.delivered_vendor_order()
    return vo, staff, buyer


def test_full_cycle_with_partial_refund(make, delivered):
    vo, staff, buyer = delivered
    dispute = disputes.open_dispute(vo, buyer, "Hai gói bị rách bao bì khi nhận.")
    disputes.answer(dispute, staff, "Xin lỗi, chúng tôi hoàn một phần.")
    before = ledger.balance(vo.cooperative_id)
    officer = make.officer(66)
    disputes.decide(dispute, officer, "partial_refund", 100_000)
    assert ledger.balance(vo.cooperative_id) < before
    assert [e.to_status for e in dispute.events] == ["open", "answered", "decided"]
    assert ledger.reconcile() == []
    with pytest.raises(DomainError):
        disputes.decide(dispute, officer, "rejected")


def test_full_refund_moves_the_order_to_refunded(make, delivered):
    vo, _staff, buyer = delivered
    dispute = disputes.open_dispute(vo, buyer, "Sản phẩm không đúng mô tả.")
    disputes.decide(dispute, make.user(Role.ADMIN), "full_refund")
    assert vo.status == "refunded" and ledger.balance(vo.cooperative_id) == 0


def test_rules(make, delivered):
    vo, _staff, buyer = delivered
    with pytest.raises(NotFound):
        disputes.open_dispute(vo, make.user(), "Không phải đơn của tôi nhưng vẫn mở.")
    with pytest.raises(ValidationError):
        disputes.open_dispute(vo, buyer, "ngắn")
    with pytest.raises(DomainError):
        disputes.open_dispute(vo, buyer, "Quá hạn bảy ngày rồi mới mở.",
                              now=utcnow() + timedelta(days=8))
    dispute = disputes.open_dispute(vo, buyer, "Hàng bị ẩm, không dùng được.")
    with pytest.raises(DomainError):
        disputes.open_dispute(vo, buyer, "Mở lần thứ hai cho cùng đơn.")
    with pytest.raises(NotFound):
        disputes.answer(dispute, make.staff(), "Không phải hợp tác xã của tôi.")
    far_officer = make.officer(1)  # Hà Nội officer, cooperative in Đắk Lắk
    with pytest.raises(NotFound):
        disputes.decide(dispute, far_officer, "rejected")
    assert disputes.queue_for(far_officer) == []
    assert disputes.queue_for(make.officer(66)) == [dispute]
    with pytest.raises(ValidationError):
        disputes.decide(dispute, make.officer(66), "partial_refund", vo.total)


def test_dispute_through_the_pages(client, make, delivered):
    from tests.conftest import login

    vo, _staff, buyer = delivered
    login(client, buyer)
    page = client.get(f"/vi/orders/{vo.order.public_id}").get_data(as_text=True)
    assert "Gửi khiếu nại" in page
    client.post(f"/vi/orders/{vo.order.public_id}/dispute/{vo.public_id}",
                data={"reason": "Cà phê bị ẩm mốc khi nhận."})
    client.post("/vi/account/logout")
    officer = make.officer(66)
    login(client, officer)
    queue = client.get("/vi/disputes").get_data(as_text=True)
    assert "Cà phê bị ẩm mốc khi nhận." in queue
    dispute = disputes.queue_for(officer)[0]
    step = client.post("/vi/disputes", data={"dispute": dispute.public_id, "decision": "rejected"})
    assert step.status_code == 200 and dispute.status != "decided"  # asked to confirm first
    client.post("/vi/disputes", data={"dispute": dispute.public_id, "decision": "rejected",
                                      "confirmed": "1"})
    assert dispute.status == "decided" and dispute.decision == "rejected"
