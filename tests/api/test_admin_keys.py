"""The admin's key pages: create shows the secret once, rotate gives a new one, revoke ends
it; only admins reach them."""
from __future__ import annotations

import re

from market.accounts.models import Role
from market.api import keys
from market.extensions import db
from tests.conftest import login


def test_an_admin_creates_rotates_and_revokes_a_key(client, make):
    login(client, make.user(Role.ADMIN), lang="en")
    made = client.post("/en/admin/api-keys/", data={
        "name": "Cổng thông tin tỉnh", "contact": "it@tinh.gov.vn",
        "scopes": ["listings:read", "prices:read"], "rate_limit": "120"})
    assert made.status_code == 200
    secret = re.search(r"data-secret>(htx_[\w-]+)<", made.get_data(as_text=True)).group(1)
    key = keys.authenticate(secret)
    assert key is not None and key.rate_limit == 120 and key.name == "Cổng thông tin tỉnh"
    listing = client.get("/en/admin/api-keys/").get_data(as_text=True)
    assert secret not in listing and key.display in listing
    rotated = client.post(f"/en/admin/api-keys/{key.id}/rotate")
    new_secret = re.search(r"data-secret>(htx_[\w-]+)<", rotated.get_data(as_text=True)).group(1)
    assert new_secret != secret and keys.authenticate(new_secret) is not None
    client.post(f"/en/admin/api-keys/{key.id}/revoke")
    db.session.expire_all()
    assert keys.authenticate(secret) is None
    refused = client.post("/en/admin/api-keys/", data={"name": "", "scopes": []})
    assert refused.status_code == 422


def test_no_one_else_reaches_the_key_pages(client, make):
    login(client, make.staff(), lang="en")
    assert client.get("/en/admin/api-keys/").status_code == 404
