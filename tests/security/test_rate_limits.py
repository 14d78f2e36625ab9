"""Rate limits hold across gunicorn workers (shared SQLite counters by default) and count the
address gunicorn sees, not what X-Forwarded-For claims. Issue 10, item 4."""
import http.cookiejar
import multiprocessing
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import request
from limits.storage import storage_from_string

from market import create_app
from market.accounts.views import LOGIN_LIMIT
from market.ratelimit import SQLiteStorage
from tests import servers

PROJECT = Path(__file__).resolve().parents[2]


def test_the_default_storage_is_shared_sqlite_in_the_instance_dir(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == (
        f"sqlite:///{Path(app.config['INSTANCE_DIR']) / 'ratelimit.db'}")
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    assert isinstance(storage, SQLiteStorage)


def test_the_login_limit_is_the_documented_one():
    assert LOGIN_LIMIT == "10 per minute"


def test_counters_expire_and_clear(tmp_path):
    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'rl.db'}")
    assert storage.incr("k", 1) == 1
    assert storage.incr("k", 1) == 2
    assert storage.get("k") == 2
    assert storage.get_expiry("k") > time.time()
    time.sleep(1.1)
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1  # a new window starts from the first hit
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", 60)
    assert storage.reset() == 1
    assert storage.check()


def _hammer(path: str, n: int) -> None:
    storage = SQLiteStorage(f"sqlite:///{path}")
    for _ in range(n):
        storage.incr("shared", 60)


def test_counters_are_exact_across_processes(tmp_path):
    path = str(tmp_path / "rl.db")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_hammer, args=(path, 200)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert SQLiteStorage(f"sqlite:///{path}").get("shared") == 800


def test_forwarded_for_is_ignored_unless_a_proxy_is_configured(app):
    plain = create_app({**app.config})
    plain.add_url_rule("/_ip", "ip", lambda: request.remote_addr)
    headers = {"X-Forwarded-For": "203.0.113.9"}
    assert plain.test_client().get("/_ip", headers=headers).get_data(as_text=True) == "127.0.0.1"
    proxied = create_app({**app.config, "PROXY_COUNT": 1})
    proxied.add_url_rule("/_ip", "ip", lambda: request.remote_addr)
    assert proxied.test_client().get("/_ip", headers=headers).get_data(as_text=True) == (
        "203.0.113.9")


# --- the real thing: gunicorn with the two workers of `make run` ------------------------------

def _post_login(base: str, n: int) -> int:
    """One browser: fetch the form (CSRF token and cookie), then POST wrong credentials
    with a made-up X-Forwarded-For. Returns the status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/vi/account/login", timeout=10) as page:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          page.read().decode()).group(1)
    body = urllib.parse.urlencode({"email": f"nobody{n}@example.vn", "password": "wrong pw 123",
                                   "csrf_token": token}).encode()
    req = urllib.request.Request(f"{base}/vi/account/login", data=body, headers={
        "X-Forwarded-For": f"198.51.100.{n}", "Referer": f"{base}/vi/account/login"})
    try:
        with opener.open(req, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def live_server(tmp_path):
    instance = tmp_path / "instance"
    env = {
        "MARKET_INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
        "MARKET_RATELIMIT_DISABLED": "0",
        "MARKET_SECRET_KEY": "live-test-secret-key-of-enough-length-0",
    }
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "market", "db",
                    "upgrade"], cwd=PROJECT, env={**os.environ, **env}, check=True,
                   capture_output=True, timeout=120)
    with servers.gunicorn(env, workers=2) as base:
        yield base


def test_login_limit_holds_across_two_gunicorn_workers(live_server):
    started = time.monotonic()
    # Concurrent browsers keep both workers busy, so both answer some of the requests.
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda n: _post_login(live_server, n), range(12)))
    assert sorted(statuses).count(429) == 2, statuses
    assert all(s in (200, 422) for s in statuses if s != 429), statuses
    assert _post_login(live_server, 99) == 429  # still limited, whatever the header says
    assert time.monotonic() - started < 20
