"""Private files (OCOP decisions, dispute photos) live outside the public media folder and are
served only to those who may see them; /media/ serves public folders only; refused posts leave
no file behind; uploads are bounded."""
import io
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image

from market import uploads
from market.errors import ValidationError
from market.uploads import save_image
from tests.conftest import login
from tests.ocop.util import submit


def _png(size=(40, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "PNG")
    out.seek(0)
    return out


def _files(root) -> set:
    root = Path(root)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def _dirs():
    return Path(current_app.config["MEDIA_DIR"]), Path(current_app.config["PRIVATE_DIR"])


# --- /media/ --------------------------------------------------------------------------------

def test_media_refuses_private_folders_even_when_files_remain_there(client, make):
    media, _private = _dirs()
    for name in ("ocop/old-decision.pdf", "disputes/old-photo.jpg"):
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(b"%PDF-1.4 secret")
    staff = make.staff()
    product = make.product(staff.cooperative)
    login(client, staff)
    r = client.post(f"/vi/vendor/products/{product.slug}/images",
                    content_type="multipart/form-data", data={"image": (_png(), "a.png"), "alt_vi": "Chai mật ong"})
    assert r.status_code == 302
    public = client.get(f"/media/{product.images[0].filename}")
    assert public.status_code == 200
    assert "sandbox" in public.headers["Content-Security-Policy"]
    for url in ("/media/ocop/old-decision.pdf", "/media/disputes/old-photo.jpg",
                "/media/./ocop/old-decision.pdf", "/media/demo/../ocop/old-decision.pdf",
                "/media/products/..%2Fdisputes/old-photo.jpg", "/media/OCOP/old-decision.pdf",
                "/media/ocop%2Fold-decision.pdf", "/media/products\\..\\ocop/old-decision.pdf"):
        assert client.get(url).status_code == 404, url


# --- OCOP decisions -------------------------------------------------------------------------

def test_ocop_decision_is_stored_privately_and_served_only_to_those_allowed(client, make):
    media, private = _dirs()
    staff = make.staff()
    cert = submit(staff, [make.product(staff.cooperative)])
    assert (private / cert.document).is_file() and not (media / cert.document).exists()
    assert client.get(f"/media/{cert.document}").status_code == 404
    login(client, staff)
    r = client.get(f"/vi/ocop/document/{cert.public_id}")
    assert r.status_code == 200 and r.data.startswith(b"%PDF-")
    assert "no-store" in r.headers["Cache-Control"]
    login(client, make.staff())  # another cooperative
    assert client.get(f"/vi/ocop/document/{cert.public_id}").status_code in (403, 404)


def test_a_decision_left_in_media_by_an_older_version_is_moved_when_first_served(client, make):
    media, private = _dirs()
    staff = make.staff()
    cert = submit(staff, [make.product(staff.cooperative)])
    (media / cert.document).parent.mkdir(parents=True, exist_ok=True)
    (private / cert.document).rename(media / cert.document)   # as an older version stored it
    assert client.get(f"/media/{cert.document}").status_code == 404
    login(client, staff)
    assert client.get(f"/vi/ocop/document/{cert.public_id}").status_code == 200
    assert (private / cert.document).is_file() and not (media / cert.document).exists()


# --- dispute photos -------------------------------------------------------------------------

@pytest.fixture
def delivered(make):
    return make.delivered_vendor_order()


def _open(client, vo, reason="Cà phê bị ẩm mốc khi nhận hàng.", photos=None):
    return client.post(f"/vi/orders/{vo.order.public_id}/dispute/{vo.public_id}",
                       content_type="multipart/form-data",
                       data={"reason": reason, "photos": photos or [(_png(), "p.png")]})


def test_dispute_photos_are_private_and_checked(client, make, delivered):
    from market.orders import disputes

    vo, staff, buyer, admin = delivered
    media, private = _dirs()
    login(client, buyer)
    assert _open(client, vo).status_code == 302
    dispute = disputes.for_order(vo.order)[vo.id]
    name = dispute.photos[0]
    assert (private / name).is_file() and not (media / name).exists()
    assert client.get(f"/media/{name}").status_code == 404
    url = f"/vi/disputes/{dispute.public_id}/photos/0"
    allowed = [buyer, staff, make.officer(66), admin]
    refused = [make.user(), make.staff(), make.officer(1)]
    for user in allowed + refused:
        login(client, user)
        r = client.get(url)
        assert r.status_code == (200 if user in allowed else 404), user.email
        assert client.get(url + "?size=thumb").status_code == r.status_code
    assert client.get(f"/vi/disputes/{dispute.public_id}/photos/1").status_code == 404
    login(client, staff)
    page = client.get(f"/vi/vendor/orders/{vo.public_id}").get_data(as_text=True)
    assert f"/vi/disputes/{dispute.public_id}/photos/0" in page and "/media/disputes" not in page


@pytest.mark.parametrize("case", ["short reason", "second photo is not an image",
                                  "someone else's order", "too many photos"])
def test_a_refused_dispute_leaves_no_photo_behind(client, make, delivered, case):
    vo, _staff, buyer, _admin = delivered
    media, private = _dirs()
    before = (_files(media), _files(private))
    login(client, make.user() if case == "someone else's order" else buyer)
    photos = [(_png(), "a.png")]
    reason = "Cà phê bị ẩm mốc khi nhận hàng."
    if case == "short reason":
        reason = "ẩm"
    elif case == "second photo is not an image":
        photos.append((io.BytesIO(b"GIF89a not an image"), "b.jpg"))
    elif case == "too many photos":
        photos = [(_png(), f"{i}.png") for i in range(4)]
    _open(client, vo, reason=reason, photos=photos)
    assert (_files(media), _files(private)) == before
    from market.orders import disputes

    assert vo.id not in disputes.for_order(vo.order)


# --- uploads in general ---------------------------------------------------------------------

def test_pixel_bombs_are_refused_before_decoding(ctx, tmp_path):
    out = io.BytesIO()
    Image.new("1", (6000, 5000)).save(out, "PNG")     # 30 MP in a few KB
    assert len(out.getvalue()) < 200_000
    out.seek(0)
    with pytest.raises(ValidationError):
        save_image(out, str(tmp_path), "products")
    assert _files(tmp_path) == set()


def test_large_photos_are_scaled_down_and_names_cannot_leave_the_folder(ctx, tmp_path):
    stored = save_image(_png((4000, 1000)), str(tmp_path), "products/1")
    side = getattr(uploads, "MAX_SIDE", 3000)
    assert (stored.width, stored.height) == (side, side // 4)
    with pytest.raises(ValueError):
        save_image(_png(), str(tmp_path / "media"), "../outside")
    assert not (tmp_path / "outside").exists()
