from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from market.dbtypes import UTCDateTime, utcnow
from market.extensions import db


class SearchOutbox(db.Model):
    """One row per catalogue change, written in the same transaction as the change; the
    indexer deletes a row only after the index holds the product's new state."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.Integer)  # no FK: deleted products are queued too
    op: Mapped[str] = mapped_column(sa.String(10))  # "upsert" | "delete" (for the record)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
