"""RFC 9457 problem details for JSON APIs, in the caller's language."""
from __future__ import annotations

from flask import jsonify

from market.errors import DomainError, ValidationError


def problem(status: int, title: str, detail: str = "", type_: str = "about:blank", **extra):
    body = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def from_domain_error(exc: DomainError, **extra):
    if isinstance(exc, ValidationError):
        extra.setdefault("errors", {k: str(v) for k, v in exc.errors.items()})
    extra.setdefault("detail", "")
    detail = extra.pop("detail")
    return problem(exc.status, str(exc.message), detail,
                   type_=f"urn:htx-market:problem:{exc.code}", **extra)
