#!/usr/bin/env python3
"""Recompute the forecasts shipped with the demo prices (`make demo-forecasts`).

`flask seed-demo` (and so `make run`) takes the demo series' forecasts from
market/prices/data/demo_forecasts.json instead of spending a minute computing them at
start-up. Run this after changing the bundled price files or the forecasting code: it loads
the bundled series into a throw-away SQLite database, computes every forecast with the
production code (`refresh_forecasts`'s own jobs) and rewrites the file."""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    from market import create_app
    from market.extensions import db
    from market.prices import services

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/ship.db",
                          "INSTANCE_DIR": tmp, "SEARCH_INLINE_INDEXING": False})
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            services.import_demo_files()
            data = services.compute_demo_forecasts(workers=os.cpu_count() or 1)
            db.session.rollback()
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    services.SHIPPED_FORECASTS.write_text(text, encoding="utf-8")
    made = sum(f is not None for s in data["series"].values() for f in s["forecasts"])
    print(f"{services.SHIPPED_FORECASTS}: {made} forecasts for {len(data['series'])} series "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
