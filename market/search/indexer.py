"""Keeping the index in step with the catalogue.

Catalogue code does not know search exists. SQLAlchemy session listeners registered here write
one `search_outbox` row per changed product in the same transaction as the change (a
cooperative's change queues all its products). `drain()` reads the outbox in id order, builds
each product's document from the database as it is *now*, writes the batch to the backend and
only then deletes those outbox rows and commits. A crash anywhere in between leaves the rows in
place, so the next run redoes the batch (indexing is idempotent): nothing is lost.

Run one drainer at a time in production (`flask search-worker`); in development and tests
`SEARCH_INLINE_INDEXING` drains at the end of each request that committed catalogue changes.
"""
from __future__ import annotations

import logging
import re
import time

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event, orm

from market.catalog.models import Product, ProductImage, ProductTranslation, ProductVariant
from market.catalog.services import public_products_query
from market.extensions import db
from market.geo import services as geo
from market.ocop.services import certificate_product_ids
from market.search.models import SearchOutbox
from market.vendors.models import Cooperative

log = logging.getLogger(__name__)
BATCH_SIZE = 500
# Others that follow catalogue changes (market/webhooks): each is called inside the flush
# with (session, {product id: "upsert" | "delete"}), once per product per transaction.
CHANGE_HOOKS: list = []


# --- documents ------------------------------------------------------------------------------

def _ocop_stars_for(product_ids) -> dict[int, int]:
    """Verified, unexpired OCOP stars by product id (a certificate's change queues its
    products in the outbox, see _after_flush)."""
    from market.ocop.services import badges_for_products

    return {pid: badge.stars for pid, badge in badges_for_products(product_ids).items()}


_SIZE = re.compile(r"(\d+(?:[.,]\d+)?)\s+(g|kg|ml|l)\b", re.IGNORECASE)


def variant_text(product: Product) -> str:
    """Every on-sale variant's labels (vi, en), SKU and GTIN, as one text: "500g" and
    "500 g" both find a product sold in 500 g packs."""
    parts = []
    for v in product.active_variants:
        for label in dict.fromkeys(x for x in (v.label_vi, v.label_en) if x):
            parts.append(label)
            glued = _SIZE.sub(r"\1\2", label)
            if glued != label:
                parts.append(glued)
        parts += [v.sku] + ([v.gtin] if v.gtin else [])
    return " ".join(parts)


def document(product: Product, stars: int | None = None) -> dict:
    texts = {t.locale: t for t in product.translations}
    vi, en = texts.get("vi"), texts.get("en")
    province = geo.province(product.origin_province_code)
    category = product.category
    return {
        "id": product.id,
        "slug": product.slug,
        "name_vi": vi.name if vi else product.slug,
        "name_en": en.name if en else "",
        "description_vi": vi.description if vi else "",
        "description_en": en.description if en else "",
        "category_slug": category.slug if category else None,
        "category_vi": category.name_vi if category else "",
        "category_en": category.name_en if category else "",
        "cooperative_id": product.cooperative.id,
        "cooperative_slug": product.cooperative.slug,
        "cooperative_name": product.cooperative.name,
        "province_code": product.origin_province_code,
        "province_name": province.name_vi if province else "",
        "price": product.price,
        "price_max": product.price_range[1],
        "variants": variant_text(product),
        "in_stock": product.in_stock,
        "ocop_stars": stars,
        "created_at": product.created_at.timestamp() if product.created_at else 0.0,
    }


def build_documents(product_ids) -> dict[int, dict]:
    """Documents of those products buyers may see (active, approved cooperative), by id."""
    ids = sorted({int(i) for i in product_ids})
    if not ids:
        return {}
    query = public_products_query().where(Product.id.in_(ids)).options(
        orm.selectinload(Product.category))
    products = list(db.session.scalars(query).unique())
    stars = _ocop_stars_for([p.id for p in products])
    return {p.id: document(p, stars.get(p.id)) for p in products}


# --- draining and rebuilding ----------------------------------------------------------------

def get_backend():
    from market.search import backend_for

    return backend_for(current_app)


def drain(backend=None, batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> int:
    """Apply queued catalogue changes to the index, oldest first. Returns rows processed."""
    backend = backend or get_backend()
    done = batches = 0
    while max_batches is None or batches < max_batches:
        rows = db.session.execute(
            sa.select(SearchOutbox.id, SearchOutbox.product_id)
            .order_by(SearchOutbox.id).limit(batch_size)
        ).all()
        if not rows:
            break
        product_ids = {r.product_id for r in rows}
        documents = build_documents(product_ids)
        backend.index(list(documents.values()))
        backend.delete(sorted(product_ids - documents.keys()))
        # Only now: the index holds these products' current state.
        db.session.execute(sa.delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
        db.session.commit()
        done += len(rows)
        batches += 1
    return done


def pending() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox))


def _public_batches(batch_size: int):
    last = 0
    while True:
        ids = list(db.session.scalars(
            public_products_query().with_only_columns(Product.id)
            .where(Product.id > last).order_by(Product.id).limit(batch_size)
        ))
        if not ids:
            return
        docs = build_documents(ids)
        yield [docs[i] for i in ids if i in docs]
        last = ids[-1]


def reindex(backend=None, batch_size: int = BATCH_SIZE) -> int:
    """Rebuild the whole index from the database without downtime. Outbox rows are left for
    the next drain (re-applying them is harmless, dropping them could lose a change)."""
    from datetime import timedelta

    from market.dbtypes import utcnow

    backend = backend or get_backend()
    count = 0
    started = utcnow() - timedelta(seconds=5)

    def counted():
        nonlocal count
        for batch in _public_batches(batch_size):
            count += len(batch)
            yield batch
    backend.rebuild(counted())
    # A worker draining while Elasticsearch filled the new index wrote to the old one: apply
    # the products edited since the start again (idempotent; cheap when nothing changed).
    recent = list(db.session.scalars(sa.select(Product.id).where(Product.updated_at >= started)))
    for i in range(0, len(recent), batch_size):
        ids = set(recent[i:i + batch_size])
        documents = build_documents(ids)
        backend.index(list(documents.values()))
        backend.delete(sorted(ids - documents.keys()))
    return count


def work(once: bool = False, interval: float = 1.0, backend=None, echo=print) -> None:
    """`flask search-worker`: drain forever (or once)."""
    backend = backend or get_backend()
    while True:
        try:
            n = drain(backend)
            if n:
                echo(f"indexed {n} change(s)")
        except Exception:
            db.session.rollback()
            log.exception("search indexing failed; will retry")
        if once:
            return
        time.sleep(interval)


# --- the outbox listeners -------------------------------------------------------------------

_TRACKED = (Product, ProductTranslation, ProductImage, ProductVariant, Cooperative)


def _coop_product_ids(session, coop_id) -> list[int]:
    return list(session.connection().execute(
        sa.select(Product.id).where(Product.cooperative_id == coop_id)).scalars())


def _before_flush(session, flush_context, instances):
    # Products of a deleted cooperative vanish by ON DELETE CASCADE: collect them first.
    gone = session.info.setdefault("search_gone", set())
    for obj in session.deleted:
        if isinstance(obj, Cooperative) and obj.id is not None:
            gone.update(_coop_product_ids(session, obj.id))
        elif isinstance(obj, Product) and obj.id is not None:
            gone.add(obj.id)


def _after_flush(session, flush_context):
    changed: dict[int, str] = {pid: "delete" for pid in session.info.pop("search_gone", set())}
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, _TRACKED) and certificate_product_ids(obj) is None:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if isinstance(obj, Product):
            if obj.id is not None:
                changed.setdefault(obj.id, "delete" if obj in session.deleted else "upsert")
        elif isinstance(obj, (ProductTranslation, ProductImage, ProductVariant)):
            pid = obj.product_id or (obj.product.id if obj.product is not None else None)
            if pid is not None:
                changed.setdefault(pid, "upsert")
        elif isinstance(obj, Cooperative) and obj.id is not None and obj not in session.deleted:
            for pid in _coop_product_ids(session, obj.id):
                changed.setdefault(pid, "upsert")
        else:  # an OCOP certificate: its products' stars may have changed
            for pid in certificate_product_ids(obj) or ():
                changed.setdefault(pid, "upsert")
    # One row per product and operation per transaction: creating a product flushes it, then
    # its variants, then its price. Forgotten whenever any transaction or savepoint ends, so
    # a rolled-back savepoint never swallows a later change (a repeat costs only a row).
    queued = session.info.setdefault("search_queued", {})
    changed = {pid: op for pid, op in changed.items() if queued.get(pid) != op}
    if not changed:
        return
    for hook in CHANGE_HOOKS:
        hook(session, changed)
    session.connection().execute(
        SearchOutbox.__table__.insert(),
        [{"product_id": pid, "op": op, "created_at": _now()} for pid, op in sorted(changed.items())],
    )
    queued.update(changed)
    session.info["search_dirty"] = True


def _now():
    from market.dbtypes import utcnow

    return utcnow()


def _after_commit(session):
    if session.info.pop("search_dirty", False) and has_app_context():
        g.search_needs_drain = True


def _after_rollback(session):
    session.info.pop("search_dirty", None)
    session.info.pop("search_gone", None)


_registered = False


def _after_transaction_end(session, transaction):
    if transaction.nested or transaction.parent is None:  # a savepoint or the real one
        session.info.pop("search_queued", None)


def register_listeners() -> None:
    """Once per process, on every Session (Flask-SQLAlchemy's and the tests' alike)."""
    global _registered
    if _registered:
        return
    event.listen(orm.Session, "before_flush", _before_flush)
    event.listen(orm.Session, "after_flush", _after_flush)
    event.listen(orm.Session, "after_transaction_end", _after_transaction_end)
    event.listen(orm.Session, "after_commit", _after_commit)
    event.listen(orm.Session, "after_soft_rollback", lambda s, prev: _after_rollback(s))
    _registered = True


def drain_if_needed(exc=None) -> None:
    """Teardown hook: drain inline when this request committed catalogue changes."""
    if not g.pop("search_needs_drain", False) or exc is not None:
        return
    if not current_app.config.get("SEARCH_INLINE_INDEXING", True):
        from market.jobs.queue import kick

        kick("search")  # a worker applies it (or its next sweep does)
        return
    try:
        drain()
    except Exception:
        db.session.rollback()
        log.exception("inline search indexing failed; rows stay in the outbox")
