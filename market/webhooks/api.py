"""The partner's webhook endpoints under /api/v1 (scope `webhooks:manage`): register, list,
show, delete; list an endpoint's deliveries; replay one. A key sees only its own (and those
of the keys it replaced by rotation): another partner's ids are 404."""
from __future__ import annotations

from flask import Response, url_for

from market.api.auth import current_key, require_scope
from market.api.blueprint import KEYED, bp, json_response
from market.extensions import csrf, db
from market.webhooks import schemas, services

PRIVATE = "private, no-cache"


def _iso(at) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at else None


def endpoint_json(endpoint) -> dict:
    return {"id": endpoint.public_id, "url": endpoint.url, "events": endpoint.event_types,
            "created_at": _iso(endpoint.created_at),
            "deliveries_url": url_for("api.webhook_deliveries",
                                      endpoint_id=endpoint.public_id)}


def delivery_json(delivery, replays: dict | None = None) -> dict:
    return {"id": delivery.public_id, "event_id": delivery.event_id,
            "type": delivery.event_type, "status": delivery.status,
            "attempts": delivery.attempts, "last_status_code": delivery.last_status_code,
            "last_error": delivery.last_error, "created_at": _iso(delivery.created_at),
            "next_attempt_at": _iso(delivery.next_attempt_at)
            if delivery.status == "pending" else None,
            "delivered_at": _iso(delivery.delivered_at),
            "replay_of": (replays or {}).get(delivery.replay_of_id)}


@bp.route("/webhooks", methods=["POST"])
@csrf.exempt  # a key, not a cookie, is the authority
@bp.arguments(schemas.WebhookIn)
@bp.response(201, schemas.WebhookCreated, headers={"Location": {"schema": {"type": "string"}}})
@bp.doc(security=KEYED)
@require_scope("webhooks:manage")
def create_webhook(body):
    """Register a URL for event types; the answer holds its signing secret, shown once."""
    endpoint, secret = services.register(current_key().id, body["url"], body["events"])
    db.session.commit()
    response = json_response({**endpoint_json(endpoint), "secret": secret}, status=201,
                             cache=None)
    response.headers["Location"] = url_for("api.webhook", endpoint_id=endpoint.public_id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/webhooks")
@bp.response(200, schemas.WebhookList)
@bp.doc(security=KEYED)
@require_scope("webhooks:manage")
def webhooks():
    """This key's webhook endpoints (never their secrets)."""
    return json_response({"data": [endpoint_json(e)
                                   for e in services.endpoints(current_key().id)]},
                         cache=PRIVATE)


@bp.route("/webhooks/<endpoint_id>")
@bp.response(200, schemas.Webhook)
@bp.doc(security=KEYED)
@require_scope("webhooks:manage")
def webhook(endpoint_id):
    return json_response(endpoint_json(services.get_endpoint(current_key().id, endpoint_id)),
                         cache=PRIVATE)


@bp.route("/webhooks/<endpoint_id>", methods=["DELETE"])
@csrf.exempt
@bp.response(204)
@bp.doc(security=KEYED)
@require_scope("webhooks:manage")
def delete_webhook(endpoint_id):
    """Stop sending to this endpoint; its waiting deliveries are dropped."""
    services.delete(current_key().id, endpoint_id)
    db.session.commit()
    return Response(status=204)


@bp.route("/webhooks/<endpoint_id>/deliveries")
@bp.response(200, schemas.DeliveryList)
@bp.doc(security=KEYED)
@require_scope("webhooks:manage")
def webhook_deliveries(endpoint_id):
    """The endpoint's last 100 deliveries, newest first."""
    rows = services.deliveries(current_key().id, endpoint_id)
    replays = services.public_ids({d.replay_of_id for d in rows if d.replay_of_id})
    return json_response({"data": [delivery_json(d, replays) for d in rows]}, cache=PRIVATE)


@bp.route("/webhooks/deliveries/<delivery_id>/replay", methods=["POST"])
@csrf.exempt
@bp.response(202, schemas.Delivery)
@bp.doc(security=KEYED)
@require_scope("webhooks:manage")
def replay_delivery(delivery_id):
    """Send this delivery's event again (same event id and body, a new delivery)."""
    copy = services.replay(current_key().id, delivery_id)
    db.session.commit()
    return json_response(delivery_json(copy, {copy.replay_of_id: delivery_id}), status=202,
                         cache=None)
