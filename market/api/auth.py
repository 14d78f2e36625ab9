"""Who is calling the API: `require_scope(scope)` for keyed endpoints, `allow_anonymous(scope)` for the
public ones with `allow_anonymous(scope)` (a key there lifts the anonymous rate limit). The key comes from
`Authorization: Bearer htx_...` or `X-API-Key: htx_...`; the view finds it in `flask.g.api_key`
(`current_key()`). A missing or invalid key is 401, a key without the scope 403, both as
problem+json with `WWW-Authenticate: Bearer`."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from market.api import keys
from market.api.problems import api_problem

def presented() -> str | None:
    return request.headers.get("Authorization") or request.headers.get("X-API-Key") or None


def current_key() -> keys.ApiKey | None:
    """The authenticated key of this request (None for an anonymous caller), also set as
    `flask.g.api_key`. Looked up once per request (cached in the request's environ: tests
    reuse one app context, and so one `g`, for several requests)."""
    environ = request.environ
    if "htx.api_key" not in environ:
        value = presented()
        environ["htx.api_key"] = keys.authenticate(value) if value else None
    g.api_key = environ["htx.api_key"]
    return g.api_key


def _challenge(response, error: str):
    response.headers["WWW-Authenticate"] = f'Bearer realm="htx-market", error="{error}"'
    return response


def refusal(scope: str | None):
    """The 401/403 problem for this request, or None when it may go on."""
    if presented() is None:
        if scope is None:
            return None
        return _challenge(api_problem(
            "unauthorized", _("Send your API key as 'Authorization: Bearer <key>'. This "
                              "request needs the scope %(scope)s.", scope=scope)),
            "invalid_request")
    key = current_key()
    if key is None:
        return _challenge(api_problem(
            "invalid_key", _("The key is unknown, revoked or mistyped. Ask the marketplace's "
                             "administrator for a new key.")), "invalid_token")
    if scope is not None and not key.has_scope(scope):
        return _challenge(api_problem(
            "forbidden", _("This key does not have the scope %(scope)s.", scope=scope)),
            "insufficient_scope")
    return None


def require_scope(scope: str):
    """Decorator: the view runs only for an active key that holds `scope`."""
    if scope not in keys.SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            stop = refusal(scope)
            return stop if stop is not None else view(*args, **kwargs)
        wrapper.required_scope = scope
        return wrapper
    return decorate


def allow_anonymous(scope: str):
    """Decorator for public reads: anonymous callers pass (at the anonymous rate limit); a
    presented key must be valid and hold `scope`."""
    if scope not in keys.SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            stop = refusal(scope if presented() is not None else None)
            return stop if stop is not None else view(*args, **kwargs)
        wrapper.required_scope = scope
        return wrapper
    return decorate
