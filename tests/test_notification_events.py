"""Emails to the people who must act: the cooperative's team (new order, payment, dispute,
the decision on its application) and the province's officers, or the admins where the
province has none (applications, OCOP certificates, disputes), each in its own language."""
from __future__ import annotations

from market.accounts.models import Role
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.orders import disputes
from market.orders import services as orders
from market.vendors import services as vendors
from tests import factories
from tests.conftest import login
from tests.ocop import util as ocop_util

BASE = "http://127.0.0.1:8000"  # MARKET_PUBLIC_BASE_URL's default in tests


def mails_to(user):
    return list(db.session.scalars(db.select(OutboxEmail).filter_by(recipient=user.email)
                                   .order_by(OutboxEmail.id)))


def test_new_order_and_payment_reach_owner_and_staff_each_in_their_language(make):
    coop = make.cooperative(name="HTX Ea Kmat")
    owner = make.staff(coop, is_owner=True, locale="en")
    staff = make.staff(coop, locale="vi")
    outsider = make.staff()  # another cooperative's
    order = make.order([(make.product(coop), 2)], method="vietqr")
    vo = order.vendor_orders[0]
    [english] = mails_to(owner)
    [vietnamese] = mails_to(staff)
    assert english.subject == f"New order {vo.number}"
    assert "Wait for the payment before packing" in english.body
    assert f"{BASE}/en/vendor/orders/{vo.public_id}" in english.body
    assert vietnamese.subject == f"Đơn hàng mới {vo.number}"
    assert f"{BASE}/vi/vendor/orders/{vo.public_id}" in vietnamese.body
    assert mails_to(outsider) == []
    orders.mark_order_paid(order, actor=make.user(Role.ADMIN), note="transfer")
    assert mails_to(owner)[-1].subject == f"Payment received for order {vo.number}"
    assert mails_to(staff)[-1].subject == f"Đã nhận thanh toán cho đơn hàng {vo.number}"
    assert "₫" in mails_to(owner)[-1].body


def test_cash_orders_say_pack_now(make):
    coop = make.cooperative()
    owner = make.staff(coop, is_owner=True, locale="en")
    make.order([(make.product(coop), 1)], method="cod")
    assert "Cash on delivery: pack it now." in mails_to(owner)[0].body


def test_dispute_reaches_the_team_and_the_province_officer(make):
    vo, staff, buyer, admin = factories.delivered_vendor_order()
    officer = make.officer(vo.cooperative.province_code, locale="en")
    disputes.open_dispute(vo, buyer, "Hàng bị vỡ khi nhận được.")
    assert mails_to(staff)[-1].subject == f"Người mua đã mở khiếu nại về đơn {vo.number}"
    [mail] = mails_to(officer)
    assert mail.subject == f"A dispute to decide: order {vo.number}"
    assert f"{BASE}/en/disputes" in mail.body
    assert mails_to(admin) == []  # the province has an officer


def test_application_goes_to_admins_where_the_province_has_no_officer(make):
    admin = make.user(Role.ADMIN, locale="en")
    applicant = make.user()
    coop = vendors.apply(applicant, {
        "name": "HTX Rau Sạch Lào Cai", "registration_code": factories.registration_code(),
        "province_code": 15, "member_count": 9})
    [mail] = mails_to(admin)
    assert mail.subject == "A cooperative application to review: HTX Rau Sạch Lào Cai"
    assert f"{BASE}/en/vendor/review/{coop.slug}" in mail.body


def test_officer_hears_of_applications_and_the_team_of_the_decision(make):
    officer = make.officer(factories.DAK_LAK)
    applicant = make.user(locale="en")
    coop = vendors.apply(applicant, {
        "name": "HTX Cà Phê Buôn Hồ", "registration_code": factories.registration_code(),
        "province_code": factories.DAK_LAK, "member_count": 9})
    assert mails_to(officer)[-1].subject == "Hồ sơ hợp tác xã cần duyệt: HTX Cà Phê Buôn Hồ"
    vendors.review(officer, coop.slug, "reject", "Thiếu giấy phép")
    rejected = mails_to(applicant)[-1]
    assert rejected.subject == "Your application for HTX Cà Phê Buôn Hồ was not approved"
    assert '"Thiếu giấy phép"' in rejected.body and "/en/vendor/profile" in rejected.body
    vendors.resubmit(applicant, {"story_vi": "Đã bổ sung giấy phép."})
    assert len(mails_to(officer)) == 2  # back in the queue
    vendors.review(officer, coop.slug, "approve")
    assert mails_to(applicant)[-1].subject == "HTX Cà Phê Buôn Hồ is approved on HTX Market"


def test_ocop_submission_reaches_the_officer(make):
    coop = make.cooperative(province_code=factories.DAK_LAK)
    staff = make.staff(coop)
    officer = make.officer(factories.DAK_LAK, locale="en")
    other_province = make.officer(1)
    cert = ocop_util.submit(staff, [make.product(coop)])
    [mail] = mails_to(officer)
    assert mail.subject == f"An OCOP certificate to verify: {cert.certificate_number}"
    assert f"{BASE}/en/ocop/review/{cert.public_id}" in mail.body
    assert mails_to(other_province) == []


def test_admins_read_the_outbox(client, make):
    make.order([(make.product(), 1)], method="cod", email="mai@example.vn")
    login(client, make.user(Role.ADMIN))
    html = client.get("/en/admin/outbox").get_data(as_text=True)
    assert "mai@example.vn" in html and "queued" in html
    html = client.get("/vi/admin/outbox", query_string={"q": "mai@"}).get_data(as_text=True)
    assert "mai@example.vn" in html and "đang chờ gửi" in html
