"""Price and order events: a published forecast reaches every subscriber; an order's status
change reaches only the partner whose key placed the order."""
import json
from datetime import date

import sqlalchemy as sa

from market.api import keys
from market.extensions import db
from market.orders import services as orders
from market.prices import services as prices
from market.prices.models import Forecast, PriceSeries
from market.webhooks import services
from market.webhooks.models import WebhookDelivery
from tests import factories
from tests.prices.conftest import csv_bytes, daily_rows


def _events(endpoint):
    db.session.expire_all()
    return [json.loads(d.body) for d in db.session.scalars(sa.select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id).order_by(WebhookDelivery.id))]


def test_publishing_a_forecast_sends_price_published(make, receiver, partner):
    endpoint, _ = services.register(partner.id, receiver.url, ["price.published"])
    officer = make.officer()
    rows = daily_rows(40)
    prices.import_prices(officer, "p.csv", csv_bytes(rows))
    series = db.session.scalars(sa.select(PriceSeries)).first()
    # a forecast made from every observation (fitting a real one takes half a minute)
    db.session.add(Forecast(series_id=series.id, frequency="D", model="test",
                            last_observation_on=date.fromisoformat(str(rows[-1][0])),
                            observations=40, points=[]))
    series.forecast_stale = False
    db.session.commit()
    assert _events(endpoint) == []  # not published yet
    prices.set_publication(officer, series, publish=True)
    db.session.commit()
    events = _events(endpoint)
    assert [e["type"] for e in events] == ["price.published"]
    assert events[0]["data"]["commodity"] == "coffee_robusta"
    assert events[0]["data"]["url"].endswith("/api/v1/forecasts/coffee_robusta")


def test_order_status_goes_only_to_the_key_that_placed_it(make, receiver, partner, other):
    mine, _ = services.register(partner.id, receiver.url, ["order.status_changed"])
    theirs, _ = services.register(other.id, receiver.url, ["order.status_changed"])
    coop = make.cooperative()
    staff = make.staff(coop)
    product = make.product(coop, stock=10)
    placed = orders.place_order(
        lines=[orders.CheckoutLine(product.slug, 1)], contact=factories.contact(),
        payment_method="cod", idempotency_key="partner-order-key-0001")
    keys.record_order(partner.key, placed.id)  # as POST /api/v1/orders does
    site = factories.order([(product, 1)])
    db.session.commit()
    orders.transition(placed.vendor_orders[0], "packed", actor=staff)
    orders.transition(site.vendor_orders[0], "packed", actor=staff)
    db.session.commit()
    events = _events(mine)
    assert [(e["data"]["from"], e["data"]["to"]) for e in events] == [("confirmed", "packed")]
    assert events[0]["data"]["order"]["id"] == placed.public_id
    assert events[0]["data"]["part"]["cooperative"] == coop.slug
    assert _events(theirs) == []
