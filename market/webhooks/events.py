"""Where webhook events come from. Nothing here is called by the domains that change: like
search and the page cache, webhooks follow the session, and write their outbox rows inside
the flush of the change (so in its transaction: no event without its change, no change
without its event).

- listing.updated / listing.deleted: the search indexer's catalogue-change hook
  (`market.search.indexer.CHANGE_HOOKS`: every product whose text, variants, stock, price,
  images, cooperative or OCOP stars changed). A product that is no longer public (archived,
  draft, its cooperative suspended) or deleted is `listing.deleted`.
- price.published: a forecast gets its `published_at` (a series published by the department,
  or a published series' new forecast after a refresh).
- order.status_changed: a vendor order's state change (an `OrderEvent` after the first),
  sent only to the partner whose key placed the order (`market.api.keys.ApiOrder`).

One event per product / series / order part per transaction; a queued event kicks the
"webhooks" job once the transaction commits.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy import event, orm
from sqlalchemy.orm.util import identity_key

from market.catalog.models import Product
from market.catalog.services import public_products_query
from market.webhooks import services

INFO_SEEN = "webhooks_seen"
INFO_QUEUED = "webhooks_queued"


def _base() -> str:
    from market.urls import public_base_url

    return public_base_url() if has_app_context() else ""


def _seen(session, kind: str, ids) -> list:
    """The ids not yet evented in this transaction (and mark them)."""
    seen = session.info.setdefault(INFO_SEEN, set())
    fresh = [i for i in ids if (kind, i) not in seen]
    seen.update((kind, i) for i in fresh)
    return fresh


def _write(session, events, subscribed) -> None:
    if services.enqueue(session.connection(), events, subscribed=subscribed):
        session.info[INFO_QUEUED] = True


def listings_changed(session, changed: dict[int, str]) -> None:
    """The search indexer's hook: {product id: "upsert" | "delete"} of this flush."""
    subscribed = services.subscribers(session.connection(), ("listing.updated",
                                                             "listing.deleted"))
    if not subscribed:
        return
    ids = _seen(session, "product", sorted(changed))
    if not ids:
        return
    public_ids = set(session.connection().execute(
        public_products_query().with_only_columns(Product.id).where(Product.id.in_(ids)))
        .scalars())
    slugs = dict(session.connection().execute(
        sa.select(Product.id, Product.slug).where(Product.id.in_(ids))).all())
    for pid in ids:  # deleted rows: their slug is still on the object being deleted
        if pid not in slugs:
            obj = session.identity_map.get(identity_key(Product, pid))
            if obj is not None:
                slugs[pid] = obj.slug
    base = _base()
    events = []
    for pid in ids:
        slug = slugs.get(pid)
        if slug is None:
            continue  # gone with its cooperative, never loaded: nothing to name it by
        kind = "listing.updated" if pid in public_ids and changed[pid] != "delete" \
            else "listing.deleted"
        events.append((kind, {"product": {"id": slug,
                                          "url": f"{base}/api/v1/products/{slug}"}}, None))
    _write(session, events, subscribed)


def _published_series(session) -> set[int]:
    from market.prices.models import Forecast

    series = set()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Forecast) or obj.published_at is None:
            continue
        if obj in session.new:
            series.add(obj.series_id)
        else:
            history = sa.inspect(obj).attrs.published_at.history
            if history.added and not any(history.deleted):
                series.add(obj.series_id)
    return series


def _prices(session) -> None:
    from market.prices.models import Commodity, Market, PriceSeries

    series = _published_series(session)
    if not series:
        return
    subscribed = services.subscribers(session.connection(), ("price.published",))
    if not subscribed:
        return
    ids = _seen(session, "series", sorted(series))
    if not ids:
        return
    base = _base()
    rows = session.connection().execute(
        sa.select(Commodity.slug, Market.slug).select_from(PriceSeries)
        .join(Commodity, Commodity.id == PriceSeries.commodity_id)
        .join(Market, Market.id == PriceSeries.market_id)
        .where(PriceSeries.id.in_(ids)).order_by(PriceSeries.id)).all()
    _write(session, [("price.published", {
        "commodity": commodity, "market": market,
        "url": f"{base}/api/v1/forecasts/{commodity}"}, None) for commodity, market in rows],
        subscribed)


def _orders(session) -> None:
    from market.api.keys import ApiOrder
    from market.orders.models import Order, OrderEvent, VendorOrder
    from market.vendors.models import Cooperative

    changes = [obj for obj in session.new
               if isinstance(obj, OrderEvent) and obj.from_status is not None]
    if not changes:
        return
    subscribed = services.subscribers(session.connection(), ("order.status_changed",))
    if not subscribed:
        return
    parts = {row.id: row for row in session.connection().execute(
        sa.select(VendorOrder.id, VendorOrder.public_id, VendorOrder.number,
                  Order.public_id.label("order_id"), Order.number.label("order_number"),
                  ApiOrder.key_id, Cooperative.slug.label("cooperative"))
        .join(Order, Order.id == VendorOrder.order_id)
        .join(ApiOrder, ApiOrder.order_id == Order.id)  # placed through the API, by this key
        .join(Cooperative, Cooperative.id == VendorOrder.cooperative_id)
        .where(VendorOrder.id.in_({c.vendor_order_id for c in changes}))).all()}
    events = []
    for change in changes:
        part = parts.get(change.vendor_order_id)
        if part is None:
            continue  # an order of the site's own checkout: no partner to tell
        events.append(("order.status_changed", {
            "order": {"id": part.order_id, "number": part.order_number},
            "part": {"id": part.public_id, "number": part.number,
                     "cooperative": part.cooperative},
            "from": change.from_status, "to": change.to_status,
            "at": change.at.isoformat() if change.at else None},
            services.key_family(part.key_id, session.connection())))
    _write(session, events, subscribed)


def _after_flush(session, flush_context) -> None:
    _prices(session)
    _orders(session)


def _after_commit(session) -> None:
    if session.info.pop(INFO_QUEUED, False) and has_app_context():
        from market.jobs.queue import kick

        kick("webhooks")


def _after_transaction_end(session, transaction) -> None:
    if transaction.nested or transaction.parent is None:
        session.info.pop(INFO_SEEN, None)


def _after_rollback(session) -> None:
    session.info.pop(INFO_QUEUED, None)


_registered = False


def register_listeners() -> None:
    global _registered
    if _registered:
        return
    from market.search import indexer

    indexer.CHANGE_HOOKS.append(listings_changed)
    event.listen(orm.Session, "after_flush", _after_flush)
    event.listen(orm.Session, "after_commit", _after_commit)
    event.listen(orm.Session, "after_transaction_end", _after_transaction_end)
    event.listen(orm.Session, "after_soft_rollback", lambda s, prev: _after_rollback(s))
    _registered = True
