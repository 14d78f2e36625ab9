"""Search fixtures: a fresh index per test for each backend (the Elasticsearch half runs only
when ELASTICSEARCH_URL is set), and the demo catalogue's documents built once per session."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest

from market.search import backend_for
from market.search.embedded import EmbeddedBackend
from market.search.tantivy_backend import TantivyBackend
from tests.conftest import rolled_back_session

BACKENDS = ["tantivy", "fts5", "elasticsearch"]


def make_backend(kind: str, tmp_path):
    if kind == "tantivy":
        return TantivyBackend(tmp_path / f"tantivy-{uuid.uuid4().hex[:8]}")
    if kind == "fts5":
        return EmbeddedBackend(tmp_path / f"index-{uuid.uuid4().hex[:8]}.sqlite3")
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        pytest.skip("ELASTICSEARCH_URL not set")
    from market.search.elasticsearch_backend import ElasticsearchBackend

    return ElasticsearchBackend(url, alias=f"htx-test-{uuid.uuid4().hex[:8]}")


def drop_backend(backend) -> None:
    if isinstance(backend, EmbeddedBackend):
        backend.close()
        return
    if isinstance(backend, TantivyBackend):
        return
    backend.es.indices.delete(index=f"{backend.alias}-v*", ignore_unavailable=True)
    backend.es.indices.delete_index_template(name=backend.alias, ignore=[404])


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    b = make_backend(request.param, tmp_path)
    yield b
    drop_backend(b)


@pytest.fixture
def app_backend(app):
    """The app's own backend (used by pages and inline indexing), emptied for this test."""
    b = backend_for(app)
    b.clear()
    yield b
    b.clear()


@contextmanager
def rolled_back(app):
    """A session whose work is thrown away at the end, like the per-test transaction."""
    with app.test_request_context(), rolled_back_session():
        yield


@pytest.fixture(scope="session")
def demo_documents(app, tmp_root):
    """Documents of the 152 demo products, as the indexer builds them (seeded, then rolled back)."""
    from market.demo.seed import seed
    from market.search import indexer

    with rolled_back(app):
        seed(str(tmp_root / "demo-media"), log=lambda *a: None)
        batches = list(indexer._public_batches(500))
    return [doc for batch in batches for doc in batch]


@pytest.fixture(scope="module", params=BACKENDS)
def demo_backend(request, demo_documents, tmp_path_factory):
    b = make_backend(request.param, tmp_path_factory.mktemp("demo-index"))
    b.rebuild([demo_documents])
    yield b
    drop_backend(b)
