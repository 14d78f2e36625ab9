"""The first minute of a new user: the locks agree with pyproject.toml, the Makefile refuses
an old Python and a taken port with clear messages, and the server says where it is only
once it answers (issue 18)."""
from __future__ import annotations

import importlib.util
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import PROJECT, free_port

VENV_PYTHON = PROJECT / ".venv" / "bin" / "python"


def _locks_module():
    spec = importlib.util.spec_from_file_location("locks", PROJECT / "scripts" / "locks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _copy_project_files(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(PROJECT / "pyproject.toml", root)
    shutil.copy(PROJECT / "scripts" / "locks.py", root / "scripts")
    shutil.copytree(PROJECT / "requirements", root / "requirements")
    return root


def _run_check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "scripts" / "locks.py"), "check"],
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_locks_agree_with_pyproject():
    locks = _locks_module()
    assert locks.check(PROJECT) == []
    for name in locks.SETS:
        pinned = {n.lower() for n, _, _ in locks.pins(PROJECT / "requirements" / f"{name}.txt")}
        assert {"flask", "setuptools", "statsmodels"} <= pinned
        text = (PROJECT / "requirements" / f"{name}.txt").read_text()
        assert "--hash=sha256:" in text and text.count("==") <= text.count("--hash=sha256:")
    dev = {n.lower() for n, _, _ in locks.pins(PROJECT / "requirements" / "dev.txt")}
    assert {"pytest", "playwright", "ruff"} <= dev


def test_a_dependency_changed_without_make_lock_fails_the_check(tmp_path):
    root = _copy_project_files(tmp_path)
    assert _run_check(root).returncode == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"segno>=1.5",',
                                                       '"segno>=1.5",\n    "humanize>=4.0",'))
    result = _run_check(root)
    assert result.returncode == 1
    assert "requirements/runtime.txt was made from another pyproject.toml" in result.stderr
    assert "run `make lock`" in result.stderr


def test_a_hand_edited_pin_outside_pyproject_fails_the_check(tmp_path):
    root = _copy_project_files(tmp_path)
    lock = root / "requirements" / "dev.txt"
    text = lock.read_text()
    pinned = next(v for n, v, _ in _locks_module().pins(lock) if n == "flask")
    lock.write_text(text.replace(f"\nflask=={pinned} ", "\nflask==2.0.0 "))
    result = _run_check(root)
    assert result.returncode == 1
    assert "dev.txt pins flask==2.0.0, outside 'flask>=3.0'" in result.stderr


def _make(*args, env=None, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(PROJECT), *args],
                          capture_output=True, text=True, timeout=timeout, check=False,
                          env={**os.environ, **(env or {})})


def test_make_refuses_a_python_older_than_311(tmp_path):
    fake = tmp_path / "python3.10"
    fake.write_text("#!/bin/sh\necho 3 10\n")  # answers the version question like 3.10 would
    fake.chmod(0o755)
    for target in ("python-check", "run", "test"):
        result = _make(target, f"PYTHON={fake}", "PORT=1")
        assert result.returncode == 2, result
        assert f"HTX Market needs Python 3.11 or newer, and {fake} is 3.10" in result.stderr
        assert "demo data" not in result.stdout
    real = _working_python("3.10")
    if real:  # pyenv's 3.10 on the development machines
        result = _make("python-check", f"PYTHON={real}")
        assert result.returncode == 2 and "is 3.10" in result.stderr


def _working_python(version: str) -> str | None:
    candidates = [shutil.which(f"python{version}"),
                  *sorted(map(str, Path.home().glob(f".pyenv/versions/{version}*/bin/python3")))]
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", "pass"], capture_output=True,
                          check=False).returncode == 0:
            return candidate
    return None


def test_make_says_when_there_is_no_python(tmp_path):
    result = _make("python-check", f"PYTHON={tmp_path / 'nothing'}")
    assert result.returncode == 2
    assert "no Python found" in result.stderr and "3.11 or newer" in result.stderr


def test_make_accepts_this_python():
    assert _make("python-check", f"PYTHON={sys.executable}").returncode == 0


def test_a_taken_port_fails_at_once_before_installing_anything():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        started = time.monotonic()
        result = _make("run", f"PORT={port}", f"PYTHON={sys.executable}")
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"make run PORT={port + 1}" in result.stderr
    assert result.stdout == "" and time.monotonic() - started < 20


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def _serve(tmp_path: Path, env: dict):
    """`make serve` on a free port with a database of its own; yields (port, process)."""
    if not VENV_PYTHON.exists():
        pytest.skip("needs the project's .venv (make test creates it)")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKET_")} | {
        "MARKET_INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "MARKET_RATELIMIT_DISABLED": "1",
        **env,
    }
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(PROJECT), "serve", f"PORT={port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True)
    return port, proc


def _stop(proc) -> tuple[str, str]:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    return out, err


@pytest.mark.parametrize("public_url", [None, "https://cho.example.vn"])
def test_the_url_is_printed_once_when_the_server_answers(tmp_path, public_url):
    port, proc = _serve(tmp_path, {"MARKET_PUBLIC_BASE_URL": public_url} if public_url else {})
    try:
        # serve.py prints nothing until it has seen /healthz answer 200
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        assert ready, "no output from make serve in 120 s"
        first = proc.stdout.readline()
        assert first == f"Serving on http://127.0.0.1:{port}  (Ctrl+C stops it)\n"
        assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        # Absolute links (emails, sitemap, feeds) point at this server unless one was chosen.
        base = public_url or f"http://127.0.0.1:{port}"
        status, robots = _get(f"http://127.0.0.1:{port}/robots.txt")
        assert status == 200 and f"Sitemap: {base}/sitemap.xml" in robots
    finally:
        out, err = _stop(proc)
    assert "Serving on" not in out  # once only
    assert "Listening at" not in err and "Booting worker" not in err  # no gunicorn chatter
    assert "Traceback" not in err
    deadline = time.monotonic() + 20  # the signal reached gunicorn: the port is free again
    while _port_taken(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _port_taken(port)


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
