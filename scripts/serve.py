#!/usr/bin/env python3
"""`make run`'s last step: start the server and say where it is once it answers.

    serve.py check-port HOST PORT          exit 1 with a clear message if the port is taken
    serve.py run HOST PORT -- COMMAND...   check the port, start COMMAND (gunicorn, which is
                                           told to bind HOST:PORT), poll /healthz, print
                                           "Serving on http://HOST:PORT" once it answers 200,
                                           pass SIGINT/SIGTERM/SIGHUP on, exit with its status

Standard library only: `check-port` runs with the system Python before anything is
installed, so a taken port is reported before minutes of installing and seeding."""
from __future__ import annotations

import errno
import signal
import socket
import subprocess
import sys
import time
import urllib.request

POLL_SECONDS = 0.1
SLOW_START_SECONDS = 60  # say so if the server has not answered by then


def port_problem(host: str, port: int) -> str | None:
    """Why HOST:PORT cannot be served on, or None. Binds the way gunicorn does."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use (another `make run`, or "
                        f"another program). Stop it, or choose another port: "
                        f"make run PORT={port + 1}")
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def serve(host: str, port: int, command: list[str]) -> int:
    problem = port_problem(host, port)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    child = subprocess.Popen([*command, "--bind", f"{host}:{port}"])

    def forward(signum, _frame):
        if child.poll() is None:
            child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)

    base = f"http://{host}:{port}"
    started, warned = time.monotonic(), False
    while child.poll() is None:
        if answers(f"{base}/healthz"):
            print(f"Serving on {base}  (Ctrl+C stops it)", flush=True)
            break
        if not warned and time.monotonic() - started > SLOW_START_SECONDS:
            print(f"still waiting for {base}/healthz to answer...", file=sys.stderr, flush=True)
            warned = True
        time.sleep(POLL_SECONDS)
    return child.wait()


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "check-port":
        problem = port_problem(argv[1], int(argv[2]))
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
        return 0
    if len(argv) >= 5 and argv[0] == "run" and argv[3] == "--":
        return serve(argv[1], int(argv[2]), argv[4:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
