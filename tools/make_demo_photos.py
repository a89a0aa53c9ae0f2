"""Demo photos for the sandbox stores: what a merchant's phone uploads (a developer tool, not the app).

Writes, under static/img/photos/<slug>/ (gitignored, made at set-up by `make photos`):

* one 4000x3000 JPEG of about 2 MB per product image, cover and OpenGraph image named in
  storefront/sendy/sandbox/data/stores.json: product-like shapes on a soft backdrop with the
  grain of a phone sensor, and EXIF as phones write it (make, model, date, GPS position; some
  stored sideways with an EXIF orientation), so the image pipeline has real work to do;
* one 1024x1024 PNG with transparency per store logo.

Only missing files are written, so a second run costs nothing. `--point-seed` rewrites the
seed's image URLs (``/static/img/demo/<slug>/<name>.svg``) to these files, touching nothing else.

Run from anywhere:  python tools/make_demo_photos.py [--point-seed] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_demo_images import DEFAULT_PALETTE, PALETTES, Palette  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STORES_JSON = ROOT / "storefront" / "sendy" / "sandbox" / "data" / "stores.json"
STATIC = ROOT / "static"
PHOTOS = "/static/img/photos/"
SIZE = (4000, 3000)  # 12 MP, as a phone camera shoots
DRAW = (1000, 750)  # drawn at a quarter, then enlarged (soft edges, like a lens)
GRAIN, QUALITY = 4.0, 85  # sensor noise and JPEG quality: about 2 MB a photo
TEXTURE = 5.0  # detail that survives resizing, so a phone-sized photo weighs what a real one does
GPS_BAGHDAD = (33.0, 18.0, 50.12), (44.0, 21.0, 40.08)  # degrees, minutes, seconds
_SEED_URL = re.compile(r'("(?:logoUrl|coverImageUrl|bannerImageUrl|ogImageUrl|imageUrl)": ")'
                       r'/static/img/demo/([a-z0-9-]+)/([A-Za-z0-9_-]+)\.svg"')
_SEED_LIST = re.compile(r'("imageUrls": \[)([^\]]*)(\])')
_LIST_URL = re.compile(r'"/static/img/demo/([a-z0-9-]+)/([A-Za-z0-9_-]+)\.svg"')

Drawer = Callable[[ImageDraw.ImageDraw, Palette, random.Random], None]


def rgb(hex_colour: str) -> tuple[int, int, int]:
    """'#rrggbb' → (r, g, b)."""
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def shade(colour: str, factor: float) -> tuple[int, int, int]:
    """A colour darkened (factor < 1) or lightened (factor > 1)."""
    return tuple(max(0, min(255, round(c * factor if factor <= 1 else c + (255 - c) * (factor - 1))))
                 for c in rgb(colour))  # type: ignore[return-value]


# --------------------------------------------------------------------------- the subjects


def bouquet(d: ImageDraw.ImageDraw, p: Palette, rnd: random.Random) -> None:
    """Roses in a paper cone."""
    d.polygon([(330, 300), (670, 300), (540, 650), (460, 650)], fill=shade(p.bg2, 0.8))
    for _ in range(7):
        x, y = rnd.randint(360, 640), rnd.randint(180, 300)
        d.ellipse((x - 18, y - 55, x + 18, y + 55), fill=(70, 140, 80))
    colours = [p.main, p.accent, "#ffffff", p.bg2]
    for _ in range(rnd.randint(9, 15)):
        x, y, r = rnd.randint(390, 610), rnd.randint(200, 330), rnd.randint(34, 46)
        colour = rnd.choice(colours)
        d.ellipse((x - r, y - r, x + r, y + r), fill=shade(colour, 0.95))
        d.arc((x - r // 2, y - r // 2, x + r // 2, y + r // 2), 0, 300, fill=shade(colour, 0.6), width=6)
    d.polygon([(400, 380), (600, 380), (530, 660), (470, 660)], fill=shade(p.ink, 1.3))
    d.ellipse((480, 480, 520, 520), fill=rgb(p.main))


def device(d: ImageDraw.ImageDraw, p: Palette, rnd: random.Random) -> None:
    """A phone in its case, seen from the back, or a charger with its cable."""
    if rnd.random() < 0.5:
        d.rounded_rectangle((390, 140, 610, 640), 44, fill=shade(p.main, rnd.uniform(0.5, 1.1)))
        d.rounded_rectangle((410, 160, 510, 260), 26, fill=shade(p.ink, 1.2))
        for cx, cy in ((438, 190), (482, 232), (482, 190)):
            d.ellipse((cx - 18, cy - 18, cx + 18, cy + 18), fill=(25, 25, 30), outline=(170, 175, 185), width=4)
    else:
        d.rounded_rectangle((400, 260, 600, 520), 36, fill=shade("#f1f3f5", rnd.uniform(0.85, 1.0)))
        d.rectangle((470, 300, 530, 316), fill=(40, 40, 45))
        d.line([(500, 520), (480, 600), (620, 640), (700, 560)], fill=shade(p.second, 0.8), width=14, joint="curve")
        d.rounded_rectangle((690, 520, 730, 580), 8, fill=(220, 222, 226))


def jar(d: ImageDraw.ImageDraw, p: Palette, rnd: random.Random) -> None:
    """A jar of honey with its label, or a heap of nuts."""
    if rnd.random() < 0.6:
        honey = shade(p.main, rnd.uniform(0.6, 1.0))
        d.rounded_rectangle((380, 240, 620, 630), 40, fill=honey)
        d.rounded_rectangle((395, 190, 605, 250), 14, fill=shade(p.ink, 1.1))
        d.rectangle((380, 380, 620, 500), fill=(255, 248, 225))
        d.ellipse((470, 405, 530, 475), fill=honey)
        d.rectangle((400, 270, 420, 600), fill=shade(p.main, 1.4))
    else:
        for _ in range(140):
            x, y = rnd.gauss(500, 110), rnd.gauss(540, 45)
            r = rnd.randint(16, 24)
            d.ellipse((x - r * 1.4, y - r, x + r * 1.4, y + r), fill=shade(p.second, rnd.uniform(0.7, 1.3)),
                      outline=shade(p.second, 0.5), width=2)


def bottle(d: ImageDraw.ImageDraw, p: Palette, rnd: random.Random) -> None:
    """A perfume bottle with a gold cap."""
    d.rounded_rectangle((410, 300, 590, 640), 30, fill=shade(p.main, rnd.uniform(0.7, 1.1)))
    d.rectangle((430, 330, 455, 610), fill=shade(p.main, 1.5))
    d.rectangle((470, 250, 530, 300), fill=(220, 222, 226))
    d.rounded_rectangle((445, 170, 555, 260), 14, fill=rgb(p.accent))


def gift(d: ImageDraw.ImageDraw, p: Palette, rnd: random.Random) -> None:
    """A wrapped box with a ribbon: for stores this tool knows nothing about."""
    d.rounded_rectangle((350, 330, 650, 640), 14, fill=shade(p.main, rnd.uniform(0.7, 1.1)))
    d.rectangle((485, 330, 515, 640), fill=rgb(p.accent))
    d.polygon([(500, 330), (430, 270), (430, 360)], fill=rgb(p.accent))
    d.polygon([(500, 330), (570, 270), (570, 360)], fill=rgb(p.accent))


SUBJECTS: dict[str, Drawer] = {"flora-baghdad": bouquet, "tigris-tech": device, "erbil-honey": jar,
                               "coming-soon": bottle}


def backdrop(p: Palette, rnd: random.Random) -> Image.Image:
    """A table-top scene: a soft gradient, light falling off, a floor shadow."""
    top, bottom = shade(p.bg1, rnd.uniform(0.92, 1.0)), shade(p.bg2, rnd.uniform(0.8, 0.95))
    mask = Image.linear_gradient("L").resize(DRAW)
    scene = Image.composite(Image.new("RGB", DRAW, bottom), Image.new("RGB", DRAW, top), mask)
    d = ImageDraw.Draw(scene)
    d.rectangle((0, 600, DRAW[0], DRAW[1]), fill=shade(p.bg2, 0.75))
    d.ellipse((300, 610, 700, 680), fill=shade(p.bg2, 0.55))
    return scene


def scene(slug: str, name: str) -> Image.Image:
    """One product photo at the drawing size."""
    rnd = random.Random(hashlib.sha256(f"{slug}/{name}".encode()).digest())
    p = PALETTES.get(slug, DEFAULT_PALETTE)
    image = backdrop(p, rnd)
    d = ImageDraw.Draw(image)
    if name in ("cover", "og", "banner"):  # a shop window: the store's things side by side
        layer = Image.new("RGBA", DRAW, (0, 0, 0, 0))
        SUBJECTS.get(slug, gift)(ImageDraw.Draw(layer), p, rnd)
        for dx in (-330, 330, 0):
            image.paste(layer, (dx, rnd.randint(-30, 30)), layer)
    else:
        SUBJECTS.get(slug, gift)(d, p, rnd)
    return ImageChops.add(image.filter(ImageFilter.GaussianBlur(1.2)), texture(), 1.0, -128)


@cache
def texture() -> Image.Image:
    """Detail at the scales a shopper sees (fabric, paper, petals): noise at two coarser scales."""
    fine = Image.effect_noise(DRAW, TEXTURE)
    coarse = Image.effect_noise((DRAW[0] // 6, DRAW[1] // 6), TEXTURE * 1.5).resize(DRAW, Image.Resampling.BICUBIC)
    mixed = ImageChops.add(fine, coarse, 1.0, -128)
    return Image.merge("RGB", (mixed, mixed, mixed))


@cache
def grain() -> Image.Image:
    """Sensor noise for a whole frame, made once per process (centred on 128)."""
    noise = Image.effect_noise(SIZE, GRAIN)
    return Image.merge("RGB", (noise, noise, noise))


def exif_for(slug: str, name: str, orientation: int) -> Image.Exif:
    """EXIF as a phone writes it, GPS position included (what the pipeline must strip)."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "DemoPhone", "DemoPhone 12 Pro"  # Make, Model
    exif[0x0132] = "2025:11:20 17:42:05"  # DateTime
    exif[0x0112] = orientation
    lat, lon = GPS_BAGHDAD
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: lat, 3: "E", 4: lon})
    return exif


def photo(slug: str, name: str, out: Path) -> int:
    """Write one 12 MP JPEG; its size in bytes."""
    image = scene(slug, name).resize(SIZE, Image.Resampling.BICUBIC)
    image = ImageChops.add(image, grain(), 1.0, -128)
    sideways = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 4 == 1 and name not in ("cover", "og")
    if sideways:  # stored as the sensor saw it, turned upright by EXIF orientation 6 (rotate 90° clockwise)
        image = image.crop((500, 0, 3500, 3000)).resize((3000, 4000)).transpose(Image.Transpose.ROTATE_90)
    _save(out, lambda tmp: image.save(tmp, "JPEG", quality=QUALITY, exif=exif_for(slug, name, 6 if sideways else 1)))
    return out.stat().st_size


def logo(slug: str, out: Path) -> int:
    """A 1024x1024 PNG logo: a round badge on a transparent background."""
    p = PALETTES.get(slug, DEFAULT_PALETTE)
    image = Image.new("RGBA", (1024, 1024), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    d.ellipse((0, 0, 1023, 1023), fill=rgb(p.main))
    d.ellipse((112, 112, 911, 911), fill=shade(p.ink, 1.0))
    for i in range(6):
        x = 512 + round(220 * [1, 0.5, -0.5, -1, -0.5, 0.5][i])
        y = 512 + round(220 * [0, 0.87, 0.87, 0, -0.87, -0.87][i])
        d.ellipse((x - 120, y - 120, x + 120, y + 120), fill=rgb(p.bg1))
    d.ellipse((412, 412, 612, 612), fill=rgb(p.accent))
    _save(out, lambda tmp: image.save(tmp, "PNG", optimize=False))
    return out.stat().st_size


def _save(out: Path, write: Callable[[Path], None]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, out)


# --------------------------------------------------------------------------- the seed


def seed_urls(stores: list[dict]) -> Iterator[str]:
    """Every image URL of every store in the seed."""
    for entry in stores:
        sf = entry["storefront"]
        yield from (sf.get(k) or "" for k in ("logoUrl", "coverImageUrl", "bannerImageUrl"))
        yield (sf.get("seo") or {}).get("ogImageUrl") or ""
        for product in sf.get("products", []):
            yield from product.get("imageUrls") or []
            yield from ((v or {}).get("imageUrl") or "" for v in product.get("variants") or [])


def photo_url(slug: str, name: str) -> str:
    """Where the photo standing for a demo SVG lives: logos are PNG, everything else JPEG."""
    return f"{PHOTOS}{slug}/{name}.{'png' if name == 'logo' else 'jpg'}"


def point_seed() -> int:
    """Rewrite the seed's SVG image URLs to the photos, as a text edit of those values only."""
    text = STORES_JSON.read_text(encoding="utf-8")  # read right before writing: others edit this file
    count = 0

    def field(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f'{match.group(1)}{photo_url(match.group(2), match.group(3))}"'

    def listed(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f'"{photo_url(match.group(1), match.group(2))}"'

    new = _SEED_URL.sub(field, text)
    new = _SEED_LIST.sub(lambda m: m.group(1) + _LIST_URL.sub(listed, m.group(2)) + m.group(3), new)
    json.loads(new)  # still valid JSON
    if new != text:
        STORES_JSON.write_text(new, encoding="utf-8")
    print(f"pointed {count} seed image URL(s) at {PHOTOS}")
    return count


def jobs(force: bool) -> list[tuple[str, str, Path]]:
    """(slug, name, file) of every photo the seed names that is missing (or all, with force)."""
    found: dict[Path, tuple[str, str, Path]] = {}
    for url in seed_urls(json.loads(STORES_JSON.read_text(encoding="utf-8"))):
        if url.startswith(PHOTOS):
            path = STATIC / url.removeprefix("/static/")
            slug, name = path.parent.name, path.stem
            if force or not path.exists():
                found[path] = (slug, name, path)
    return sorted(found.values())


def make(job: tuple[str, str, Path]) -> int:
    """Write one file of the job list."""
    slug, name, path = job
    return logo(slug, path) if path.suffix == ".png" else photo(slug, name, path)


def main() -> int:
    """Write the missing demo photos (in parallel, one process per core)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--point-seed", action="store_true", help="rewrite the seed's SVG URLs to photos first")
    parser.add_argument("--force", action="store_true", help="write every photo again")
    args = parser.parse_args()
    if args.point_seed:
        point_seed()
    todo = jobs(args.force)
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1) or 1) as pool:
        sizes = list(pool.map(make, todo, chunksize=4))
    if todo:
        print(f"wrote {len(todo)} demo photos ({sum(sizes) / len(sizes) / 1e6:.1f} MB on average) under "
              f"{STATIC / 'img' / 'photos'} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
