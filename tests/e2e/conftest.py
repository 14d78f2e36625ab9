"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1.

The live server has its own database (a second SQLite file, or `<name>_e2e` on the same
PostgreSQL server), built by the migrations; tests commit real data through services.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from market import create_app
from market.extensions import db
from tests.conftest import reset_database
from tests.servers import side_database_url

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.committed)


@pytest.fixture(scope="session")
def live_app(tmp_root):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": side_database_url(tmp_root, "e2e"),
        "INSTANCE_DIR": str(tmp_root / "e2e-instance"),
        "MEDIA_DIR": str(tmp_root / "e2e-media"),
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "e2e-secret-key-of-sufficient-length-0000",
    })
    reset_database(app)
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def live_db(live_app):
    """An app context on the live server's database, for arranging data through services."""
    with live_app.test_request_context():
        yield db
        db.session.remove()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str, width: int | None = None) -> Path:
    """Save a full-page screenshot under tests/e2e/artifacts/ (git-ignored; CI keeps them)."""
    ARTIFACTS.mkdir(exist_ok=True)
    if width:
        page.set_viewport_size({"width": width, "height": 900})
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def fits(page, width: int) -> None:
    """The page is no wider than the viewport: nothing scrolls sideways (the message names
    the elements that reach past it)."""
    if page.evaluate("document.documentElement.scrollWidth") <= width:
        return
    wide = page.evaluate("""(w) => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > w + 1)
        .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
            (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
            ' ' + Math.round(e.getBoundingClientRect().right))""", width)
    raise AssertionError(f"page overflows {width} px: {wide}")


def doc_screenshot(page, name: str, width: int | None = None) -> Path:
    """A screenshot for the docs: saved like `screenshot`, and copied to docs/screenshots/
    when MARKET_DOC_SCREENSHOTS=1 (the committed images change only when asked)."""
    path = screenshot(page, name, width)
    if os.environ.get("MARKET_DOC_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)
    return path


_SIGN_IN_WORDS = {"vi": ("Mật khẩu", "Đăng nhập", "Đăng xuất"),
                  "en": ("Password", "Sign in", "Sign out")}


def sign_in(page, live_server, email, lang="vi"):
    """Sign in through the login form (every factory user shares one password)."""
    from playwright.sync_api import expect

    from tests import factories

    password, submit, sign_out = _SIGN_IN_WORDS[lang]
    page.goto(f"{live_server}/{lang}/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label(password).fill(factories.PASSWORD)
    page.get_by_role("button", name=submit).click()
    # (on a phone the sign-out button sits in the folded header menu)
    expect(page.get_by_role("button", name=sign_out, include_hidden=True)).to_be_attached()


def clean_media(app) -> None:
    shutil.rmtree(app.config["MEDIA_DIR"], ignore_errors=True)
