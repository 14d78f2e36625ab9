"""Flask commands: `flask --app market <command>`."""
import click
from flask import current_app


def init_app(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_accounts)
    app.cli.add_command(reindex)
    app.cli.add_command(search_worker)


@click.command("seed-demo")
def seed_demo():
    """Load the demo cooperatives, products and accounts (idempotent)."""
    from market.demo.seed import accounts_table, seed

    counts = seed(current_app.config["MEDIA_DIR"])
    click.echo("demo data: " + ", ".join(f"{v} new {k}" for k, v in counts.items()))
    click.echo(accounts_table())
    from market.search import indexer

    click.echo(f"search index: {indexer.reindex()} products")
    indexer.drain()  # the seed's outbox rows: already in the rebuilt index


@click.command("demo-accounts")
def demo_accounts():
    """Print the demo accounts and their password."""
    from market.demo.seed import accounts_table

    click.echo(accounts_table())



@click.command("reindex")
def reindex():
    """Rebuild the search index from the database (no downtime: readers keep the old index
    until the new one is complete)."""
    from market.search import indexer

    click.echo(f"search index: {indexer.reindex()} products")


@click.command("search-worker")
@click.option("--once", is_flag=True, help="Drain the outbox once and exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between drains.")
def search_worker(once, interval):
    """Keep the search index in step with the catalogue (drains the search outbox)."""
    from market.search import indexer

    indexer.work(once=once, interval=interval, echo=click.echo)
