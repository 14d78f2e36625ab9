"""Safe uploads: sniff the real type (never trust the name or the browser's content type),
cap the size and the pixel count, re-encode images without their metadata, store under random
names inside the given root. Public files (product photos) live under MEDIA_DIR, served to
anyone by /media/; private ones (OCOP decisions, dispute photos) under PRIVATE_DIR, served
only by views that check the viewer (`send_private`). Each root is a storage
(market/storage.py): that directory, or its area of the S3 bucket when one is configured."""
from __future__ import annotations

import io
import posixpath
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import send_from_directory
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event

from market.errors import ValidationError
from market.storage import LocalStorage, clean_key, storage_for

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Refuse decompression bombs before decoding: a few KB of PNG can declare 40,000 x 40,000
# pixels. 25 MP (a 6000 x 4000 photo) decodes to 100 MB in RGBA, the most one upload may cost.
MAX_PIXELS = 25_000_000
MAX_SIDE = 3000  # stored images are scaled down to this; nobody needs more on a product page
# The only folders /media/ serves; everything else there (old private files) is refused.
PUBLIC_MEDIA_DIRS = ("products", "demo", "reviews", "cooperatives", "trace")
PRIVATE_SUBDIRS = ("ocop", "disputes")
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZES = {"thumb": (320, 320), "medium": (960, 960)}
# Responsive renditions of public photos: WebP (what browsers take) and JPEG (the fallback of
# <picture>, and what merchant feeds and social cards accept) at these widths, never wider
# than the original.
RENDITION_WIDTHS = (320, 640, 1024)
RENDITION_FORMATS = {"webp": "WEBP", "jpg": "JPEG"}


@dataclass(frozen=True)
class StoredImage:
    filename: str  # relative to MEDIA_DIR
    thumbnails: dict  # size name -> relative filename
    width: int
    height: int
    widths: tuple = ()  # rendition widths (see rendition_name)


def rendition_name(filename: str, width: int, ext: str) -> str:
    """`products/7/ab12.png`, 640, "webp" -> `products/7/ab12-640w.webp`."""
    stem = filename.rpartition(".")[0] or filename
    return f"{stem}-{width}w.{ext}"


def rendition_widths(width: int) -> tuple[int, ...]:
    widths = tuple(w for w in RENDITION_WIDTHS if w <= width)
    return widths or (width,)


def save_renditions(image: Image.Image, media_dir: str, filename: str) -> tuple[int, ...]:
    """Write the WebP and JPEG renditions of `image` beside `filename` (relative to
    media_dir); returns their widths. Transparent images are flattened onto white for JPEG."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    widths = rendition_widths(image.width)
    storage = storage_for(media_dir)
    for width in widths:
        height = max(round(image.height * width / image.width), 1)
        scaled = image if width == image.width else image.resize((width, height), Image.LANCZOS)
        for ext, fmt in RENDITION_FORMATS.items():
            options = {"quality": 80, "method": 4} if fmt == "WEBP" else {
                "quality": 82, "optimize": True, "progressive": True}
            out = io.BytesIO()
            scaled.save(out, format=fmt, **options)
            storage.put(clean_key(rendition_name(filename, width, ext)), out.getvalue())
    return widths


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


def _key(subdir: str, name: str) -> str:
    """subdir/name inside the storage; a subdir that would leave it is a programming error."""
    return clean_key(f"{clean_key(subdir)}/{name}")


def save_image(stream, media_dir: str, subdir: str, field: str = "image", *,
               renditions: bool = False) -> StoredImage:
    """Store an upload re-encoded (and its thumbnails); with `renditions`, also the responsive
    WebP/JPEG renditions public pages serve (product photos)."""
    data = _read(stream, MAX_IMAGE_BYTES, field)
    original = _open_image(data, field)
    fmt = original.format
    image = ImageOps.exif_transpose(original)
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    ext = IMAGE_FORMATS[fmt]
    name = secrets.token_hex(12)
    storage = storage_for(media_dir)
    filename = _key(subdir, f"{name}.{ext}")
    storage.put(filename, _encode(image, fmt))
    thumbnails = {}
    for label, size in THUMBNAIL_SIZES.items():
        thumb = image.copy()
        thumb.thumbnail(size)
        thumbnails[label] = _key(subdir, f"{name}-{label}.{ext}")
        storage.put(thumbnails[label], _encode(thumb, fmt))
    widths = save_renditions(image, media_dir, filename) if renditions else ()
    return StoredImage(filename, thumbnails, image.width, image.height, widths)


def save_images(streams, root: str, subdir: str, session, field: str = "photos") -> list[str]:
    """Save every image (re-encoded, with thumbnails) or none: a refused one removes those
    saved before it; a later rollback of `session`'s transaction removes them all. Returns
    the stored names (relative to `root`)."""
    names: list[str] = []
    files: list[str] = []
    try:
        for stream in streams:
            stored = save_image(stream, root, subdir, field=field)
            names.append(stored.filename)
            files.extend(stored_files(stored.filename))
    except Exception:
        remove_files(root, files)
        raise
    remove_on_rollback(session, root, files)
    return names


def save_document(stream, media_dir: str, subdir: str, field: str = "document") -> str:
    """A scanned decision or certificate: PDF, or an image (re-encoded like any image)."""
    data = _read(stream, MAX_DOCUMENT_BYTES, field)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError({field: _l("The PDF file is damaged or incomplete.")})
        key = _key(subdir, f"{secrets.token_hex(12)}.pdf")
        storage_for(media_dir).put(key, data)
        return key
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError({field: _l("The file is larger than %(mb)d MB.", mb=5)})
    try:
        return save_image(io.BytesIO(data), media_dir, subdir, field).filename
    except ValidationError:
        raise ValidationError({field: _l("Upload a PDF, JPEG, PNG or WebP file.")})


def stored_files(filename: str, widths=()) -> list[str]:
    """A stored image, its thumbnails and renditions (relative names), e.g. to delete them
    together."""
    stem, dot, ext = filename.rpartition(".")
    return [filename] + [f"{stem}-{label}{dot}{ext}" for label in THUMBNAIL_SIZES] + [
        rendition_name(filename, w, e) for w in widths for e in RENDITION_FORMATS]


def remove_files(root: str, relative_names) -> None:
    storage = storage_for(root)
    for name in relative_names:
        try:
            storage.delete(clean_key(name))
        except ValueError:  # a name outside the storage is never ours to delete
            continue


def remove_on_rollback(session, root: str, relative_names) -> None:
    """Files saved for a change that is not committed yet: keep them if the session's
    transaction commits, delete them if it ends any other way (rollback, or closed by an
    error before the commit)."""
    names = list(relative_names)
    _when_transaction_ends(session, lambda: remove_files(root, names), committed=False)


def remove_on_commit(session, root: str, relative_names) -> None:
    """Files of a record being deleted: delete them once the session's transaction commits;
    keep them if it ends any other way (the record is still there)."""
    names = list(relative_names)
    _when_transaction_ends(session, lambda: remove_files(root, names), committed=True)


def move_on_commit(session, root: str, target_root: str, relative_names) -> None:
    """Files that must stop being public (a hidden review's photos): once the transaction
    commits, move them from `root` (MEDIA_DIR) to the same names under `target_root`
    (PRIVATE_DIR), out of /media/'s reach; left alone if it does not commit."""
    names = list(relative_names)

    def move():
        source, target = storage_for(root), storage_for(target_root)
        for name in names:
            try:
                key = clean_key(name)
            except ValueError:  # a name outside the storage is never ours to move
                continue
            data = source.get(key)
            if data is not None:
                target.put(key, data)
                source.delete(key)

    _when_transaction_ends(session, move, committed=True)


def _when_transaction_ends(session, action, *, committed: bool) -> None:
    """Run `action` once when the session's outermost transaction ends, if it committed
    (committed=True) or if it did not (committed=False)."""
    state = {"committed": False, "done": False}

    def on_commit(_session):
        state["committed"] = True

    def ended(_session, transaction):
        # A savepoint ending decides nothing; the first outermost end decides once (the
        # listeners stay attached as no-ops: removing them during dispatch is not allowed).
        if transaction.parent is not None or state["done"]:
            return
        state["done"] = True
        if state["committed"] == committed:
            action()

    event.listen(session, "after_commit", on_commit)
    event.listen(session, "after_transaction_end", ended)


# --- serving --------------------------------------------------------------------------------

def public_media_path(filename: str) -> str | None:
    """The normalised name if /media/ may serve it (under a public folder), else None. The
    check runs on the name as the filesystem will see it: `demo/../ocop/x.pdf`, `./ocop/x`,
    `OCOP/x` and backslashes all count as the private folder they reach."""
    name = posixpath.normpath(filename.replace("\\", "/"))
    first = name.split("/", 1)[0]
    if name.startswith(("/", "..")) or "/" not in name or first not in PUBLIC_MEDIA_DIRS:
        return None
    return name


def move_legacy_private(media_dir: str, private_dir: str) -> int:
    """Move private files that older versions stored under MEDIA_DIR to PRIVATE_DIR, keeping
    their relative names (the database keeps pointing at them). Safe to repeat; returns how
    many files moved."""
    moved = 0
    for sub in PRIVATE_SUBDIRS:
        old = Path(media_dir) / sub
        if not old.is_dir():
            continue
        for path in sorted(p for p in old.rglob("*") if p.is_file()):
            target = Path(private_dir) / path.relative_to(media_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                path.unlink()
            else:
                shutil.move(str(path), str(target))
                moved += 1
        shutil.rmtree(old, ignore_errors=True)
    return moved


def send_private(private_dir: str, relative: str, *, legacy_media_dir: str | None = None):
    """The response for a private file the caller has already allowed this viewer to see.
    A file an older version left under MEDIA_DIR is moved first."""
    storage = storage_for(private_dir)
    if not isinstance(storage, LocalStorage):
        response = storage.serve(relative, private=True)
    else:
        response = _send_local_private(private_dir, relative, legacy_media_dir)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _send_local_private(private_dir: str, relative: str, legacy_media_dir: str | None):
    if legacy_media_dir and not (Path(private_dir) / relative).is_file():
        old = Path(legacy_media_dir) / relative
        if relative.split("/", 1)[0] in PRIVATE_SUBDIRS and old.is_file():
            move_legacy_private(legacy_media_dir, private_dir)
    return send_from_directory(private_dir, relative, max_age=0)
