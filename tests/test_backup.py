"""The restore drill, through the real commands on the suite's database engine (SQLite's
online backup here, pg_dump/pg_restore in CI): back up, change the data and the files,
restore, and every table and file is as it was at the backup."""
from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from market import backup, create_app
from market.catalog.models import Product
from market.extensions import db
from market.storage import storage_for
from market.uploads import save_image
from tests import factories
from tests.conftest import reset_database
from tests.servers import side_database_url

pytestmark = pytest.mark.committed


def _snapshot() -> dict:
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name == "search_outbox":  # work in flight: drained by whoever runs next
            continue
        rows = db.session.execute(sa.select(table)).all()
        tables[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    tables["alembic_version"] = db.session.scalars(
        sa.text("SELECT version_num FROM alembic_version")).all()
    return tables


def _png() -> io.BytesIO:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 40)).save(out, "PNG")
    out.seek(0)
    return out


def _invoke(app, *args):
    """The command as `flask --app market ...` runs it (in an app context)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture()
def shop(tmp_root):
    url = side_database_url(tmp_root, "backup")
    instance = tmp_root / "backup-instance"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(instance),
                      "RATELIMIT_ENABLED": False, "QUEUE_KICKS": False})
    reset_database(app)
    return app


def test_back_up_change_restore_gives_back_the_same_data_and_files(shop, tmp_path):
    app = shop
    with app.test_request_context():
        coop = factories.cooperative()
        product = factories.product(coop, stock=30, price=95_000)
        factories.order([(product, 2)])
        photo = save_image(_png(), app.config["MEDIA_DIR"], f"products/{coop.id}")
        decision = save_image(_png(), app.config["PRIVATE_DIR"], "ocop")
        db.session.commit()
        before = _snapshot()
        slug = product.slug
        files = {name: storage_for(app.config[root]).get(name) for root, name in (
            ("MEDIA_DIR", photo.filename), ("PRIVATE_DIR", decision.filename))}
        db.session.remove()

    result = _invoke(app, "backup", str(tmp_path))
    assert result.exit_code == 0, result.output
    folder = backup.latest(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["revision"] and manifest["engine"] in ("sqlite", "postgresql")
    assert f"media/{photo.filename}" in manifest["files"]
    assert f"private/{decision.filename}" in manifest["files"]

    with app.test_request_context():  # life goes on: a price change, an order, lost files
        product = db.session.scalar(sa.select(Product).filter_by(slug=slug))
        product.price = 120_000
        factories.order([(product, 5)])
        db.session.commit()
        assert _snapshot() != before
        storage_for(app.config["MEDIA_DIR"]).delete(photo.filename)
        storage_for(app.config["PRIVATE_DIR"]).put(decision.filename, b"overwritten")
        db.session.remove()

    result = _invoke(app, "restore", str(folder), "--yes")
    assert result.exit_code == 0, result.output

    with app.test_request_context():
        assert _snapshot() == before
        for (root, name) in (("MEDIA_DIR", photo.filename), ("PRIVATE_DIR", decision.filename)):
            assert storage_for(app.config[root]).get(name) == files[name]
        db.session.remove()


def test_a_damaged_backup_is_refused_before_anything_is_touched(shop, tmp_path):
    app = shop
    folder = backup.backup(app, tmp_path)
    database = folder / json.loads((folder / "manifest.json").read_text())["database"]
    database.write_bytes(database.read_bytes()[:-10])
    result = _invoke(app, "restore", str(folder), "--yes")
    assert result.exit_code != 0 and "damaged" in result.output
