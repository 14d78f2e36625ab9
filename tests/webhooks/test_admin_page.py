"""The admin's webhooks page: every partner's endpoints with their delivery counts, and the
failed deliveries; nobody else may open it."""
import sqlalchemy as sa

from market.accounts.models import Role
from market.extensions import db
from market.webhooks import services
from market.webhooks.models import WebhookDelivery
from tests.conftest import login


def test_admin_sees_endpoints_and_failures(make, client, receiver, partner):
    services.register(partner.id, receiver.url + "?partner=sàn-A",
                      ["listing.updated", "order.status_changed"])
    make.product()
    db.session.commit()
    db.session.execute(sa.update(WebhookDelivery).values(status="failed", attempts=8,
                                                         last_status_code=503))
    db.session.commit()
    login(client, make.user(Role.ADMIN), lang="en")
    page = client.get("/en/admin/webhooks").get_data(as_text=True)
    assert "Partner webhooks" in page
    assert receiver.url in page and "order.status_changed" in page
    assert "HTTP 503" in page and "Sàn Thương mại A" in page


def test_others_get_not_found(make, client):
    login(client, make.staff())
    assert client.get("/vi/admin/webhooks").status_code == 404
