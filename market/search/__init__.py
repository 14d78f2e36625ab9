"""Search: the SearchBackend interface, an embedded engine (Tantivy; SQLite FTS5 as an
alternative) by default,
Elasticsearch when ELASTICSEARCH_URL is set, and the outbox indexer that keeps them in step."""
from __future__ import annotations

from pathlib import Path


def backend_for(app):
    """The app's search backend, created once. Only these two modules import an engine."""
    backend = app.extensions.get("search_backend")
    if backend is None:
        if app.config.get("ELASTICSEARCH_URL"):
            from market.search.elasticsearch_backend import ElasticsearchBackend

            backend = ElasticsearchBackend(app.config["ELASTICSEARCH_URL"],
                                           app.config["SEARCH_INDEX_NAME"])
        elif app.config.get("SEARCH_EMBEDDED_ENGINE") == "fts5":
            from market.search.embedded import EmbeddedBackend

            backend = EmbeddedBackend(Path(app.config["SEARCH_INDEX_PATH"]) / "fts5.sqlite3")
        else:
            from market.search.tantivy_backend import TantivyBackend

            backend = TantivyBackend(Path(app.config["SEARCH_INDEX_PATH"]) / "tantivy")
        app.extensions["search_backend"] = backend
    return backend


def init_app(app) -> None:
    from market.search import indexer
    from market.search.views import bp

    indexer.register_listeners()
    app.teardown_request(indexer.drain_if_needed)
    app.register_blueprint(bp)
