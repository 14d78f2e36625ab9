from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from market.dbtypes import UTCDateTime
from market.extensions import db


class JobLease(db.Model):
    """Who runs a job that must run once at a time across every worker (`claims.exclusive`),
    until when: a worker that dies loses its lease when it expires."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
