"""Sign-ins are server-side and revocable: a copied cookie dies at logout, at a password
change (other devices) and at deactivation; remember-me cookies too. Issue 10, item 2."""
import sqlalchemy as sa

from market.accounts import services
from market.accounts.models import UserSession
from market.extensions import db
from tests.conftest import login

PROFILE = "/vi/account/"
NEW_PASSWORD = "tim mot cau dai hon nua 42"


def _copy(app, client, *names):
    """A second browser holding copies of `client`'s cookies (an attacker's, say)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value, domain=cookie.domain)
    return thief


def _signed_in(client) -> bool:
    response = client.get(PROFILE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_logout_kills_a_copied_session_cookie(app, client, make):
    user = make.user()
    login(client, user)
    thief = _copy(app, client, "session")
    assert _signed_in(thief)
    client.post("/vi/account/logout")
    assert not _signed_in(client)
    assert not _signed_in(thief)


def test_logout_kills_a_copied_remember_me_cookie(app, client, make):
    user = make.user()
    response = client.post("/vi/account/login", data={
        "email": user.email, "password": make.PASSWORD, "remember": "y"})
    assert response.status_code == 302
    thief = _copy(app, client, "remember_token")  # no session cookie at all
    assert _signed_in(thief)
    later_thief = _copy(app, thief, "remember_token")
    client.post("/vi/account/logout")
    assert not _signed_in(thief)
    assert not _signed_in(later_thief)


def test_password_change_ends_every_other_session(app, client, make):
    user = make.user()
    login(client, user)
    laptop = app.test_client()
    login(laptop, user)
    thief = _copy(app, laptop, "session")
    response = client.post("/vi/account/password", data={
        "current_password": make.PASSWORD, "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _signed_in(client)  # the session that changed it stays
    assert not _signed_in(laptop)
    assert not _signed_in(thief)
    assert services.authenticate(user.email, NEW_PASSWORD) == user


def test_password_change_needs_the_current_password_and_a_strong_new_one(client, make):
    user = make.user()
    login(client, user)
    wrong = client.post("/en/account/password", data={
        "current_password": "not my password", "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert "Your current password is wrong." in wrong.get_data(as_text=True)
    weak = client.post("/en/account/password", data={
        "current_password": make.PASSWORD, "password": "password12", "confirm": "password12"})
    assert weak.status_code == 422
    assert services.authenticate(user.email, make.PASSWORD) == user


def test_deactivation_ends_every_session(app, client, make):
    user = make.user()
    login(client, user)
    thief = _copy(app, client, "session")
    services.deactivate(user)
    db.session.commit()
    assert not _signed_in(client)
    assert not _signed_in(thief)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                             .filter_by(user_id=user.id)) == 0


def test_a_deactivated_account_is_refused_even_with_a_live_session_row(app, client, make):
    user = make.user()
    login(client, user)
    user.is_active_account = False  # closed by hand in the database, sessions left behind
    db.session.commit()
    assert not _signed_in(client)


def test_end_other_sessions_button(app, client, make):
    user = make.user()
    login(client, user)
    other = app.test_client()
    login(other, user)
    client.post("/vi/account/sessions/end-others")
    assert _signed_in(client)
    assert not _signed_in(other)


def test_the_cookie_holds_a_token_whose_hash_alone_is_stored(client, make):
    user = make.user()
    login(client, user)
    with client.session_transaction() as session:
        token = session["_user_id"]
    hashes = db.session.scalars(sa.select(UserSession.token_hash).filter_by(user_id=user.id))
    assert token not in list(hashes)
    assert token not in (user.public_id, str(user.id))


def test_one_indexed_query_loads_the_signed_in_user(app, client, make):
    user = make.user()
    login(client, user)
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/vi/").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    lookups = [s for s in statements if "user_sessions" in s]
    assert len(lookups) == 1, lookups
    assert "JOIN user_sessions" in lookups[0] or "JOIN users" in lookups[0]
    unique = sa.inspect(db.engine).get_unique_constraints("user_sessions")
    assert any(c["column_names"] == ["token_hash"] for c in unique)


def test_an_old_cookie_with_a_public_id_signs_nobody_in(app, make):
    user = make.user()
    old_style = app.test_client()
    with old_style.session_transaction() as session:
        session["_user_id"] = user.public_id  # what cookies carried before issue 10
        session["_fresh"] = True
    assert not _signed_in(old_style)


def test_the_deactivate_command_signs_the_account_out_everywhere(app, client, make):
    user = make.user()
    login(client, user)
    result = app.test_cli_runner().invoke(args=["accounts", "deactivate", user.email])
    assert result.exit_code == 0, result.output
    assert not _signed_in(client)
    assert services.authenticate(user.email, make.PASSWORD) is None
