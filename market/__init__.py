"""HTX Market: a marketplace for Vietnam's cooperatives."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from market.config import PROJECT_ROOT, load_config


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(Path(load_config(config)["INSTANCE_DIR"]).resolve()),
    )
    app.config.update(load_config(config))
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)

    from market import (  # noqa: F401 (models: the tables)
        cache,
        cli,
        health,
        i18n,
        logs,
        metrics,
        models,
        security_headers,
        sessions,
        web,
    )
    from market.extensions import babel, csrf, db, limiter, login_manager, migrate

    logs.init_app(app)  # first: the request id exists before any other hook runs
    metrics.init_app(app)  # before the page cache, so cache hits are timed too
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    sessions.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    health.init_app(app)
    cache.init_app(app)  # its before_request runs after every other one
    cli.init_app(app)
    security_headers.init_app(app)
    from market.jobs import queue

    queue.init_app(app)
    if app.config["PROXY_COUNT"] > 0:
        # Only then is X-Forwarded-For believed (for rate limits and logs); without a proxy
        # a client could name any address it likes.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    return app
