"""HTTP for everything under /api/: the caller's language, CORS on public GETs, compression
(gzip/brotli by flask-compress, for API responses only), no `Vary: Cookie` (the API never
reads the session), and the request log (one insert per request, after the view)."""
from __future__ import annotations

import logging
import time

from flask import g, request
from flask_compress import Compress

from market.i18n import CONTENT_LOCALES as LOCALES
from market.i18n import negotiate

log = logging.getLogger(__name__)
compress = Compress()
CORS_HEADERS = "Authorization, X-API-Key, If-None-Match, If-Modified-Since, Accept-Language"
EXPOSED = "ETag, Last-Modified, Retry-After, Location, Content-Language"


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _before():
    if not _is_api():
        return
    g.api_started = time.perf_counter()
    # The language: ?lang=, an order's "locale", else Accept-Language; never the signed-in
    # user's (reading the session would add `Vary: Cookie` to public data).
    lang = request.args.get("lang")
    if lang not in LOCALES and request.method == "POST" and request.is_json:
        body = request.get_json(silent=True)
        lang = body.get("locale") if isinstance(body, dict) else None
    g.lang = lang if isinstance(lang, str) and lang in LOCALES else negotiate(
        request.accept_languages, LOCALES)


def _after(response):
    if not _is_api():
        return response
    headers = response.headers
    if request.method in ("GET", "HEAD", "OPTIONS") and request.path.startswith("/api/v1/"):
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = EXPOSED
        if request.method == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            headers["Access-Control-Allow-Headers"] = CORS_HEADERS
            headers["Access-Control-Max-Age"] = "86400"
    if response.mimetype in ("application/json", "application/problem+json") \
            and "Content-Language" not in headers and response.status_code >= 400:
        from market.i18n import current_lang

        headers["Content-Language"] = current_lang()
    response = compress.after_request(response)
    _log(response)
    return response


def _log(response) -> None:
    started = g.pop("api_started", None)
    if started is None or not request.path.startswith("/api/v1/"):
        return
    from market.api import keys
    from market.api.auth import current_key
    from market.extensions import db

    key = current_key()
    route = request.url_rule.rule if request.url_rule is not None else request.path[:200]
    try:
        keys.log_request(key.id if key is not None else None, request.method, route,
                         response.status_code, int((time.perf_counter() - started) * 1000))
    except Exception:
        db.session.rollback()
        log.exception("could not log an API request")


class _NoSessionUnderApi:
    """The app's session interface, except that a response under /api/ never saves the
    session: the API authenticates by key, never by cookie, so it sets no cookie and sends no
    `Vary: Cookie` (Flask-Login's remember-cookie hook reads the session on every response)."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def save_session(self, app, session, response):
        if request.path.startswith("/api/"):
            return None
        return self.inner.save_session(app, session, response)


def init_app(app) -> None:
    app.session_interface = _NoSessionUnderApi(app.session_interface)
    app.config.setdefault("COMPRESS_REGISTER", False)  # only API responses, below
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "application/json", "application/problem+json", "application/x-ndjson", "text/csv"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_STREAMS", True)
    compress.init_app(app)
    app.before_request(_before)
    app.after_request(_after)
