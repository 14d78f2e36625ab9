"""API keys: shown once, stored hashed, rotated with a grace period, revoked; the scope
decorator answers 401/403 as problem details."""
from __future__ import annotations

from datetime import timedelta

import pytest

from market.api import keys
from market.dbtypes import utcnow
from market.errors import ValidationError
from market.extensions import db


def test_a_key_is_stored_hashed_and_found_by_its_secret(ctx):
    key, secret = keys.create_key("Sàn Tỉnh", ["listings:read", "prices:read"], "a@b.vn")
    db.session.commit()
    assert secret.startswith(f"htx_{key.prefix}_")
    assert secret.split("_", 2)[2] not in key.secret_hash
    assert keys.authenticate(f"Bearer {secret}") == key
    assert keys.authenticate(secret) == key
    assert keys.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert keys.authenticate(f"htx_{key.prefix}_") is None
    assert keys.authenticate("nonsense") is None
    assert key.scope_set == {"listings:read", "prices:read"}


def test_unknown_scopes_and_empty_names_are_refused(ctx):
    with pytest.raises(ValidationError) as caught:
        keys.create_key("x", ["listings:write"])
    assert "scopes" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        keys.create_key("  ", ["listings:read"])
    assert "name" in caught.value.errors


def test_rotation_keeps_the_old_key_for_the_grace_period_then_revoke_ends_it(ctx):
    old, old_secret = keys.create_key("Exporter", ["orders:write"], rate_limit=30)
    new, new_secret = keys.rotate_key(old)
    assert old.replaced_by_id == new.id
    assert (new.scope_set, new.rate_limit, new.name) == (old.scope_set, 30, "Exporter")
    assert keys.authenticate(old_secret) == old  # still in its grace period
    assert keys.authenticate(new_secret) == new
    assert not old.active(utcnow() + keys.ROTATION_GRACE + timedelta(seconds=1))
    keys.revoke_key(old)
    assert keys.authenticate(old_secret) is None
    keys.rotate_key(new, grace=timedelta(0))
    assert keys.authenticate(new_secret) is None


def test_require_scope_answers_401_and_403_as_problems(client, make):
    _, secret = keys.create_key("Reader", ["listings:read"])
    db.session.commit()
    anonymous = client.get("/api/v1/feeds/products.csv")
    assert anonymous.status_code == 401
    assert anonymous.mimetype == "application/problem+json"
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get_json()["type"].endswith("/api/v1/docs#problem-unauthorized")
    bad = client.get("/api/v1/feeds/products.csv", headers={"X-API-Key": secret + "x"})
    assert (bad.status_code, bad.get_json()["code"]) == (401, "invalid_key")
    ok = client.get("/api/v1/feeds/products.csv", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    wrong_scope = client.get("/api/v1/orders/nope", headers={"X-API-Key": secret})
    assert wrong_scope.status_code == 403
    assert wrong_scope.get_json()["code"] == "forbidden"
    assert "orders:write" in wrong_scope.get_json()["detail"]
