"""The task queue: Huey (https://huey.readthedocs.io), chosen over Celery because it needs
no broker for one machine (SqliteHuey: a file in the instance directory, so `make run` needs
nothing installed) and takes Redis, one setting away (`REDIS_URL`), for several machines; it
is small, well kept, and has a periodic scheduler built in.

`flask worker` runs Huey's consumer (market/worker.py). Its scheduler enqueues the periodic
jobs below; every worker runs its own scheduler, so with several workers each periodic job is
enqueued several times: that is harmless, because every job is claimed
(market/jobs/claims.py): the mail outbox row by row (any number of workers send in parallel,
each mail once), the others under a named lease (one worker at a time, the others skip).
Requests that queue mail or catalogue changes also "kick" the queue (QUEUE_KICKS), so a mail
leaves within a second instead of at the next minute's sweep.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab

from market.extensions import db

log = logging.getLogger("market.jobs")
QUEUE_NAME = "htx-market"


def _send_mail():
    from market.notifications.services import send_pending, sender_from_config

    return send_pending(sender_from_config(current_app.config))


def _search():
    from market.search import indexer

    return indexer.drain()


def _webhooks():
    from market.webhooks.services import deliver_pending

    return deliver_pending()


def _orders_expire():
    from market.orders.services import expire_unpaid

    return expire_unpaid()


def _ocop_expire():
    from market.ocop.services import expire_due

    return expire_due()


def _forecast():
    from market.prices.services import refresh_forecasts

    return refresh_forecasts(stale_only=True)


def _price_alerts():
    from market.prices.services import check_alerts

    return check_alerts()


# name -> (job, runs under a lease: one worker at a time). The mail outbox claims its rows
# one by one instead, so several workers send in parallel.
JOBS: dict[str, tuple[Callable[[], object], bool]] = {
    "search": (_search, True),
    "orders-expire": (_orders_expire, True),
    "send-mail": (_send_mail, False),
    "webhooks": (_webhooks, False),  # claims its deliveries row by row, like the mail
    "price-alerts": (_price_alerts, True),
    "forecast": (_forecast, True),
    "ocop-expire": (_ocop_expire, True),
}


def run_job(name: str):
    """Run one job in the current app context and commit it; None when another worker
    holds its lease. A failure is logged and rolled back (the next run retries)."""
    from market.jobs.claims import LeaseLost, exclusive

    job, leased = JOBS[name]
    try:
        if not leased:
            result = job()
            db.session.commit()
        else:
            with exclusive(name) as mine:
                if not mine:
                    return None
                result = job()
                db.session.commit()
    except LeaseLost:
        db.session.rollback()
        log.warning("%s: lease lost to another worker; this run's work is rolled back", name)
        return None
    except Exception:
        db.session.rollback()
        log.exception("%s failed", name)
        return None
    if result:
        log.info("%s: %s", name, result)
    return result


def make_queue(app: Flask):
    """The app's Huey instance, with its tasks (kept in app.extensions["queue"])."""
    config = app.config
    # results=False: nobody waits for a job's return value, so none is stored (they would
    # pile up in Redis or the SQLite file).
    if config.get("REDIS_URL"):
        huey = RedisHuey(QUEUE_NAME, url=config["REDIS_URL"], results=False)
    else:
        huey = SqliteHuey(QUEUE_NAME, filename=config["QUEUE_PATH"], results=False)

    def in_app(name):
        def body():
            if has_app_context():
                return run_job(name)
            with app.app_context():
                return run_job(name)
        return body

    tasks = {name: huey.task(name=f"job.{name}")(in_app(name)) for name in JOBS}
    # Huey's clock is UTC; Vietnam is UTC+7 all year (no daylight saving).
    schedule = {
        "sweep": (crontab(minute="*"), ("search", "orders-expire", "send-mail",
                                              "webhooks")),
        "forecast": (crontab(minute="*/10"), ("forecast",)),
        "price-alerts": (crontab(minute="7,37"), ("price-alerts",)),
        "ocop-daily": (crontab(minute="5", hour="17"), ("ocop-expire",)),  # 00:05 in Vietnam
    }
    for label, (when, names) in schedule.items():
        def periodic(names=names):
            with app.app_context():
                for name in names:
                    run_job(name)
        huey.periodic_task(when, name=f"periodic.{label}")(periodic)
    app.extensions["queue"] = huey
    app.extensions["queue_tasks"] = tasks
    return huey


def kick(name: str, app: Flask | None = None) -> None:
    """Ask a worker to run job `name` soon (when QUEUE_KICKS is on). Never fails the caller:
    without a reachable queue the periodic sweep does the work a minute later."""
    app = app or current_app
    if not app.config.get("QUEUE_KICKS"):
        return
    try:
        app.extensions["queue_tasks"][name]()
    except Exception:  # the sweep catches up
        log.warning("could not queue %s; the next sweep will run it", name, exc_info=True)


# --- kicks from the session: new mail in a committed transaction ---------------------------

def _after_flush(session, flush_context):
    from market.notifications.models import OutboxEmail

    if any(isinstance(obj, OutboxEmail) for obj in session.new):
        session.info["queue_mail"] = True


def _after_commit(session):
    if session.info.pop("queue_mail", False) and has_app_context():
        kick("send-mail")


def _after_rollback(session):
    session.info.pop("queue_mail", None)


_registered = False


def init_app(app: Flask) -> None:
    global _registered
    make_queue(app)
    if not _registered:
        from sqlalchemy import event, orm

        event.listen(orm.Session, "after_flush", _after_flush)
        event.listen(orm.Session, "after_commit", _after_commit)
        event.listen(orm.Session, "after_soft_rollback", lambda s, prev: _after_rollback(s))
        _registered = True
