"""The only module that talks to Stripe (official SDK). Cards are paid to the platform's
account; VND is a zero-decimal currency, so amounts are the đồng figures themselves."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import stripe

from market.i18n import LOCALES

# Stripe's own tolerance only refuses timestamps too far in the past; a signature made for
# the future (a leaked secret, a skewed signer) is refused beyond this much clock skew.
FUTURE_TOLERANCE = 300
PAST_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE


class InvalidSignature(Exception):
    pass


class InvalidEvent(Exception):
    """Signed correctly, but not the shape of a Stripe event."""


class GatewayError(Exception):
    """Stripe could not be reached or refused the request; nothing is known to have happened
    (retry with the same idempotency key)."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


class StripeGateway:
    def __init__(self, api_key: str | None, webhook_secret: str | None,
                 api_base: str | None = None):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        # api_base: another endpoint speaking Stripe's API (stripe-mock, a test server).
        options = {"base_addresses": {"api": api_base}} if api_base else {}
        self._client = (stripe.StripeClient(api_key, max_network_retries=1, **options)
                        if api_key else None)

    @property
    def enabled(self) -> bool:
        return self._client is not None

    def create_checkout_session(self, *, reference: str, line_items: list[dict], email: str,
                                locale: str, success_url: str, cancel_url: str,
                                idempotency_key: str) -> CheckoutSession:
        """line_items: [{"name": str, "unit_amount": int VND, "quantity": int}]."""
        session = self._call(self._client.v1.checkout.sessions.create,
            params={
                "mode": "payment",
                "client_reference_id": reference,
                "customer_email": email,
                # Stripe Checkout speaks every interface language (its "zh" is Simplified).
                "locale": locale if locale in LOCALES else "en",
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

    def refund(self, payment_intent: str, amount: int, idempotency_key: str) -> str:
        """Give `amount` đồng of this payment back to the card; returns the refund id."""
        refund = self._call(self._client.v1.refunds.create,
                            params={"payment_intent": payment_intent, "amount": amount},
                            options={"idempotency_key": idempotency_key})
        return refund.id

    @staticmethod
    def _call(method, **kwargs):
        try:
            return method(**kwargs)
        except stripe.StripeError as exc:
            raise GatewayError(f"{type(exc).__name__}: {exc}") from exc

    def verify_event(self, payload: bytes, signature: str | None) -> dict:
        """Check `Stripe-Signature` against the raw body, and the event's shape; return it."""
        if not self.webhook_secret:
            raise InvalidSignature("no webhook secret configured")
        try:
            stripe.WebhookSignature.verify_header(payload, signature, self.webhook_secret,
                                                  PAST_TOLERANCE)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidSignature(str(exc)) from exc
        stamps = [int(part[2:]) for part in (signature or "").split(",")
                  if part.startswith("t=") and part[2:].isdigit()]
        if not stamps or stamps[0] > time.time() + FUTURE_TOLERANCE:
            raise InvalidSignature("timestamp in the future")
        try:
            event = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidEvent("body is not JSON") from exc
        if not (isinstance(event, dict) and isinstance(event.get("id"), str)
                and isinstance(event.get("type"), str) and isinstance(event.get("data"), dict)
                and isinstance(event["data"].get("object"), dict)):
            raise InvalidEvent("not an event with data.object")
        return event
