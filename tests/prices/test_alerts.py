"""Price alerts: subscribe on the page, an import triggers one email (not again the same
day), the unsubscribe link works and a tampered one does not."""
from datetime import timedelta

from market.extensions import db
from market.notifications.models import OutboxEmail
from market.prices import services
from market.prices.models import PriceAlert
from tests.conftest import login
from tests.prices.conftest import csv_bytes


def _row(day, price):
    return (day.isoformat(), "coffee_robusta", "dak_lak", "VND/kg", price)


def _mails():
    return list(db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)))


def test_an_alert_triggers_once_and_unsubscribes(make, client):
    officer, buyer = make.officer(), make.user()
    today = services.local_today()
    services.import_prices(officer, "a.csv", csv_bytes([_row(today - timedelta(days=5), 100000)]))
    db.session.commit()
    login(client, buyer, lang="en")
    page = client.get("/en/prices/coffee_robusta?market=dak_lak").get_data(as_text=True)
    assert 'id="alert-kind"' in page
    response = client.post("/en/prices/coffee_robusta/dak_lak/alerts",
                           data={"kind": "above", "value": "110000"})
    assert response.status_code == 302
    assert "when the price reaches 110,000" in client.get(
        "/en/prices/coffee_robusta?market=dak_lak").get_data(as_text=True)

    # Below the threshold: nothing. Above: one email, in the subscriber's locale.
    services.import_prices(officer, "b.csv", csv_bytes([_row(today - timedelta(days=4), 105000)]))
    assert _mails() == []
    services.import_prices(officer, "c.csv", csv_bytes([_row(today - timedelta(days=3), 112000)]))
    mails = _mails()
    assert len(mails) == 1 and mails[0].recipient == buyer.email
    assert "Price alert" in mails[0].subject and "112,000" in mails[0].body
    # Another price above it the same day, and the command: no second email.
    services.import_prices(officer, "d.csv", csv_bytes([_row(today - timedelta(days=2), 115000)]))
    assert services.check_alerts() == 0
    assert len(_mails()) == 1
    # The next day a newer triggering price sends again.
    services.import_prices(officer, "e.csv", csv_bytes([_row(today - timedelta(days=1), 116000)]))
    assert services.check_alerts(today=today + timedelta(days=1)) == 1
    db.session.commit()

    link = mails[0].body.split("Stop these alerts: ")[1].split()[0]
    path = link.split("://", 1)[1].split("/", 1)[1]
    tampered = "/" + path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert client.get(tampered).status_code == 404
    assert client.get("/" + path).status_code == 200
    assert client.post("/" + path).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(db.select(PriceAlert)).active is False
    services.import_prices(officer, "f.csv", csv_bytes([_row(today, 120000)]))
    assert services.check_alerts(today=today + timedelta(days=5)) == 0


def test_percentage_move_and_bad_input(make, client):
    officer, buyer = make.officer(), make.user()
    today = services.local_today()
    services.import_prices(officer, "a.csv", csv_bytes([_row(today - timedelta(days=3), 100000)]))
    db.session.commit()
    login(client, buyer)
    bad = client.post("/vi/prices/coffee_robusta/dak_lak/alerts",
                      data={"kind": "move", "value": "150"})
    assert bad.status_code == 302 and "value=150" in bad.headers["Location"]
    assert db.session.scalar(db.select(db.func.count()).select_from(PriceAlert)) == 0
    client.post("/vi/prices/coffee_robusta/dak_lak/alerts", data={"kind": "move", "value": "5"})
    services.import_prices(officer, "b.csv", csv_bytes([_row(today - timedelta(days=2), 103000)]))
    assert _mails() == []
    services.import_prices(officer, "c.csv", csv_bytes([_row(today - timedelta(days=1), 94000)]))
    mails = _mails()
    assert len(mails) == 1 and "Cảnh báo giá" in mails[0].subject  # the subscriber's locale
