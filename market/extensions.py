"""Extension instances, bound to the app in create_app()."""
from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

from market import ratelimit  # noqa: F401 (registers the shared sqlite:// limit storage)

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate(render_as_batch=True, compare_type=True)
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, and let SQLAlchemy own transactions so SAVEPOINTs work.

    This is SQLAlchemy's documented recipe for pysqlite's broken transaction handling.
    """
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL: readers never wait for the writer, so pages keep answering during checkouts.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        # A transaction that will write must take SQLite's write lock up front: upgrading a
        # read lock later fails at once ("database is locked") when another writer is busy.
        # Every transaction of a POST/PUT/PATCH/DELETE request counts as writing (also the
        # ones a view starts after a commit), so no form path can hit that upgrade.
        immediate = conn.get_execution_options().get("sqlite_immediate") or (
            has_request_context() and request.method not in SAFE_METHODS)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session) -> None:
    """Start the session's transaction as a writing one (BEGIN IMMEDIATE on SQLite; a no-op
    elsewhere, and when a transaction is already open)."""
    if not session.in_transaction():
        session.connection(execution_options={"sqlite_immediate": True})
