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
Stock is finer: a write that changes only stock (a checkout's conditional UPDATE of a
variant, a variant whose only changed column is its stock, a stock movement) bumps
"stock:p:<product>", "stock:coop:<cooperative>", "stock:cat:<category>" and "stock" (the home
page), resolved to slugs just before the commit, not the whole catalogue; a product page also
keeps its category's stock generation (its related cards; `depends_on`). `cached_data` keeps
small derived data (a category's filter choices, related cards) under the same generations.
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

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_caching import Cache
from sqlalchemy import event, orm

log = logging.getLogger(__name__)

cache = Cache()

# endpoint -> the scopes its page reads ("{slug}" is the page's own slug). Stock has scopes
# of its own: a reservation changes one product's stock, and only the pages that show that
# product's stock need a new copy (see _stock_scopes).
PAGES: dict[str, tuple[str, ...]] = {
    "storefront.home": ("catalog", "stock"),
    "storefront.category": ("catalog", "stock:cat:{slug}"),
    "storefront.cooperative": ("catalog", "stock:coop:{slug}"),
    # + the product's category (its related cards), through depends_on() in the view
    "storefront.product": ("catalog", "stock:p:{slug}"),
    "prices.overview": ("prices",),
    "prices.commodity": ("prices",),
}
# Tables whose writes can be stock-only: a conditional UPDATE of a variant's stock alone, a
# variant whose only changed column is its stock, a stock movement row.
STOCK_TABLES = frozenset({"product_variants", "stock_movements"})
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
    "alembic_version", "webhook_endpoints", "webhook_deliveries",
    "api_keys", "api_requests", "api_orders",  # the partner API's keys and request log
    "wholesale_rfqs", "wholesale_quotes", "wholesale_events", "wholesale_agreements",
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


def _request_memo() -> dict | None:
    """The generations this request has read (scope -> value), or None outside a request.
    A request reads each scope's generation once: reading it again later in the same
    request could only give a newer one, and what the request read first is at least as
    old as the data it read afterwards (the module docstring's rule). This process's own
    bumps replace the values here at once."""
    if not has_request_context():
        return None
    memo = g.get("_cache_generations")
    if memo is None:
        memo = g._cache_generations = {}
    return memo


def generations(scopes) -> tuple[str, ...]:
    memo = _request_memo()
    wanted = [s for s in scopes if memo is None or s not in memo]
    if wanted:
        values = list(cache.get_many(*[_gen_key(s) for s in wanted]))
        for i, value in enumerate(values):
            if value is None:  # never set, or evicted: a new value (never an old one)
                values[i] = bump([wanted[i]])[wanted[i]]
        if memo is None:
            return tuple(values)
        memo.update(zip(wanted, values))
    return tuple(memo[s] for s in scopes)


def bump(scopes) -> dict[str, str]:
    fresh = {s: uuid.uuid4().hex for s in scopes}
    cache.set_many({_gen_key(s): v for s, v in fresh.items()}, timeout=0)
    memo = _request_memo()
    if memo is not None:
        memo.update(fresh)
    return fresh


# --- the session listeners ------------------------------------------------------------------

def _note(session, table_name) -> None:
    scope = scope_of(table_name)
    if scope is not None:
        session.info.setdefault("cache_scopes", set()).add(scope)


def _note_stock(session, *, variant_id=None, product_id=None) -> None:
    """A change of one product's stock only: its pages' stock scopes, resolved at commit."""
    if variant_id is None and product_id is None:
        _note(session, "product_variants")  # which product is unknown: the whole catalogue
        return
    key = "cache_stock_variants" if variant_id is not None else "cache_stock_products"
    session.info.setdefault(key, set()).add(variant_id if variant_id is not None
                                            else product_id)


def _stock_only(obj) -> bool:
    """A variant whose only changed column is its stock."""
    from sqlalchemy import inspect

    changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
    return bool(changed) and changed <= {"stock"}


def _after_flush(session, flush_context) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if obj in session.dirty and not session.is_modified(obj):
            continue
        table = getattr(getattr(obj, "__table__", None), "name", None)
        if table == "stock_movements" and obj in session.new:
            _note_stock(session, product_id=obj.product_id)
        elif table == "product_variants" and obj in session.dirty and _stock_only(obj):
            _note_stock(session, variant_id=obj.id)
        else:
            _note(session, table)


def _id_in_where(statement, column_name: str = "id"):
    """The value of `<table>.id == value` in an UPDATE's WHERE clause, or None."""
    from sqlalchemy.sql import operators, visitors

    where = getattr(statement, "whereclause", None)
    if where is None:
        return None
    for node in visitors.iterate(where):
        left, right = getattr(node, "left", None), getattr(node, "right", None)
        if (getattr(node, "operator", None) is operators.eq
                and getattr(left, "name", None) == column_name
                and getattr(getattr(left, "table", None), "name", None) == statement.table.name
                and hasattr(right, "value")):
            return right.value
    return None


def _do_orm_execute(state) -> None:
    # Conditional UPDATEs (stock reservations) and bulk DELETEs skip the unit of work.
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        values = getattr(state.statement, "_values", None) or {}
        columns = {getattr(k, "key", getattr(k, "name", k)) for k in values}
        if state.is_update and name == "product_variants" and columns == {"stock"}:
            _note_stock(state.session, variant_id=_id_in_where(state.statement))
        else:
            _note(state.session, name)


def _stock_scopes(session) -> set[str]:
    """The stock scopes of the products whose stock changed in this transaction: each
    product's page, its cooperative's and its category's listings, and the home page."""
    variants = session.info.pop("cache_stock_variants", set())
    products = session.info.pop("cache_stock_products", set())
    if not variants and not products:
        return set()
    from market.catalog.models import Category, Product, ProductVariant
    from market.vendors.models import Cooperative

    ids = set(products)
    if variants:
        ids |= set(session.execute(sa.select(ProductVariant.product_id).where(
            ProductVariant.id.in_(variants))).scalars())
    rows = session.execute(
        sa.select(Product.slug, Cooperative.slug, Category.slug)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .where(Product.id.in_(ids))).all()
    scopes = {"stock"}
    for product, coop, category in rows:
        scopes |= {f"stock:p:{product}", f"stock:coop:{coop}"}
        if category:
            scopes.add(f"stock:cat:{category}")
    return scopes


def _before_commit(session) -> None:
    if not (session.info.get("cache_stock_variants") or session.info.get("cache_stock_products")):
        return
    session.flush()  # the last autoflush's changes are noted too
    try:
        scopes = _stock_scopes(session)
    except Exception:  # never fail a commit over the cache: invalidate the catalogue instead
        log.exception("page cache: could not resolve the stock scopes")
        scopes = {"catalog"}
    session.info.setdefault("cache_scopes", set()).update(scopes)


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
        for key in ("cache_scopes", "cache_stock_variants", "cache_stock_products"):
            session.info.pop(key, None)


_registered = False


def register_listeners() -> None:
    global _registered
    if _registered:
        return
    event.listen(orm.Session, "after_flush", _after_flush)
    event.listen(orm.Session, "do_orm_execute", _do_orm_execute)
    event.listen(orm.Session, "before_commit", _before_commit)
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
# cached_data's values, kept in the process too (their keys hold the generations, like the
# pages'): a hit costs no read or unpickling of the shared store.
_local_data = _LocalLRU(512)


def clear() -> None:
    """Forget every page and generation (tests; `flask cache-clear`)."""
    cache.clear()
    _local.clear()
    _local_data.clear()


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
    slug = (request.view_args or {}).get("slug", "")
    return tuple(s.format(slug=slug) if "{" in s else s for s in scopes)


def _key(scopes) -> str:
    gens = ".".join(generations(scopes))
    return f"page:{gens}:{request.path}?{request.query_string.decode('latin-1')}"


def depends_on(scope: str) -> None:
    """A page being rendered also shows data of `scope`, known only once the page has read
    something (the product page's related cards are its category's): call this before
    reading that data. Its generation, read now, is kept with the entry, and a hit whose
    recorded generations are no longer current is a miss."""
    deps = g.get("page_cache_deps")
    if deps is None or scope in deps:
        return
    try:
        deps[scope] = generations((scope,))[0]
    except Exception:
        log.exception("page cache: could not read the generation of %s", scope)
        g.pop("page_cache_key", None)  # store nothing rather than something unguarded


def _deps_current(deps) -> bool:
    scopes = [scope for scope, _gen in deps]
    return generations(scopes) == tuple(gen for _scope, gen in deps)


def data_cache_on() -> bool:
    return bool(current_app.config.get("DATA_CACHE"))


def cached_data(scopes, name: str, compute, timeout: int | None = None):
    """compute(), kept under the current generations of `scopes` (read before computing, so
    a value computed from data older than a commit is stored under a generation no longer
    read). For plain data that a page reads often and the catalogue rarely changes (a
    category's filter choices). The value must pickle: ids and strings, not ORM objects;
    it is shared by the requests of the process (_local_data), so no one may change it.
    Off (compute() every time) unless DATA_CACHE."""
    if not data_cache_on():
        return compute()
    ttl = timeout or current_app.config["PAGE_CACHE_TTL"]
    try:
        key = f"data:{'.'.join(generations(scopes))}:{name}"
        value = _local_data.get(key)
        if value is None:
            value = cache.get(key)
            if value is not None:
                _local_data.put(key, value, ttl)
    except Exception:
        log.exception("page cache: data lookup failed")
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=ttl)
        except Exception:
            log.exception("page cache: data store failed")
        _local_data.put(key, value, ttl)
    return value


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
    if entry is not None and entry[2] and not _deps_current(entry[2]):
        entry = None  # a scope the page found while rendering has changed since
    if entry is None:
        g.page_cache_key = key
        g.page_cache_deps = {}
        metrics.page_cache("miss")
        return None
    body, mimetype, _deps = entry
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
    deps = tuple(sorted(g.pop("page_cache_deps", {}).items()))
    entry = (body, response.mimetype, deps)
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
