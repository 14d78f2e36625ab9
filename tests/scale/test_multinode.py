"""Several machines' worth of HTX Market on loopback, under load, losing a node and a worker.

PostgreSQL (the suite's server, a database of its own), Redis (Debian's redis-server: the
task queue, rate-limit storage), S3 through moto in server mode (media), an SMTP sink, two
gunicorn app nodes on two ports and two `flask worker` consumers. A bounded load spread over
both nodes (a client-side balancer: round robin, a dead node taken out): browsing buyers,
guest checkouts through the HTML forms, and a cooperative editing prices through its
product form. One app node and one worker are killed (SIGKILL) mid-run.

Afterwards: no 5xx anywhere (a request the killed node had in flight shows up as a lost
connection, counted apart and retried on the other node, as a load balancer does), stock and
ledger invariants hold, every outbox mail reached the SMTP server exactly once, the search
index equals the database, and no page served a price older than a change already saved.
Needs PostgreSQL (DATABASE_URL, as .ci/run sets) and redis-server; skipped, with the reason,
otherwise."""
from __future__ import annotations

import itertools
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from market import create_app
from market.catalog.models import Product
from market.catalog.services import public_products_query
from market.extensions import db
from market.notifications.models import OutboxEmail
from market.orders import ledger
from market.orders.models import Order
from market.search import backend_for
from market.search.backend import Filters
from market.search.models import SearchOutbox
from tests import factories
from tests.conftest import reset_database
from tests.security.invariants import stock_problems
from tests.servers import (
    PROJECT,
    redis_server,
    s3_server,
    side_database_url,
    start_gunicorn,
    stop,
)
from tests.smtp_sink import SMTPSink

pytestmark = [
    pytest.mark.committed,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="multi-node test needs PostgreSQL (DATABASE_URL); .ci/run runs it"),
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="multi-node test needs Debian's redis-server (.ci/run installs it)"),
]

SECRET = "multinode-secret-key-of-sufficient-length"
# The load runs until enough orders and price edits went through on each side of the kills
# (a node and a worker die with the load in full swing, and the survivors carry it on), no
# less than the first figure and no more than the second (seconds): a quiet machine needs a
# few seconds (it had a fixed 24 s before), a loaded one gets the time its first, cold
# requests need.
BEFORE_KILL, AFTER_KILL = (2.0, 20.0), (3.0, 30.0)
ORDERS_EACH_SIDE, EDITS_EACH_SIDE = 5, 2
PRODUCTS, STOCK = 6, 60
PRICE = re.compile(r'"price":\s*"(\d+)"')


class _Form(HTMLParser):
    """The fields of the first <form> whose action contains `action` (or, for "", the
    first without an action: it posts to its own page), as a browser would
    submit them untouched (inputs, checked boxes, selected options, textareas)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        target = a.get("action") or ""
        if tag == "form" and not self.fields and (
                self.action in target if self.action else not target):
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "file"):
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self.inside and self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str, action: str) -> dict:
    parser = _Form(action)
    parser.feed(html)
    assert parser.fields, f"no form for {action}"
    return parser.fields


class Balancer:
    """Round robin over the live nodes; a node that refuses connections is taken out and the
    request retried once on another (what nginx or Caddy do with a dead upstream)."""

    def __init__(self, nodes: list[str]):
        self.nodes, self.dead = list(nodes), set()
        self._next = itertools.count()
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.lost: list[str] = []      # requests the killed node had in flight
        self.errors: list[str] = []    # anything else that went wrong

    def pick(self) -> str:
        live = [n for n in self.nodes if n not in self.dead]
        return live[next(self._next) % len(live)]

    def live(self) -> list[str]:
        return [n for n in self.nodes if n not in self.dead]

    def request(self, web: requests.Session, method: str, path: str, **kwargs):
        for attempt in range(2):
            node = self.pick()
            try:
                response = web.request(method, node + path, timeout=30, allow_redirects=False,
                                       **kwargs)
            except requests.ConnectionError as exc:
                with self.lock:
                    if node in self.dead or attempt == 0 and self._is_down(node):
                        self.lost.append(f"{method} {path}: {type(exc).__name__}")
                        continue
                    self.errors.append(f"{method} {node}{path}: {exc!r}")
                raise
            with self.lock:
                self.statuses[response.status_code // 100 * 100] += 1
                if response.status_code >= 500:
                    self.errors.append(f"{response.status_code} {method} {node}{path}")
            return response
        raise requests.ConnectionError("no node answered")

    def _is_down(self, node: str) -> bool:
        try:
            requests.get(node + "/healthz", timeout=2)
            return False
        except requests.ConnectionError:
            self.dead.add(node)
            return True


@pytest.fixture(scope="module")
def cluster(tmp_root):
    url = side_database_url(tmp_root, "multinode")
    instance = tmp_root / "multinode-instance"
    with redis_server() as redis_url, s3_server("htx-multinode") as s3_env, SMTPSink() as sink:
        env = {**s3_env, "MARKET_DATABASE_URL": url, "MARKET_INSTANCE_PATH": str(instance),
               "MARKET_SECRET_KEY": SECRET, "MARKET_SEARCH_INLINE_INDEXING": "0",
               "REDIS_URL": redis_url, "MARKET_QUEUE_KICKS": "1",
               "MARKET_QUEUE_LEASE_SECONDS": "5",
               "RATELIMIT_STORAGE_URI": redis_url, "MARKET_RATELIMIT_DISABLED": "1",
               "MARKET_MAX_OPEN_ORDERS_PER_CLIENT": "100000",
               "MARKET_SMTP_HOST": "127.0.0.1", "MARKET_SMTP_PORT": str(sink.port),
               "MARKET_SMTP_STARTTLS": "0"}
        saved = {k: os.environ.get(k) for k in s3_env}
        os.environ.update({k: v for k, v in s3_env.items() if k.startswith("AWS_")})
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(instance),
                          "RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET,
                          "REDIS_URL": redis_url, "QUEUE_KICKS": True,
                          "MEDIA_S3_BUCKET": s3_env["MARKET_MEDIA_S3_BUCKET"],
                          "S3_ENDPOINT_URL": s3_env["MARKET_S3_ENDPOINT_URL"]})
        reset_database(app)
        with app.test_request_context():
            coop = factories.cooperative()
            owner = factories.staff(coop)
            products = [factories.product(coop, name_vi=f"Cà phê rang xay số {i}",
                                          price=100_000 + i * 1000, stock=STOCK)
                        for i in range(PRODUCTS)]
            db.session.commit()
            from market.search import indexer

            indexer.reindex()
            indexer.drain()
            db.session.commit()
            data = {"coop": coop.slug, "owner": owner.email,
                    "slugs": [p.slug for p in products], "ids": [p.id for p in products]}
            db.session.remove()
        with ThreadPoolExecutor(2) as pool:  # both nodes boot at once
            nodes = list(pool.map(lambda _: start_gunicorn(env, workers=2, timeout=120),
                                  range(2)))
        flask = str(Path(sys.executable).parent / "flask")
        workers = []
        for i in range(2):
            with open(instance / f"worker-{i}.log", "wb") as out:
                workers.append(subprocess.Popen(
                    [flask, "--app", "market", "worker", "--threads", "2"], cwd=PROJECT,
                    env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True))
        try:
            yield {"app": app, "nodes": nodes, "workers": workers, "sink": sink, **data,
                   "instance": instance}
        finally:
            for proc in workers + [n[0] for n in nodes]:
                stop(proc)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _browse(lb: Balancer, data, load_over: threading.Event):
    web = requests.Session()
    paths = ["/vi/", f"/vi/c/{data['coop']}", "/vi/search?q=ca+phe", "/en/search?q=coffee"]
    while not load_over.is_set():
        path = random.choice(paths + [f"/vi/p/{s}" for s in data["slugs"]])
        try:
            lb.request(web, "GET", path)
        except requests.ConnectionError:
            pass


def _token(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


def _buy(lb: Balancer, data, n: int, load_over: threading.Event, placed: list):
    while not load_over.is_set():
        web = requests.Session()
        try:
            slug = random.choice(data["slugs"])
            page = lb.request(web, "GET", f"/vi/p/{slug}")
            lb.request(web, "POST", "/vi/cart/add", data={
                "csrf_token": _token(page.text, "csrf_token"), "product": slug,
                "quantity": random.randint(1, 2)})
            form = lb.request(web, "GET", "/vi/checkout")
            if form.status_code != 200:
                continue
            done = lb.request(web, "POST", "/vi/checkout", data={
                "csrf_token": _token(form.text, "csrf_token"),
                "idempotency_key": _token(form.text, "idempotency_key"),
                "name": f"Người mua {n}", "email": f"buyer{n}@example.vn",
                "phone": "0912345678", "province_code": 1, "commune_code": 70,
                "address_line": "12 Hàng Bạc", "payment_method": "cod"})
            if done.status_code in (302, 303):
                placed.append(slug)
        except (requests.ConnectionError, AssertionError):
            continue


def _edit(lb: Balancer, data, load_over: threading.Event, edits: list, stale: list):
    web = requests.Session()
    login = lb.request(web, "GET", "/vi/account/login")
    lb.request(web, "POST", "/vi/account/login", data={
        "csrf_token": _token(login.text, "csrf_token"), "email": data["owner"],
        "password": factories.PASSWORD})
    while not load_over.is_set():
        slug = random.choice(data["slugs"])
        try:
            page = lb.request(web, "GET", f"/vi/vendor/products/{slug}/edit")
            fields = form_fields(page.text, "")
            price = int(fields["variants-0-price"]) + 1000  # the product's only size
            fields["variants-0-price"] = str(price)
            saved = lb.request(web, "POST", f"/vi/vendor/products/{slug}/edit", data=fields)
            if saved.status_code not in (302, 303):
                lb.errors.append(f"edit refused: {saved.status_code} {saved.text[:300]}")
                continue
            edits.append((slug, price))
            # The change is committed: every live node must show it on its next request.
            for node in lb.live():
                try:
                    shown = requests.get(f"{node}/vi/p/{slug}", timeout=30)
                except requests.ConnectionError:
                    continue
                got = PRICE.search(shown.text)
                if got is None or int(got.group(1)) != price:
                    stale.append((node, slug, price, got and got.group(1)))
        except requests.ConnectionError:
            continue
        except AssertionError as exc:
            lb.errors.append(f"editor: {exc}")


def _load_until(placed: list, edits: list, bounds: tuple[float, float]) -> tuple[int, int]:
    """Let the load run until ORDERS_EACH_SIDE more orders and EDITS_EACH_SIDE more price
    edits went through (within `bounds` seconds); how many did."""
    least, most = bounds
    start, orders, changes = time.monotonic(), len(placed), len(edits)
    while (elapsed := time.monotonic() - start) < most:
        if elapsed >= least and len(placed) - orders >= ORDERS_EACH_SIDE \
                and len(edits) - changes >= EDITS_EACH_SIDE:
            break
        time.sleep(0.1)
    return len(placed) - orders, len(edits) - changes


def test_two_nodes_two_workers_under_load_with_a_node_and_a_worker_killed(cluster):
    app, sink = cluster["app"], cluster["sink"]
    (_, base_a, _), (node_b, base_b, _) = cluster["nodes"]
    lb = Balancer([base_a, base_b])
    load_over = threading.Event()
    placed, edits, stale = [], [], []
    threads = ([threading.Thread(target=_browse, args=(lb, cluster, load_over)) for _ in range(2)]
               + [threading.Thread(target=_buy, args=(lb, cluster, n, load_over, placed))
                  for n in range(4)]
               + [threading.Thread(target=_edit, args=(lb, cluster, load_over, edits, stale))])
    for t in threads:
        t.start()
    before = _load_until(placed, edits, BEFORE_KILL)
    stop(node_b, kill=True)                 # an app node dies, requests in flight and all
    killed = cluster["workers"][1]
    stop(killed, kill=True)  # and a worker, whatever it was sending
    with app.app_context():  # what it held: sent, maybe, but not recorded as sent
        in_flight = set(db.session.scalars(sa.select(OutboxEmail.id).where(
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.claimed_by.like(f"%:{killed.pid}:%"))))
        db.session.remove()
    after = _load_until(placed, edits, AFTER_KILL)
    load_over.set()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)

    # The surviving worker finishes the queue (requests kick it; so does this loop, as the
    # next page view would); a dead worker's claims expire after QUEUE_LEASE_SECONDS.
    # Empty twice in a row: a job of the surviving worker may still write a mail (an order
    # that expires) just after the queue first looks empty, on a loaded machine.
    deadline, calm = time.monotonic() + 90, 0
    while time.monotonic() < deadline and calm < 2:
        with app.app_context():
            unsent = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)
                                       .where(OutboxEmail.sent_at.is_(None)))
            queued = db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox))
            db.session.remove()
            calm = calm + 1 if not unsent and not queued else 0
            if not calm:
                for job in ("send-mail", "search"):
                    app.extensions["queue_tasks"][job]()
        time.sleep(1)
    time.sleep(1.5)  # a mail sent twice would arrive now

    summary = (f"statuses {dict(lb.statuses)}, lost in flight {len(lb.lost)}, "
               f"orders {len(placed)}, edits {len(edits)}, "
               f"(orders, edits) before the kills {before}, after {after}")
    print(summary)
    assert lb.errors == [], lb.errors[:10]
    assert stale == [], stale[:10]
    assert lb.statuses[500] == 0
    assert len(placed) >= 10 and len(edits) >= 3, summary
    assert after[0] >= 1 and after[1] >= 1, summary  # the survivors took orders and edits
    assert base_b in lb.dead  # the balancer saw the node die and kept serving

    with app.app_context():
        assert stock_problems(cluster["ids"]) == []
        assert ledger.reconcile() == []
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == len(placed)
        mails = dict(db.session.execute(sa.select(OutboxEmail.id, OutboxEmail.sent_at)).all())
        assert mails and all(mails.values()), "mails left unsent"
        received = Counter(m.split("@")[0].removeprefix("<outbox-")
                           for m in sink.message_ids())
        assert {int(i) for i in received} == set(mails)
        # At least once, and once but for the worker's crash window: a mail it handed to the
        # SMTP server just before SIGKILL, before recording it, goes again with the same
        # Message-ID (mail clients fold those into one).
        twice = {int(i) for i, n in received.items() if n > 1}
        assert twice <= in_flight, f"sent twice: {twice - in_flight}"

        # The search index holds exactly the public products, with their current prices.
        expected = {p.id: p.price for p in db.session.scalars(public_products_query())}
        backend = backend_for(app)
        found = backend.search("", "vi", Filters(cooperative=cluster["coop"]), per_page=100)
        assert {h.id: h.document["price"] for h in found.hits} == expected
        assert backend.count() == len(expected)
        for slug, price in edits[-3:]:
            assert db.session.scalar(sa.select(Product.price).filter_by(slug=slug)) >= price
        db.session.remove()
