"""Real servers for tests that need several processes: a side database (its own SQLite file,
or `<name>_<suffix>` on the suite's PostgreSQL server) and gunicorn on a free loopback port,
started the way `make run` starts it (two workers)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

PROJECT = Path(__file__).resolve().parent.parent


def side_database_url(tmp_root: Path, suffix: str) -> str:
    """A database of its own beside the suite's, so a live server's committed data never
    meets the per-test rolled-back transactions."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / f'{suffix}.db'}"
    parsed = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{parsed.database}_{suffix}"
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int = 2, timeout: float = 30.0):
    """Yield the base URL of gunicorn serving `market:create_app()` with `env` added to the
    environment; stopped (and its log shown on failure) afterwards."""
    port = free_port()
    log = Path(env.get("MARKET_INSTANCE_PATH", "/tmp")) / f"gunicorn-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
             "--bind", f"127.0.0.1:{port}", "market:create_app()"],
            cwd=PROJECT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def redis_server(directory: Path, timeout: float = 10.0):
    """Yield the URL of a throw-away Debian `redis-server` on a free loopback port (no
    persistence), or skip the test, visibly, when the binary is not installed (.ci/run
    installs it)."""
    import shutil

    import pytest

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    import redis

    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(directory), "--logfile", str(directory / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if redis.Redis.from_url(url, socket_timeout=1).ping():
                    break
            except redis.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
