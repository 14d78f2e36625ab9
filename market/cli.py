"""Flask commands: `flask --app market <command>`."""
import click
from flask import current_app

from market.prices import cli as prices_cli
from market.trace import cli as trace_cli


def init_app(app) -> None:
    from market.intl.cli import rates_group, zones_group

    app.cli.add_command(rates_group)
    app.cli.add_command(zones_group)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_accounts)
    app.cli.add_command(orders_expire)
    app.cli.add_command(send_mail)
    app.cli.add_command(ocop_expire)
    prices_cli.init_app(app)
    trace_cli.init_app(app)
    app.cli.add_command(reindex)
    app.cli.add_command(search_worker)
    app.cli.add_command(worker)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("seed-demo")
def seed_demo():
    """Load the demo cooperatives, products and accounts (idempotent)."""
    from market.demo.seed import accounts_table, seed

    counts = seed(current_app.config["MEDIA_DIR"])
    click.echo("demo data: " + ", ".join(f"{v} new {k}" for k, v in counts.items()))
    from market.prices.cli import seed_prices

    seed_prices()
    click.echo(accounts_table())
    from market.search import indexer

    click.echo(f"search index: {indexer.reindex()} products")
    indexer.drain()  # the seed's outbox rows: already in the rebuilt index


@click.command("demo-accounts")
def demo_accounts():
    """Print the demo accounts and their password."""
    from market.demo.seed import accounts_table

    click.echo(accounts_table())



@click.command("orders-expire")
def orders_expire():
    """Cancel orders whose payment did not arrive in time, releasing their stock."""
    from market.extensions import db
    from market.orders.services import expire_unpaid

    count = expire_unpaid()
    db.session.commit()
    click.echo(f"{count} unpaid vendor orders cancelled")


@click.command("send-mail")
def send_mail():
    """Send queued notification emails (to the log when MARKET_SMTP_HOST is unset)."""
    from market.notifications.services import send_pending, sender_from_config

    click.echo(f"{send_pending(sender_from_config(current_app.config))} mails sent")


@click.command("ocop-expire")
def ocop_expire():
    """Move verified OCOP certificates past their validity to expired (daily; idempotent)."""
    from market.extensions import db
    from market.ocop.services import expire_due

    moved = expire_due()
    db.session.commit()
    click.echo(f"ocop: {moved} certificate(s) expired")


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


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every job once and exit.")
@click.option("--threads", default=2, show_default=True, help="Worker threads.")
def worker(once, threads):
    """Consume the task queue: search indexing, order expiry, email, forecasts, OCOP expiry."""
    from market import worker as consumer

    if once:
        for name, result in consumer.run_once().items():
            click.echo(f"{name}: {result}")
        return
    consumer.consume(current_app._get_current_object(), workers=threads)


@click.command("backup")
@click.argument("dest", required=False)
@click.option("--media-dest", help="Also sync the files to this directory or s3://bucket/prefix.")
def backup_command(dest, media_dest):
    """Back up the database and every media and private file into a folder under DEST
    (default MARKET_BACKUP_DIR or instance/backups)."""
    from market import backup

    app = current_app._get_current_object()
    folder = backup.backup(app, dest or backup.default_dir(app), media_dest=media_dest)
    click.echo(f"backup written to {folder}")


@click.command("restore")
@click.argument("folder")
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(folder, yes):
    """Replace the database and put back the files from a backup FOLDER (`latest` takes the
    newest under MARKET_BACKUP_DIR or instance/backups)."""
    from market import backup

    app = current_app._get_current_object()
    if folder == "latest":
        folder = backup.latest(backup.default_dir(app))
        if folder is None:
            raise click.ClickException("no backup found")
    if not yes:
        click.confirm(f"Replace the database with {folder}?", abort=True)
    try:
        done = backup.restore(app, folder)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("restored: " + ", ".join(f"{k} {v}" for k, v in done.items()))
