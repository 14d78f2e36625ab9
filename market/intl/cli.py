"""`flask rates import FILE` and `flask shipping-zones import COUNTRIES RATES`."""
from __future__ import annotations

from pathlib import Path

import click

from market.errors import DomainError
from market.extensions import db


@click.group("rates")
def rates_group():
    """Exchange rates for the estimates beside VND prices."""


@rates_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--date", "rate_date", default=None, help="YYYY-MM-DD, when the file has none")
def import_rates(file: Path, rate_date):
    """Import a bank's exchange-rate table (CSV shaped like Vietcombank's)."""
    from market.intl import rates

    try:
        count = rates.import_file(file.read_bytes()[: rates.MAX_BYTES + 1],
                                  rate_date=rates.parse_day(rate_date), source=file.name)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"{count} exchange rates imported from {file.name}")


@click.group("shipping-zones")
def zones_group():
    """The international shipping zone table."""


@zones_group.command("import")
@click.argument("countries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("rates", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default=None, help="the carrier or tariff (default: the RATES "
                                              "file's name), shown beside the fees")
@click.option("--date", "as_of", default=None, help="YYYY-MM-DD, the tariff's date "
                                                    "(default: today)")
def import_zones(countries: Path, rates: Path, source, as_of):
    """Replace the table: COUNTRIES (country_code,zone) and RATES (zone,up_to_grams,fee_vnd)."""
    from market.intl import rates as rate_table
    from market.intl import zones

    day = rate_table.parse_day(as_of) if as_of else None
    if as_of and day is None:
        raise click.BadParameter("give the date as YYYY-MM-DD", param_hint="--date")
    try:
        table = zones.load(countries.read_text("utf-8"), rates.read_text("utf-8"),
                           source=source or rates.name, as_of=day)
    except (DomainError, UnicodeDecodeError) as exc:
        db.session.rollback()
        raise click.ClickException(str(getattr(exc, "message", exc))) from None
    db.session.commit()
    click.echo(f"{len(table.countries)} countries in {len(table.rates)} zones loaded")
