import io

import pytest
from PIL import Image

from market.errors import ValidationError
from market.uploads import MAX_IMAGE_BYTES, save_document, save_image


def _image_bytes(fmt="JPEG", size=(1200, 800), exif=True):
    image = Image.new("RGB", size, (120, 80, 40))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        info = Image.Exif()
        info[0x010F] = "SecretCam"  # Make
        kwargs["exif"] = info.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def test_image_is_reencoded_without_metadata_and_thumbnailed(ctx, tmp_path):
    stored = save_image(io.BytesIO(_image_bytes()), str(tmp_path), "products")
    assert stored.filename.endswith(".jpg") and (stored.width, stored.height) == (1200, 800)
    saved = (tmp_path / stored.filename).read_bytes()
    assert b"SecretCam" not in saved
    with Image.open(tmp_path / stored.thumbnails["thumb"]) as thumb:
        assert max(thumb.size) == 320


@pytest.mark.parametrize("payload", [
    b"GIF89a" + b"\0" * 100,                     # a real format we do not accept
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",  # script-capable
    b"\xff\xd8\xff\xe0 not really a jpeg",         # lying magic bytes
])
def test_only_real_jpeg_png_webp_are_accepted(ctx, tmp_path, payload):
    with pytest.raises(ValidationError):
        save_image(io.BytesIO(payload), str(tmp_path), "products")


def test_size_cap(ctx, tmp_path):
    with pytest.raises(ValidationError) as exc:
        save_image(io.BytesIO(b"\0" * (MAX_IMAGE_BYTES + 1)), str(tmp_path), "products")
    assert "5 MB" in str(exc.value.errors["image"])


def test_documents_accept_pdf_and_images_only(ctx, tmp_path):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert save_document(io.BytesIO(pdf), str(tmp_path), "ocop").endswith(".pdf")
    assert save_document(io.BytesIO(_image_bytes("PNG")), str(tmp_path), "ocop").endswith(".png")
    with pytest.raises(ValidationError):
        save_document(io.BytesIO(b"MZ\x90\x00 windows exe"), str(tmp_path), "ocop")
    with pytest.raises(ValidationError):
        save_document(io.BytesIO(b"%PDF-1.4 truncated"), str(tmp_path), "ocop")
