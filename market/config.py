"""Settings read from the environment, with defaults that work with zero set-up."""
from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"


def _env(name: str, default: str | None = None) -> str | None:
    """Read MARKET_<name>, falling back to the bare standard name (DATABASE_URL, ...)."""
    return os.environ.get(f"MARKET_{name}", os.environ.get(name, default))


def _bool(value: str | None) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    pass


def load_config(overrides: dict | None = None) -> dict:
    instance = Path(_env("INSTANCE_PATH", str(PROJECT_ROOT / "instance")))
    env = _env("ENV", "development")
    database_url = _env("DATABASE_URL") or f"sqlite:///{instance / 'market.db'}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    config = {
        "ENV_NAME": env,
        "SECRET_KEY": _env("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "INSTANCE_DIR": str(instance),
        "MEDIA_DIR": _env("MEDIA_DIR", str(instance / "media")),
        # Files only some people may see (OCOP decisions, dispute photos): never under
        # MEDIA_DIR, served by views that check the viewer. Default <instance>/private.
        "PRIVATE_DIR": _env("PRIVATE_DIR"),
        "DEMO_MODE": _bool(_env("DEMO", "0")),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        # Which series feed which commodity's forecasts as exogenous regressors (a JSON file
        # shaped like market/prices/data/exogenous.json, which is the default).
        "PRICES_EXOGENOUS_FILE": _env("PRICES_EXOGENOUS_FILE"),
        "ELASTICSEARCH_URL": _env("ELASTICSEARCH_URL"),
        # Search: the embedded index file (used unless ELASTICSEARCH_URL is set), the
        # Elasticsearch alias name, and whether requests drain the outbox themselves
        # (production sets 0 and runs `flask search-worker`).
        "SEARCH_INDEX_PATH": _env("SEARCH_INDEX_PATH"),  # a directory; default <instance>/search
        # The embedded engine: "tantivy" (default, fastest measured) or "fts5" (SQLite only).
        "SEARCH_EMBEDDED_ENGINE": _env("SEARCH_EMBEDDED_ENGINE", "tantivy"),
        "SEARCH_INDEX_NAME": _env("SEARCH_INDEX_NAME", "htx-products"),
        "SEARCH_INLINE_INDEXING": _bool(_env("SEARCH_INLINE_INDEXING", "1")),
        "STRIPE_API_KEY": _env("STRIPE_API_KEY"),
        "STRIPE_WEBHOOK_SECRET": _env("STRIPE_WEBHOOK_SECRET"),
        # Unset: a SQLite file in the instance directory, shared by every worker on the
        # machine (market/ratelimit.py); redis://... for several machines.
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI"),
        "RATELIMIT_HEADERS_ENABLED": True,  # Retry-After on a 429
        "RATELIMIT_ENABLED": not _bool(_env("RATELIMIT_DISABLED", "0")),
        # How many reverse proxies in front set X-Forwarded-For/-Proto; 0 trusts none, so
        # limits count the address gunicorn sees.
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        # Host names this site answers to; production defaults to PUBLIC_BASE_URL's host.
        "TRUSTED_HOSTS": [h.strip() for h in (_env("TRUSTED_HOSTS") or "").split(",")
                          if h.strip()] or None,
        # Sign-ins idle this long end; "remember me" lasts as long at most.
        "SESSION_IDLE_DAYS": int(_env("SESSION_IDLE_DAYS", "30")),
        "PASSWORD_HASH_PROFILE": _env("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Display-only conversion for foreign buyers; the rate carries its date.
        # VietQR: buyers transfer to the platform's account; the ledger pays cooperatives.
        # The development default is a made-up account so the QR flow works offline.
        "VIETQR_BANK_BIN": _env("VIETQR_BANK_BIN", None if env == "production" else "970436"),
        "VIETQR_ACCOUNT": _env("VIETQR_ACCOUNT",
                               None if env == "production" else "0011000000000"),
        "VIETQR_HOLDER": _env("VIETQR_HOLDER", "HTX MARKET"),
        # Shipping table: {"same_province": [base, per extra kg], "same_region": [...],
        # "other_region": [...]} in VND, as JSON; unset means market/orders/shipping.py's.
        "SHIPPING_RATES": json.loads(_env("SHIPPING_RATES", "null")),
        # Outbound webhooks (market/webhooks): seconds per attempt, attempts before a
        # delivery fails, the first retry's delay (doubling after each failure); private,
        # loopback and link-local targets are refused unless WEBHOOKS_ALLOW_PRIVATE (tests).
        "WEBHOOK_TIMEOUT": float(_env("WEBHOOK_TIMEOUT", "5")),
        "WEBHOOK_MAX_ATTEMPTS": int(_env("WEBHOOK_MAX_ATTEMPTS", "8")),
        "WEBHOOK_BACKOFF_SECONDS": int(_env("WEBHOOK_BACKOFF_SECONDS", "30")),
        "WEBHOOKS_ALLOW_PRIVATE": _bool(_env("WEBHOOKS_ALLOW_PRIVATE", "0")),
        # Orders one email address (or one client of the order API) may hold unpaid or
        # unshipped at a time.
        "MAX_OPEN_ORDERS_PER_CLIENT": int(_env("MAX_OPEN_ORDERS_PER_CLIENT", "10")),
        "ORDER_PAYMENT_TIMEOUT": timedelta(minutes=int(_env("ORDER_PAYMENT_MINUTES", "1440"))),
        # How long the signed link to a guest's order (confirmation page, emails) opens it.
        "ORDER_LINK_DAYS": int(_env("ORDER_LINK_DAYS", "90")),
        "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": _env("SMTP_PORT", "587"),
        "SMTP_USERNAME": _env("SMTP_USERNAME"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "MAIL_FROM": _env("MAIL_FROM", "no-reply@htx.vn"),
        "SMTP_STARTTLS": _bool(_env("SMTP_STARTTLS", "1")),
        # Redis (redis://host:6379/0): the task queue, rate-limit counters, server-side
        # sessions and the page cache, shared by every node. Unset: everything stays on this
        # machine. The task queue (market/jobs/queue.py, Huey) is then a SQLite file in the
        # instance directory (one machine, nothing to install). QUEUE_KICKS: requests that queue mail or search changes wake a worker at
        # once (default on with Redis; without it the workers' per-minute sweep sends them).
        "REDIS_URL": _env("REDIS_URL"),
        "QUEUE_PATH": _env("QUEUE_PATH"),
        "QUEUE_KICKS": _env("QUEUE_KICKS"),
        # How long a worker's claim on a mail or a job lasts: a worker that died is taken
        # over after this (keep it well above the longest job).
        "QUEUE_LEASE_SECONDS": int(_env("QUEUE_LEASE_SECONDS", "600")),
        # Media on S3-compatible object storage (market/storage.py) when a bucket is set;
        # local disk (MEDIA_DIR, PRIVATE_DIR) otherwise.
        "MEDIA_S3_BUCKET": _env("MEDIA_S3_BUCKET"),
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "S3_REGION": _env("S3_REGION", "us-east-1"),
        "MEDIA_S3_PUBLIC_URL": _env("MEDIA_S3_PUBLIC_URL"),
        # >0: private files are handed out as presigned URLs this many seconds long instead
        # of being streamed through the checked view.
        "MEDIA_S3_PRESIGN_SECONDS": int(_env("MEDIA_S3_PRESIGN_SECONDS", "0")),
        # The anonymous page cache (market/cache.py): on unless MARKET_PAGE_CACHE=0; an
        # entry lives PAGE_CACHE_TTL seconds at most (changes invalidate it at once).
        "PAGE_CACHE": _env("PAGE_CACHE"),
        "PAGE_CACHE_TTL": int(_env("PAGE_CACHE_TTL", "300")),
        # Small derived data kept under the same generations (a category's filter choices):
        # on with the page cache unless MARKET_DATA_CACHE says otherwise.
        "DATA_CACHE": _env("DATA_CACHE"),
        # Flask-Caching's backend: FileSystemCache under <instance>/cache, RedisCache with
        # REDIS_URL; MARKET_CACHE_TYPE chooses another (SimpleCache, NullCache...).
        "CACHE_TYPE": _env("CACHE_TYPE"),
        # /metrics: a bearer token when set, else loopback only (market/metrics.py).
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        # Logs: "json" (one object a line, with the request id) or "text"; LOG_REQUESTS=1
        # adds a line per request (about a third of a bare route's cost: off by default).
        "LOG_FORMAT": _env("LOG_FORMAT", "json"),
        "LOG_REQUESTS": _bool(_env("LOG_REQUESTS", "0")),
        # Sentry: initialised only when SENTRY_DSN is set.
        "SENTRY_DSN": _env("SENTRY_DSN"),
        "SENTRY_TRACES_SAMPLE_RATE": float(_env("SENTRY_TRACES_SAMPLE_RATE", "0")),
        # /readyz reports an outbox whose oldest row is older than this (seconds).
        "READY_OUTBOX_MAX_AGE": int(_env("READY_OUTBOX_MAX_AGE", "900")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }
    if env == "production":
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    config.update(overrides or {})
    if not config.get("PRIVATE_DIR"):
        config["PRIVATE_DIR"] = str(Path(config["INSTANCE_DIR"]) / "private")
    if not config.get("QUEUE_PATH"):
        config["QUEUE_PATH"] = str(Path(config["INSTANCE_DIR"]) / "queue.db")
    kicks = config.get("QUEUE_KICKS")
    config["QUEUE_KICKS"] = bool(config.get("REDIS_URL")) if kicks is None else (
        kicks if isinstance(kicks, bool) else _bool(kicks))
    if not config.get("SEARCH_INDEX_PATH"):
        config["SEARCH_INDEX_PATH"] = str(Path(config["INSTANCE_DIR"]) / "search")
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or \
            f"sqlite:///{Path(config['INSTANCE_DIR']) / 'ratelimit.db'}"
    if config.get("PAGE_CACHE") is None:  # tests render fresh unless they ask for the cache
        config["PAGE_CACHE"] = not config.get("TESTING")
    elif isinstance(config["PAGE_CACHE"], str):
        config["PAGE_CACHE"] = _bool(config["PAGE_CACHE"])
    if config.get("DATA_CACHE") is None:
        config["DATA_CACHE"] = config["PAGE_CACHE"]
    elif isinstance(config["DATA_CACHE"], str):
        config["DATA_CACHE"] = _bool(config["DATA_CACHE"])
    if not config.get("CACHE_TYPE"):
        config["CACHE_TYPE"] = "RedisCache" if config.get("REDIS_URL") else "FileSystemCache"
    config.setdefault("CACHE_KEY_PREFIX", "htx:")
    config.setdefault("CACHE_DEFAULT_TIMEOUT", config["PAGE_CACHE_TTL"])
    if config["CACHE_TYPE"] == "RedisCache":
        config.setdefault("CACHE_REDIS_URL", config.get("REDIS_URL"))
    elif config["CACHE_TYPE"] == "FileSystemCache":
        config.setdefault("CACHE_DIR", str(Path(config["INSTANCE_DIR"]) / "cache"))
        config.setdefault("CACHE_THRESHOLD", 20000)
    config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=config["SESSION_IDLE_DAYS"]))
    if config["ENV_NAME"] == "production" and not config.get("TRUSTED_HOSTS"):
        # Flask answers 400 to any other Host header, so nothing built from it leaks out.
        config["TRUSTED_HOSTS"] = [urlsplit(config["PUBLIC_BASE_URL"]).hostname]
    check(config)
    return config


def check(config: dict) -> None:
    """A production profile refuses to start with settings that are only fit for a laptop."""
    if config["ENV_NAME"] == "production":
        key = config.get("SECRET_KEY") or ""
        if key == DEFAULT_SECRET_KEY or len(key) < 32:
            raise ConfigError(
                "MARKET_ENV=production needs SECRET_KEY set to a random value of 32+ characters"
            )
