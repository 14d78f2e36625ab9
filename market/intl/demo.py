"""The demo's foreign-buyer data: a dated exchange-rate table (invented round figures near
late-2026 levels, source "demo": load a bank's real table with `flask rates import`), and
the first demo cooperative (a coffee exporter) opted in to ship abroad."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from market.extensions import db
from market.intl import rates
from market.intl.models import ExchangeRate

DEMO_DATE = date(2026, 12, 1)
DEMO_RATES = {"USD": "26150", "EUR": "30200", "JPY": "168.5", "KRW": "17.9", "CNY": "3680",
              "AUD": "16980", "SGD": "20000"}


def seed(exporter=None) -> dict:
    """Idempotent: rates only while the table is empty; the opt-in only once."""
    added = 0
    if not db.session.scalar(db.select(db.func.count()).select_from(ExchangeRate)):
        added = rates.save([rates.Rate(code, Decimal(value), DEMO_DATE)
                            for code, value in DEMO_RATES.items()], source="demo")
    if exporter is not None and not exporter.ships_abroad and added:
        exporter.ships_abroad = True
    return {"exchange rates": added}
