"""Helpers for OCOP tests: a tiny valid PDF and a submitted certificate."""
from __future__ import annotations

import io
from datetime import date

from flask import current_app

from market.ocop import services

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
TODAY = date(2026, 11, 23)


def pdf():
    return io.BytesIO(PDF)


def data(products, **overrides):
    values = {
        "product_ids": [str(p.id) for p in products], "stars": "4", "level": "provincial",
        "certificate_number": f"OCOP-TEST-{products[0].id}", "decision_number": "1234/QĐ-UBND",
        "decision_date": "2025-03-10",
    }
    values.update(overrides)
    return values


def submit(staff, products, today=TODAY, **overrides):
    return services.submit_certificate(
        staff, data(products, **overrides), pdf(), private_dir=current_app.config["PRIVATE_DIR"],
        today=today)
