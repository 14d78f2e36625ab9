"""Schemathesis over the whole OpenAPI document, on the WSGI app with a key holding every
scope: no 5xx, and every response conforms to the document (status codes, content types,
headers, bodies). Few examples per operation, so `make test` stays fast; .ci/run runs the
CLI against a live server with more."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from market.api import keys
from market.extensions import db


def test_the_api_conforms_to_its_document(app, make):
    make.product(gtin="8935049501503")
    _, secret = keys.create_key("Schemathesis", list(keys.SCOPES), rate_limit=100_000)
    db.session.commit()  # a SAVEPOINT of the test's transaction: rolled back at the end
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The WSGI client does not decompress: ask for identity (the CLI in .ci/run uses gzip).
    headers = {"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case):
            if case.method.upper() == "POST":
                case.headers = {**(case.headers or {}),
                                "Idempotency-Key": "schemathesis-key-000001"}
            # Schema-valid but refused by a rule (an opaque cursor that is not one of ours, a
            # product slug that does not exist) is a 4xx by design: that check is left out.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
