"""Operations: /livez, /readyz, /metrics (who may read it, what it says), request ids in
and out, JSON log lines that carry them, and Sentry only when SENTRY_DSN is set."""
import io
import json
import logging
from datetime import timedelta

import pytest
import sentry_sdk

from market import create_app, logs
from market.dbtypes import utcnow
from market.extensions import db
from market.notifications.models import OutboxEmail

REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


def test_livez_answers_without_the_database(client):
    response = client.get("/livez")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_checks_the_database_and_reports_the_outboxes(client, app):
    db.session.add(OutboxEmail(recipient="a@example.vn", subject="s", body="b",
                               created_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"] == {"database": "ok"}  # no REDIS_URL: no Redis check
    assert body["outboxes"]["emails"]["depth"] >= 1
    assert body["outboxes"]["emails"]["oldest_age_seconds"] >= 7100
    assert any("emails outbox" in w for w in body["warnings"])  # reported, still ready


def test_readyz_is_503_when_redis_is_configured_but_unreachable(tmp_path):
    from tests.servers import free_port

    app = create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.db'}",
                      "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
                      "CACHE_TYPE": "SimpleCache", "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "test-secret-key-of-sufficient-length-000"})
    with app.app_context():
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"] == "unreachable"


def test_metrics_only_for_loopback_or_the_bearer_token(client, app):
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base=REMOTE).status_code == 403
    app.config["METRICS_TOKEN"] = "s3cret-token"
    try:
        assert client.get("/metrics").status_code == 403  # a token, once set, is needed
        ok = client.get("/metrics", environ_base=REMOTE,
                        headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200
        bad = client.get("/metrics", environ_base=REMOTE,
                         headers={"Authorization": "Bearer s3cret-tokeN"})
        assert bad.status_code == 403
    finally:
        app.config["METRICS_TOKEN"] = None


def test_metrics_report_routes_outboxes_orders_and_payments(client, make):
    product = make.product()
    make.order([(product, 2)])
    db.session.commit()
    assert client.get(f"/vi/p/{product.slug}").status_code == 200
    client.get("/vi/p/no-such-product")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'htx_http_request_duration_seconds_count{method="GET",route="/<lang:lang>/p/<slug>"}' \
        in text
    assert 'htx_http_requests_total{method="GET",route="/<lang:lang>/p/<slug>",status="404"}' \
        in text
    assert "no-such-product" not in text  # templates, never raw paths
    assert 'htx_outbox_depth{outbox="search"}' in text
    assert 'htx_outbox_oldest_age_seconds{outbox="emails"}' in text
    assert 'htx_vendor_orders{status="' in text
    assert "htx_orders_placed_total 1.0" in text
    assert "htx_payments" in text


def test_request_id_in_and_out(client):
    given = client.get("/livez", headers={"X-Request-ID": "lb-1234.abc"})
    assert given.headers["X-Request-ID"] == "lb-1234.abc"
    made = client.get("/livez")
    assert len(made.headers["X-Request-ID"]) == 32
    forged = client.get("/livez", headers={"X-Request-ID": "<script> x" + "y" * 200})
    assert len(forged.headers["X-Request-ID"]) == 32  # not plausible: a new one


def test_log_lines_are_json_with_the_request_id(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.formatter("json"))
    app.logger.addHandler(handler)
    try:
        with app.test_request_context("/vi/", headers={"X-Request-ID": "req-42"}):
            logs._begin()  # the before_request hook
            app.logger.warning("stock low", extra={"product": "ca-phe"})
    finally:
        app.logger.removeHandler(handler)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["message"] == "stock low" and line["level"] == "WARNING"
    assert line["request_id"] == "req-42" and line["product"] == "ca-phe"
    assert "time" in line


@pytest.fixture
def no_sentry():
    yield
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # back to the inactive client


def test_sentry_stays_off_without_a_dsn(app):
    assert app.extensions["htx_sentry"] is False
    assert not sentry_sdk.get_client().is_active()


def test_sentry_starts_with_a_dsn(tmp_path, no_sentry):
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 's.db'}",
                      "SENTRY_DSN": "http://public@127.0.0.1:9/1", "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "test-secret-key-of-sufficient-length-000"})
    assert app.extensions["htx_sentry"] is True
    assert sentry_sdk.get_client().is_active()
    assert sentry_sdk.get_client().dsn == "http://public@127.0.0.1:9/1"
