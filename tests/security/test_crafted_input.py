"""Crafted query strings and bodies never answer 5xx: every GET route of the URL map, as
each role that may open it, with hostile values for every query argument the code reads
and with names that collide with `url_for`'s own parameters (the language switch rebuilds
the current URL from them)."""
from __future__ import annotations

import re

import pytest

from tests.security.access import POLICY, PUBLIC, client_for, url_for_role_test

HOSTILE_VALUES = ["10" * 15, "-5", "0", "abc", "1e23", "nan", "inf", "-1e400", "9" * 400,
                  "<script>x</script>", "9999-99-99", "../../etc/passwd", "\x00", "%", ""]
ARG_NAMES = ["page", "min_price", "max_price", "stars", "sort", "q", "category", "province",
             "cooperative", "status", "stock", "market", "from", "to", "format", "freq",
             "print", "next"]
# url_for's own keywords and the routes' variable names: a query argument with such a name
# must neither crash the language switch nor change where its links point.
COLLIDING = ["_external", "_anchor", "_scheme", "_method", "lang", "endpoint", "slug",
             "public_id", "commodity", "filename", "values"]
ROLE_ORDER = ["anon", "buyer", "staff_a", "officer_a", "admin"]
# Reading a query argument does not depend on who asks; what a page builds from it may (an
# officer's view of the price pages, an admin's of the desk). The first role of ROLE_ORDER
# among a route's owners tries every value, the later ones a few of every kind.
SOME_VALUES = ["10" * 15, "-5", "abc", "nan", "<script>x</script>", "\x00"]


def _query(value: str) -> dict:
    return {**{name: value for name in ARG_NAMES}, **{name: value for name in COLLIDING}}


@pytest.mark.parametrize("role", ROLE_ORDER)
def test_hostile_query_strings_never_500(app, world, role):
    users, values, _ = world
    client = client_for(app, users, role)
    failures = []
    for endpoint, (owners, _) in sorted(POLICY.items()):
        rule = next(app.url_map.iter_rules(endpoint))
        if role not in owners or "GET" not in rule.methods or endpoint == "static":
            continue
        if role in ("staff_a", "officer_a") and owners == PUBLIC:
            continue  # public pages: tried signed out, as a buyer and as an admin already
        url = url_for_role_test(endpoint, values)
        first = next(r for r in ROLE_ORDER if r in owners)
        for value in HOSTILE_VALUES if role == first else SOME_VALUES:
            response = client.get(url, query_string=_query(value))
            # Read streamed bodies (the feeds) to the end: a failure halfway is a failure, and
            # a half-read stream would keep its request context open past this request.
            response.get_data()
            response.close()
            if response.status_code >= 500:
                failures.append(f"{role} {url} {value!r}: {response.status_code}")
                continue
            if response.mimetype == "text/html":
                # The language switch and the hreflang alternates stay on this site.
                base = app.config["PUBLIC_BASE_URL"] + "/"
                for href in re.findall(r'hreflang="en"[^>]*href="([^"]+)"|'
                                       r'href="([^"]+)"[^>]*lang="en"', response.text):
                    link = href[0] or href[1]
                    local = link.startswith("/") and not link.startswith("//")
                    if not (local or link.startswith(base)):
                        failures.append(f"{role} {url} {value!r}: switch link {link}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("body", [
    {"contact": "x"}, {"contact": {"name": 5}}, {"locale": ["vi"]}, {"lines": "abc"},
    {"lines": [{"product": ["x"], "quantity": True}]}, {"lines": [None, 3, "x"]},
    {"payment_method": {"a": 1}}, [], "text", 12, None,
])
def test_crafted_order_bodies_get_problem_details(client, body):
    response = client.post("/api/v1/orders", json=body,
                           headers={"Idempotency-Key": "k" * 20})
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
