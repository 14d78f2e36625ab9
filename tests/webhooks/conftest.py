"""A real HTTP receiver on a loopback port (the test flag WEBHOOKS_ALLOW_PRIVATE lets the
sender reach it), answering with the statuses a test scripts."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Receiver:
    url: str
    statuses: list = field(default_factory=list)  # answers to give, in order; then 200
    received: list = field(default_factory=list)  # (path, headers, body) per request
    redirect_hits: int = 0


@pytest.fixture(scope="module")
def _server():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/elsewhere"):
                state.redirect_hits += 1
            state.received.append((self.path, dict(self.headers), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            if status in (301, 302, 307, 308):
                self.send_header("Location", state.url.rsplit("/", 1)[0] + "/elsewhere")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/htx"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver(_server, app, monkeypatch):
    _server.statuses.clear()
    _server.received.clear()
    _server.redirect_hits = 0
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
    return _server


@dataclass
class Partner:
    key: object
    secret: str  # the API key as the partner sends it

    @property
    def id(self) -> int:
        return self.key.id

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.secret}"}


def _partner(name, scopes=("webhooks:manage", "orders:write")):
    from market.api import keys

    key, secret = keys.create_key(name, scopes, "dev@example.vn")
    return Partner(key, secret)


@pytest.fixture
def partner(ctx):
    return _partner("Sàn Thương mại A")


@pytest.fixture
def other(ctx):
    return _partner("Cổng thông tin B")
