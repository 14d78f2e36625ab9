"""Flask commands: `flask --app market <command>`."""
import click
from flask import current_app


def init_app(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_accounts)
    from market.prices import cli as prices_cli

    prices_cli.init_app(app)


@click.command("seed-demo")
def seed_demo():
    """Load the demo cooperatives, products and accounts (idempotent)."""
    from market.demo.seed import accounts_table, seed

    counts = seed(current_app.config["MEDIA_DIR"])
    click.echo("demo data: " + ", ".join(f"{v} new {k}" for k, v in counts.items()))
    from market.prices.cli import seed_prices

    seed_prices()
    click.echo(accounts_table())


@click.command("demo-accounts")
def demo_accounts():
    """Print the demo accounts and their password."""
    from market.demo.seed import accounts_table

    click.echo(accounts_table())

