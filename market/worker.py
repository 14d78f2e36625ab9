"""`flask worker`: the task queue's consumer (Huey, market/jobs/queue.py).

It runs the periodic jobs (search outbox, order expiry and mail every minute, stale
forecasts every 10 minutes, price alerts twice an hour, OCOP expiry daily at 00:05 in
Vietnam) and the jobs that requests queue (mail and search changes as soon as they are
committed). At start-up it expires past-due OCOP certificates. Start as many workers on as
many machines as you like: each job is claimed (market/jobs/claims.py), none is done twice.
`--once` runs every job once and exits (cron, tests)."""
from __future__ import annotations

import logging

from market.jobs.queue import JOBS, run_job

log = logging.getLogger("market.worker")


def run_once() -> dict:
    """Every job once, in order; returns what each did (None: another worker had it)."""
    return {name: run_job(name) for name in JOBS}


def consume(app, *, workers: int = 2) -> None:
    """Run the consumer until SIGTERM/SIGINT (blocks; call from the main thread)."""
    with app.app_context():
        run_job("ocop-expire")
    huey = app.extensions["queue"]
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    initial_delay=0.2, max_delay=2.0,
                                    check_worker_health=True)
    log.info("worker consuming %s with %d threads", type(huey).__name__, workers)
    consumer.run()
