"""The page cache for anonymous visitors, and its invalidation by generations.

What is cached: the HTML of the public pages in PAGES (home, category, cooperative
storefront, product, prices), for visitors who are not signed in and whose session holds
nothing but a CSRF token: no cart, no flash message, no order of theirs. Anything else
(signed in, a remember-me cookie, a cart, a flash, another query argument, a non-200 answer,
a cookie set by the view) is rendered as before and never stored.

The CSRF token: the add-to-cart form (and the price-alert form) carry the visitor's own
token. The stored copy has CSRF_MARK in its place, and every hit gets the token of the
visitor it is served to (flask_wtf.generate_csrf, as a rendered page would), so CSRF stays
on and per session, and no one is ever served another visitor's token.

Invalidation: every cache key holds the current *generation* of the scopes its page reads
("catalog": products, stock, texts, images, categories, cooperatives, OCOP; "prices": price
series, observations, forecasts). SQLAlchemy session listeners (registered here, so the
catalogue does not know the cache exists, like search) note which tables a flush or an
ORM UPDATE/DELETE touched, and once the transaction commits (`after_commit`) the scopes they
belong to get a new random generation. A request reads the generations before it runs any
query, so a page rendered from data older than a commit can only be stored under a
generation that is no longer read: a price, stock or text change is visible on the next
request after its transaction commits. A generation is a fresh random value, never a
counter, so two workers changing it at once can never put an older value back.
Tables that no public page reads (orders, payments, sessions, outboxes...) bump nothing;
a table this module does not know bumps "catalog" (a new feature is safe before it is
listed). PAGE_CACHE_TTL bounds any entry's life (time-relative text such as "updated
3 days ago" on the prices pages; writes made outside SQLAlchemy's session).

Storage is Flask-Caching: FileSystemCache in <instance>/cache by default (shared by every
gunicorn worker on the machine), RedisCache when REDIS_URL is set (shared by every node).
Entries are also kept in a small per-process LRU: its keys hold the generations too, so it
can never serve a page that the shared store would not."""
from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from itertools import chain
from threading import Lock

from flask import current_app, g, has_app_context, request, session
from flask_caching import Cache
from sqlalchemy import event, orm

log = logging.getLogger(__name__)

cache = Cache()

# endpoint -> the scopes its page reads
PAGES: dict[str, tuple[str, ...]] = {
    "storefront.home": ("catalog",),
    "storefront.category": ("catalog",),
    "storefront.cooperative": ("catalog",),
    "storefront.product": ("catalog",),
    "prices.overview": ("prices",),
    "prices.commodity": ("prices",),
}
# Query arguments those pages understand; any other makes the request uncached, so random
# query strings cannot fill the cache (and the search box's ?q= echo is never stored).
QUERY_ARGS = frozenset({"page", "sort", "market", "freq"})
# What an anonymous visitor's session may hold for a page to be served from the cache
# (Flask-Login marks any non-empty session without a sign-in `_fresh: False`); a sign-in
# adds `_user_id`, a cart `cart`, a flash `_flashes`, a guest's order `orders`.
ANONYMOUS_SESSION_KEYS = frozenset({"csrf_token", "_permanent", "_fresh"})
CSRF_MARK = "__htx_page_cache_csrf_token__"

# Tables no cached page shows: writing them invalidates nothing.
PRIVATE_TABLES = frozenset({
    "users", "user_sessions", "saved_addresses", "staff_invitations",
    "orders", "vendor_orders", "order_lines", "order_events", "ledger_entries",
    "payout_batches", "cart_items", "disputes", "dispute_events",
    "payments", "payment_transitions", "refunds", "processed_payment_events",
    "search_outbox", "outbox_emails", "price_alerts", "price_import_batches",
    "department_sales", "department_registry", "department_registry_imports",
    "wholesale_rfqs", "wholesale_quotes", "wholesale_events", "wholesale_agreements",
    "alembic_version",
})


def scope_of(table_name: str | None) -> str | None:
    if table_name in PRIVATE_TABLES:
        return None
    if table_name and table_name.startswith("price_"):
        return "prices"
    return "catalog"


# --- generations ----------------------------------------------------------------------------

def _gen_key(scope: str) -> str:
    return f"gen:{scope}"


def generations(scopes) -> tuple[str, ...]:
    keys = [_gen_key(s) for s in scopes]
    values = list(cache.get_many(*keys))
    for i, value in enumerate(values):
        if value is None:  # never set, or evicted: a new value (never an old one)
            values[i] = bump([scopes[i]])[scopes[i]]
    return tuple(values)


def bump(scopes) -> dict[str, str]:
    fresh = {s: uuid.uuid4().hex for s in scopes}
    cache.set_many({_gen_key(s): v for s, v in fresh.items()}, timeout=0)
    return fresh


# --- the session listeners ------------------------------------------------------------------

def _note(session, table_name) -> None:
    scope = scope_of(table_name)
    if scope is not None:
        session.info.setdefault("cache_scopes", set()).add(scope)


def _after_flush(session, flush_context) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if obj in session.dirty and not session.is_modified(obj):
            continue
        table = getattr(obj, "__table__", None)
        _note(session, getattr(table, "name", None))


def _do_orm_execute(state) -> None:
    # Conditional UPDATEs (stock reservations) and bulk DELETEs skip the unit of work.
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        _note(state.session, getattr(table, "name", None))


def _after_commit(session) -> None:
    scopes = session.info.pop("cache_scopes", None)
    if not scopes or not has_app_context():
        return
    try:
        bump(sorted(scopes))
    except Exception:
        log.exception("page cache: could not bump generations %s", sorted(scopes))


def _after_soft_rollback(session, previous_transaction) -> None:
    # Only the outermost rollback forgets: a savepoint rolled back leaves earlier flushes
    # of the transaction in place (a bump too many costs a miss, one too few a stale page).
    if previous_transaction.parent is None:
        session.info.pop("cache_scopes", None)


_registered = False


def register_listeners() -> None:
    global _registered
    if _registered:
        return
    event.listen(orm.Session, "after_flush", _after_flush)
    event.listen(orm.Session, "do_orm_execute", _do_orm_execute)
    event.listen(orm.Session, "after_commit", _after_commit)
    event.listen(orm.Session, "after_soft_rollback", _after_soft_rollback)
    _registered = True


# --- serving --------------------------------------------------------------------------------

class _LocalLRU:
    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), Lock()

    def get(self, key):
        with self.lock:
            item = self.items.get(key)
            if item is None:
                return None
            if item[1] < time.monotonic():
                del self.items[key]
                return None
            self.items.move_to_end(key)
            return item[0]

    def put(self, key, value, ttl: float):
        with self.lock:
            self.items[key] = (value, time.monotonic() + ttl)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self):
        with self.lock:
            self.items.clear()


_local = _LocalLRU(256)


def clear() -> None:
    """Forget every page and generation (tests; `flask cache-clear`)."""
    cache.clear()
    _local.clear()


def _anonymous_session() -> bool:
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    return set(session.keys()) <= ANONYMOUS_SESSION_KEYS


def _cacheable_request() -> tuple[str, ...] | None:
    if not current_app.config.get("PAGE_CACHE") or request.method not in ("GET", "HEAD"):
        return None
    scopes = PAGES.get(request.endpoint or "")
    if scopes is None or not set(request.args) <= QUERY_ARGS:
        return None
    if not _anonymous_session():
        return None
    return scopes


def _key(scopes) -> str:
    gens = ".".join(generations(scopes))
    return f"page:{gens}:{request.path}?{request.query_string.decode('latin-1')}"


def serve_cached():
    """before_request: a hit answers here; a miss leaves the key for store()."""
    from market import metrics

    scopes = _cacheable_request()
    if scopes is None:
        return None
    try:
        key = _key(scopes)  # before this request's first query (see the module docstring)
        entry = _local.get(key)
        if entry is None:
            entry = cache.get(key)
            if entry is not None:
                _local.put(key, entry, current_app.config["PAGE_CACHE_TTL"])
    except Exception:
        log.exception("page cache: lookup failed")
        return None
    if entry is None:
        g.page_cache_key = key
        metrics.page_cache("miss")
        return None
    body, mimetype = entry
    if CSRF_MARK in body:
        from flask_wtf.csrf import generate_csrf

        body = body.replace(CSRF_MARK, generate_csrf())
    metrics.page_cache("hit")
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["X-Cache"] = "hit"
    return response


def store(response):
    """after_request: keep a page rendered for an anonymous visitor."""
    key = g.pop("page_cache_key", None)
    if key is None:
        return response
    response.headers["X-Cache"] = "miss"
    if (response.status_code != 200 or response.direct_passthrough
            or response.mimetype != "text/html" or "Set-Cookie" in response.headers
            or not _anonymous_session() or g.get("_login_user") is not None
            and g._login_user.is_authenticated):
        return response
    body = response.get_data(as_text=True)
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        body = body.replace(token, CSRF_MARK)
    entry = (body, response.mimetype)
    try:
        cache.set(key, entry, timeout=current_app.config["PAGE_CACHE_TTL"])
    except Exception:
        log.exception("page cache: store failed")
        return response
    _local.put(key, entry, current_app.config["PAGE_CACHE_TTL"])
    return response


def init_app(app) -> None:
    cache.init_app(app)
    register_listeners()
    app.before_request(serve_cached)
    app.after_request(store)

    @app.cli.command("cache-clear")
    def cache_clear():
        """Forget every cached page (never needed for correctness)."""
        clear()
        print("page cache cleared")
