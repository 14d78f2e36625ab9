"""`flask backup` and `flask restore`: the database and the files, in one folder.

A backup is a folder `htx-backup-<UTC time>/` holding
- `database.sqlite3` (SQLite's online backup API: a consistent copy while the site runs) or
  `database.pgdump` (`pg_dump -Fc`, PostgreSQL's consistent snapshot; restored with
  `pg_restore --clean`),
- `media/` and `private/`: every file of the two storages (local directories or the S3
  bucket's areas), and
- the search index is not backed up: `restore` rebuilds it from the restored catalogue;
- `manifest.json`: when, which database, the schema revision, and each file's size and
  SHA-256 (restore checks them before touching anything).

Files can also be synced elsewhere (`--media-dest DIR` or `s3://bucket/prefix`), copying only
what is new or changed, so a nightly sync of a large bucket stays cheap.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from market.extensions import db
from market.storage import AREAS, LocalStorage, S3Storage, area, s3_client

MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq_url(url: sa.engine.URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    for candidate in (shutil.which(name), f"/usr/lib/postgresql/15/bin/{name}"):
        if candidate and Path(candidate).is_file():
            return candidate
    raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")


def _dump_database(url: sa.engine.URL, folder: Path) -> str:
    if url.get_backend_name() == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(url.database)
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest)  # online: other connections keep reading and writing
        finally:
            dest.close()
            source.close()
        return target.name
    if url.get_backend_name() == "postgresql":
        target = folder / "database.pgdump"
        subprocess.run([_pg_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(target),
                        "--dbname", _libpq_url(url)], check=True, capture_output=True)
        return target.name
    raise BackupError(f"cannot back up a {url.get_backend_name()} database")


def _storages(app) -> dict[str, LocalStorage | S3Storage]:
    return {AREAS[setting]: area(app, setting) for setting in AREAS}


def target_storage(dest: str, app=None) -> LocalStorage | S3Storage:
    """A directory, or `s3://bucket/prefix` (the app's endpoint and credentials)."""
    if dest.startswith("s3://"):
        bucket, _, prefix = dest[len("s3://"):].partition("/")
        return S3Storage(s3_client(app.config if app else {}), bucket, prefix)
    return LocalStorage(dest)


def sync_files(source, target) -> int:
    """Copy every file of `source` that `target` lacks or holds with other content."""
    copied = 0
    for key in source.names():
        data = source.get(key)
        if data is None:
            continue
        if target.get(key) != data:
            target.put(key, data)
            copied += 1
    return copied


def backup(app, dest: str | Path, *, media_dest: str | None = None) -> Path:
    """Write a backup folder under `dest` and return it."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(dest) / f"htx-backup-{stamp}"
    folder.mkdir(parents=True)
    with app.app_context():
        revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.remove()
        database = _dump_database(url, folder)
        counts = {}
        for name, source in _storages(app).items():
            counts[name] = sync_files(source, LocalStorage(folder / name))
            if media_dest:
                sync_files(source, target_storage(media_dest.rstrip("/") + f"/{name}", app))
    files = {p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest = {"created_at": datetime.now(UTC).isoformat(), "database": database,
                "engine": url.get_backend_name(), "revision": revision, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return folder


def verify(folder: Path) -> dict:
    """The manifest, once every file it lists is there with its size and checksum."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a backup ({exc})") from None
    for name, meta in manifest["files"].items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != meta["size"] or \
                _sha256(path) != meta["sha256"]:
            raise BackupError(f"{name} is missing or damaged in {folder}")
    return manifest


def restore(app, folder: str | Path) -> dict:
    """Put the database and the files back as they were in the backup `folder`. The
    database is replaced whole; files in the storages that the backup lacks are left."""
    folder = Path(folder)
    manifest = verify(folder)
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest["engine"] != url.get_backend_name():
        raise BackupError(f"this backup is of a {manifest['engine']} database, "
                          f"not {url.get_backend_name()}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        source = folder / manifest["database"]
        if url.get_backend_name() == "sqlite":
            src = sqlite3.connect(source)
            dest = sqlite3.connect(url.database)
            try:
                with dest:
                    src.backup(dest)
            finally:
                dest.close()
                src.close()
        else:
            subprocess.run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                            "--single-transaction", "--exit-on-error", "--dbname",
                            _libpq_url(url), str(source)], check=True, capture_output=True)
        db.engine.dispose()
        restored = {}
        for name, target in _storages(app).items():
            restored[name] = sync_files(LocalStorage(folder / name), target)
        # The search index is not in the backup: rebuild it from the restored catalogue.
        from market.search import indexer

        restored["indexed"] = indexer.reindex()
        db.session.commit()
        db.session.remove()
    return {"database": manifest["database"], "revision": manifest["revision"], **restored}


def latest(dest: str | Path) -> Path | None:
    found = sorted(Path(dest).glob("htx-backup-*"))
    return found[-1] if found else None


def default_dir(app) -> str:
    return os.environ.get("MARKET_BACKUP_DIR") or str(Path(app.config["INSTANCE_DIR"]) / "backups")
