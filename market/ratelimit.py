"""Rate-limit counters shared by every worker on the machine, with nothing to install.

`make run` starts gunicorn with two workers; `memory://` would give each its own counters, so
a "10 a minute" limit would really be 20 or more. This registers a `sqlite://` storage with
the `limits` package (its StorageRegistry picks up any Storage subclass that names a
STORAGE_SCHEME): fixed-window counters in a small SQLite file in the instance directory, in
WAL mode with a busy timeout, each increment one atomic UPSERT. Several machines need a
shared server instead: RATELIMIT_STORAGE_URI=redis://... works as before.

URI: `sqlite:////absolute/path/ratelimit.db` (or `sqlite:///relative/path`), as SQLAlchemy."""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from limits.errors import ConfigurationError
from limits.storage import Storage

CLEANUP_EVERY = 60.0  # seconds between sweeps of expired counters, per connection


class SQLiteStorage(Storage):
    STORAGE_SCHEME = ("sqlite",)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        path = urlsplit(uri or "").path[1:]
        if not path:
            raise ConfigurationError("sqlite:// rate-limit storage needs a file path")
        self.path = Path(path)
        self.timeout = float(options.get("timeout", 5.0))
        self._local = threading.local()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # One connection per thread and per process: gunicorn forks, and a SQLite connection
        # must never cross a fork.
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS ratelimit_counters ("
                         " key TEXT PRIMARY KEY, count INTEGER NOT NULL,"
                         " expires_at REAL NOT NULL) WITHOUT ROWID")
            local.conn, local.pid, local.swept = conn, os.getpid(), 0.0
        return local.conn

    def _sweep(self, conn: sqlite3.Connection, now: float) -> None:
        if now - self._local.swept >= CLEANUP_EVERY:
            self._local.swept = now
            conn.execute("DELETE FROM ratelimit_counters WHERE expires_at <= ?", (now,))

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        conn = self._db()
        now = time.time()
        self._sweep(conn, now)
        # One statement, so one atomic write however many workers hit the same key; an
        # expired window starts again from `amount`.
        row = conn.execute(
            "INSERT INTO ratelimit_counters (key, count, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET "
            " count = CASE WHEN expires_at <= ? THEN excluded.count ELSE count + excluded.count END,"
            " expires_at = CASE WHEN expires_at <= ? THEN excluded.expires_at ELSE expires_at END "
            "RETURNING count",
            (key, amount, now + expiry, now, now),
        ).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._db().execute(
            "SELECT count FROM ratelimit_counters WHERE key = ? AND expires_at > ?",
            (key, time.time()),
        ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = self._db().execute(
            "SELECT expires_at FROM ratelimit_counters WHERE key = ? AND expires_at > ?",
            (key, now),
        ).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM ratelimit_counters").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM ratelimit_counters WHERE key = ?", (key,))
