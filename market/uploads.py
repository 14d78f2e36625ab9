"""Safe uploads: sniff the real type (never trust the name or the browser's content type),
cap the size, re-encode images without their metadata, store under random names."""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from market.errors import ValidationError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZES = {"thumb": (320, 320), "medium": (960, 960)}


@dataclass(frozen=True)
class StoredImage:
    filename: str  # relative to MEDIA_DIR
    thumbnails: dict  # size name -> relative filename
    width: int
    height: int


def _read(stream, limit: int, field: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({field: _l("The file is larger than %(mb)d MB.",
                                         mb=limit // (1024 * 1024))})
    if not data:
        raise ValidationError({field: _l("The file is empty.")})
    return data


def _open_image(data: bytes, field: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in IMAGE_FORMATS:
            raise ValidationError({field: _l("Upload a JPEG, PNG or WebP image.")})
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError({field: _l("The image has too many pixels.")})
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError({field: _l("Upload a JPEG, PNG or WebP image.")})
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if image.mode == "P":
        image = image.convert("RGBA")
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # A fresh image from pixel data only: EXIF (GPS!), ICC and comments are left behind.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    clean.save(out, format=fmt, quality=85, optimize=True)
    return out.getvalue()


def save_image(stream, media_dir: str, subdir: str, field: str = "image") -> StoredImage:
    data = _read(stream, MAX_IMAGE_BYTES, field)
    original = _open_image(data, field)
    fmt = original.format
    image = ImageOps.exif_transpose(original)
    ext = IMAGE_FORMATS[fmt]
    name = secrets.token_hex(12)
    folder = Path(media_dir) / subdir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.{ext}").write_bytes(_encode(image, fmt))
    thumbnails = {}
    for label, size in THUMBNAIL_SIZES.items():
        thumb = image.copy()
        thumb.thumbnail(size)
        (folder / f"{name}-{label}.{ext}").write_bytes(_encode(thumb, fmt))
        thumbnails[label] = f"{subdir}/{name}-{label}.{ext}"
    return StoredImage(f"{subdir}/{name}.{ext}", thumbnails, image.width, image.height)


def save_document(stream, media_dir: str, subdir: str, field: str = "document") -> str:
    """A scanned decision or certificate: PDF, or an image (re-encoded like any image)."""
    data = _read(stream, MAX_DOCUMENT_BYTES, field)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError({field: _l("The PDF file is damaged or incomplete.")})
        folder = Path(media_dir) / subdir
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(12)}.pdf"
        (folder / name).write_bytes(data)
        return f"{subdir}/{name}"
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError({field: _l("The file is larger than %(mb)d MB.", mb=5)})
    try:
        return save_image(io.BytesIO(data), media_dir, subdir, field).filename
    except ValidationError:
        raise ValidationError({field: _l("Upload a PDF, JPEG, PNG or WebP file.")})
