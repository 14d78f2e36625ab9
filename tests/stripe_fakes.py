"""Stripe, the real way but offline: events signed with Stripe's scheme (HMAC-SHA256 over
"timestamp.body"), and a small HTTP server that answers the two API calls we make the way
Stripe does (the real SDK talks to it through STRIPE_API_BASE)."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

SECRET = "whsec_test_secret"


def signed(payload, secret=SECRET, timestamp=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    ts = int(timestamp or time.time())
    signature = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={ts},v1={signature}",
                  "Content-Type": "application/json"}


def event(event_id, kind, obj):
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}


def completed(session_id, amount, event_id, intent="pi_1"):
    return event(event_id, "checkout.session.completed", {
        "id": session_id, "object": "checkout.session", "payment_status": "paid",
        "amount_total": amount, "currency": "vnd", "payment_intent": intent})


def refunded(amount_refunded, event_id, intent="pi_1"):
    return event(event_id, "charge.refunded", {
        "id": "ch_" + intent, "object": "charge", "payment_intent": intent,
        "amount_refunded": amount_refunded})


def post_event(client, payload, **kw):
    body, headers = signed(payload, **kw)
    return client.post("/payments/stripe/webhook", data=body, headers=headers)


class FakeStripe:
    """Answers POST /v1/checkout/sessions and /v1/refunds like Stripe, honouring
    Idempotency-Key (same key, same object), and records every request."""

    def __init__(self):
        self.requests: list[tuple[str, str, dict]] = []
        self._by_key: dict[str, dict] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                key = self.headers.get("Idempotency-Key", "")
                fake.requests.append((self.path, key, params))
                if key not in fake._by_key:
                    n = len(fake._by_key) + 1
                    if self.path.startswith("/v1/refunds"):
                        obj = {"id": f"re_{n}", "object": "refund", "status": "succeeded",
                               "amount": int(params.get("amount", 0)),
                               "payment_intent": params.get("payment_intent")}
                    else:
                        obj = {"id": f"cs_fake_{n}", "object": "checkout.session",
                               "url": f"https://checkout.stripe.test/c/{n}"}
                    fake._by_key[key] = obj
                payload = json.dumps(fake._by_key[key]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys(self, path_prefix):
        return [key for path, key, _ in self.requests if path.startswith(path_prefix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
