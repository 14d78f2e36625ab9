"""The partner REST API v1 (`/api/v1/...`): keys, catalogue, prices, orders, bulk feeds and its
OpenAPI 3.1 document, built with flask-smorest (marshmallow schemas declared once, validated
on the way in, and turned into the document at /api/v1/openapi.json)."""
from __future__ import annotations


def init_app(app) -> None:
    from market.api import admin, http, views

    views.init_app(app)
    app.register_blueprint(admin.bp)
    http.init_app(app)
