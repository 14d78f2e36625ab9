"""The partner API's rate limits (Flask-Limiter, on for this test only): a key over its own
per-minute limit gets 429 with Retry-After and a problem+json body; anonymous callers share
the low anonymous limit per address; each key counts on its own (one key's burst never
slows another, nor do anonymous callers from the same address)."""
from __future__ import annotations

from market import create_app
from market.api import keys
from market.extensions import db


def test_keys_have_their_own_limits_and_anonymous_callers_the_low_one(app, make):
    make.product()
    first, first_secret = keys.create_key("Sàn A", ["listings:read"], rate_limit=3)
    _, second_secret = keys.create_key("Sàn B", ["listings:read"], rate_limit=3)
    db.session.commit()
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True,
                          "RATELIMIT_STORAGE_URI": "memory://", "API_ANONYMOUS_LIMIT": "2 per minute"})
    client = limited.test_client()

    def get(secret=None):
        headers = {"Accept-Language": "en"}
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        return client.get("/api/v1/products", headers=headers)

    try:
        anonymous = [get() for _ in range(3)]
        keyed = [get(first_secret) for _ in range(4)]
        other = [get(second_secret) for _ in range(3)]
    finally:
        # The limiter is one instance shared with the suite's app: switch it off again.
        create_app({**app.config})
    assert [r.status_code for r in anonymous] == [200, 200, 429]
    # The same address, but a key: its own counter, at its own limit.
    assert [r.status_code for r in keyed] == [200, 200, 200, 429]
    assert [r.status_code for r in other] == [200, 200, 200]  # not shared with the first key
    for refused in (anonymous[-1], keyed[-1]):
        assert refused.mimetype == "application/problem+json"
        body = refused.get_json()
        assert body["status"] == 429 and "Retry-After" in body["detail"]
        assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert first.rate_limit == 3
