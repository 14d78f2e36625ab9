from datetime import timedelta

from market import worker
from market.dbtypes import utcnow
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.ocop import services as ocop
from tests.ocop.util import TODAY, submit


def test_one_tick_runs_every_job(app, make, monkeypatch):
    product = make.product(stock=5)
    order = make.order([(product, 2)], method="vietqr")
    order.vendor_orders[0].reserved_until = utcnow() - timedelta(minutes=1)
    coop = make.cooperative()
    cert = submit(make.staff(coop), [make.product(coop)], today=TODAY)
    ocop.verify_certificate(cert, make.officer(coop.province_code), today=TODAY)
    monkeypatch.setattr(ocop, "today_in_vietnam", lambda now=None: cert.valid_until
                        + timedelta(days=1))
    db.session.flush()

    worker.run(app.config, ticks=1)

    assert order.vendor_orders[0].status == "cancelled"
    db.session.refresh(product)
    assert product.stock == 5
    assert cert.status == "expired"
    assert all(m.sent_at for m in db.session.scalars(db.select(OutboxEmail)))
