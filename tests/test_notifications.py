
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.notifications.services import send_pending
from market.orders import services


class Recorder:
    def __init__(self, fail_first=False):
        self.sent, self.fail_first = [], fail_first

    def send(self, mail):
        if self.fail_first:
            self.fail_first = False
            raise OSError("connection refused")
        self.sent.append(mail)


def _mails():
    return db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)).all()


def test_order_events_queue_mails_in_the_buyers_language(make):
    coop = make.cooperative(name="HTX Ea Tu")
    staff = make.staff(coop)
    order = make.order([(make.product(coop), 1)], method="cod")
    order.locale = "en"
    vo = order.vendor_orders[0]
    services.transition(vo, "packed", actor=staff)
    services.transition(vo, "shipped", actor=staff, carrier="VNPost", tracking_number="EE12VN")
    buyers = [m for m in _mails() if m.recipient == order.email]
    subjects = [m.subject for m in buyers]
    assert subjects[0] == f"Đơn hàng {order.number} đã được đặt"  # placed while vi
    assert subjects[1] == f"HTX Ea Tu has shipped part of order {order.number}"
    shipped = buyers[1].body
    assert "VNPost EE12VN https://www.vnpost.vn/vi-vn/dinh-vi/buu-pham?key=EE12VN" in shipped
    assert "/en/orders/link/" in shipped  # a guest's order: its signed link


def test_failed_sends_are_retried_and_sent_mails_not_resent(make):
    make.order([(make.product(), 1)])
    sender = Recorder(fail_first=True)
    assert send_pending(sender) == 0
    assert _mails()[0].last_error == "connection refused"
    assert send_pending(sender) == 1
    assert send_pending(sender) == 0
    assert len(sender.sent) == 1
