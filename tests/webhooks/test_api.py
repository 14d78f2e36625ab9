"""The webhook endpoints of /api/v1 through the app: a key with webhooks:manage registers,
lists, reads deliveries, replays and deletes; another partner's key gets 404 for all of it;
no key or the wrong scope is refused; everything answers problem+json on error."""
import sqlalchemy as sa

from market.api import keys
from market.extensions import db
from market.webhooks import services
from market.webhooks.models import WebhookDelivery


def test_register_list_deliveries_replay_delete(make, client, receiver, partner):
    created = client.post("/api/v1/webhooks", headers=partner.headers, json={
        "url": receiver.url, "events": ["listing.updated", "listing.deleted"]})
    assert created.status_code == 201, created.json
    body = created.json
    assert body["secret"].startswith("whsec_")
    assert created.headers["Location"].endswith(f"/api/v1/webhooks/{body['id']}")
    assert created.headers["Cache-Control"] == "no-store"

    listed = client.get("/api/v1/webhooks", headers=partner.headers).json["data"]
    assert [w["id"] for w in listed] == [body["id"]]
    assert "secret" not in listed[0]
    shown = client.get(created.headers["Location"], headers=partner.headers)
    assert shown.status_code == 200 and shown.json["events"] == ["listing.updated",
                                                                  "listing.deleted"]

    make.product()
    db.session.commit()
    services.deliver_pending()
    deliveries = client.get(body["deliveries_url"], headers=partner.headers).json["data"]
    assert [(d["type"], d["status"], d["attempts"]) for d in deliveries] == [
        ("listing.updated", "succeeded", 1)]
    _, headers, sent = receiver.received[-1]
    assert services.verify(body["secret"], headers["X-HTX-Signature"], sent)

    replay = client.post(f"/api/v1/webhooks/deliveries/{deliveries[0]['id']}/replay",
                         headers=partner.headers)
    assert replay.status_code == 202
    assert replay.json["replay_of"] == deliveries[0]["id"]
    assert replay.json["event_id"] == deliveries[0]["event_id"]
    assert replay.json["status"] == "pending"

    gone = client.delete(created.headers["Location"], headers=partner.headers)
    assert gone.status_code == 204
    assert client.get("/api/v1/webhooks", headers=partner.headers).json["data"] == []
    assert client.get(created.headers["Location"], headers=partner.headers).status_code == 404


def test_another_partner_gets_not_found(make, client, receiver, partner, other):
    endpoint, _ = services.register(partner.id, receiver.url, ["listing.updated"])
    make.product()
    db.session.commit()
    delivery = db.session.scalar(sa.select(WebhookDelivery.public_id))
    for method, path in [
        ("get", f"/api/v1/webhooks/{endpoint.public_id}"),
        ("get", f"/api/v1/webhooks/{endpoint.public_id}/deliveries"),
        ("delete", f"/api/v1/webhooks/{endpoint.public_id}"),
        ("post", f"/api/v1/webhooks/deliveries/{delivery}/replay"),
    ]:
        response = getattr(client, method)(path, headers=other.headers)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.mimetype == "application/problem+json"
    assert client.get("/api/v1/webhooks", headers=other.headers).json["data"] == []
    assert len(services.endpoints(partner.id)) == 1  # the delete above did nothing


def test_keys_scopes_and_bad_input(client, ctx, partner):
    assert client.get("/api/v1/webhooks").status_code == 401
    _, secret = keys.create_key("Chỉ đọc", ["listings:read"])
    db.session.commit()
    refused = client.get("/api/v1/webhooks", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 403
    for body in ({"url": "http://127.0.0.1:9/x", "events": ["listing.updated"]},
                 {"url": "https://example.com/x", "events": ["nope"]},
                 {"url": 5, "events": "listing.updated"}, {}):
        response = client.post("/api/v1/webhooks", headers=partner.headers, json=body)
        assert response.status_code == 422, (body, response.status_code)
        assert response.mimetype == "application/problem+json"
        assert response.json["errors"]


def test_a_rotated_key_keeps_its_endpoints_a_revoked_one_falls_silent(client, receiver,
                                                                      partner, other, make):
    kept, _ = services.register(partner.id, receiver.url, ["listing.updated"])
    services.register(other.id, receiver.url, ["listing.updated"])
    _, secret = keys.rotate_key(partner.key)
    keys.revoke_key(other.key)
    db.session.commit()
    listed = client.get("/api/v1/webhooks", headers={"Authorization": f"Bearer {secret}"})
    assert [w["id"] for w in listed.json["data"]] == [kept.public_id]
    make.product()
    db.session.commit()
    assert list(db.session.scalars(sa.select(WebhookDelivery.endpoint_id))) == [kept.id]
