"""Time `refresh_forecasts` over every bundled demo series (the work `flask forecast --all` does).

    .venv/bin/python bench/time_forecasts.py [--runs 3] [--jobs 2]

Builds a throw-away SQLite database with the migrations, imports the demo series once, then
recomputes all forecasts `--runs` times and prints each run and the median.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from market import create_app
    from market.extensions import db
    from market.prices import services
    from market.prices.models import PriceObservation, PriceSeries

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                          "INSTANCE_DIR": tmp})
        with app.app_context():
            upgrade()
            services.import_demo_files()  # without the shipped forecasts: all computed below
            db.session.commit()
            n_series = db.session.scalar(db.select(db.func.count()).select_from(PriceSeries))
            n_obs = db.session.scalar(db.select(db.func.count()).select_from(PriceObservation))
            times = []
            for run in range(args.runs):
                started = time.perf_counter()
                counts = services.refresh_forecasts(stale_only=False, workers=args.jobs)
                db.session.commit()
                times.append(time.perf_counter() - started)
                print(f"run {run + 1}: {counts['forecasts']} forecasts for {counts['series']} "
                      f"series in {times[-1]:.2f} s")
            print(f"series={n_series} observations={n_obs} median={statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
