"""The market app plus `/bench/bare`, a plain route that goes through every app-wide hook
(request id, metrics, session, limiter, security headers) but renders nothing. Only the
benchmark serves it: `gunicorn 'bench.bench_app:create()'`."""
from market import create_app


def create():
    app = create_app()
    app.add_url_rule("/bench/bare", "bench_bare", lambda: "ok")
    return app
