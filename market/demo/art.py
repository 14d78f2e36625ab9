"""The demo's product pictures: soft raster illustrations drawn with Pillow (a gradient, a
shadow and the simple shape of the product: beans, peppercorns, fruit, a honey jar...), with
no text in them. The renditions of each (category, variant) ship in market/demo/data/art/
(about 1.2 MB; `python -m market.demo.art` redraws them) and the seed copies them into
MEDIA_DIR/demo/art/, so `make run` draws nothing; a missing file is drawn on the spot."""
from __future__ import annotations

import math
import random
import shutil
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from market.storage import storage_for
from market.uploads import StoredImage, rendition_name, rendition_widths, save_renditions

WIDTH, HEIGHT = 1024, 768  # 4:3, like the cards
SCALE = 2  # drawn at twice the size, then scaled down: smooth edges
VARIANTS = 2
SHIPPED = Path(__file__).parent / "data" / "art"

# category slug -> (shape, object colour, background tint)
STYLES = {
    "ca-phe": ("beans", (111, 78, 55), (236, 222, 205)),
    "ho-tieu-gia-vi": ("peppercorns", (58, 52, 45), (226, 232, 214)),
    "trai-cay-tuoi": ("fruit", (122, 163, 58), (240, 236, 206)),
    "trai-cay-say": ("slices", (217, 164, 65), (247, 232, 210)),
    "hat-dinh-duong": ("nuts", (176, 125, 79), (240, 228, 212)),
    "mat-ong": ("jar", (224, 161, 0), (250, 238, 208)),
    "gao": ("grains", (201, 184, 138), (228, 236, 220)),
    "che-tra": ("leaves", (79, 125, 58), (226, 238, 218)),
    "thu-cong-my-nghe": ("basket", (140, 90, 60), (240, 228, 220)),
    "thuc-pham": ("bottle", (192, 99, 42), (246, 230, 216)),
}


def _mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _background(tint, rng) -> Image.Image:
    """A diagonal gradient from a light tint to a slightly deeper one."""
    light = _mix(tint, (255, 255, 255), 0.45)
    deep = _mix(tint, (0, 0, 0), 0.08 + rng.random() * 0.06)
    size = (WIDTH * SCALE, HEIGHT * SCALE)
    down = Image.linear_gradient("L").resize(size)
    across = Image.linear_gradient("L").rotate(90).resize(size)
    ramp = Image.blend(down, across, 0.3 + rng.random() * 0.4)
    return Image.composite(Image.new("RGB", ramp.size, deep), Image.new("RGB", ramp.size, light),
                           ramp)


def _shadow(size, boxes) -> Image.Image:
    mask = Image.new("L", (size[0] // 4, size[1] // 4), 0)
    draw = ImageDraw.Draw(mask)
    for box in boxes:
        draw.ellipse([v / 4 for v in box], fill=90)
    return mask.filter(ImageFilter.GaussianBlur(10)).resize(size)


def _bean(draw, cx, cy, r, angle, colour):
    dark = _mix(colour, (0, 0, 0), 0.35)
    light = _mix(colour, (255, 255, 255), 0.18)
    pts = [(cx + r * math.cos(t) * math.cos(angle) - r * 0.7 * math.sin(t) * math.sin(angle),
            cy + r * math.cos(t) * math.sin(angle) + r * 0.7 * math.sin(t) * math.cos(angle))
           for t in [i * math.pi / 32 for i in range(64)]]
    draw.polygon(pts, fill=colour)
    hl = [(x * 0.85 + cx * 0.15 - r * 0.12, y * 0.85 + cy * 0.15 - r * 0.12) for x, y in pts[:24]]
    draw.line(hl, fill=light, width=max(int(r * 0.08), 2))
    seam = [(cx + r * 0.8 * s * math.cos(angle) + r * 0.12 * math.sin(s * 3) * -math.sin(angle),
             cy + r * 0.8 * s * math.sin(angle) + r * 0.12 * math.sin(s * 3) * math.cos(angle))
            for s in [i / 10 - 1 for i in range(21)]]
    draw.line(seam, fill=dark, width=max(int(r * 0.1), 2), joint="curve")


def _leaf(draw, cx, cy, r, angle, colour):
    vein = _mix(colour, (255, 255, 255), 0.35)
    pts = []
    for i in range(41):
        s = i / 40
        w = math.sin(s * math.pi) * r * 0.42
        pts.append((s, w))
    outline = [(s, w) for s, w in pts] + [(s, -w) for s, w in reversed(pts)]
    ca, sa = math.cos(angle), math.sin(angle)
    poly = [(cx + (s - 0.5) * 2 * r * ca - w * sa, cy + (s - 0.5) * 2 * r * sa + w * ca)
            for s, w in outline]
    draw.polygon(poly, fill=colour)
    draw.line([(cx - r * ca, cy - r * sa), (cx + r * ca, cy + r * sa)], fill=vein,
              width=max(int(r * 0.04), 2))


def _draw(shape, colour, rng) -> tuple[Image.Image, list]:
    """The object on a transparent layer, and the ellipses its shadow falls in."""
    w, h = WIDTH * SCALE, HEIGHT * SCALE
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    shadows = []
    cx, cy = w / 2 + rng.randint(-60, 60), h / 2 + rng.randint(-30, 50)
    light = _mix(colour, (255, 255, 255), 0.3)
    dark = _mix(colour, (0, 0, 0), 0.3)
    if shape in ("beans", "peppercorns", "nuts", "grains"):
        count = {"beans": 9, "peppercorns": 34, "nuts": 9, "grains": 60}[shape]
        size = {"beans": 120, "peppercorns": 42, "nuts": 110, "grains": 30}[shape]
        if shape == "grains":  # a bowl of rice
            bowl = (cx - 420, cy - 60, cx + 420, cy + 380)
            shadows.append((bowl[0] + 40, bowl[3] - 80, bowl[2] + 40, bowl[3] + 40))
            draw.chord(bowl, 0, 180, fill=(120, 86, 60))
            draw.ellipse((cx - 420, cy + 90, cx + 420, cy + 230), fill=(250, 246, 236))
        for _ in range(count):
            x = cx + rng.gauss(0, 260 if shape != "grains" else 150)
            y = cy + rng.gauss(0, 120 if shape != "grains" else 20) + (150 if shape == "grains" else 0)
            r = size * rng.uniform(0.85, 1.15)
            shade = _mix(colour, (0, 0, 0), rng.uniform(0, 0.25))
            if shape != "grains":
                shadows.append((x - r + 20, y - r * 0.4 + 40, x + r + 30, y + r * 0.8 + 40))
            if shape == "beans":
                _bean(draw, x, y, r, rng.uniform(0, math.pi), shade)
            elif shape == "peppercorns":
                draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
                draw.ellipse((x - r * 0.55, y - r * 0.6, x - r * 0.1, y - r * 0.2),
                             fill=_mix(shade, (255, 255, 255), 0.25))
            elif shape == "nuts":  # cashew-like crescents
                a = rng.uniform(0, 2 * math.pi)
                box = (x - r, y - r * 0.8, x + r, y + r * 0.8)
                draw.chord(box, math.degrees(a), math.degrees(a) + 200, fill=shade)
            else:
                rng.random()  # (one draw per grain keeps the shipped pictures reproducible)
                draw.ellipse((x - r, y - r * 0.45, x + r, y + r * 0.45),
                             fill=_mix((255, 252, 240), colour, rng.uniform(0, 0.25)))
    elif shape == "fruit":
        for dx, r in ((-230, 260), (240, 220)):
            x, y = cx + dx, cy + (40 if dx > 0 else 0)
            shadows.append((x - r + 40, y + r * 0.5, x + r + 60, y + r * 1.15))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
            draw.ellipse((x - r * 0.6, y - r * 0.7, x - r * 0.05, y - r * 0.2), fill=light)
            _leaf(draw, x + r * 0.35, y - r * 1.05, r * 0.45, -0.5, (70, 120, 50))
    elif shape == "slices":
        for _ in range(7):
            x, y = cx + rng.gauss(0, 260), cy + rng.gauss(0, 110)
            r = rng.uniform(110, 150)
            shadows.append((x - r + 20, y - r * 0.3 + 40, x + r + 30, y + r + 30))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=dark)
            draw.ellipse((x - r * 0.88, y - r * 0.88, x + r * 0.88, y + r * 0.88), fill=colour)
            draw.ellipse((x - r * 0.25, y - r * 0.25, x + r * 0.25, y + r * 0.25), fill=light)
    elif shape in ("jar", "bottle"):
        if shape == "jar":
            body = (cx - 230, cy - 220, cx + 230, cy + 330)
            lid = (cx - 200, cy - 300, cx + 200, cy - 200)
        else:
            body = (cx - 170, cy - 200, cx + 170, cy + 340)
            lid = (cx - 70, cy - 420, cx + 70, cy - 190)
        shadows.append((body[0] + 30, body[3] - 60, body[2] + 120, body[3] + 60))
        draw.rounded_rectangle(body, radius=90, fill=colour)
        draw.rounded_rectangle(lid, radius=30, fill=dark)
        draw.rounded_rectangle((body[0] + 50, body[1] + 60, body[0] + 110, body[3] - 80),
                               radius=30, fill=light)
        draw.rounded_rectangle((body[0] + 60, cy - 20, body[2] - 60, cy + 170), radius=20,
                               fill=_mix(colour, (255, 255, 255), 0.7))  # a blank label
    elif shape == "leaves":
        for i in range(6):
            a = -2.4 + i * 0.55 + rng.uniform(-0.15, 0.15)
            r = rng.uniform(230, 290)
            x, y = cx + math.cos(a) * r * 0.8, cy + 120 + math.sin(a) * r * 0.8
            shadows.append((x - r * 0.6 + 30, y - r * 0.2 + 50, x + r * 0.6 + 40, y + r * 0.4 + 50))
            _leaf(draw, x, y, r, a, _mix(colour, (0, 0, 0), rng.uniform(0, 0.2)))
    else:  # basket: a woven bowl
        box = (cx - 440, cy - 200, cx + 440, cy + 330)
        shadows.append((box[0] + 40, box[3] - 80, box[2] + 60, box[3] + 50))
        draw.chord(box, 0, 180, fill=colour)
        draw.ellipse((cx - 440, cy - 40, cx + 440, cy + 130), fill=dark)
        for i in range(1, 8):
            y = cy + 50 + i * 34
            draw.arc((cx - 440 + i * 8, cy - 250 + i * 34, cx + 440 - i * 8, y + 30), 10, 170,
                     fill=light, width=8)
        for i in range(-5, 6):
            x = cx + i * 75
            draw.line((x, cy + 90, x * 0.85 + cx * 0.15, cy + 320), fill=dark, width=6)
    return layer, shadows


def illustration(category: str, variant: int = 0) -> Image.Image:
    shape, colour, tint = STYLES.get(category, STYLES["thuc-pham"])
    rng = random.Random(f"{category}-{variant}")
    image = _background(tint, rng)
    layer, shadows = _draw(shape, colour, rng)
    image.paste((0, 0, 0), mask=_shadow(image.size, shadows).point(lambda v: v // 2))
    image.paste(layer, mask=layer.getchannel("A"))
    return image.resize((WIDTH, HEIGHT), Image.LANCZOS)


def draw_renditions(media_dir: str, filename: str, category: str, variant: int) -> None:
    image = illustration(category, variant)
    save_renditions(image, media_dir, filename)


def demo_image(media_dir: str, category: str, variant: int) -> StoredImage:
    """The stored illustration of (category, variant): copied from the shipped renditions
    (drawn if they are missing), with the largest JPEG as the original."""
    variant %= VARIANTS
    filename = f"demo/art/{category}-{variant}.jpg"
    widths = rendition_widths(WIDTH)
    names = [rendition_name(filename, w, ext) for w in widths for ext in ("webp", "jpg")]
    media = storage_for(media_dir)  # local disk, or the bucket when one is configured
    if not all(media.exists(name) for name in names):
        if all((SHIPPED / Path(name).name).is_file() for name in names):
            for name in names:
                media.put(name, (SHIPPED / Path(name).name).read_bytes())
        else:
            draw_renditions(media_dir, filename, category, variant)
    if not media.exists(filename):
        media.put(filename, media.get(rendition_name(filename, widths[-1], "jpg")))
    thumb = rendition_name(filename, widths[0], "jpg")
    return StoredImage(filename, {"thumb": thumb}, WIDTH, HEIGHT, widths)


def replace_flat_cards(media_dir: str) -> int:
    """Demo images that older versions stored as SVG cards with text in them get the raster
    illustration of their category instead (SVG must never be a product's only image)."""
    from market.catalog.models import Category, Product, ProductImage
    from market.extensions import db

    rows = db.session.execute(
        db.select(ProductImage, Category.slug)
        .join(Product, Product.id == ProductImage.product_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .where(ProductImage.filename.like("demo/%.svg"))
    ).all()
    for image, category in rows:
        art = demo_image(media_dir, category or "thuc-pham", image.product_id)
        image.filename, image.thumbnail = art.filename, art.thumbnails["thumb"]
        image.width, image.height = art.width, art.height
        image.rendition_widths = ",".join(str(w) for w in art.widths)
    return len(rows)


def redraw_shipped() -> None:
    """Redraw market/demo/data/art/ (after changing the drawings)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for category in STYLES:
            for variant in range(VARIANTS):
                draw_renditions(tmp, f"demo/art/{category}-{variant}.jpg", category, variant)
        SHIPPED.mkdir(parents=True, exist_ok=True)
        for old in SHIPPED.glob("*"):
            old.unlink()
        for path in sorted((Path(tmp) / "demo" / "art").glob("*")):
            shutil.copyfile(path, SHIPPED / path.name)


if __name__ == "__main__":
    redraw_shipped()
    print(f"drew {len(list(SHIPPED.glob('*')))} files into {SHIPPED}", file=sys.stderr)
