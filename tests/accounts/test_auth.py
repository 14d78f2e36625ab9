import re

import pytest

from market import create_app
from market.accounts import services
from market.errors import ValidationError
from tests.conftest import login


def test_passwords_are_stored_as_argon2_hashes(make):
    user = make.user()
    assert user.password_hash.startswith("$argon2id$")
    assert make.PASSWORD not in user.password_hash


def test_production_hashes_with_rfc_9106_parameters(monkeypatch, app, make):
    """The suite runs on argon2-cffi's CHEAPEST profile (tests/__init__.py); production does
    not, and a hash made under another profile is upgraded at the next sign-in."""
    from market.config import load_config

    monkeypatch.delenv("MARKET_PASSWORD_HASH_PROFILE")
    assert load_config()["PASSWORD_HASH_PROFILE"] == "RFC_9106_LOW_MEMORY"
    user = make.user()
    assert "$m=8,t=1,p=1$" in user.password_hash  # the test profile
    monkeypatch.setitem(app.config, "PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    assert services.authenticate(user.email, make.PASSWORD) == user
    assert "$m=65536,t=3,p=4$" in user.password_hash


def test_authenticate(make):
    user = make.user(email="Mai@Example.vn")
    assert user.email == "mai@example.vn"
    assert services.authenticate("MAI@example.vn", make.PASSWORD) == user
    assert services.authenticate("mai@example.vn", "wrong password!") is None
    assert services.authenticate("nobody@example.vn", make.PASSWORD) is None


@pytest.mark.parametrize("overrides, field", [
    ({"email": "not-an-email"}, "email"),
    ({"password": "short"}, "password"),
    ({"name": " "}, "name"),
    ({"locale": "fr"}, "locale"),
])
def test_bad_registration_input(make, overrides, field):
    with pytest.raises(ValidationError) as exc:
        make.user(**overrides)
    assert field in exc.value.errors


def test_register_login_logout_round_trip(client):
    response = client.post("/en/account/register", data={
        "name": "Lan", "email": "lan@example.vn", "password": "a long password",
        "confirm": "a long password", "locale": "en"})
    assert response.status_code == 302
    assert "Lan" in client.get("/en/").get_data(as_text=True)
    client.post("/en/account/logout")
    assert client.get("/en/account/").status_code == 302  # login required again


def test_duplicate_registration_shows_a_translated_error(client, make):
    make.user(email="hoa@example.vn")
    response = client.post("/vi/account/register", data={
        "name": "Hoa", "email": "hoa@example.vn", "password": "a long password",
        "confirm": "a long password", "locale": "vi"})
    assert response.status_code == 422
    assert "Đã có tài khoản dùng email này." in response.get_data(as_text=True)


def test_wrong_password_is_refused_in_vietnamese(client, make):
    user = make.user()
    response = client.post("/vi/account/login", data={"email": user.email, "password": "nope"})
    assert response.status_code == 422
    assert "Sai email hoặc mật khẩu." in response.get_data(as_text=True)


def test_login_ignores_offsite_next(client, make):
    user = make.user()
    response = client.post("/vi/account/login?next=//evil.example/",
                           data={"email": user.email, "password": make.PASSWORD})
    assert response.headers["Location"] == "/vi/"


def test_forms_require_a_csrf_token(app, tmp_root):
    csrf_app = create_app({**app.config, "WTF_CSRF_ENABLED": True, "TESTING": True})
    client = csrf_app.test_client()
    refused = client.post("/vi/account/login", data={"email": "a@b.vn", "password": "x"})
    assert refused.status_code == 400
    page = client.get("/vi/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post("/vi/account/login",
                           data={"email": "a@b.vn", "password": "x", "csrf_token": token})
    assert accepted.status_code == 422  # the form was processed: wrong credentials


def test_session_carries_a_session_token_not_a_user_id(client, make):
    user = make.user()
    login(client, user)
    with client.session_transaction() as session:
        token = session["_user_id"]
    assert token not in (str(user.id), user.public_id) and len(token) >= 40
