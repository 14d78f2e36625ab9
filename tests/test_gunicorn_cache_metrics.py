"""Under gunicorn with two workers, as `make run` serves: the default page cache
(FileSystemCache in the instance directory) is shared by both workers and by another process
on the machine that commits a change (a CLI command, a worker); /metrics adds up both
workers' figures (PROMETHEUS_MULTIPROC_DIR)."""
import urllib.request

import pytest

from market import create_app
from market.catalog import services as catalog
from market.extensions import db
from tests import factories
from tests.conftest import reset_database
from tests.servers import gunicorn, side_database_url

pytestmark = pytest.mark.committed


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("X-Cache"), response.read().decode()


def test_cache_and_metrics_across_workers_and_processes(tmp_path):
    instance = tmp_path / "instance"
    database = side_database_url(tmp_path, "gunicorn_cache")
    config = {"SQLALCHEMY_DATABASE_URI": database, "INSTANCE_DIR": str(instance),
              "MEDIA_DIR": str(tmp_path / "media"), "PAGE_CACHE": True,
              "RATELIMIT_ENABLED": False,
              "SECRET_KEY": "test-secret-key-of-sufficient-length-000"}
    app = create_app(config)  # another process's view of the same machine: same instance dir
    reset_database(app)
    with app.test_request_context():
        product = factories.product(price=185_000)
        db.session.commit()
        slug, product_id = product.slug, product.id
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {"MARKET_DATABASE_URL": database, "MARKET_INSTANCE_PATH": str(instance),
           "MARKET_MEDIA_DIR": str(tmp_path / "media"), "MARKET_RATELIMIT_DISABLED": "1",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "MARKET_LOG_REQUESTS": "0"}
    with gunicorn(env, timeout=120) as base:  # two workers booting on a busy machine
        results = [fetch(f"{base}/vi/p/{slug}") for _ in range(8)]
        assert all(status == 200 and "185.000" in body for status, _, body in results)
        assert results[0][1] == "miss" and [r[1] for r in results[1:]].count("hit") >= 6

        with app.test_request_context():
            catalog.update_product(db.session.get(catalog.Product, product_id),
                                   {"price": "210000"})
            db.session.commit()  # in this process, not in gunicorn's
        for _ in range(4):  # whichever worker answers, the change is there
            _, _, body = fetch(f"{base}/vi/p/{slug}")
            assert "210.000" in body and "185.000" not in body

        for _ in range(10):
            fetch(f"{base}/livez")
        _, _, text = fetch(f"{base}/metrics")
    line = next(x for x in text.splitlines()
                if x.startswith('htx_http_requests_total{method="GET",route="/livez"'))
    assert float(line.rsplit(" ", 1)[1]) >= 10  # both workers' requests (plus the start-up probe)
    assert 'htx_page_cache_requests_total{result="hit"}' in text
