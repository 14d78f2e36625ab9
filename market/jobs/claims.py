"""Claims: how several workers (threads, processes, machines) share the outboxes without
doing one piece of work twice.

- `claim_rows` claims outbox rows one worker at a time: on PostgreSQL the candidates are read
  with `SELECT ... FOR UPDATE SKIP LOCKED` (another worker's rows are skipped, never waited
  for), on SQLite under the database's single write lock (BEGIN IMMEDIATE); on both, a
  conditional UPDATE stamps `claimed_at`/`claimed_by` and only rows it changed belong to the
  caller. A claim is a lease: rows of a worker that died are claimed again after `lease`.
- `exclusive` is a named lease in `job_leases` for jobs that must run once at a time (the
  search indexer applies changes in order; order expiry must not cancel a part twice). The
  running job renews it (a heartbeat thread, and a holder check inside every commit), so a
  job that outlasts QUEUE_LEASE_SECONDS is not started again by another worker, and a job
  whose lease was taken over anyway (a frozen worker) cannot commit.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from market.dbtypes import utcnow
from market.extensions import begin_write, db
from market.jobs.models import JobLease

log = logging.getLogger("market.jobs")
ROW_LEASE = timedelta(minutes=10)
JOB_LEASE = timedelta(minutes=10)


def _lease(default: timedelta) -> timedelta:
    """QUEUE_LEASE_SECONDS when set (how soon a dead worker's claims are taken over)."""
    from flask import current_app, has_app_context

    seconds = current_app.config.get("QUEUE_LEASE_SECONDS") if has_app_context() else None
    return timedelta(seconds=int(seconds)) if seconds else default


def worker_id() -> str:
    """This process on this machine (a fresh suffix per call: two threads differ too)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:10]}"


def claim_rows(model, condition, *, limit: int = 50, lease: timedelta | None = None,
               now=None) -> tuple[str, list[int]]:
    """Claim up to `limit` rows of `model` (which has `claimed_at` and `claimed_by`) matching
    `condition`, oldest first, and commit the claim. Returns (token, ids claimed)."""
    now = now or utcnow()
    lease = lease or _lease(ROW_LEASE)
    session = db.session()
    if session.in_transaction():
        session.commit()
    begin_write(session)
    free = sa.or_(model.claimed_at.is_(None), model.claimed_at < now - lease)
    query = sa.select(model.id).where(condition, free).order_by(model.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    token = worker_id()
    if ids:
        session.execute(sa.update(model).where(model.id.in_(ids), condition, free)
                        .values(claimed_at=now, claimed_by=token)
                        .execution_options(synchronize_session=False))
        ids = list(session.scalars(sa.select(model.id).where(
            model.id.in_(ids), model.claimed_by == token).order_by(model.id)))
    session.commit()
    return token, ids


def _take(name: str, holder: str, ttl: timedelta) -> bool:
    now = utcnow()
    session = db.session()
    begin_write(session)
    taken = session.execute(
        sa.update(JobLease).where(JobLease.name == name, sa.or_(JobLease.expires_at < now,
                                                                 JobLease.holder == holder))
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not taken and session.get(JobLease, name) is None:
        try:
            with session.begin_nested():
                session.add(JobLease(name=name, holder=holder, expires_at=now + ttl))
            taken = True
        except IntegrityError:  # another worker created it first: theirs
            taken = False
    session.commit()
    return taken


class LeaseLost(RuntimeError):
    """The job's lease expired and another worker took it: nothing of this run may commit."""


def renew(name: str, holder: str, ttl: timedelta, session=None) -> bool:
    """Push the lease's expiry `ttl` ahead if `holder` still holds it; False when it does not
    (it expired and another worker took it). Runs in `session`'s current transaction."""
    session = session or db.session()
    return session.execute(
        sa.update(JobLease).where(JobLease.name == name, JobLease.holder == holder)
        .values(expires_at=utcnow() + ttl)
        .execution_options(synchronize_session=False)).rowcount == 1


class _Heartbeat:
    """While a leased job runs: a thread renews the lease every `ttl / 3` in a session of its
    own (a job longer than the lease keeps it), and every commit of the job's session first
    checks, in the same transaction, that the lease is still this worker's and renews it
    (the row is written, so a worker taking it over waits for that commit or sees the new
    expiry). A lost lease fails the commit with LeaseLost: the job's work rolls back."""

    def __init__(self, name: str, holder: str, ttl: timedelta):
        from flask import current_app

        self.name, self.holder, self.ttl = name, holder, ttl
        self.app = current_app._get_current_object()
        self.session = db.session()
        self.stop = threading.Event()
        self.lost = False
        self.renewals = 0
        self.thread = threading.Thread(target=self._beat, name=f"lease:{name}", daemon=True)

    def _check(self, session) -> None:
        if not renew(self.name, self.holder, self.ttl, session):
            self.lost = True
            raise LeaseLost(f"the lease of {self.name!r} was taken over by another worker")

    def _beat(self) -> None:
        interval = max(self.ttl.total_seconds() / 3, 0.05)
        with self.app.app_context():
            while not self.stop.wait(interval):
                session = db.session()
                try:
                    begin_write(session)
                    mine = renew(self.name, self.holder, self.ttl, session)
                    session.commit()
                except Exception:  # e.g. SQLite busy while the job writes: its commit renews
                    session.rollback()
                    log.warning("lease %s: renewal failed, retrying", self.name, exc_info=True)
                    continue
                if not mine:
                    self.lost = True
                    break
                self.renewals += 1
            db.session.remove()

    def __enter__(self):
        event.listen(self.session, "before_commit", self._check)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        event.remove(self.session, "before_commit", self._check)
        self.stop.set()
        self.thread.join()


@contextmanager
def exclusive(name: str, ttl: timedelta | None = None, *, heartbeat: list | None = None):
    """`with exclusive("search") as mine:` -- `mine` is True for one worker at a time. While
    the body runs the lease is renewed (see _Heartbeat), so a job longer than the lease
    never runs twice; a commit after the lease was lost raises LeaseLost. `heartbeat`, a
    list, receives the running _Heartbeat (tests look at it)."""
    ttl = ttl or _lease(JOB_LEASE)
    session = db.session()
    if session.in_transaction():
        session.commit()
    holder = worker_id()
    mine = _take(name, holder, ttl)
    try:
        if not mine:
            yield False
        else:
            with _Heartbeat(name, holder, ttl) as beat:
                if heartbeat is not None:
                    heartbeat.append(beat)
                yield True
    finally:
        if mine:
            session.rollback()  # whatever the job left half done is not ours to commit
            begin_write(session)
            session.execute(sa.update(JobLease).where(JobLease.name == name,
                                                      JobLease.holder == holder)
                            .values(expires_at=utcnow(), holder="")
                            .execution_options(synchronize_session=False))
            session.commit()
