"""`flask trace export-national [LOT...]`: the lots in the National Traceability Portal's
shape (docs/traceability.md has the field mapping), as JSON on stdout or into a file."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from market.extensions import db

trace_cli = AppGroup("trace", help="Traceability: exports of lots.")


def init_app(app) -> None:
    app.cli.add_command(trace_cli)


@trace_cli.command("export-national")
@click.argument("codes", nargs=-1)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the JSON here instead of standard output.")
def export_national(codes, out):
    """Export LOT codes (every lot when none is given) for the national portal."""
    from market.trace import export, services
    from market.trace.models import Lot

    lots = ([services.public_lot(code) for code in codes] if codes else
            list(db.session.scalars(db.select(Lot).order_by(Lot.id))))
    records = [export.national_record(services.trace_page(lot)) for lot in lots]
    missing = {r["trace_code"]: export.missing_fields(r) for r in records}
    document = {"format": "htx-market/national-traceability/1",
                "fields": [key for key, _label in export.CIRCULAR_02_FIELDS],
                "records": records}
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        click.echo(f"{len(records)} lots written to {out}")
    else:
        click.echo(text)
    for code, fields in missing.items():
        if fields:
            click.echo(f"{code}: missing {', '.join(fields)}", err=True)
