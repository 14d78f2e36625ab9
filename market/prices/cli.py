"""`flask import-prices FILE...` and `flask forecast` (registered from market/cli.py)."""
from __future__ import annotations

import os
import time

import click

from market.extensions import db


def init_app(app) -> None:
    app.cli.add_command(import_prices)
    app.cli.add_command(forecast)
    app.cli.add_command(prices_alerts)


@click.command("import-prices")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--source", default="", help="Where the prices come from (kept with each row).")
@click.option("--user", "email", default=None, help="Record the import under this account.")
def import_prices(files, source, email):
    """Import price rows from CSV or XLSX files (columns: date, commodity, market, unit, price)."""
    from market.accounts.services import find_by_email
    from market.prices import services

    actor = find_by_email(email) if email else None
    if email and actor is None:
        raise click.ClickException(f"no account {email}")
    for path in files:
        try:
            result = services.import_file(actor, path, source=source)
        except services.ImportRejected as exc:
            db.session.rollback()
            for line, message in exc.rows:
                click.echo(f"{path}:{line}: {message}", err=True)
            raise click.ClickException(f"{path}: {exc.message} Nothing was imported.")
        db.session.commit()
        batch = result.batch.public_id if result.batch else "-"
        click.echo(f"{path}: {result.added} new, {result.unchanged} already recorded "
                   f"(import {batch})")


@click.command("forecast")
@click.option("--all", "everything", is_flag=True, help="Recompute every series, not only stale ones.")
@click.option("--watch", type=int, default=0,
              help="Keep running as a worker, checking for stale series every N seconds.")
@click.option("--jobs", type=int, default=0, help="Processes for model fitting (default: CPUs).")
def forecast(everything, watch, jobs):
    """Recompute price forecasts (stale series only unless --all)."""
    from market.prices import services

    while True:
        started = time.perf_counter()
        counts = services.refresh_forecasts(stale_only=not everything,
                                            workers=jobs or os.cpu_count() or 1)
        db.session.commit()
        if counts["series"] or not watch:
            click.echo(f"forecasts: {counts['forecasts']} made for {counts['series']} series "
                       f"({counts['too_short']} too short) in {time.perf_counter() - started:.1f} s")
        if not watch:
            return
        everything = False
        time.sleep(watch)


@click.command("prices-alerts")
def prices_alerts():
    """Queue the price-alert emails that the latest recorded prices trigger (at most one a
    day per subscription; imports check their own series already)."""
    from market.prices import services

    sent = services.check_alerts()
    db.session.commit()
    click.echo(f"price alerts: {sent} emails queued")


def seed_prices() -> None:
    """The demo's price series with the forecasts shipped beside them (computing them takes
    a minute on two cores: `make run` does not wait for that). A series the shipped file
    does not cover stays stale; its page says the forecast is being computed until
    `flask forecast` or the worker has run."""
    from market.prices import services
    from market.prices.models import PriceSeries

    started = time.perf_counter()
    counts = services.load_demo(forecast=False)
    db.session.commit()
    click.echo(f"demo prices: {counts['observations']} new observations in {counts['batches']} "
               f"imports, {counts['forecasts']} forecasts ({time.perf_counter() - started:.1f} s)")
    stale = db.session.scalar(db.select(db.func.count()).select_from(PriceSeries)
                              .where(PriceSeries.forecast_stale.is_(True)))
    if stale:
        click.echo(f"demo prices: {stale} series still need forecasts: "
                   f"run `flask --app market forecast` (or the worker)")
