"""The webhook endpoints' request and response schemas (marshmallow, into the OpenAPI
document with the rest of /api/v1)."""
from __future__ import annotations

from marshmallow import fields

from market.api.schemas import Base
from market.webhooks.services import EVENT_TYPES


class WebhookIn(Base):
    url = fields.String(required=True, metadata={
        "description": "An http(s) URL on a public address (https strongly advised)."})
    events = fields.List(fields.String(metadata={"enum": list(EVENT_TYPES)}), required=True)


class Webhook(Base):
    id = fields.String(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    created_at = fields.String(required=True)
    deliveries_url = fields.String(required=True)


class WebhookCreated(Webhook):
    secret = fields.String(required=True, metadata={
        "description": "The signing secret (whsec_...), shown only in this answer."})


class WebhookList(Base):
    data = fields.List(fields.Nested(Webhook), required=True)


class Delivery(Base):
    id = fields.String(required=True)
    event_id = fields.String(required=True)
    type = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending", "succeeded", "failed"]})
    attempts = fields.Integer(required=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String()
    created_at = fields.String(required=True)
    next_attempt_at = fields.String(allow_none=True)
    delivered_at = fields.String(allow_none=True)
    replay_of = fields.String(allow_none=True)


class DeliveryList(Base):
    data = fields.List(fields.Nested(Delivery), required=True)
