"""Every route of the URL map, tried by every role against cooperative A's objects (as the
outside review did it). A route missing from POLICY fails the suite: a new page has to say
who may use it before it can land.

- A role outside a route's owners gets 401/403/404 or the sign-in page on GET, and nothing
  of A's private data in any answer; on POST it changes nothing in the database.
- An owner opens every GET page with 200.

Where POLICY treats the two roles of a pair alike on a route (both outside its owners, or both
among them), one of the two tries it, taking turns route by route: every route is still tried
by every kind of role, inside and outside its owners, and each role of a pair meets half of
the routes that their pair shares.
"""
from __future__ import annotations

from market.extensions import db
from tests.security.access import (
    FORMS,
    POLICY,
    ROLES,
    SCOPED_LISTS,
    WriteWatch,
    client_for,
    fingerprint,
    signed_out,
    url_for_role_test,
)

TWINS = (("buyer", "other_buyer"), ("staff_a", "staff_b"), ("officer_a", "officer_b"))


def _routes(role):
    """(endpoint, owners) of POLICY that `role` tries: all but those where its twin stands
    in for it."""
    twin = next((pair for pair in TWINS if role in pair), None)
    for i, (endpoint, (owners, _)) in enumerate(sorted(POLICY.items())):
        if twin and (twin[0] in owners) == (twin[1] in owners) and role == twin[i % 2]:
            continue
        yield endpoint, owners


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(POLICY) == set(), "classify these routes in POLICY"
    assert set(POLICY) - endpoints == set(), "POLICY names routes that no longer exist"


def test_no_role_reaches_another_scope(app, world):
    users, values, secrets = world
    failures = []
    state = fingerprint()
    for role in ROLES:
        client = client_for(app, users, role)
        for endpoint, owners in _routes(role):
            if role in owners:
                continue
            rule = next(app.url_map.iter_rules(endpoint))
            url = url_for_role_test(endpoint, values)
            if "GET" in rule.methods:
                response = client.get(url)
                body = response.get_data(as_text=True)
                if endpoint in SCOPED_LISTS:
                    ok = response.status_code in (200, 401, 403, 404) or signed_out(response)
                else:
                    ok = response.status_code in (401, 403, 404) or signed_out(response)
                leaked = [s for s in secrets if s in body and s not in url]
                if not ok or leaked:
                    failures.append(f"{role} GET {url}: {response.status_code} {leaked}")
            if "POST" in rule.methods:
                form = {k: values.get(v, v) for k, v in FORMS.get(endpoint, {}).items()}
                with WriteWatch() as watch:
                    response = client.post(url, data=form)
                db.session.rollback()
                changed = watch.wrote and fingerprint() != state
                if changed:
                    state = fingerprint()  # report each change once, not every later POST
                if response.status_code >= 500 or changed:
                    failures.append(f"{role} POST {url}: {response.status_code}, "
                                    f"{'changed data' if changed else ''}")
    assert failures == [], "\n".join(failures)


# Pages whose owners are sent on elsewhere, and why.
FLOWS = {
    "orders.checkout": 302,  # an empty cart goes back to the cart page
    "ocop.verify_page": 404,  # the certificate is still pending: nothing to verify publicly
    "trace.digital_link": 307,  # a browser goes on to the trace page in its language
    ("staff_a", "vendors.apply"): 302,  # staff already belong to a cooperative
    ("staff_b", "vendors.apply"): 302,
}


def test_owners_open_their_pages(app, world):
    users, values, _ = world
    failures = []
    for role in ROLES:
        client = client_for(app, users, role)
        for endpoint, owners in _routes(role):
            rule = next(app.url_map.iter_rules(endpoint))
            if role not in owners or "GET" not in rule.methods or endpoint in (
                    "root", "media", "accounts.logout", "vendors.accept_invitation"):
                continue
            response = client.get(url_for_role_test(endpoint, values))
            expected = FLOWS.get((role, endpoint), FLOWS.get(endpoint, 200))
            if response.status_code != expected:
                failures.append(f"{role} GET {endpoint}: {response.status_code}")
    assert failures == [], "\n".join(failures)


def test_owners_post_does_the_work(app, world):
    """The same forms that others' POSTs sent do change data when the owner sends them, so
    'nothing changed' above means 'refused', not 'the form was wrong'."""
    users, values, _ = world
    failures = []
    # (reorder before product_archive: "Buy again" puts back only products still for sale)
    for endpoint in ("orders.vendor_order_action", "orders.answer_dispute", "orders.reorder",
                     "vendors.product_archive", "ocop.review_action", "orders.confirm_transfer",
                     "vendors.staff_remove", "accounts.address_edit", "accounts.address_delete",
                     "orders.confirm_statement", "wholesale.quote", "wholesale.accept"):
        owners, _ = POLICY[endpoint]
        client = client_for(app, users, min(owners))
        before = fingerprint()
        form = {k: values.get(v, v) for k, v in FORMS.get(endpoint, {}).items()}
        with WriteWatch() as watch:
            response = client.post(url_for_role_test(endpoint, values), data=form)
        db.session.rollback()
        if response.status_code >= 500 or fingerprint() == before:
            failures.append(f"{endpoint}: {response.status_code}, nothing changed")
        elif not watch.wrote:  # the shortcut the matrix above takes would have missed it
            failures.append(f"{endpoint}: changed data that WriteWatch did not see")
    assert failures == [], "\n".join(failures)
