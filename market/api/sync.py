"""Exact incremental sync for partners: every change to what a product document shows bumps
the product's `updated_at`, deleted products leave a tombstone row, and the product listing
pages by an opaque keyset cursor on (updated_at, id).

Bumps: a product's own columns bump it by `onupdate`. Changes elsewhere that its document
shows (texts, images, variants' prices and stock, its cooperative, an OCOP certificate) are
caught here by SQLAlchemy session listeners, beside the search indexer's and the page cache's
(the catalogue knows none of them): `before_flush` and `do_orm_execute` (the conditional stock
UPDATEs of checkout skip the unit of work) note the product ids, and `after_flush` /
`before_commit` bump them in one UPDATE in the same transaction.

Sync loop (docs/partners.md): page through `GET /api/v1/products` (public products only)
following `next`; keep `sync.next_updated_since` of the last page; later, page through
`?updated_since=<it>`: every product changed since comes back, as a document or as a
tombstone (`deleted: true`) to drop. The watermark lies WATERMARK_LAG before the first page
was served, so a transaction that committed late is fetched again (upserts are idempotent)."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from itertools import chain

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, orm
from sqlalchemy.orm import Mapped, mapped_column

from market.catalog.models import (
    Product,
    ProductImage,
    ProductStatus,
    ProductTranslation,
    ProductVariant,
)
from market.dbtypes import UTCDateTime, utcnow
from market.errors import ValidationError
from market.extensions import db
from market.ocop.services import certificate_product_ids
from market.vendors.models import Cooperative, CooperativeStatus

WATERMARK_LAG = timedelta(seconds=30)
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
_PRODUCT_CHILDREN = (ProductTranslation, ProductImage, ProductVariant)


class ProductTombstone(db.Model):
    """A product deleted outright (archiving keeps the row: its tombstone is the row)."""

    __tablename__ = "api_tombstones"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), index=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_api_tombstones_deleted_at_id", "deleted_at", "id"),)


# --- keeping updated_at true --------------------------------------------------------------

def _touched(session) -> set[int]:
    return session.info.setdefault("api_touched", set())


def _coop_products(session, coop_id: int):
    return session.connection().execute(
        sa.select(Product.id, Product.slug, Product.ever_public)
        .where(Product.cooperative_id == coop_id)).all()


def _mark_public(session, product: Product) -> None:
    """ever_public on a product that is public as it is flushed (its cooperative approved)."""
    if product.ever_public or product.status != ProductStatus.ACTIVE.value:
        return
    with session.no_autoflush:
        coop = product.cooperative or (session.get(Cooperative, product.cooperative_id)
                                       if product.cooperative_id is not None else None)
    if coop is not None and coop.status == CooperativeStatus.APPROVED.value:
        product.ever_public = True


def _before_flush(session, flush_context, instances):
    touched = _touched(session)
    gone = session.info.setdefault("api_gone", {})
    for obj in chain(session.new, session.dirty, session.deleted):
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if isinstance(obj, _PRODUCT_CHILDREN):
            pid = obj.product_id or (obj.product.id if obj.product is not None else None)
            if pid is not None:
                touched.add(pid)
        elif isinstance(obj, Product):
            if obj in session.deleted:
                if obj.id is not None and obj.ever_public:
                    gone[obj.id] = obj.slug
            else:
                _mark_public(session, obj)
        elif isinstance(obj, Cooperative):
            if obj.id is None:
                continue
            rows = _coop_products(session, obj.id)
            if obj in session.deleted:
                gone.update({pid: slug for pid, slug, ever in rows if ever})
                continue
            touched.update(pid for pid, _, _ in rows)
            if obj.status == CooperativeStatus.APPROVED.value:
                session.connection().execute(
                    sa.update(Product.__table__)
                    .where(Product.__table__.c.cooperative_id == obj.id,
                           Product.__table__.c.status == ProductStatus.ACTIVE.value,
                           Product.__table__.c.ever_public == sa.false())
                    .values(ever_public=True))
                for pid, _, _ in rows:  # loaded products see it too
                    loaded = session.identity_map.get(orm.util.identity_key(Product, pid))
                    if loaded is not None and loaded.status == ProductStatus.ACTIVE.value:
                        orm.attributes.set_committed_value(loaded, "ever_public", True)
        else:
            touched.update(certificate_product_ids(obj) or ())


def _do_orm_execute(state):
    statement = state.statement
    if not (state.is_update or state.is_delete):
        return
    table = getattr(statement, "table", None)
    if table is None or table.name not in ("product_variants", "product_images",
                                           "product_translations"):
        return
    model = {"product_variants": ProductVariant, "product_images": ProductImage,
             "product_translations": ProductTranslation}[table.name]
    query = sa.select(model.product_id)
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    # The rows the statement is about to change (same transaction). Their products are
    # stamped now, before the statement runs: a vendor's save locks the product row before
    # its variants, so checkout's stock UPDATE must too, or the two deadlock (seen on
    # PostgreSQL in tests/scale/test_multinode.py).
    _stamp(state.session, set(state.session.connection().execute(query).scalars()), utcnow())


def _stamp(session, ids, now) -> None:
    """updated_at = now on these products, in the database and on the loaded objects."""
    ids = sorted(ids)
    conn = session.connection()
    for start in range(0, len(ids), 500):
        conn.execute(sa.update(Product.__table__)
                     .where(Product.__table__.c.id.in_(ids[start:start + 500]))
                     .values(updated_at=now))
    for pid in ids:  # products already loaded see the new time too
        obj = session.identity_map.get(orm.util.identity_key(Product, pid))
        if obj is not None:
            orm.attributes.set_committed_value(obj, "updated_at", now)


def _apply(session) -> None:
    gone = session.info.pop("api_gone", {})
    touched = session.info.pop("api_touched", set()) - set(gone)
    if not touched and not gone:
        return
    now = utcnow()
    _stamp(session, touched, now)
    if gone:
        session.connection().execute(sa.insert(ProductTombstone.__table__),
                     [{"slug": slug, "deleted_at": now} for slug in gone.values()])


def _after_flush(session, flush_context):
    _apply(session)


def _before_commit(session):
    _apply(session)


def _forget(session, previous_transaction=None):
    if previous_transaction is None or previous_transaction.parent is None:
        session.info.pop("api_touched", None)
        session.info.pop("api_gone", None)


_registered = False


def register_listeners() -> None:
    global _registered
    if _registered:
        return
    event.listen(orm.Session, "before_flush", _before_flush)
    event.listen(orm.Session, "after_flush", _after_flush)
    event.listen(orm.Session, "do_orm_execute", _do_orm_execute)
    event.listen(orm.Session, "before_commit", _before_commit)
    event.listen(orm.Session, "after_soft_rollback", _forget)
    _registered = True


# --- cursors ------------------------------------------------------------------------------

def _bad_cursor():
    return ValidationError({"cursor": _l("The cursor is not valid: start again without it.")},
                           code="bad_cursor")


def encode_cursor(state: dict) -> str:
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> dict:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
        if not isinstance(state, dict) or state.get("v") != 1:
            raise ValueError
        position = state["p"]
        if position is not None:
            datetime.fromisoformat(position[0])
            int(position[1]), int(position[2])
        datetime.fromisoformat(state["w"])
        if state.get("s") is not None:
            datetime.fromisoformat(state["s"])
        return state
    except (ValueError, KeyError, TypeError, IndexError, binascii.Error, UnicodeDecodeError):
        raise _bad_cursor() from None


def _dt(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


# --- the listing ----------------------------------------------------------------------------

def _products_after(position, limit: int, since: datetime | None):
    query = sa.select(Product).join(Product.cooperative).options(
        orm.contains_eager(Product.cooperative), orm.selectinload(Product.category))
    if since is None:
        query = query.where(Product.status == ProductStatus.ACTIVE.value,
                            Cooperative.status == CooperativeStatus.APPROVED.value)
    else:
        # Every change since, public or not; but a product that was never public is none of
        # a partner's business (no tombstone: its slug stays private).
        query = query.where(Product.updated_at > since, sa.or_(
            Product.ever_public,
            sa.and_(Product.status == ProductStatus.ACTIVE.value,
                    Cooperative.status == CooperativeStatus.APPROVED.value)))
    if position is not None:
        at, kind, pid = _dt(position[0]), position[1], position[2]
        # (updated_at, id) > (at, pid), written as a range on updated_at that an index on
        # (status, updated_at, id) or (updated_at, id) serves in order: no sort of every row.
        after = sa.and_(Product.updated_at >= at,
                        sa.or_(Product.updated_at > at, Product.id > pid)) if kind == 0 else \
            Product.updated_at > at
        query = query.where(after)
    return list(db.session.scalars(
        query.order_by(Product.updated_at, Product.id).limit(limit)).unique())


def _tombstones_after(position, limit: int, since: datetime):
    query = sa.select(ProductTombstone).where(ProductTombstone.deleted_at > since)
    if position is not None:
        at, kind, tid = _dt(position[0]), position[1], position[2]
        query = query.where(sa.or_(
            ProductTombstone.deleted_at > at,
            sa.and_(ProductTombstone.deleted_at == at, ProductTombstone.id > tid)
            if kind == 1 else ProductTombstone.deleted_at >= at))
    return list(db.session.scalars(
        query.order_by(ProductTombstone.deleted_at, ProductTombstone.id).limit(limit)))


def product_page(*, cursor: str | None = None, updated_since: datetime | None = None,
                 limit: int = DEFAULT_LIMIT, now: datetime | None = None) -> dict:
    """One page of the product listing: {"items": [(kind, row)], "next", "watermark"}.

    kind 0 is a Product row (a document or, when not public, a tombstone), kind 1 a
    ProductTombstone. Rows come in (updated_at, kind, id) order; `next` is None on the last
    page. `watermark` is the `updated_since` for the partner's next sync."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    if cursor:
        state = decode_cursor(cursor)
        since = _dt(state["s"]) if state.get("s") else None
        position, watermark = state["p"], state["w"]
    else:
        since = updated_since
        position = None
        lag = timedelta(seconds=current_app.config.get("API_SYNC_LAG_SECONDS",
                                                       WATERMARK_LAG.total_seconds()))
        watermark = _iso((now or utcnow()) - lag)
    rows = [(0, p.updated_at, p.id, p) for p in _products_after(position, limit + 1, since)]
    if since is not None:
        rows += [(1, t.deleted_at, t.id, t) for t in _tombstones_after(position, limit + 1, since)]
        rows.sort(key=lambda r: (r[1], r[0], r[2]))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        kind, at, rid, _ = rows[-1]
        next_cursor = encode_cursor({"v": 1, "p": [_iso(at), kind, rid], "w": watermark,
                                     "s": _iso(since) if since else None})
    return {"items": [(kind, row) for kind, _, _, row in rows], "next": next_cursor,
            "watermark": watermark}


def iter_public_products(batch: int = 500):
    """Every public product in (updated_at, id) order, `batch` rows at a time: the feeds
    stream this in constant memory (loaded rows are dropped batch by batch)."""
    position = None
    while True:
        products = _products_after(position, batch, None)
        if not products:
            return
        yield products
        last = products[-1]
        position = [_iso(last.updated_at), 0, last.id]
        if len(products) < batch:
            return


def parse_since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError({"updated_since": _l(
            "Give updated_since as an ISO 8601 time, e.g. 2026-05-01T00:00:00Z.")},
            code="bad_query") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
