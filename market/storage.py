"""Where files live: one small interface, two implementations.

- `LocalStorage(root)`: a directory (MEDIA_DIR for public files, PRIVATE_DIR for private
  ones); the default, nothing to set up.
- `S3Storage`: a bucket on any S3-compatible object store (AWS S3, MinIO, Viettel or FPT
  object storage) when `MEDIA_S3_BUCKET` is set, through boto3, which only this module
  imports. Public files go under `media/`, private ones under `private/`, in one bucket that
  must not be public: every file is served by the app (`/media/...` for public files, the
  checked views for private ones), or, when configured, public files by a CDN
  (`MEDIA_S3_PUBLIC_URL`) and private ones by presigned URLs that expire after
  `MEDIA_S3_PRESIGN_SECONDS`.

Callers name a storage by the directory setting they always used: `storage_for(MEDIA_DIR)`
or `storage_for(PRIVATE_DIR)` is the bucket's area when S3 is configured, else that
directory; any other directory (tests, backups) is a local one.
"""
from __future__ import annotations

import io
import mimetypes
import posixpath
from collections.abc import Iterator
from pathlib import Path

from flask import current_app, has_app_context, redirect, send_file, send_from_directory
from werkzeug.exceptions import NotFound


def clean_key(key: str) -> str:
    """A relative name inside the storage; one that would leave it is a programming error."""
    name = posixpath.normpath(str(key).replace("\\", "/"))
    if name.startswith(("/", "../")) or name in ("..", ".", ""):
        raise ValueError(f"{key!r} leaves the storage")
    return name


def _content_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


class LocalStorage:
    def __init__(self, root):
        self.root = Path(root)

    def __repr__(self):
        return f"LocalStorage({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root / clean_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # readers never see half a file

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def names(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix) and not key.endswith(".part"):
                yield key

    def serve(self, key: str, *, private: bool = False):
        if private:
            return send_from_directory(self.root, clean_key(key), max_age=0)
        return send_from_directory(self.root, clean_key(key))


class S3Storage:
    def __init__(self, client, bucket: str, prefix: str, *, public_url: str | None = None,
                 presign_seconds: int = 0):
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.public_url = (public_url or "").rstrip("/") or None
        self.presign_seconds = presign_seconds

    def __repr__(self):
        return f"S3Storage({self.bucket!r}, {self.prefix!r})"

    def _key(self, key: str) -> str:
        return self.prefix + clean_key(key)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                               ContentType=_content_type(key))

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError:
            return False

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def names(self, prefix: str = "") -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix):]

    def presigned_url(self, key: str, seconds: int) -> str:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)},
            ExpiresIn=seconds)

    def serve(self, key: str, *, private: bool = False):
        if private and self.presign_seconds > 0:
            return redirect(self.presigned_url(key, self.presign_seconds), 303)
        if not private and self.public_url:
            return redirect(f"{self.public_url}/{self._key(key)}", 301)
        data = self.get(key)
        if data is None:
            raise NotFound()
        return send_file(io.BytesIO(data), mimetype=_content_type(key),
                         max_age=0 if private else 86400, etag=f"{self.prefix}{key}:{len(data)}",
                         conditional=True)


# --- the app's storages ---------------------------------------------------------------------

AREAS = {"MEDIA_DIR": "media", "PRIVATE_DIR": "private"}


def s3_client(config):
    """One boto3 client per app (thread-safe); credentials from the standard AWS variables
    (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the machine's role."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                        region_name=config.get("S3_REGION") or "us-east-1",
                        config=Config(signature_version="s3v4", retries={"max_attempts": 5},
                                      s3={"addressing_style": "path"}))


def area(app, setting: str):
    """The storage behind MEDIA_DIR or PRIVATE_DIR for this app."""
    config = app.config
    if not config.get("MEDIA_S3_BUCKET"):
        return LocalStorage(config[setting])
    cache = app.extensions.setdefault("storage", {})
    if setting not in cache:
        client = cache.get("client") or s3_client(config)
        cache["client"] = client
        cache[setting] = S3Storage(
            client, config["MEDIA_S3_BUCKET"], AREAS[setting],
            public_url=config.get("MEDIA_S3_PUBLIC_URL") if setting == "MEDIA_DIR" else None,
            presign_seconds=int(config.get("MEDIA_S3_PRESIGN_SECONDS") or 0))
    return cache[setting]


def storage_for(root):
    """A storage object for `root`: a storage passes through; the app's MEDIA_DIR or
    PRIVATE_DIR is that area (S3 when configured); any other directory is local."""
    if isinstance(root, (LocalStorage, S3Storage)):
        return root
    if has_app_context():
        app = current_app._get_current_object()
        for setting in AREAS:
            configured = app.config.get(setting)
            if configured and Path(configured).resolve() == Path(root).resolve():
                return area(app, setting)
    return LocalStorage(root)
