"""Webhooks: registering endpoints, writing events to the outbox, signing, and delivering.

Every function that reads or changes a partner's endpoints or deliveries takes the caller's
`api_key_id` and only ever sees that key's rows: another partner's id is "not found".

Signature (the scheme Stripe documents): each delivery carries
`X-HTX-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`;
`verify()` below is the receiving side's check, as docs/partners.md shows it.

Delivery: the queue's "webhooks" job claims due rows (`market.jobs.claims.claim_rows`: SKIP
LOCKED on PostgreSQL), POSTs each body with a short timeout and no redirects followed, to an
address checked to be public just before connecting (the connection goes to that checked
address, so a DNS answer cannot change between the check and the request). A 2xx answer
succeeds; anything else is retried after WEBHOOK_BACKOFF_SECONDS x 2^(attempts-1) until
WEBHOOK_MAX_ATTEMPTS, then the delivery is `failed` (and can be replayed).
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from market.dbtypes import utcnow
from market.errors import Collector, NotFound, ValidationError
from market.extensions import begin_write, db
from market.webhooks.models import WebhookDelivery, WebhookEndpoint

EVENT_TYPES = {
    "listing.updated": _l("A product was created or changed (text, price, stock, images)"),
    "listing.deleted": _l("A product left the catalogue (archived, deleted, or its "
                          "cooperative suspended)"),
    "price.published": _l("A commodity price forecast was published"),
    "order.status_changed": _l("An order placed with your key changed status"),
}
MAX_ENDPOINTS_PER_KEY = 10
MAX_URL = 2000
SIGNATURE_HEADER = "X-HTX-Signature"
TOLERANCE_SECONDS = 300
USER_AGENT = "HTX-Market-Webhooks/1"


# --- signing --------------------------------------------------------------------------------

def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-HTX-Signature value for `body` sent at `timestamp`."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, tolerance: int = TOLERANCE_SECONDS,
           now: float | None = None) -> bool:
    """The receiver's check: a v1 signature of this exact body, made within `tolerance`
    seconds (so a captured delivery cannot be replayed later by someone else)."""
    try:
        parts = [p.split("=", 1) for p in header.split(",")]
        timestamp = int(next(v for k, v in parts if k.strip() == "t"))
        signatures = [v for k, v in parts if k.strip() == "v1"]
    except (ValueError, StopIteration):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, s) for s in signatures)


# --- where we may send ----------------------------------------------------------------------

class UnsafeTarget(ValueError):
    """A URL we refuse to send to (scheme, host, or an address that is not public)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP to connect to


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_target(url: str, *, allow_private: bool | None = None) -> Target:
    """Check `url` and pick the address to connect to: http(s) only, no credentials in it,
    and (unless allow_private) every address the host resolves to is public: no loopback,
    private, link-local (cloud metadata), shared, reserved or multicast address."""
    if allow_private is None:
        allow_private = current_app.config.get("WEBHOOKS_ALLOW_PRIVATE", False)
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise UnsafeTarget("bad url")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("scheme")
    if parts.username or parts.password:
        raise UnsafeTarget("credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeTarget("port") from exc
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget("unresolvable") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise UnsafeTarget("unresolvable")
    if not allow_private and not all(_public(a) for a in addresses):
        raise UnsafeTarget("private")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate checked for the URL's host name."""

    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict, timeout: float) -> int:
    """POST once; the status code (a redirect is an answer like any other: not followed)."""
    if target.scheme == "https":
        conn = _PinnedHTTPS(target.host, target.address, port=target.port, timeout=timeout,
                            context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    try:
        conn.request("POST", target.path, body=body, headers={**headers, "Host": host})
        response = conn.getresponse()
        response.read(64 * 1024)  # a little of the answer, never all of it
        return response.status
    finally:
        conn.close()


# --- endpoints ------------------------------------------------------------------------------

def key_family(api_key_id: int, connection=None) -> set[int]:
    """The key and every key it replaced or that replaced it (rotations, market/api/keys.py):
    one partner, whose endpoints survive a rotation."""
    from market.api.keys import ApiKey

    run = connection.execute if connection is not None else db.session.execute
    family, frontier = {api_key_id}, {api_key_id}
    for _ in range(100):
        rows = run(sa.select(ApiKey.id, ApiKey.replaced_by_id).where(sa.or_(
            ApiKey.id.in_(frontier), ApiKey.replaced_by_id.in_(frontier)))).all()
        new = {x for row in rows for x in row if x is not None} - family
        if not new:
            break
        family |= new
        frontier = new
    return family


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(15)}"


def register(api_key_id: int, url, events) -> tuple[WebhookEndpoint, str]:
    """A new endpoint for this key; returns it and its signing secret (shown only now)."""
    errors = Collector()
    if not isinstance(url, str) or not url.strip():
        errors.add("url", _l("Give the URL that receives the events."))
    else:
        try:
            resolve_target(url)
        except UnsafeTarget as exc:
            errors.add("url", _l("Webhooks go only to http or https URLs on a public address.")
                       if str(exc) != "unresolvable"
                       else _l("This URL's host name cannot be resolved."))
    if (not isinstance(events, list) or not events
            or not all(isinstance(e, str) and e in EVENT_TYPES for e in events)):
        errors.add("events", _l("Choose one or more of: %(types)s.",
                                types=", ".join(EVENT_TYPES)))
    count = db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id)).where(
        WebhookEndpoint.api_key_id.in_(key_family(api_key_id)),
        WebhookEndpoint.deleted_at.is_(None)))
    if count >= MAX_ENDPOINTS_PER_KEY:
        errors.add("url", _l("A key may have at most %(n)d webhook endpoints.",
                             n=MAX_ENDPOINTS_PER_KEY))
    if errors.errors:
        raise ValidationError(errors.errors)
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(public_id=_new_id("we"), api_key_id=api_key_id,
                               url=url.strip(), events=",".join(dict.fromkeys(events)),
                               secret=secret, active=True, created_at=utcnow())
    db.session.add(endpoint)
    db.session.flush()
    return endpoint, secret


def endpoints(api_key_id: int) -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.api_key_id.in_(key_family(api_key_id)),
        WebhookEndpoint.deleted_at.is_(None)).order_by(WebhookEndpoint.id)))


def get_endpoint(api_key_id: int, public_id: str) -> WebhookEndpoint:
    endpoint = db.session.scalar(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.public_id == public_id,
        WebhookEndpoint.api_key_id.in_(key_family(api_key_id)),
        WebhookEndpoint.deleted_at.is_(None)))
    if endpoint is None:
        raise NotFound(_l("No such webhook endpoint."))
    return endpoint


def delete(api_key_id: int, public_id: str) -> None:
    """Stop sending to it (its delivery history stays visible to the admin)."""
    endpoint = get_endpoint(api_key_id, public_id)
    endpoint.active, endpoint.deleted_at = False, utcnow()
    db.session.execute(sa.update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending")
        .values(status="failed", last_error="endpoint deleted")
        .execution_options(synchronize_session=False))
    db.session.flush()


def deliveries(api_key_id: int, endpoint_public_id: str, limit: int = 100
               ) -> list[WebhookDelivery]:
    endpoint = get_endpoint(api_key_id, endpoint_public_id)
    return list(db.session.scalars(sa.select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


def replay(api_key_id: int, delivery_public_id: str, now: datetime | None = None
           ) -> WebhookDelivery:
    """Send one delivery's event again (same event id and body, a new delivery, due now)."""
    original = db.session.scalar(
        sa.select(WebhookDelivery).join(WebhookEndpoint).where(
            WebhookDelivery.public_id == delivery_public_id,
            WebhookEndpoint.api_key_id.in_(key_family(api_key_id)),
            WebhookEndpoint.deleted_at.is_(None)))
    if original is None:
        raise NotFound(_l("No such delivery."))
    now = now or utcnow()
    copy = WebhookDelivery(public_id=_new_id("wd"), endpoint_id=original.endpoint_id,
                           event_id=original.event_id, event_type=original.event_type,
                           body=original.body, status="pending", attempts=0,
                           next_attempt_at=now, created_at=now, last_error="",
                           replay_of_id=original.id)
    db.session.add(copy)
    db.session.flush()
    return copy


def public_ids(delivery_ids) -> dict[int, str]:
    if not delivery_ids:
        return {}
    return dict(db.session.execute(sa.select(WebhookDelivery.id, WebhookDelivery.public_id)
                                   .where(WebhookDelivery.id.in_(delivery_ids))).all())


def admin_overview() -> list[dict]:
    """Every endpoint with its delivery counts by status, for the admin page."""
    counts = {}
    for endpoint_id, status, n in db.session.execute(
            sa.select(WebhookDelivery.endpoint_id, WebhookDelivery.status,
                      sa.func.count(WebhookDelivery.id))
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)):
        counts.setdefault(endpoint_id, {})[status] = n
    last = dict(db.session.execute(
        sa.select(WebhookDelivery.endpoint_id, sa.func.max(WebhookDelivery.delivered_at))
        .group_by(WebhookDelivery.endpoint_id)).all())
    rows = db.session.scalars(sa.select(WebhookEndpoint).order_by(
        WebhookEndpoint.deleted_at.is_not(None), WebhookEndpoint.id.desc()).limit(500))
    return [{"endpoint": e, "counts": counts.get(e.id, {}), "last_delivered_at": last.get(e.id)}
            for e in rows]


def key_names() -> dict[int, str]:
    """API key id -> the partner's name, for the admin page (empty before the partner API's
    keys exist: the page then shows key ids)."""
    try:
        from market.api.keys import ApiKey
    except ImportError:
        return {}
    return dict(db.session.execute(sa.select(ApiKey.id, ApiKey.name)).all())


def recent_failures(limit: int = 50) -> list[WebhookDelivery]:
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(sa.select(WebhookDelivery).options(
        joinedload(WebhookDelivery.endpoint)).where(
        WebhookDelivery.status == "failed").order_by(WebhookDelivery.id.desc()).limit(limit)))


# --- the outbox -----------------------------------------------------------------------------

def event_body(event_id: str, event_type: str, data: dict, created: datetime) -> str:
    return json.dumps({"id": event_id, "type": event_type,
                       "created": int(created.timestamp()), "data": data},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def subscribers(connection, types) -> list[tuple[int, int, str]]:
    """(endpoint id, api key id, event types) of the live endpoints taking any of `types`:
    a revoked key's endpoints fall silent (a rotated key's live on with its successor)."""
    from market.api.keys import ApiKey

    rows = connection.execute(sa.select(
        WebhookEndpoint.id, WebhookEndpoint.api_key_id, WebhookEndpoint.events)
        .join(ApiKey, ApiKey.id == WebhookEndpoint.api_key_id).where(
        WebhookEndpoint.active.is_(True), WebhookEndpoint.deleted_at.is_(None),
        sa.or_(ApiKey.revoked_at.is_(None), ApiKey.revoked_at > utcnow(),
               ApiKey.replaced_by_id.is_not(None)))).all()
    return [tuple(r) for r in rows if set(r[2].split(",")) & set(types)]


def enqueue(connection, events: list[tuple[str, dict, set | None]], *, subscribed=None,
            now=None) -> int:
    """Write one delivery per subscribed endpoint and event (type, data, and the only keys
    it is for, or None for every key) with `connection`: inside a flush, in the transaction
    of the change. Returns how many rows were written."""
    if not events:
        return 0
    if subscribed is None:
        subscribed = subscribers(connection, {e[0] for e in events})
    if not subscribed:
        return 0
    now = now or utcnow()
    rows = []
    for event_type, data, only_key in events:
        event_id = _new_id("evt")
        body = event_body(event_id, event_type, data, now)
        for endpoint_id, key_id, types in subscribed:
            if event_type in types.split(",") and (only_key is None or key_id in only_key):
                rows.append({"public_id": _new_id("wd"), "endpoint_id": endpoint_id,
                             "event_id": event_id, "event_type": event_type, "body": body,
                             "status": "pending", "attempts": 0, "next_attempt_at": now,
                             "created_at": now, "last_error": ""})
    if rows:
        connection.execute(WebhookDelivery.__table__.insert(), rows)
    return len(rows)


# --- delivering -----------------------------------------------------------------------------

def backoff(attempts: int, base_seconds: int) -> timedelta:
    """The wait after the `attempts`-th failure: base, 2 x base, 4 x base... (capped at a day)."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), 86_400))


@dataclass(frozen=True)
class _Job:
    id: int
    public_id: str
    event_type: str
    body: bytes
    attempts: int
    url: str
    secret: str
    live: bool  # the endpoint still exists


def send(job: _Job, config) -> tuple[int | None, str]:
    """POST one delivery, signed; (status code or None, error text)."""
    try:
        target = resolve_target(job.url, allow_private=config["WEBHOOKS_ALLOW_PRIVATE"])
        status = post(target, job.body, {
            "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(job.secret, job.body),
            "X-HTX-Event": job.event_type, "X-HTX-Delivery": job.public_id,
        }, config["WEBHOOK_TIMEOUT"])
        return status, ""
    except UnsafeTarget as exc:
        return None, f"refused target: {exc}"
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]


def outcome(attempts: int, status: int | None, error: str, config, now: datetime) -> dict:
    """The delivery's new columns after its `attempts`-th try."""
    values = {"attempts": attempts, "last_status_code": status, "last_error": error,
              "claimed_at": None, "claimed_by": None}
    if status is not None and 200 <= status < 300:
        values.update(status="succeeded", delivered_at=now)
    elif attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
        values["status"] = "failed"
    else:
        values["next_attempt_at"] = now + backoff(attempts, config["WEBHOOK_BACKOFF_SECONDS"])
    return values


def deliver_pending(limit: int = 50, now: datetime | None = None) -> int:
    """Claim due deliveries and send them (the queue's "webhooks" job); how many were tried.
    Several workers may run this at once: each row goes to one of them. No transaction is
    open while a request is on the wire."""
    from market.jobs.claims import claim_rows

    config = current_app.config
    now = now or utcnow()
    condition = sa.and_(WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at <= now)
    token, ids = claim_rows(WebhookDelivery, condition, limit=limit, now=now)
    if not ids:
        return 0
    rows = db.session.execute(
        sa.select(WebhookDelivery.id, WebhookDelivery.public_id, WebhookDelivery.event_type,
                  WebhookDelivery.body, WebhookDelivery.attempts, WebhookEndpoint.url,
                  WebhookEndpoint.secret, WebhookEndpoint.deleted_at)
        .join(WebhookEndpoint).where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.id)).all()
    session = db.session()
    session.commit()
    for row in rows:
        job = _Job(row.id, row.public_id, row.event_type, row.body.encode(), row.attempts,
                   row.url, row.secret, row.deleted_at is None)
        status, error = send(job, config) if job.live else (None, "endpoint deleted")
        values = outcome(job.attempts + 1, status, error, config, utcnow())
        if not job.live:
            values["status"] = "failed"
        begin_write(session)
        session.execute(sa.update(WebhookDelivery).where(
            WebhookDelivery.id == job.id, WebhookDelivery.claimed_by == token)
            .values(**values).execution_options(synchronize_session=False))
        session.commit()
    return len(rows)
