"""Where the Flask session lives.

Sign-ins are server-side in every setup: the session holds only a random sign-in token whose
hash is a `user_sessions` row (market/accounts/services.py), so logout, "sign out other
sessions", a password change or a deactivation revoke it at once, on every node.

Without REDIS_URL the rest of the session (cart, CSRF token, flash messages, the guest's
orders) stays in Flask's signed cookie, as before. With REDIS_URL, Flask-Session keeps all of
it in Redis and the cookie carries only a random session id: nothing of the session is in
the browser, and a session id is renewed at sign-in and sign-out (no fixation: an id someone
planted before the sign-in is worth nothing after it)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app


def init_app(app) -> None:
    from market import redis_store

    redis_client = redis_store.client(app)
    if redis_client is None:
        return
    from flask_session import Session

    app.config.setdefault("SESSION_TYPE", "redis")
    app.config.setdefault("SESSION_REDIS", redis_client)
    app.config.setdefault("SESSION_KEY_PREFIX", "htx:session:")
    app.config.setdefault("SESSION_PERMANENT", True)
    app.config.setdefault("PERMANENT_SESSION_LIFETIME",
                          timedelta(days=app.config["SESSION_IDLE_DAYS"]))
    Session(app)
    # Flash messages may be lazy strings (Flask-Babel's lazy_gettext): msgpack them as text,
    # as Flask's cookie serializer does.
    import msgspec

    app.session_interface.serializer.encoder = msgspec.msgpack.Encoder(enc_hook=str)


def renew_id(session) -> None:
    """A new session id for the same data (server-side sessions only; a cookie session has
    no id to fix)."""
    regenerate = getattr(current_app.session_interface, "regenerate", None)
    if regenerate is not None and hasattr(session, "sid"):
        regenerate(session)
