"""The only module that talks to Stripe (official SDK). Cards are paid to the platform's
account; VND is a zero-decimal currency, so amounts are the đồng figures themselves."""
from __future__ import annotations

from dataclasses import dataclass

import stripe


class InvalidSignature(Exception):
    pass


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


class StripeGateway:
    def __init__(self, api_key: str | None, webhook_secret: str | None):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self._client = stripe.StripeClient(api_key) if api_key else None

    @property
    def enabled(self) -> bool:
        return self._client is not None

    def create_checkout_session(self, *, reference: str, line_items: list[dict], email: str,
                                locale: str, success_url: str, cancel_url: str,
                                idempotency_key: str) -> CheckoutSession:
        """line_items: [{"name": str, "unit_amount": int VND, "quantity": int}]."""
        session = self._client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "client_reference_id": reference,
                "customer_email": email,
                "locale": "vi" if locale == "vi" else "en",
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": {"order": reference},
                "line_items": [
                    {"quantity": item["quantity"], "price_data": {
                        "currency": "vnd", "unit_amount": item["unit_amount"],
                        "product_data": {"name": item["name"][:250]},
                    }}
                    for item in line_items
                ],
            },
            options={"idempotency_key": idempotency_key},
        )
        return CheckoutSession(session.id, session.url)

    def verify_event(self, payload: bytes, signature: str | None) -> dict:
        """Check `Stripe-Signature` against the raw body; return the event as a dict."""
        if not self.webhook_secret:
            raise InvalidSignature("no webhook secret configured")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidSignature(str(exc)) from exc
        return event.to_dict()
