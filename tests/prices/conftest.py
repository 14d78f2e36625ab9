"""Helpers for the price tests: CSV text builders and short synthetic series."""
from __future__ import annotations

import math
import random
from datetime import date, timedelta

HEADER = "date,commodity,market,unit,price\n"


def csv_bytes(rows) -> bytes:
    return (HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode()


def monthly_rows(n=60, commodity="coffee_robusta", market="world", unit="USD/kg", start=2.0,
                 seed=1, first=date(2020, 1, 1)):
    rng = random.Random(seed)
    rows, price = [], start
    y, m = first.year, first.month
    for _ in range(n):
        price *= math.exp(rng.gauss(0, 0.04))
        rows.append((date(y, m, 1).isoformat(), commodity, market, unit, f"{price:.2f}"))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return rows


def daily_rows(n=90, commodity="coffee_robusta", market="dak_lak", start=100_000, seed=2,
               first=date(2025, 9, 1)):
    rng = random.Random(seed)
    rows, price, day = [], start, first
    for _ in range(n):
        price = round(price * math.exp(rng.gauss(0, 0.01)), -2)
        rows.append((day.isoformat(), commodity, market, "VND/kg", int(price)))
        day += timedelta(days=rng.choice([1, 1, 1, 2, 3]))  # irregular days, with gaps
    return rows
