"""The Department of Industry and Trade's desk: sales monitoring and the province's registry."""
import click


def init_app(app) -> None:
    from market.department.services import install_listeners
    from market.department.views import bp

    app.register_blueprint(bp)
    install_listeners()
    app.cli.add_command(rebuild_command)


@click.command("department-rebuild")
def rebuild_command():
    """Rebuild the department's sales summary from the orders tables."""
    from market.department.services import rebuild_all

    click.echo(f"department summary: {rebuild_all()} parts")
