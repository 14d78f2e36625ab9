"""`alembic upgrade` on an empty database (done by conftest) must give the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from market.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
