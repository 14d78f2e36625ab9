"""Liveness, readiness, and the outbox figures that readiness and /metrics report.

- `/livez`: the process answers (no database, nothing else): restart the node if not.
- `/readyz`: the node can serve: the database answers, Redis answers when REDIS_URL is set
  (503 otherwise, so a load balancer sends the traffic elsewhere), and each outbox's depth
  and oldest row are reported. An outbox older than READY_OUTBOX_MAX_AGE is listed under
  "warnings" but keeps the node ready: a stuck worker is the workers' problem, and taking
  every app node out of the balancer for it would turn late mail into an outage (alert on
  `htx_outbox_oldest_age_seconds` instead).
- `/healthz`: as before (the database answers), for `make run` and existing probes."""
from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from flask import current_app, jsonify

from market.dbtypes import utcnow
from market.extensions import db

# outbox name -> (table, the condition of a row still to do)
OUTBOXES = {
    "emails": ("outbox_emails", "sent_at IS NULL"),
    "search": ("search_outbox", None),
}


def outbox_stats() -> dict[str, dict]:
    """{outbox: {"depth": rows waiting, "oldest_age_seconds": age of the oldest or 0}}."""
    stats = {}
    now = utcnow()
    for name, (table_name, pending) in OUTBOXES.items():
        table = db.metadata.tables[table_name]
        query = sa.select(sa.func.count(), sa.func.min(table.c.created_at)).select_from(table)
        if pending:
            query = query.where(sa.text(pending))
        depth, oldest = db.session.execute(query).one()
        if oldest is not None and oldest.tzinfo is None:  # SQLite keeps no zone
            oldest = oldest.replace(tzinfo=UTC)
        age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        stats[name] = {"depth": int(depth), "oldest_age_seconds": round(age, 1)}
    return stats


def livez():
    return jsonify({"status": "ok"})


def readyz():
    from market import redis_store

    checks: dict[str, str] = {}
    body: dict = {"checks": checks}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["database"] = "unreachable"
        db.session.rollback()
    redis_ok = redis_store.ping()
    if redis_ok is not None:
        checks["redis"] = "ok" if redis_ok else "unreachable"
    if checks["database"] == "ok":
        stats = body["outboxes"] = outbox_stats()
        limit = current_app.config["READY_OUTBOX_MAX_AGE"]
        warnings = [f"{name} outbox: oldest row {s['oldest_age_seconds']:.0f}s old"
                    for name, s in stats.items() if s["oldest_age_seconds"] > limit]
        if warnings:
            body["warnings"] = warnings
    ready = all(value == "ok" for value in checks.values())
    body["status"] = "ok" if ready else "unavailable"
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.add_url_rule("/livez", "livez", livez)
    app.add_url_rule("/readyz", "readyz", readyz)
