"""The one Redis connection of the app (redis-py), when REDIS_URL is set.

Redis holds what several nodes must share: rate-limit counters (Flask-Limiter's `redis://`
storage), the Flask session data (Flask-Session, market/sessions.py) and the page cache
(Flask-Caching's RedisCache, market/cache.py). Without REDIS_URL none of that needs it and
nothing here is used."""
from __future__ import annotations

from flask import current_app


def client(app=None):
    """The app's redis.Redis (a connection pool), or None without REDIS_URL."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    existing = app.extensions.get("htx_redis")
    if existing is None:
        import redis

        existing = app.extensions["htx_redis"] = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)
    return existing


def ping(app=None) -> bool | None:
    """True when Redis answers, False when it does not, None when none is configured."""
    redis_client = client(app)
    if redis_client is None:
        return None
    try:
        return bool(redis_client.ping())
    except Exception:  # noqa: BLE001 - any failure means unreachable
        return False
