"""The app with a fresh database per test session (built by the real Alembic migrations) and
one rolled-back transaction per test. Runs on SQLite by default and on PostgreSQL when
DATABASE_URL is set (CI does both)."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import orm

from market import create_app
from market.extensions import db
from tests import factories


def _test_database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1... under `pytest -n N`
    if url and worker:
        # Each xdist worker drops and rebuilds its schema: one PostgreSQL database each.
        from tests.servers import side_database_url
        return side_database_url(tmp, worker)
    return url if url else f"sqlite:///{tmp / 'test.db'}"


# The longest files start first: under `pytest -n` (a file per worker at a time, handed out in
# collection order: the Makefile's --no-loadscope-reorder) a long file collected last runs
# alone at the end while a core idles. Longest first, as measured on PostgreSQL (bench/
# RESULTS.md, "Test suite run time"); a file not listed keeps its place after these.
LONG_FIRST = ("tests/scale/", "tests/prices/test_exogenous.py",
              "tests/security/test_authorization.py", "tests/security/test_crafted_input.py",
              "tests/prices/test_calibration_freshness.py", "tests/department/test_summary.py",
              "tests/prices/test_cli_and_demo.py", "tests/e2e/test_coop_desk.py",
              "tests/e2e/test_accounts.py", "tests/security/test_page_language.py",
              "tests/e2e/test_department.py", "tests/test_worker.py",
              "tests/security/test_rate_limits.py", "tests/api/test_schemathesis.py",
              "tests/security/test_invariants.py", "tests/department/test_pages.py",
              "tests/e2e/test_variants.py", "tests/e2e/test_buyer_pages.py",
              "tests/e2e/test_guest_link.py", "tests/test_first_minute.py",
              "tests/feeds/test_merchant.py", "tests/test_demo_english.py",
              "tests/e2e/test_trace.py", "tests/e2e/test_api_keys.py", "tests/test_backup.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        return next((i for i, prefix in enumerate(LONG_FIRST)
                     if item.nodeid.startswith(prefix)), len(LONG_FIRST))

    items.sort(key=rank)  # stable: the rest keeps its order


def examples(n: int) -> int:
    """Hypothesis examples for a stateful test: n, times TEST_DEPTH (default 1) for a deeper
    run such as `TEST_DEPTH=4 make test`; the default keeps `make test` within its time."""
    return max(1, round(n * float(os.environ.get("TEST_DEPTH", "1"))))


def reset_database(app) -> None:
    """Empty the database and build the schema with `alembic upgrade` from nothing."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


class _BoundSession(orm.Session):
    """Flask-SQLAlchemy's session picks its engine itself and would ignore our connection."""

    def __init__(self, db=None, **options):
        super().__init__(**options)


class _Client(FlaskClient):
    """While a test holds an app context (the `make`/`ctx` fixtures), Flask reuses it for
    client requests; forget what a real request would not inherit from the previous one."""

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in ("_flask_babel", "_login_user", "lang"):
                g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="htx-test-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def app(tmp_root):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _test_database_url(tmp_root),
        "INSTANCE_DIR": str(tmp_root / "instance"),
        "MEDIA_DIR": str(tmp_root / "media"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "test-secret-key-of-sufficient-length-000",
    })
    app.test_client_class = _Client
    reset_database(app)
    return app


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Each test runs inside a transaction that is rolled back; services may commit freely
    (their commits release SAVEPOINTs). Tests marked `committed` skip this."""
    if "committed" in request.keywords:
        yield
        return
    with app.app_context(), rolled_back_session():
        yield


@contextmanager
def rolled_back_session():
    """Swap db.session for one bound to an outer transaction that is rolled back at the end;
    commits inside only release SAVEPOINTs. Needs an app context."""
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session({
        "bind": connection, "join_transaction_mode": "create_savepoint",
        "class_": _BoundSession,
    })
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def make(ctx):
    """Plain factory functions from tests/factories.py, inside a request context."""
    return factories


def login(client, user, password=factories.PASSWORD, lang="vi"):
    response = client.post(f"/{lang}/account/login",
                           data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response
