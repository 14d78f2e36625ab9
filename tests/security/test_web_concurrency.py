"""Twenty buyers check out at once through the HTML forms of a real gunicorn with two
workers (as `make run` serves), on the suite's database engine (SQLite by default,
PostgreSQL in CI): every answer is an order or a clear refusal, never a 5xx, and the scarce
product is sold exactly as many times as it had units."""
from __future__ import annotations

import re
import threading

import pytest
import requests
import sqlalchemy as sa

from market import create_app
from market.catalog.models import Product
from market.extensions import db
from market.orders.models import Order, VendorOrder
from tests import factories
from tests.conftest import reset_database
from tests.servers import gunicorn, side_database_url

pytestmark = pytest.mark.committed

BUYERS, UNITS = 20, 6
SECRET = "concurrency-secret-key-of-sufficient-len"


@pytest.fixture(scope="module")
def shop(tmp_root):
    url = side_database_url(tmp_root, "concurrency")
    instance = tmp_root / "concurrency-instance"
    # RATELIMIT_ENABLED off: the limiter is one instance shared with the suite's app.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(instance),
                      "RATELIMIT_ENABLED": False,
                      "MEDIA_DIR": str(instance / "media"), "SECRET_KEY": SECRET})
    reset_database(app)
    with app.test_request_context():
        coop = factories.cooperative()
        scarce = factories.product(coop, stock=UNITS, price=120_000)
        plenty = factories.product(coop, stock=10_000, price=50_000)
        db.session.commit()
        slugs = scarce.slug, plenty.slug
        db.session.remove()
    env = {"MARKET_DATABASE_URL": url, "MARKET_INSTANCE_PATH": str(instance),
           "MARKET_SECRET_KEY": SECRET, "MARKET_SEARCH_INLINE_INDEXING": "0",
           "MARKET_MAX_OPEN_ORDERS_PER_CLIENT": "1000",
           "MARKET_RATELIMIT_DISABLED": "1"}  # twenty buyers share one address here
    with gunicorn(env) as base:
        yield app, base, slugs


def _token(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


def _buy(base: str, slugs: tuple[str, str], n: int, barrier, results: list) -> None:
    web = requests.Session()
    try:
        page = web.get(f"{base}/vi/p/{slugs[0]}", timeout=30)
        csrf = _token(page.text, "csrf_token")
        for slug in slugs:
            added = web.post(f"{base}/vi/cart/add", timeout=30,
                             data={"csrf_token": csrf, "product": slug, "quantity": 1})
            results.append(("add", added.status_code))
        form = web.get(f"{base}/vi/checkout", timeout=30)
        results.append(("checkout page", form.status_code))
        data = {"csrf_token": _token(form.text, "csrf_token"),
                "idempotency_key": _token(form.text, "idempotency_key"),
                "name": f"Người mua {n}", "email": f"buyer{n}@example.vn",
                "phone": "0912345678", "province_code": 1, "commune_code": 70,
                "address_line": "12 Hàng Bạc", "payment_method": "cod"}
        barrier.wait(timeout=60)
        placed = web.post(f"{base}/vi/checkout", data=data, timeout=60, allow_redirects=False)
        results.append(("place", placed.status_code))
    except Exception as exc:  # noqa: BLE001 - a crash is reported as the outcome
        results.append(("error", repr(exc)))
        barrier.abort()


def test_twenty_web_checkouts_at_once(shop):
    app, base, slugs = shop
    barrier, results = threading.Barrier(BUYERS), []
    threads = [threading.Thread(target=_buy, args=(base, slugs, n, barrier, results))
               for n in range(BUYERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert not [r for r in results if r[0] == "error" or r[1] >= 500], results
    placed = [code for step, code in results if step == "place"]
    assert len(placed) == BUYERS
    assert placed.count(303) == UNITS  # an order, then its page
    assert placed.count(422) == BUYERS - UNITS  # the form again: out of stock, said so
    with app.app_context():
        scarce = db.session.scalar(sa.select(Product).filter_by(slug=slugs[0]))
        assert scarce.stock == 0
        orders = db.session.scalar(sa.select(sa.func.count(Order.id)))
        parts = db.session.scalar(sa.select(sa.func.count(VendorOrder.id)))
        assert orders == parts == UNITS
        db.session.remove()
