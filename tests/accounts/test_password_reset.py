"""Password reset by email (issue 11): a signed, expiring link in the outbox, in the
account's language; the same answer for unknown addresses; the link works once, dies with a
password change, and setting the new password ends every sign-in."""
import re
import time

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from market.accounts import services
from market.errors import DomainError, ValidationError
from market.extensions import db
from market.notifications.models import OutboxEmail
from tests.conftest import login

FORGOT = "/{lang}/account/password/forgot"
NEW_PASSWORD = "bon con meo den tren mai nha"
LINK = re.compile(r"(https?://\S+/account/password/reset/(\S+))")


def _outbox(recipient):
    return list(db.session.scalars(sa.select(OutboxEmail).filter_by(recipient=recipient)
                                   .order_by(OutboxEmail.id)))


def _request_link(client, user, lang="vi"):
    response = client.post(FORGOT.format(lang=lang), data={"email": user.email})
    assert response.status_code == 303
    mail = _outbox(user.email)[-1]
    url, token = LINK.search(mail.body).groups()
    return mail, url, token


def _signed_in(client) -> bool:
    return client.get("/vi/account/").status_code == 200


def test_the_login_page_offers_a_reset(client):
    body = client.get("/en/account/login").get_data(as_text=True)
    assert 'href="/en/account/password/forgot"' in body
    assert "Forgot password?" in body


@pytest.mark.parametrize("locale, subject", [("vi", "Đặt lại mật khẩu HTX Market"),
                                             ("en", "Reset your HTX Market password")])
def test_the_mail_is_in_the_accounts_language_with_an_absolute_link(app, client, make,
                                                                      locale, subject):
    user = make.user(locale=locale)
    mail, url, token = _request_link(client, user, lang="en" if locale == "vi" else "vi")
    assert mail.subject == subject
    base = app.config["PUBLIC_BASE_URL"]
    assert url == f"{base}/{locale}/account/password/reset/{token}"
    assert user.name in mail.body
    assert ("60 phút" if locale == "vi" else "60 minutes") in mail.body


def test_no_account_enumeration(client, make):
    user = make.user()
    known = client.post(FORGOT.format(lang="en"), data={"email": user.email})
    unknown = client.post(FORGOT.format(lang="en"), data={"email": "nobody@example.vn"})
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code, unknown.headers["Location"])
    page = client.get(unknown.headers["Location"]).get_data(as_text=True)
    assert "If an account uses nobody@example.vn, we have sent it a link" in page
    assert len(_outbox(user.email)) == 1
    assert _outbox("nobody@example.vn") == []


def test_a_deactivated_account_gets_no_mail(client, make):
    user = make.user()
    services.deactivate(user)
    db.session.commit()
    response = client.post(FORGOT.format(lang="vi"), data={"email": user.email})
    assert response.status_code == 303
    assert _outbox(user.email) == []


def test_a_malformed_email_is_a_form_error(client):
    response = client.post(FORGOT.format(lang="en"), data={"email": "not an email"})
    assert response.status_code == 422


def test_reset_sets_the_password_and_ends_every_session(app, client, make):
    user = make.user()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user)
    login(laptop, user)
    _, url, _token = _request_link(client, user)
    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert user.email in page.get_data(as_text=True)
    response = client.post(url, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/login")
    assert services.authenticate(user.email, NEW_PASSWORD) == user
    assert services.authenticate(user.email, "correct horse battery") is None
    assert not _signed_in(phone)
    assert not _signed_in(laptop)
    login(client, user, password=NEW_PASSWORD)
    assert _signed_in(client)


def test_a_link_works_once(client, make):
    user = make.user()
    _, url, _ = _request_link(client, user)
    client.post(url, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = client.post(url, data={"password": "mot mat khau khac hoan toan 9",
                                   "confirm": "mot mat khau khac hoan toan 9"})
    assert again.status_code == 400
    assert "Liên kết này đã được dùng" in again.get_data(as_text=True)
    assert services.authenticate(user.email, NEW_PASSWORD) == user


def test_a_password_change_voids_links_sent_before(client, make):
    user = make.user()
    _, url, token = _request_link(client, user)
    login(client, user)
    client.post("/vi/account/password", data={
        "current_password": make.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    with pytest.raises(DomainError) as refused:
        services.user_for_reset_token(token)
    assert refused.value.code == "reset_link_used"
    assert client.get(url).status_code == 400


def test_a_link_expires_after_an_hour(make, monkeypatch):
    user = make.user()
    token = services.password_reset_token(user)
    assert services.user_for_reset_token(token) == user
    later = int(time.time()) + 61 * 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    with pytest.raises(DomainError) as refused:
        services.user_for_reset_token(token)
    assert refused.value.code == "reset_link_expired"


def test_an_expired_link_says_so_on_the_page(client, make, monkeypatch):
    user = make.user()
    token = services.password_reset_token(user)
    later = int(time.time()) + 2 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    page = client.get(f"/en/account/password/reset/{token}")
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert "This link has expired." in body
    assert 'href="/en/account/password/forgot"' in body
    assert 'name="password"' not in body


def test_tampered_and_forged_tokens_are_refused(app, client, make):
    user, other = make.user(), make.user()
    token = services.password_reset_token(user)
    flipped = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    payload_swapped = services.password_reset_token(other).split(".")[0] + "." + \
        ".".join(token.split(".")[1:])
    wrong_key = URLSafeTimedSerializer("another-secret-key-of-the-same-size-00",
                                       salt=services.RESET_SALT).dumps(
        {"u": user.public_id, "p": "0" * 24})
    wrong_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps(
        {"u": user.public_id, "p": "0" * 24})
    not_a_dict = URLSafeTimedSerializer(app.config["SECRET_KEY"],
                                        salt=services.RESET_SALT).dumps(["x"])
    for bad in (flipped, payload_swapped, wrong_key, wrong_salt, not_a_dict, "", "x" * 300):
        with pytest.raises(DomainError) as refused:
            services.user_for_reset_token(bad)
        assert refused.value.code == "reset_link_invalid", bad
    response = client.post(f"/vi/account/password/reset/{flipped}",
                           data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert services.authenticate(user.email, make.PASSWORD) == user


def test_the_new_password_must_be_strong(client, make):
    user = make.user(name="Trần Văn Bình")
    _, url, token = _request_link(client, user)
    for weak in ("password12", "tranvanbinh2026", user.email):
        response = client.post(url, data={"password": weak, "confirm": weak})
        assert response.status_code == 422, weak
    differ = client.post(url, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert differ.status_code == 422
    assert services.authenticate(user.email, make.PASSWORD) == user
    assert services.user_for_reset_token(token) == user  # still usable after a refusal


def test_change_and_reset_share_one_rule(make):
    user = make.user()
    with pytest.raises(ValidationError) as weak:
        services.set_password(user, "password12")
    assert "password" in weak.value.errors
    with pytest.raises(ValidationError):
        services.reset_password(services.password_reset_token(user), "password12")
    with pytest.raises(ValidationError):
        services.change_password(user, make.PASSWORD, "password12")


@pytest.mark.committed
def test_reset_requests_are_rate_limited_per_address_and_per_mailbox(tmp_root):
    """Under gunicorn with a trusted proxy: one client address may ask 5 times a minute, and
    one mailbox gets at most 3 links an hour whichever addresses ask (the same 429 whether
    or not the mailbox has an account)."""
    import requests

    from market import create_app
    from tests.conftest import reset_database
    from tests.servers import gunicorn, side_database_url

    url = side_database_url(tmp_root, "resetlimits")
    instance = tmp_root / "resetlimits-instance"
    secret = "reset-limits-secret-key-of-good-length"
    # RATELIMIT_ENABLED off: the limiter is one instance shared with the suite's app.
    reset_database(create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(instance),
                               "RATELIMIT_ENABLED": False, "SECRET_KEY": secret}))
    env = {"MARKET_DATABASE_URL": url, "MARKET_INSTANCE_PATH": str(instance),
           "MARKET_SECRET_KEY": secret, "MARKET_PROXY_COUNT": "1",
           "MARKET_SEARCH_INLINE_INDEXING": "0"}
    with gunicorn(env, workers=1) as base:
        browser = requests.Session()
        page = browser.get(f"{base}/vi/account/password/forgot", timeout=10).text
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

        def ask(email, client_address):
            return browser.post(f"{base}/vi/account/password/forgot", timeout=10,
                                allow_redirects=False,
                                data={"email": email, "csrf_token": csrf},
                                headers={"X-Forwarded-For": client_address,
                                         "Referer": f"{base}/vi/account/password/forgot"})

        codes = [ask(f"someone{n}@example.vn", "198.51.100.1").status_code for n in range(6)]
        assert codes == [303] * 5 + [429], codes
        mailbox = [ask("victim@example.vn", f"198.51.100.{10 + n}") for n in range(4)]
        assert [r.status_code for r in mailbox] == [303, 303, 303, 429]
        assert "Retry-After" in mailbox[-1].headers
