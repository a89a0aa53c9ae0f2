"""Images: decoding an original safely and making one variant of it (pure functions, no Flask).

Only JPEG, PNG, WebP, AVIF and GIF (its first frame) are opened; more than ``MAX_PIXELS``
pixels is refused before decoding, as is anything Pillow flags as a decompression bomb.
Big JPEGs are decoded at a reduced scale (libjpeg's DCT scaling, ``draft``). The result is
turned upright (EXIF orientation), converted to sRGB (from an embedded ICC profile when there
is one), flattened onto white, and saved with no metadata at all: no EXIF (so no GPS), no ICC,
no XMP, no comment.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageCms, ImageOps

from storefront.images.urls import FORMATS, OG_SIZE, Variant

MAX_PIXELS = 40_000_000
ACCEPTED = ("JPEG", "PNG", "WEBP", "AVIF", "GIF")
#: Encoder settings tuned for photos at phone sizes.
SAVE = {
    "AVIF": {"quality": 50, "speed": 8},
    "WEBP": {"quality": 75, "method": 4},
    "JPEG": {"quality": 80, "progressive": True, "optimize": True},
}
OG_MAX_BYTES = 300_000
NEUTRAL = (0xEE, 0xF1, 0xF3)  # the image boxes' colour before any photo is known (site.css)
#: The loading colours: 4 levels per channel, 64 classes ``.c0`` … ``.c63`` in site.css.
LEVELS = (0x44, 0x88, 0xBB, 0xEE)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class BadImage(Exception):
    """Not an image we open: unknown format, too many pixels, truncated or corrupt."""


@dataclass(frozen=True)
class Made:
    """One encoded variant, with what the page needs to know of the photo."""

    data: bytes
    content_type: str
    tone: int  # palette class of the photo's average colour
    width: int  # the variant's own size (its aspect is the photo's, except og)
    height: int


def tone_of(rgb: tuple[int, int, int]) -> int:
    """The palette class nearest to a colour."""
    index = [min(range(4), key=lambda i: abs(LEVELS[i] - c)) for c in rgb]
    return index[0] * 16 + index[1] * 4 + index[2]


def palette_css() -> str:
    """The CSS of the 64 loading colours (kept in site.css; a test checks they agree)."""
    def hex3(i: int) -> str:
        return "".join(f"{LEVELS[d]:02x}"[0] for d in (i // 16, i // 4 % 4, i % 4))
    return "".join(f"img.c{i}{{background:#{hex3(i)}}}" for i in range(64))


def open_image(data: bytes) -> Image.Image:
    """Open (not yet decode) an original, refusing what is not an accepted image or is too big."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ACCEPTED)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise BadImage(f"decompression bomb: {exc}") from None
        except (OSError, SyntaxError, ValueError) as exc:  # UnidentifiedImageError is an OSError
            raise BadImage(f"not an accepted image: {exc}") from None
    if image.width * image.height > MAX_PIXELS:
        raise BadImage(f"{image.width}x{image.height} is over {MAX_PIXELS:,} pixels")
    return image


def _upright_rgb(image: Image.Image, need: tuple[int, int]) -> Image.Image:
    """Decode (JPEG at a reduced scale when ``need`` allows), turn upright, sRGB, flattened on white."""
    sideways = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    if image.format == "JPEG":
        image.draft(None, need[::-1] if sideways else need)
    icc = image.info.get("icc_profile")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
            image = ImageOps.exif_transpose(image) or image
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
            raise BadImage(f"cannot decode: {exc}") from None
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode) or image
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def make(data: bytes, variant: Variant) -> Made:
    """One variant of an original: resized (never enlarged), upright, sRGB, without metadata."""
    image = open_image(data)
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    if variant.og:
        rgb = _upright_rgb(image, OG_SIZE)
        out = ImageOps.fit(rgb, OG_SIZE, Image.Resampling.LANCZOS)
    else:
        rgb = _upright_rgb(image, (variant.width * 2, 1))
        width = min(variant.width, rgb.width)
        height = max(1, round(rgb.height * width / rgb.width))
        out = rgb.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0) if width != rgb.width else rgb
    colour = out.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    tone = tone_of(colour)  # type: ignore[arg-type]
    return Made(encode(out, variant), FORMATS[variant.fmt][1], tone, out.width, out.height)


def encode(image: Image.Image, variant: Variant) -> bytes:
    """The image in the variant's format, with no metadata (og: JPEG under 300 KB)."""
    image.info.clear()  # nothing of the original travels on: no EXIF, ICC, XMP or comment
    fmt = FORMATS[variant.fmt][0]
    settings = dict(SAVE[fmt])
    for quality in ((80, 70, 60, 50, 40) if variant.og else (settings["quality"],)):
        buffer = io.BytesIO()
        image.save(buffer, fmt, **{**settings, "quality": quality})
        if not variant.og or buffer.tell() <= OG_MAX_BYTES:
            break
    return buffer.getvalue()


@lru_cache(maxsize=64)
def placeholder(variant: Variant) -> bytes:
    """A neutral image in the variant's size and format: what a failing source is shown as."""
    size = OG_SIZE if variant.og else (variant.width, variant.width)
    return encode(Image.new("RGB", size, NEUTRAL), variant)
