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
    # Under xdist each worker needs its own (two workers' live servers once shared one
    # `_e2e` database and dropped each other's schema mid-test).
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"{parsed.database}_{suffix}"
    if worker and suffix != worker:
        name = f"{name}_{worker}"
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


def wait_healthy(base: str, proc, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{base} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def start_gunicorn(env: dict, workers: int = 2, timeout: float = 90.0, port: int | None = None):
    """Start gunicorn serving `market:create_app()` in its own process group (so a test can
    kill the master and its workers at once); returns (process, base URL, log path)."""
    port = port or free_port()
    log = Path(env.get("MARKET_INSTANCE_PATH", "/tmp")) / f"gunicorn-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            # No control socket: gunicorn 27 puts one per user in ~/.gunicorn, which
            # servers started side by side (xdist workers, several nodes) would share.
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
             "--no-control-socket", "--bind", f"127.0.0.1:{port}", "market:create_app()"],
            cwd=PROJECT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, log, timeout)
    except RuntimeError:
        stop(proc)
        raise
    return proc, base, log


def stop(proc, kill: bool = False) -> None:
    """End a process started in its own group, and its children (SIGKILL when `kill`)."""
    import signal

    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextmanager
def gunicorn(env: dict, workers: int = 2, timeout: float = 90.0):
    """Yield the base URL of gunicorn serving `market:create_app()` with `env` added to the
    environment; stopped afterwards."""
    proc, base, _log = start_gunicorn(env, workers, timeout)
    try:
        yield base
    finally:
        stop(proc)


@contextmanager
def redis_server(directory: Path | None = None):
    """Debian's redis-server on a free loopback port, nothing persisted; yields its URL. Skips
    the test, visibly, when the binary is not installed (.ci/run installs it)."""
    import shutil

    import pytest

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    port = free_port()
    where = ["--dir", str(directory), "--logfile", str(directory / "redis.log")] if directory else []
    if directory:
        directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--protected-mode", "yes", *where],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc, kill=True)
            raise RuntimeError("redis-server did not start")
        time.sleep(0.1)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)


@contextmanager
def s3_server(bucket: str = "htx-media"):
    """A real S3 endpoint on loopback (moto in server mode) with `bucket` created; yields the
    environment a process needs to use it (endpoint, bucket, credentials)."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {"MARKET_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}", "MARKET_MEDIA_S3_BUCKET": bucket,
           "AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret",
           "AWS_DEFAULT_REGION": "us-east-1"}
    try:
        boto3.client("s3", endpoint_url=env["MARKET_S3_ENDPOINT_URL"], region_name="us-east-1",
                     aws_access_key_id="test-key", aws_secret_access_key="test-secret",
                     ).create_bucket(Bucket=bucket)
        yield env
    finally:
        server.stop()
