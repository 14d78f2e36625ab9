"""Webhooks end to end below the HTTP API: a catalogue change writes its delivery in the same
transaction, the queue's job sends it signed to a real receiver on loopback, retries with
exponential backoff, gives up after the maximum, replays; one partner never reaches
another's; private addresses are refused."""
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from market.catalog.services import update_product
from market.dbtypes import utcnow
from market.errors import NotFound, ValidationError
from market.extensions import db
from market.jobs.queue import JOBS, run_job
from market.webhooks import services
from market.webhooks.models import WebhookDelivery


def _deliveries(endpoint):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id).order_by(WebhookDelivery.id)))


def test_signature_round_trip_and_tampering():
    secret, body = "whsec_test", b'{"id":"evt_1","type":"listing.updated"}'
    header = services.sign(secret, body)
    assert header.startswith("t=") and ",v1=" in header
    assert services.verify(secret, header, body)
    assert not services.verify(secret, header, body.replace(b"updated", b"deleted"))
    assert not services.verify("whsec_other", header, body)
    old = services.sign(secret, body, timestamp=int(time.time()) - 3600)
    assert not services.verify(secret, old, body)  # a captured delivery, replayed late
    assert not services.verify(secret, "garbage", body)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://localhost:8000/x", "http://10.0.0.5/x",
    "http://192.168.1.1/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x",
    "http://[::ffff:127.0.0.1]/x", "http://100.64.0.1/x", "ftp://example.com/x",
    "http://user:pw@example.com/x", "javascript:alert(1)", "http:///x", "http://0.0.0.0/",
])
def test_private_or_odd_targets_are_refused(app, url, partner):
    with app.app_context():
        with pytest.raises(services.UnsafeTarget):
            services.resolve_target(url, allow_private=False)
        with pytest.raises(ValidationError) as refused:
            services.register(partner.id, url, ["listing.updated"])
        assert "url" in refused.value.errors


def test_registration_checks_events_and_shows_the_secret_once(app, receiver, partner, other):
    with pytest.raises(ValidationError) as refused:
        services.register(partner.id, receiver.url, ["listing.exploded"])
    assert "events" in refused.value.errors
    endpoint, secret = services.register(partner.id, receiver.url, ["listing.updated"])
    assert secret.startswith("whsec_") and len(secret) > 30
    assert endpoint.public_id.startswith("we_")
    assert [e.public_id for e in services.endpoints(partner.id)] == [endpoint.public_id]
    assert services.endpoints(other.id) == []


def test_change_is_delivered_signed_with_backoff_and_replay(make, app, receiver, partner):
    endpoint, secret = services.register(partner.id, receiver.url,
                                         ["listing.updated", "listing.deleted"])
    product = make.product()
    db.session.commit()
    created = _deliveries(endpoint)
    assert [d.event_type for d in created] == ["listing.updated"]
    assert json.loads(created[0].body)["data"]["product"]["id"] == product.slug

    receiver.statuses[:] = [500, 503]
    now = utcnow()
    assert services.deliver_pending(now=now) == 1
    first = _deliveries(endpoint)[0]
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    wait = app.config["WEBHOOK_BACKOFF_SECONDS"]
    assert first.next_attempt_at - now >= timedelta(seconds=wait - 1)
    assert services.deliver_pending(now=utcnow()) == 0  # not due yet
    assert services.deliver_pending(now=utcnow() + timedelta(seconds=wait + 1)) == 1
    second = _deliveries(endpoint)[0]
    assert (second.attempts, second.last_status_code) == (2, 503)
    # the wait doubles: one base interval later it is still not due
    assert services.deliver_pending(now=utcnow() + timedelta(seconds=wait + 1)) == 0
    assert services.deliver_pending(now=utcnow() + timedelta(seconds=2 * wait + 1)) == 1
    done = _deliveries(endpoint)[0]
    assert (done.status, done.attempts, done.last_status_code) == ("succeeded", 3, 200)

    assert len(receiver.received) == 3
    path, headers, body = receiver.received[-1]
    assert path == "/hooks/htx"
    assert services.verify(secret, headers["X-HTX-Signature"], body)
    assert headers["X-HTX-Event"] == "listing.updated"
    event = json.loads(body)
    assert event["type"] == "listing.updated" and event["id"] == done.event_id

    replayed = services.replay(partner.id, done.public_id)
    db.session.commit()
    assert services.deliver_pending(now=utcnow()) == 1
    again = json.loads(receiver.received[-1][2])
    assert again["id"] == event["id"]  # the same event, so receivers can deduplicate
    assert _deliveries(endpoint)[-1].public_id == replayed.public_id
    assert _deliveries(endpoint)[-1].status == "succeeded"

    update_product(product, {"status": "archived"}, actor_id=None)
    db.session.commit()
    assert [d.event_type for d in _deliveries(endpoint)][-1] == "listing.deleted"


def test_gives_up_after_the_maximum_and_follows_no_redirect(make, app, receiver, monkeypatch, partner):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    endpoint, _ = services.register(partner.id, receiver.url, ["listing.updated"])
    make.product()
    db.session.commit()
    receiver.statuses[:] = [302, 302]
    services.deliver_pending(now=utcnow())
    services.deliver_pending(now=utcnow() + timedelta(days=1))
    delivery = _deliveries(endpoint)[0]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 2, 302)
    assert receiver.redirect_hits == 0
    assert services.deliver_pending(now=utcnow() + timedelta(days=3)) == 0


def test_refused_when_the_address_turns_private(make, app, receiver, monkeypatch, partner):
    endpoint, _ = services.register(partner.id, receiver.url, ["listing.updated"])
    make.product()
    db.session.commit()
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    services.deliver_pending(now=utcnow())
    delivery = _deliveries(endpoint)[0]
    assert delivery.last_error.startswith("refused target")
    assert receiver.received == []


def test_another_partner_cannot_see_replay_or_delete(make, receiver, partner, other):
    endpoint, _ = services.register(partner.id, receiver.url, ["listing.updated"])
    make.product()
    db.session.commit()
    delivery = _deliveries(endpoint)[0]
    for attempt in (lambda: services.deliveries(other.id, endpoint.public_id),
                    lambda: services.replay(other.id, delivery.public_id),
                    lambda: services.delete(other.id, endpoint.public_id),
                    lambda: services.get_endpoint(other.id, endpoint.public_id)):
        with pytest.raises(NotFound):
            attempt()
    assert [d.public_id for d in services.deliveries(partner.id, endpoint.public_id)] == \
        [delivery.public_id]
    services.delete(partner.id, endpoint.public_id)
    assert services.endpoints(partner.id) == []
    assert _deliveries(endpoint)[0].status == "failed"  # nothing more goes out


def test_a_rolled_back_change_writes_no_delivery(make, receiver, partner):
    endpoint, _ = services.register(partner.id, receiver.url, ["listing.updated"])
    db.session.commit()
    nested = db.session.begin_nested()
    make.product()
    db.session.flush()
    nested.rollback()
    assert _deliveries(endpoint) == []


def test_no_endpoint_no_rows(make):
    make.product()
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0


def test_the_queue_job_sends_them(make, receiver, partner):
    assert JOBS["webhooks"][1] is False  # claimed row by row: workers send in parallel
    services.register(partner.id, receiver.url, ["listing.updated"])
    make.product()
    db.session.commit()
    assert run_job("webhooks") == 1
    assert len(receiver.received) == 1


def test_the_documented_verify_code_accepts_ours_and_refuses_tampering():
    """docs/partners.md's Python check, run as a partner would copy it."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "partners.md").read_text()
    code = doc.split("### Checking the signature", 1)[1].split("```python\n", 1)[1]
    namespace = {}
    exec(code.split("```", 1)[0], namespace)  # noqa: S102 (our own documentation)
    verify = namespace["verify"]
    secret, body = "whsec_doc", b'{"id":"evt_1","type":"listing.updated","data":{}}'
    header = services.sign(secret, body)
    assert verify(secret, header, body)
    assert not verify(secret, header, body + b" ")
    assert not verify("whsec_other", header, body)
    assert not verify(secret, services.sign(secret, body, int(time.time()) - 600), body)


def test_a_name_resolving_to_loopback_is_refused_and_the_checked_address_is_used(
        app, receiver, monkeypatch):
    """DNS decides nothing after the check: a public-looking name that resolves to a private
    address is refused, and with the test flag the request goes to the address that was
    checked, with the URL's host name in the Host header."""
    import socket

    real = socket.getaddrinfo
    port = int(receiver.url.split(":")[2].split("/")[0])

    def fake(host, *args, **kwargs):
        if host == "partner.example":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    url = f"http://partner.example:{port}/hooks/htx"
    with pytest.raises(services.UnsafeTarget):
        services.resolve_target(url, allow_private=False)
    target = services.resolve_target(url, allow_private=True)
    assert target.address == "127.0.0.1" and target.host == "partner.example"
    assert services.post(target, b"{}", {"Content-Type": "application/json"}, 2) == 200
    assert receiver.received[-1][1]["Host"] == f"partner.example:{port}"
