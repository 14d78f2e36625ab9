"""Problem details (RFC 9457) for every error under /api/: one catalogue of codes, each with
a fixed status and a fixed, translated title; `type` is an absolute URI of the docs page's
section about that code (`/api/v1/docs#problem-<code>`), the same for every occurrence.
What changes per occurrence goes in `detail` and `errors` (field -> message)."""
from __future__ import annotations

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from market.orders.services import METHOD_NOT_ABROAD
from market.problems import problem
from market.urls import absolute_url_for

TITLES = {
    "bad_request": (400, _l("The request could not be understood.")),
    "unauthorized": (401, _l("An API key is needed.")),
    "invalid_key": (401, _l("The API key is not valid.")),
    "forbidden": (403, _l("The API key lacks the scope this request needs.")),
    "not_found": (404, _l("Not found.")),
    "method_not_allowed": (405, _l("This address does not take that method.")),
    "not_acceptable": (406, _l("This format cannot be produced.")),
    "conflict": (409, _l("The request conflicts with the current state.")),
    "payload_too_large": (413, _l("The request body is too large.")),
    "unsupported_media_type": (415, _l("Send the body as application/json.")),
    "validation_error": (422, _l("The request has invalid fields.")),
    "checkout_refused": (409, _l("The order could not be placed.")),
    "bad_query": (422, _l("The query has invalid parameters.")),
    "bad_cursor": (422, _l("The cursor is not valid.")),
    "bad_quantity": (400, _l("A quantity is not valid.")),
    "too_many_lines": (400, _l("The order has too many lines.")),
    "empty_cart": (400, _l("The order has no lines.")),
    "bad_method": (400, _l("This payment method is not available.")),
    "method_not_abroad": (422, METHOD_NOT_ABROAD),
    "bad_idempotency_key": (400, _l("The Idempotency-Key header is missing or not valid.")),
    "too_many_open_orders": (429, _l("Too many open orders.")),
    "rate_limited": (429, _l("Too many requests.")),
    "server_error": (500, _l("Something went wrong on our side.")),
}
BY_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
             413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
             429: "rate_limited"}


def type_uri(code: str) -> str:
    return absolute_url_for("api.docs") + "#problem-" + code


def api_problem(code: str, detail: str = "", status: int | None = None, **extra):
    """A problem+json response for `code`: its catalogued title, or (a code not in the
    catalogue) the title of its status; `type` names the code either way."""
    generic = BY_STATUS.get(status or 500, "server_error")
    default_status, title = TITLES.get(code) or TITLES[generic]
    response = problem(status or default_status, str(title), str(detail), type_=type_uri(code),
                       code=code, **extra)
    response.headers["Content-Language"] = str(get_locale() or "vi")
    if request.method == "HEAD":
        response.set_data(b"")
    return response


def for_status(status: int, detail: str = "", **extra):
    return api_problem(BY_STATUS.get(status, "server_error"), detail, status=status, **extra)


def from_domain(exc, **extra):
    """A DomainError (or ValidationError, with its field errors) as problem details."""
    from market.errors import ValidationError

    detail = str(exc.message)
    if isinstance(exc, ValidationError):
        extra.setdefault("errors", {k: str(v) for k, v in exc.errors.items()})
        detail = "; ".join(f"{k}: {v}" for k, v in extra["errors"].items())
    return api_problem(exc.code, detail, status=exc.status, **extra)
