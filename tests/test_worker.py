"""The task queue's jobs and claims: one `run_once` runs every job; several consumers at once
(threads, and two real `flask worker` processes) send every mail exactly once and never run a
leased job twice, on the suite's database engine (SQLite here, PostgreSQL in CI)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from market import create_app, worker
from market.dbtypes import utcnow
from market.extensions import db
from market.jobs import claims
from market.jobs.models import JobLease
from market.notifications import services as notifications
from market.notifications.models import OutboxEmail
from market.ocop import services as ocop
from tests.conftest import reset_database
from tests.ocop.util import TODAY, submit
from tests.servers import PROJECT, side_database_url
from tests.smtp_sink import SMTPSink

MAILS = 60


def test_one_run_runs_every_job(app, make, monkeypatch):
    product = make.product(stock=5)
    order = make.order([(product, 2)], method="vietqr")
    order.vendor_orders[0].reserved_until = utcnow() - timedelta(minutes=1)
    coop = make.cooperative()
    cert = submit(make.staff(coop), [make.product(coop)], today=TODAY)
    ocop.verify_certificate(cert, make.officer(coop.province_code), today=TODAY)
    monkeypatch.setattr(ocop, "today_in_vietnam", lambda now=None: cert.valid_until
                        + timedelta(days=1))
    db.session.flush()

    done = worker.run_once()

    assert set(done) >= {"search", "orders-expire", "send-mail", "ocop-expire", "forecast"}
    assert order.vendor_orders[0].status == "cancelled"
    db.session.refresh(product)
    assert product.stock == 5
    assert cert.status == "expired"
    assert all(m.sent_at for m in db.session.scalars(db.select(OutboxEmail)))


def test_a_leased_job_is_skipped_while_another_worker_holds_it(app):
    with claims.exclusive("orders-expire") as mine:
        assert mine
        from market.jobs.queue import run_job

        assert run_job("orders-expire") is None  # the other "worker" skips it
    # released: the next run takes it
    with claims.exclusive("orders-expire") as mine:
        assert mine


def test_an_expired_lease_is_taken_over(app):
    db.session.add(JobLease(name="search", holder="dead-worker",
                            expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    with claims.exclusive("search") as mine:
        assert mine


def test_a_mail_whose_send_failed_is_retried_by_the_next_run(app, make):
    mail = notifications.enqueue("a@example.vn", "vi", "Chào", "Nội dung")
    db.session.commit()

    class Broken:
        def send(self, mail):
            raise OSError("connection refused")

    assert notifications.send_pending(Broken()) == 0
    db.session.refresh(mail)
    assert mail.attempts == 1 and mail.sent_at is None and mail.claimed_at is None
    sent = []

    class Works:
        def send(self, mail):
            sent.append(mail.id)

    assert notifications.send_pending(Works()) == 1
    assert sent == [mail.id]


def test_a_claimed_mail_is_not_sent_by_another_worker_until_its_lease_expires(app, make):
    mail = notifications.enqueue("a@example.vn", "vi", "Chào", "Nội dung")
    db.session.commit()
    _token, ids = claims.claim_rows(OutboxEmail, OutboxEmail.sent_at.is_(None))
    assert ids == [mail.id]
    assert claims.claim_rows(OutboxEmail, OutboxEmail.sent_at.is_(None))[1] == []
    later = utcnow() + claims.ROW_LEASE + timedelta(seconds=1)
    assert claims.claim_rows(OutboxEmail, OutboxEmail.sent_at.is_(None), now=later)[1] == [
        mail.id]


# --- several consumers on a committed database ---------------------------------------------

@pytest.fixture()
def committed_app(tmp_root, request):
    suffix = f"worker_{request.node.name[-20:]}".replace("[", "_").replace("]", "")
    url = side_database_url(tmp_root, suffix)
    instance = tmp_root / f"{suffix}-instance"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(instance),
                      "RATELIMIT_ENABLED": False, "QUEUE_KICKS": False})
    reset_database(app)
    with app.app_context():
        for n in range(MAILS):
            notifications.enqueue(f"buyer{n}@example.vn", "vi", f"Đơn hàng {n}", "Cảm ơn")
        db.session.commit()
        db.session.remove()
    return app, url, instance


def _sent_counts(app) -> Counter:
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxEmail.id, OutboxEmail.sent_at,
                                            OutboxEmail.attempts)).all()
        db.session.remove()
    return Counter("sent" if r.sent_at else "unsent" for r in rows), rows


@pytest.mark.committed
def test_four_threads_send_every_mail_exactly_once(committed_app):
    app, _, _ = committed_app
    sends: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    class Recorder:
        def send(self, mail):
            time.sleep(0.002)  # a real send takes time: let the others race for rows
            with lock:
                sends.append(mail.id)

    errors = []

    def consumer():
        try:
            with app.app_context():
                start.wait(timeout=30)
                while notifications.send_pending(Recorder(), limit=5):
                    pass
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=consumer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    counts, rows = _sent_counts(app)
    assert counts == {"sent": MAILS}
    assert sorted(sends) == sorted(r.id for r in rows)  # each exactly once
    assert all(r.attempts == 1 for r in rows)


@pytest.mark.committed
def test_two_flask_workers_send_every_mail_exactly_once(committed_app):
    """Two real consumers (`flask worker`, Huey on its SQLite queue file), woken by queued
    send-mail tasks, deliver to an SMTP server: each outbox row arrives once."""
    app, url, instance = committed_app
    with SMTPSink() as sink:
        env = {**os.environ, "MARKET_DATABASE_URL": url, "MARKET_INSTANCE_PATH": str(instance),
               "MARKET_SMTP_HOST": "127.0.0.1", "MARKET_SMTP_PORT": str(sink.port),
               "MARKET_SMTP_STARTTLS": "0", "MARKET_RATELIMIT_DISABLED": "1"}
        flask = str(Path(sys.executable).parent / "flask")
        logs = [instance / f"worker-{i}.log" for i in range(2)]
        procs = []
        for log in logs:
            with open(log, "wb") as out:
                procs.append(subprocess.Popen(
                    [flask, "--app", "market", "worker", "--threads", "2"], cwd=PROJECT,
                    env=env, stdout=out, stderr=subprocess.STDOUT))
        try:
            with app.app_context():
                for _ in range(8):  # as many wake-ups as the requests would have sent
                    app.extensions["queue_tasks"]["send-mail"]()
            deadline = time.monotonic() + 60
            while len(sink.message_ids()) < MAILS and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1.0)  # anything sent twice would arrive now
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=20)
        output = "\n".join(log.read_text()[-2000:] for log in logs)
        ids = sink.message_ids()
    assert len(ids) == MAILS, output
    assert len(set(ids)) == MAILS, f"sent twice: {[i for i, n in Counter(ids).items() if n > 1]}"
    counts, _ = _sent_counts(app)
    assert counts == {"sent": MAILS}


# --- the schedule and the kicks -------------------------------------------------------------

def _due(app, when) -> set[str]:
    return {task.name for task in app.extensions["queue"].read_periodic(when)}


def test_the_schedule_runs_each_job_when_the_docs_say(app):
    from datetime import datetime

    assert _due(app, datetime(2026, 5, 1, 3, 1)) == {"periodic.sweep"}
    assert _due(app, datetime(2026, 5, 1, 3, 10)) == {"periodic.sweep", "periodic.forecast"}
    assert "periodic.price-alerts" in _due(app, datetime(2026, 5, 1, 3, 37))
    # 00:05 in Vietnam is 17:05 UTC (UTC+7 all year); Huey's clock is UTC.
    assert "periodic.ocop-daily" in _due(app, datetime(2026, 5, 1, 17, 5))
    assert "periodic.ocop-daily" not in _due(app, datetime(2026, 5, 1, 0, 5))


@pytest.mark.committed
def test_a_committed_mail_kicks_the_queue_and_a_rolled_back_one_does_not(committed_app):
    app, _, _ = committed_app
    app.config["QUEUE_KICKS"] = True
    queue = app.extensions["queue"]
    queue.flush()
    with app.app_context():
        notifications.enqueue("x@example.vn", "vi", "Chào", "Nội dung")
        db.session.rollback()
        assert queue.pending_count() == 0
        notifications.enqueue("x@example.vn", "vi", "Chào", "Nội dung")
        db.session.commit()
        assert [t.name for t in queue.pending()] == ["job.send-mail"]
        db.session.remove()
    queue.flush()


# --- leases outlasting QUEUE_LEASE_SECONDS ---------------------------------------------------

def _other_worker(app, fn):
    """Run `fn` in a thread of its own with its own app context (another worker)."""
    out = []

    def body():
        with app.app_context():
            try:
                out.append(fn())
            finally:
                db.session.remove()

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(timeout=30)
    return out[0]


@pytest.mark.committed
def test_a_job_longer_than_its_lease_keeps_it_and_runs_once(committed_app, monkeypatch):
    """The lease is 0.6 s; the job runs past three renewals (over 0.6 s), and meanwhile
    another worker neither takes the lease nor runs the job."""
    app, _, _ = committed_app
    from market.jobs import queue

    runs = []
    monkeypatch.setitem(queue.JOBS, "forecast", (lambda: runs.append(1) or 1, True))
    beats: list = []
    ttl = timedelta(seconds=0.6)
    with app.app_context():
        started = time.monotonic()
        with claims.exclusive("forecast", ttl, heartbeat=beats) as mine:
            assert mine
            beat = beats[0]
            deadline = started + 10
            while beat.renewals < 3 and time.monotonic() < deadline:
                beat.stop.wait(0.05)  # the job "works"
            assert beat.renewals >= 3 and time.monotonic() - started > ttl.total_seconds()
            assert _other_worker(app, lambda: claims._take("forecast", "other", ttl)) is False
            assert _other_worker(app, lambda: queue.run_job("forecast")) is None
            assert runs == []
            db.session.commit()  # the job's own commit: the holder check passes
        assert not beat.thread.is_alive() and not beat.lost
        # released: the next worker runs it
        assert _other_worker(app, lambda: queue.run_job("forecast")) == 1
        db.session.remove()


@pytest.mark.committed
def test_a_job_whose_lease_was_taken_over_commits_nothing(committed_app, monkeypatch):
    """A worker frozen past its lease (here: the lease is handed to another worker while the
    job runs) cannot commit its work when it wakes up: the holder check fails the commit."""
    app, _, _ = committed_app
    from market.jobs import queue

    def frozen_job():
        with db.engine.begin() as conn:  # another worker takes the expired lease over
            conn.execute(sa.update(JobLease).where(JobLease.name == "orders-expire")
                         .values(holder="other-worker",
                                 expires_at=utcnow() + timedelta(minutes=10)))
        notifications.enqueue("late@example.vn", "vi", "Trễ", "Không được gửi")
        return 1

    monkeypatch.setitem(queue.JOBS, "orders-expire", (frozen_job, True))
    with app.app_context():
        assert queue.run_job("orders-expire") is None
        db.session.remove()
        lease = db.session.get(JobLease, "orders-expire")
        assert lease.holder == "other-worker"  # the release did not take it from them
        late = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)
                                 .where(OutboxEmail.recipient == "late@example.vn"))
        assert late == 0  # the job's mail was rolled back
        db.session.remove()
