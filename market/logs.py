"""Structured logs with a request id, and Sentry when SENTRY_DSN is set.

Every request gets an id: the caller's `X-Request-ID` when it is a plausible one (1-128
characters of letters, digits and `._:-`; a load balancer or another service sets it), a
new random one otherwise. It goes back in the response's `X-Request-ID`, and every log
line written while the request runs carries it (`request_id`). With LOG_FORMAT=json (the
default) each line is one JSON object (python-json-logger); LOG_REQUESTS=1 adds one line
per request on the `market.access` logger: method, path, route, status, duration.

Sentry (sentry-sdk) is initialised only when SENTRY_DSN is set: nothing is imported or sent
otherwise. Events carry the request id as a tag."""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_PLAUSIBLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_HANDLER_MARK = "_htx_handler"

access_log = logging.getLogger("market.access")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                             rename_fields={"asctime": "time", "levelname": "level",
                                            "name": "logger"})
    return logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")


def configure(kind: str) -> None:
    """One handler on the `market` logger (Flask's app.logger), once per process."""
    logger = logging.getLogger("market")
    for handler in logger.handlers:
        if getattr(handler, _HANDLER_MARK, False):
            handler.setFormatter(formatter(kind))
            return
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter(kind))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


def request_id_from(header: str | None) -> str:
    if header and _PLAUSIBLE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _begin() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def _end(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _access_line(response):
    started = g.get("request_started")
    rule = request.url_rule
    access_log.info("request", extra={
        "method": request.method, "path": request.path,
        "route": rule.rule if rule is not None else None, "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
        "remote_addr": request.remote_addr,
    })
    return response


def init_sentry(app) -> bool:
    """Sentry only when SENTRY_DSN is set; returns whether it was initialised."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(dsn=dsn, integrations=[FlaskIntegration()],
                    environment=app.config.get("ENV_NAME"),
                    traces_sample_rate=app.config.get("SENTRY_TRACES_SAMPLE_RATE", 0.0))

    @app.before_request
    def _sentry_tag():
        sentry_sdk.set_tag("request_id", g.get("request_id"))

    return True


def init_app(app) -> None:
    """Registered first: the request id exists before any other hook logs."""
    configure(app.config.get("LOG_FORMAT", "json"))
    app.before_request(_begin)
    app.after_request(_end)
    if app.config.get("LOG_REQUESTS") and not app.config.get("TESTING"):
        app.after_request(_access_line)
    app.extensions["htx_sentry"] = init_sentry(app)
