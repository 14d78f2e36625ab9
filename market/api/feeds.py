"""Bulk feeds of every public product: /api/v1/feeds/products.jsonl (one product document a
line, as /api/v1/products gives them) and products.csv (the flat columns of
`documents.CSV_COLUMNS`, cells escaped by market/csv_safe.py). Streamed in constant memory:
products are read 500 at a time in keyset order and each row is yielded as it is made; the
ETag and Last-Modified come from one aggregate query, so an unchanged feed is a 304 before
any row is read."""
from __future__ import annotations

import hashlib
import io
import json

import sqlalchemy as sa
from flask import Response, stream_with_context

from market import csv_safe
from market.api import documents, sync
from market.api.auth import require_scope
from market.api.blueprint import KEYED, bp, conditional
from market.catalog.services import public_products_query
from market.extensions import db

FEED_CACHE = "public, max-age=300"
_TEXT = {"schema": {"type": "string"}}


def _version():
    """(count, newest updated_at, max id) of the public products: the feeds' validator."""
    query = public_products_query().with_only_columns(
        sa.func.count(), sa.func.max(db.literal_column("products.updated_at")),
        sa.func.max(db.literal_column("products.id")))
    count, newest, top = db.session.execute(query).one()
    if isinstance(newest, str):  # SQLite's max() over a text column
        from datetime import UTC, datetime

        newest = datetime.fromisoformat(newest)
        newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    return count, newest, top


def _docs():
    for batch in sync.iter_public_products():
        yield from documents.product_documents(batch, with_tombstones=False)


def _streamed(kind: str, mimetype: str, rows) -> Response:
    count, newest, top = _version()
    tag = hashlib.sha256(f"{kind}:{count}:{newest}:{top}".encode()).hexdigest()[:32]
    response = Response(stream_with_context(rows()), mimetype=mimetype)
    return conditional(response, last_modified=newest, cache=FEED_CACHE, etag=tag)


@bp.route("/feeds/products.jsonl")
@bp.response(200, description="One product document (see Product) per line.",
             content_type="application/x-ndjson")
@bp.doc(security=KEYED, responses={"200": {"content": {"application/x-ndjson": _TEXT}}})
@require_scope("listings:read")
def products_jsonl():
    def rows():
        for doc in _docs():
            yield json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    return _streamed("jsonl", "application/x-ndjson", rows)


@bp.route("/feeds/products.csv")
@bp.response(200, description="Every public product, one row each.", content_type="text/csv")
@bp.doc(security=KEYED, responses={"200": {"content": {"text/csv": _TEXT}}})
@require_scope("listings:read")
def products_csv():
    def rows():
        out = io.StringIO()
        writer = csv_safe.writer(out, lineterminator="\n")
        writer.writerow(documents.CSV_COLUMNS)
        for doc in _docs():
            writer.writerow(documents.csv_row(doc))
            if out.tell() > 64 * 1024:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()
    return _streamed("csv", "text/csv", rows)
