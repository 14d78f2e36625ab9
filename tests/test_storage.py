"""Media on S3-compatible storage (a real moto S3 server on loopback) and on local disk: one
interface; uploads land in the bucket, /media serves public files from it, private files
(OCOP decisions, dispute photos) only through the checked views or a short presigned URL,
and nothing is written to the local media directories while a bucket is configured."""
from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from market import storage
from market.storage import LocalStorage, S3Storage, storage_for
from tests.conftest import login
from tests.ocop.util import submit
from tests.servers import s3_server


@pytest.fixture(scope="module")
def s3_env():
    with s3_server("htx-test-media") as env:
        yield env


@pytest.fixture
def s3_app(app, s3_env, monkeypatch):
    """The suite's app with the bucket configured for this test only."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, s3_env[name])
    monkeypatch.setitem(app.config, "MEDIA_S3_BUCKET", s3_env["MARKET_MEDIA_S3_BUCKET"])
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_env["MARKET_S3_ENDPOINT_URL"])
    app.extensions.pop("storage", None)
    yield app
    app.extensions.pop("storage", None)


def _png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, "PNG")
    out.seek(0)
    return out


def _local_files(app) -> set[str]:
    found = set()
    for setting in ("MEDIA_DIR", "PRIVATE_DIR"):
        root = Path(app.config[setting])
        found |= {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    return found


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_the_interface_round_trips_on_both_storages(kind, tmp_path, s3_env, monkeypatch, ctx):
    if kind == "local":
        store = LocalStorage(tmp_path)
    else:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.setenv(name, s3_env[name])
        client = storage.s3_client({"S3_ENDPOINT_URL": s3_env["MARKET_S3_ENDPOINT_URL"]})
        store = S3Storage(client, s3_env["MARKET_MEDIA_S3_BUCKET"], "roundtrip")
    store.put("products/1/a.jpg", b"abc")
    store.put("products/2/b.png", b"defg")
    assert store.get("products/1/a.jpg") == b"abc" and store.exists("products/2/b.png")
    assert sorted(store.names("products/")) == ["products/1/a.jpg", "products/2/b.png"]
    store.delete("products/1/a.jpg")
    assert store.get("products/1/a.jpg") is None and not store.exists("products/1/a.jpg")
    with pytest.raises(ValueError):
        store.put("../outside.txt", b"x")


def test_storage_for_maps_the_two_settings_to_bucket_areas(s3_app, ctx):
    media = storage_for(s3_app.config["MEDIA_DIR"])
    private = storage_for(s3_app.config["PRIVATE_DIR"])
    assert isinstance(media, S3Storage) and media.prefix == "media/"
    assert isinstance(private, S3Storage) and private.prefix == "private/"
    assert isinstance(storage_for("/tmp/elsewhere"), LocalStorage)


def test_a_product_photo_goes_to_the_bucket_and_media_serves_it(s3_app, client, make):
    before = _local_files(s3_app)
    staff = make.staff()
    product = make.product(staff.cooperative)
    login(client, staff)
    r = client.post(f"/vi/vendor/products/{product.slug}/images",
                    content_type="multipart/form-data",
                    data={"image": (_png(), "a.png"), "alt_vi": "Chai mật ong"})
    assert r.status_code == 302
    name = product.images[0].filename
    bucket = storage_for(s3_app.config["MEDIA_DIR"])
    assert bucket.exists(name) and bucket.exists(name.replace(".png", "-thumb.png"))
    assert _local_files(s3_app) == before  # nothing on this machine's disk
    served = client.get(f"/media/{name}")
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")
    assert served.mimetype == "image/png"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert client.get("/media/products/none.png").status_code == 404


def test_private_files_in_the_bucket_are_served_only_through_the_checked_view(
        s3_app, client, make, monkeypatch):
    staff = make.staff()
    cert = submit(staff, [make.product(staff.cooperative)])
    assert storage_for(s3_app.config["PRIVATE_DIR"]).exists(cert.document)
    assert not storage_for(s3_app.config["MEDIA_DIR"]).exists(cert.document)
    assert client.get(f"/media/{cert.document}").status_code == 404
    url = f"/vi/ocop/document/{cert.public_id}"
    login(client, make.staff())  # another cooperative
    assert client.get(url).status_code in (403, 404)
    login(client, staff)
    r = client.get(url)
    assert r.status_code == 200 and r.data.startswith(b"%PDF-")
    assert "no-store" in r.headers["Cache-Control"]

    # Presigned: a redirect to a URL that works now and says it expires in 60 s.
    monkeypatch.setitem(s3_app.config, "MEDIA_S3_PRESIGN_SECONDS", 60)
    s3_app.extensions.pop("storage", None)
    r = client.get(url)
    assert r.status_code == 303 and "no-store" in r.headers["Cache-Control"]
    signed = r.headers["Location"]
    assert parse_qs(urlsplit(signed).query)["X-Amz-Expires"] == ["60"]
    fetched = requests.get(signed, timeout=10)
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF-")
