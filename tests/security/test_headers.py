"""Every response carries the security headers; templates keep to a CSP without inline
script. Issue 10, item 3."""
import re
from pathlib import Path

import pytest

from market import create_app
from tests.conftest import login

MARKET = Path(__file__).resolve().parents[2] / "market"

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _csp(response) -> dict:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def _assert_secure(response, url):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (url, name, response.headers.get(name))
    csp = _csp(response)
    assert csp.get("script-src") == ["'self'"], url
    assert csp.get("object-src") == ["'none'"], url
    assert csp.get("base-uri") == ["'self'"], url
    assert csp.get("frame-ancestors") == ["'none'"], url
    assert csp.get("form-action") == ["'self'"], url
    assert csp.get("img-src") == ["'self'", "data:"], url
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), url
    assert "Strict-Transport-Security" not in response.headers, url  # not in development


def _argument_free_get_urls(app):
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if set(rule.arguments) - {"lang"}:
            continue
        with app.test_request_context():
            from flask import url_for

            urls.append(url_for(rule.endpoint, **({"lang": "vi"} if "lang" in rule.arguments
                                                   else {})))
    return sorted(set(urls))


def test_every_argument_free_get_route_carries_the_headers(app, client, make):
    urls = _argument_free_get_urls(app)
    assert len(urls) > 25  # the whole map, not a handful
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        _assert_secure(response, url)


def test_signed_in_pages_and_pages_with_arguments_carry_the_headers(app, client, make):
    coop = make.cooperative()
    product = make.product(coop)
    from market.accounts.models import Role

    admin = make.user(Role.ADMIN)
    login(client, admin)
    urls = [f"/vi/p/{product.slug}", f"/en/c/{coop.slug}", "/vi/account/",
            "/vi/account/password", "/vi/search?q=ca+phe", "/vi/no-such-page",
            "/static/css/site.css", "/api/geo/communes/66", "/sitemap.xml",
            "/prices/feed.atom"]
    for url in urls + _argument_free_get_urls(app):
        response = client.get(url)
        assert response.status_code < 500, url
        _assert_secure(response, url)
    _assert_secure(client.post("/vi/account/logout"), "logout")


def test_svg_media_keeps_its_stricter_policy(app, client):
    media = Path(app.config["MEDIA_DIR"]) / "demo"  # a public media folder
    media.mkdir(parents=True, exist_ok=True)
    (media / "badge-test.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    response = client.get("/media/demo/badge-test.svg")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_view_that_allows_same_origin_framing_gets_a_matching_csp(app):
    from flask import Response

    with app.test_request_context():
        response = Response("pdf")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response = app.process_response(response)
    assert _csp(response)["frame-ancestors"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_stripe_checkout_is_an_allowed_form_target_only_with_stripe(app):
    stripe_app = create_app({**app.config, "STRIPE_API_KEY": "sk_test_x"})
    response = stripe_app.test_client().get("/healthz")
    assert _csp(response)["form-action"] == ["'self'", "https://checkout.stripe.com"]


def test_hsts_only_in_production(app, monkeypatch):
    monkeypatch.setenv("MARKET_ENV", "production")
    prod = create_app({**app.config, "ENV_NAME": "production", "RATELIMIT_ENABLED": False,
                       "PUBLIC_BASE_URL": "https://htx.example.vn", "TRUSTED_HOSTS": None})
    response = prod.test_client().get("/healthz", base_url="https://htx.example.vn")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


# --- templates ---------------------------------------------------------------------------------

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_ATTR = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-zA-Z]+)\s*=", re.DOTALL)
JS_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _templates():
    return [p for p in MARKET.rglob("*") if p.suffix in {".html", ".xml", ".svg", ".j2"}]


def test_templates_have_no_inline_script_or_event_handler():
    problems = []
    templates = _templates()
    assert len(templates) > 30
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for match in SCRIPT_TAG.finditer(text):
            attrs = match.group(1)
            if "src=" in attrs or re.search(r"""type=["']application/ld\+json["']""", attrs):
                continue
            problems.append(f"{path.relative_to(MARKET)}: inline <script{attrs}>")
        for match in EVENT_ATTR.finditer(text):
            problems.append(f"{path.relative_to(MARKET)}: {match.group(1)}= handler")
        if JS_URL.search(text):
            problems.append(f"{path.relative_to(MARKET)}: javascript: URL")
    assert problems == []


@pytest.mark.parametrize("snippet", [
    "<script>alert(1)</script>", "<SCRIPT type='text/javascript'>x()</SCRIPT>",
    '<button onclick="go()">', '<body\n  onload="x()">', '<a href="javascript:void(0)">',
])
def test_the_template_scan_would_catch(snippet):
    caught = bool(
        any("src=" not in m.group(1) and "ld+json" not in m.group(1)
            for m in SCRIPT_TAG.finditer(snippet))
        or EVENT_ATTR.search(snippet) or JS_URL.search(snippet))
    assert caught
