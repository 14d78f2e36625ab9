"""`flask api-key-create`: a key from the command line (CI's Schemathesis run, first setup)."""
from __future__ import annotations

import click

from market.api import keys
from market.extensions import db


@click.command("api-key-create")
@click.option("--name", required=True)
@click.option("--scope", "scopes", multiple=True, help="Repeat; default: every scope.")
@click.option("--rate-limit", type=int, default=keys.DEFAULT_RATE_LIMIT)
def api_key_create(name, scopes, rate_limit):
    """Create a partner API key and print its secret (shown this once)."""
    _key, secret = keys.create_key(name, scopes or list(keys.SCOPES), rate_limit=rate_limit)
    db.session.commit()
    click.echo(secret)
