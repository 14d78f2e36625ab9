"""Prometheus metrics at /metrics (prometheus_client).

Per request: latency by route template (`/<lang:lang>/p/<slug>`, never the raw path, so the
number of series stays bounded), requests by route and status, 5xx answers by route, and the
page cache's hits, misses and bypasses. At each scrape, from the database: the depth of each
outbox (emails, search) and the age of its oldest row, vendor orders by status, orders
placed, payments by status.

Gunicorn runs several worker processes: with PROMETHEUS_MULTIPROC_DIR set (an empty directory
each start; `make run` does it), every worker writes its figures there and a scrape adds them
up (prometheus_client's multiprocess mode). Without it, each process reports its own.

Who may read it: with METRICS_TOKEN set, a request carrying `Authorization: Bearer <token>`;
without it, loopback clients only (127.0.0.0/8, ::1). Behind a reverse proxy on the same
machine set MARKET_PROXY_COUNT (as rate limits need anyway) or a token: otherwise every
proxied request comes from 127.0.0.1."""
from __future__ import annotations

import hmac
import ipaddress
import os
import time

import sqlalchemy as sa
from flask import Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from market.extensions import db

REQUEST_LATENCY = Histogram(
    "htx_http_request_duration_seconds", "Time to answer a request, by route template",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
REQUESTS = Counter("htx_http_requests", "Requests answered, by route template and status",
                   ["method", "route", "status"])
ERRORS = Counter("htx_http_errors", "Answers with a 5xx status, by route template", ["route"])
PAGE_CACHE = Counter("htx_page_cache_requests", "Anonymous page requests by cache result",
                     ["result"])


def page_cache(result: str) -> None:
    PAGE_CACHE.labels(result).inc()


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _finish(response):
    started = g.pop("metrics_started", None)
    if started is not None:
        route = _route()
        REQUEST_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        if response.status_code >= 500:
            ERRORS.labels(route).inc()
    return response


class DatabaseCollector:
    """Figures read from the database at scrape time (one query each)."""

    def collect(self):
        from market.health import outbox_stats

        depth = GaugeMetricFamily("htx_outbox_depth", "Rows waiting in an outbox",
                                  labels=["outbox"])
        age = GaugeMetricFamily("htx_outbox_oldest_age_seconds",
                                "Age of the oldest row waiting in an outbox", labels=["outbox"])
        for name, stats in outbox_stats().items():
            depth.add_metric([name], stats["depth"])
            age.add_metric([name], stats["oldest_age_seconds"])
        yield depth
        yield age
        tables = db.metadata.tables
        vendor_orders = GaugeMetricFamily("htx_vendor_orders", "Vendor orders by status",
                                          labels=["status"])
        vo = tables["vendor_orders"]
        for status, count in db.session.execute(
                sa.select(vo.c.status, sa.func.count()).group_by(vo.c.status)):
            vendor_orders.add_metric([str(status)], count)
        yield vendor_orders
        placed = CounterMetricFamily("htx_orders_placed", "Orders placed since the start")
        placed.add_metric([], db.session.scalar(
            sa.select(sa.func.count()).select_from(tables["orders"])))
        yield placed
        payments = GaugeMetricFamily("htx_payments", "Payments by status", labels=["status"])
        pay = tables["payments"]
        for status, count in db.session.execute(
                sa.select(pay.c.status, sa.func.count()).group_by(pay.c.status)):
            payments.add_metric([str(status)], count)
        yield payments


class _ProcessMetrics:
    """This process's own metrics (when not in multiprocess mode)."""

    def collect(self):
        yield from REGISTRY.collect()


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def metrics_view():
    if not _allowed():
        abort(403)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector())
    response = Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    """Registered before the page cache, so a cache hit is timed too."""
    app.before_request(_start)
    app.after_request(_finish)
    app.add_url_rule("/metrics", "metrics", metrics_view)
