"""`flask worker`: the production background loop, one process for every periodic job.

At start-up it expires past-due OCOP certificates; then, every tick, it drains the search
outbox, cancels unpaid orders whose reservation ran out, and sends queued emails; every
`forecast_every` ticks it refreshes stale price forecasts, and once a day (on the date
change in Vietnam) it expires OCOP certificates again. Each job commits on its own, so one
failing job never blocks the others."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from market.extensions import db

log = logging.getLogger("market.worker")


def _run(name: str, job: Callable[[], object]) -> None:
    try:
        result = job()
        db.session.commit()
        if result:
            log.info("%s: %s", name, result)
    except Exception:
        db.session.rollback()
        log.exception("%s failed", name)


def run(config, *, ticks: int | None = None, interval: float = 5.0,
        forecast_every: int = 120) -> None:
    from market.notifications.services import send_pending, sender_from_config
    from market.ocop.services import expire_due, today_in_vietnam
    from market.orders.services import expire_unpaid
    from market.prices.services import refresh_forecasts
    from market.search import indexer

    _run("ocop-expire", expire_due)
    last_day, tick = today_in_vietnam(), 0
    while ticks is None or tick < ticks:
        _run("search", indexer.drain)
        _run("orders-expire", expire_unpaid)
        _run("send-mail", lambda: send_pending(sender_from_config(config)))
        if tick % forecast_every == 0:
            _run("forecast", lambda: refresh_forecasts(stale_only=True))
        if today_in_vietnam() != last_day:
            last_day = today_in_vietnam()
            _run("ocop-expire", expire_due)
        tick += 1
        if ticks is None or tick < ticks:
            time.sleep(interval)
