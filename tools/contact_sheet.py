"""Before/after contact sheets from two folders of tools/screenshots.py output.

Usage::

    python tools/contact_sheet.py BEFORE_DIR AFTER_DIR OUTDIR

For every page type found in either folder (``{page}-{lang}-{width}.png``), writes
``OUTDIR/{page}.webp``: one row per language (Arabic, then English; ``--langs ar en ckb`` adds
Kurdish), and in each row the columns before-phone, after-phone, before-desktop, after-desktop,
each with a small label above it. Phones are scaled to 0.75 and desktops to 0.4; a missing
screenshot is drawn as a grey box. Prints each sheet's size.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

LANGS = {"ar": "Arabic", "en": "English", "ckb": "Kurdish"}
#: (width in the file name, scale, label)
SIZES = ((360, 0.75, "phone 360"), (1280, 0.4, "desktop 1280"))
#: the screenshots' viewports, for the grey box of a missing one
VIEWPORTS = {360: (360, 640), 1280: (1280, 800)}
GAP = 10
LABEL = 18
QUALITY = 72
BACKGROUND = (255, 255, 255)
NAME = re.compile(r"^(?P<page>.+)-(?P<lang>ar|en)-(?P<width>\d+)\.png$")


def pages(*folders: Path) -> list[str]:
    """The page types that have at least one screenshot in any of the folders, sorted."""
    found = {match["page"] for folder in folders for path in folder.glob("*.png")
             if (match := NAME.match(path.name))}
    return sorted(found)


def tile(path: Path, width: int, scale: float) -> Image.Image:
    """One screenshot scaled, or a grey box of the same size saying it is missing."""
    if path.exists():
        with Image.open(path) as image:
            size = (round(image.width * scale), round(image.height * scale))
            return image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    w, h = VIEWPORTS[width]
    box = Image.new("RGB", (round(w * scale), round(h * scale)), (225, 225, 225))
    ImageDraw.Draw(box).text((10, 10), "missing", fill=(120, 120, 120), font=ImageFont.load_default(14))
    return box


def sheet(page: str, before: Path, after: Path, langs: tuple[str, ...] = ("ar", "en")) -> Image.Image:
    """The contact sheet of one page type: a row per language."""
    font = ImageFont.load_default(13)
    rows = []
    for lang in langs:
        language = LANGS[lang]
        cells = []
        for width, scale, size_label in SIZES:
            for side, folder in (("before", before), ("after", after)):
                image = tile(folder / f"{page}-{lang}-{width}.png", width, scale)
                cells.append((f"{side} · {size_label} · {language}", image))
        rows.append(cells)
    width = GAP + sum(image.width + GAP for _, image in rows[0])
    row_heights = [LABEL + max(image.height for _, image in cells) for cells in rows]
    height = GAP + sum(h + GAP for h in row_heights)
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    y = GAP
    for cells, row_height in zip(rows, row_heights, strict=True):
        x = GAP
        for label, image in cells:
            draw.text((x, y + 2), label, fill=(60, 60, 60), font=font)
            canvas.paste(image, (x, y + LABEL))
            draw.rectangle((x - 1, y + LABEL - 1, x + image.width, y + LABEL + image.height), outline=(200, 200, 200))
            x += image.width + GAP
        y += row_height + GAP
    draw.text((width - GAP - draw.textlength(page, font=font), 0), page, fill=(150, 150, 150), font=font)
    return canvas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="folder of the 'before' screenshots")
    parser.add_argument("after", type=Path, help="folder of the 'after' screenshots")
    parser.add_argument("outdir", type=Path, help="where the WebP sheets go (created)")
    parser.add_argument("--langs", nargs="+", choices=list(LANGS), default=["ar", "en"],
                        help="the rows, in order (default: ar en)")
    args = parser.parse_args(argv)
    names = pages(args.before, args.after)
    if not names:
        print(f"no {{page}}-{{lang}}-{{width}}.png files in {args.before} or {args.after}", file=sys.stderr)
        return 1
    args.outdir.mkdir(parents=True, exist_ok=True)
    for page in names:
        path = args.outdir / f"{page}.webp"
        sheet(page, args.before, args.after, tuple(args.langs)).save(path, "WEBP", quality=QUALITY, method=6)
        print(f"{path}  {path.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
