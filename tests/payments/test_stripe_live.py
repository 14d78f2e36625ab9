"""Live Stripe round trip: runs only with a test key (these machines have no route to Stripe)."""
import os

import pytest

from market.payments.stripe_gateway import StripeGateway

KEY = os.environ.get("STRIPE_API_KEY", "")


@pytest.mark.skipif(not KEY.startswith("sk_test_"),
                    reason="STRIPE_API_KEY with a test key (sk_test_...) not set")
def test_creates_a_vnd_checkout_session_idempotently():
    gateway = StripeGateway(KEY, None)
    args = {"reference": "live-test", "email": "buyer@example.vn", "locale": "vi",
                "line_items": [{"name": "Cà phê Robusta", "unit_amount": 185_000, "quantity": 2}],
                "success_url": "https://example.vn/ok", "cancel_url": "https://example.vn/cancel",
                "idempotency_key": "htx-live-test-0001"}
    first = gateway.create_checkout_session(**args)
    again = gateway.create_checkout_session(**args)
    assert first.id == again.id and first.url.startswith("https://")
