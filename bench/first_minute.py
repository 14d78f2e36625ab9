"""Time from `git clone` to the first 200 on /healthz of `make run`, as a new user sees it.

    python3 bench/first_minute.py [--rounds 3] [--cache cold|warm|both] [--repo PATH]

Each round clones the repository (default: this checkout's committed HEAD) into a new temp
directory, runs `make run PORT=<free port>` there, and polls http://127.0.0.1:PORT/healthz
every 0.1 s from the moment `git clone` starts. "cold" points UV_CACHE_DIR and
PIP_CACHE_DIR at empty temp directories (every wheel is downloaded); "warm" uses the normal
caches. MARKET_* variables of the caller are removed so the clone uses its own instance/.
Standard library only: run it with any Python 3.11+.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def one_round(repo: str, cold: bool, timeout: float) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="htx-first-minute-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKET_")}
    if cold:
        env["UV_CACHE_DIR"] = str(tmp / "uv-cache")
        env["PIP_CACHE_DIR"] = str(tmp / "pip-cache")
    port = free_port()
    started = time.monotonic()
    subprocess.run(["git", "clone", "--quiet", repo, str(tmp / "clone")], check=True)
    cloned = time.monotonic() - started
    with open(tmp / "make-run.log", "wb") as log:
        proc = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=tmp / "clone", env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while not healthy(port):
            if proc.poll() is not None:
                raise RuntimeError(f"make run exited {proc.returncode}: "
                                   f"{(tmp / 'make-run.log').read_text()[-2000:]}")
            if time.monotonic() - started > timeout:
                raise RuntimeError("no 200 on /healthz in time")
            time.sleep(0.1)
        first_200 = time.monotonic() - started
        # The URL line must follow: give the poller of scripts/serve.py a moment.
        deadline = time.monotonic() + 5
        while b"Serving on" not in (tmp / "make-run.log").read_bytes() and \
                time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        cpu = _reap(proc)
    output = (tmp / "make-run.log").read_text(errors="replace")
    subprocess.run(["rm", "-rf", str(tmp)], check=False)
    return {"clone": cloned, "first_200": first_200, "cpu": cpu, "output": output}


def _reap(proc, timeout: float = 20) -> float:
    """Wait for `make run` and return the CPU seconds (user + system) it and every process
    it waited for used: the install, the seed and the server, a figure that other jobs
    sharing the cores do not inflate the way they inflate the wall-clock time."""
    deadline = time.monotonic() + timeout
    while True:
        pid, _status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = 0  # reaped here; keep Popen from waiting again
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", choices=["cold", "warm", "both"], default="both")
    parser.add_argument("--repo", default=str(ROOT))
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--show-output", action="store_true", help="print make run's output")
    args = parser.parse_args()
    kinds = ["cold", "warm"] if args.cache == "both" else [args.cache]
    for kind in kinds:
        times, cpus = [], []
        for n in range(1, args.rounds + 1):
            load = os.getloadavg()[0]
            result = one_round(args.repo, kind == "cold", args.timeout)
            times.append(result["first_200"])
            cpus.append(result["cpu"])
            print(f"{kind} round {n}: first 200 after {result['first_200']:.1f} s "
                  f"(clone {result['clone']:.1f} s, CPU {result['cpu']:.1f} s, "
                  f"load average before {load:.1f})", flush=True)
            if args.show_output:
                print(result["output"])
        print(f"{kind}: median {statistics.median(times):.1f} s to the first 200, "
              f"median CPU {statistics.median(cpus):.1f} s, over {len(times)} rounds", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
