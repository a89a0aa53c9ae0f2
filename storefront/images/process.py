"""Images: decoding an original safely and making one variant of it (pure functions, no Flask).

Only JPEG, PNG, WebP, AVIF and GIF (its first frame) are opened; more than ``MAX_PIXELS``
pixels is refused before decoding, as is anything Pillow flags as a decompression bomb.
Decoding is planned from the header before any pixel is read (``plan``): a JPEG is decoded
at a reduced scale (libjpeg's DCT scaling, ``draft``), and any decoded image is at once reduced
by an integer factor (``Image.reduce``, band by band for palette images), so the full-size
pixels are held once and only while being reduced; a PNG (which Pillow can only decode whole)
is decoded by libvips a strip of rows at a time and reduced on the way. ``Plan.cost`` is what
a making may hold at its peak, which the caller weighs against its memory budget. The small
result is turned upright (EXIF orientation), converted to sRGB (from an embedded ICC profile
when there is one), flattened onto white, and saved with no metadata at all: no EXIF (so no
GPS), no ICC, no XMP, no comment.
"""

from __future__ import annotations

import colorsys
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
    colour: str = ""  # the photo's most common vivid colour, "#rrggbb" ("" when it has none): a logo's brand


def tone_of(rgb: tuple[int, int, int]) -> int:
    """The palette class nearest to a colour."""
    index = [min(range(4), key=lambda i: abs(LEVELS[i] - c)) for c in rgb]
    return index[0] * 16 + index[1] * 4 + index[2]


def palette_css() -> str:
    """The CSS of the 64 loading colours (kept in site.css; a test checks they agree)."""
    def hex3(i: int) -> str:
        return "".join(f"{LEVELS[d]:02x}"[0] for d in (i // 16, i // 4 % 4, i % 4))
    return "".join(f"img.c{i}{{background:#{hex3(i)}}}" for i in range(64))


def open_image(data: bytes | str) -> Image.Image:
    """Open (read the header of, not decode) an original, its bytes or its file; refuse what is not
    an accepted image or is too big."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data) if isinstance(data, bytes) else data, formats=ACCEPTED)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise BadImage(f"decompression bomb: {exc}") from None
        except (OSError, SyntaxError, ValueError) as exc:  # UnidentifiedImageError is an OSError
            raise BadImage(f"not an accepted image: {exc}") from None
    if image.width * image.height > MAX_PIXELS:
        raise BadImage(f"{image.width}x{image.height} is over {MAX_PIXELS:,} pixels")
    return image


#: Bytes per pixel of Pillow's storage for a mode (RGB is kept in 4 bytes, as RGBA).
_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
#: Modes ``Image.reduce`` works on; the others are converted band by band while they are reduced.
_REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "I", "F"})
GAP = 2.0  # decode to at least twice the output size, then resample (as Image.thumbnail's reducing_gap)
REDUCED_PIXELS = 2_000_000  # ... but keep the reduced copy this small when the output allows it
BAND_BYTES = 4 * 1024 * 1024  # rows converted at a time for the modes ``reduce`` does not take
OVERHEAD = 16 * 1024 * 1024  # encoders, the output and its copies, beside the decoded pixels
_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
              5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


@dataclass(frozen=True)
class Plan:
    """How an original will be decoded, read from its header alone: no pixel is read to make it.

    ``size`` is what the decoder produces (a JPEG at a reduced DCT scale), ``factor`` the integer
    reduction applied right after, and ``cost`` the most memory the whole making may hold.
    """

    size: tuple[int, int]
    factor: int
    cost: int


def pixel_bytes(mode: str) -> int:
    """Bytes per pixel of an image of this mode in memory."""
    return _PIXEL_BYTES.get(mode, 4)


def orientation(image: Image.Image) -> int:
    """The EXIF orientation, read without decoding (Pillow's ``getexif`` decodes a whole PNG to look
    for an eXIf chunk after the pixels: only one before them is read here)."""
    if _streamed(image):
        exif = Image.Exif()
        if image.info.get("exif"):
            exif.load(image.info["exif"])
        return int(exif.get(0x0112, 1))
    return int(image.getexif().get(0x0112, 1))


def _target(image: Image.Image, variant: Variant) -> tuple[int, int]:
    """The box (in the stored orientation) the reduced image must still cover."""
    if variant.og:
        return OG_SIZE
    box = (variant.width, 1)
    return box[::-1] if orientation(image) in (5, 6, 7, 8) else box


def plan(image: Image.Image, variant: Variant) -> Plan:
    """Set up the decoding of an opened original (JPEG: the DCT scale) and say what it will cost."""
    target = _target(image, variant)
    if image.format == "JPEG":
        image.draft(None, (target[0] * 2, target[1] * 2))  # libjpeg's scaling: 1/2, 1/4 or 1/8
    width, height = image.size
    most = max(1, min(width // target[0], height // target[1]))  # never below the output size
    factor = max(1, min(int(min(width / (target[0] * GAP), height / (target[1] * GAP))), most))
    while factor < most and width * height / factor ** 2 > REDUCED_PIXELS:
        factor += 1
    reduced = -(-width // factor) * -(-height // factor) * 4
    if _streamed(image):  # a strip of rows at a time (libvips' line cache), never the whole image
        return Plan((width, height), factor, 8 * width * 8 * max(factor, 16) + 3 * reduced + 2 * OVERHEAD)
    band = 0 if factor == 1 or image.mode in _REDUCIBLE else 2 * width * 4 * _band_rows(width, factor)
    return Plan((width, height), factor, width * height * pixel_bytes(image.mode) + band + 3 * reduced + OVERHEAD)


def _streamed(image: Image.Image) -> bool:
    """Whether an original is decoded by libvips, a strip at a time: PNGs (no reduced decoding in Pillow)."""
    return image.format == "PNG"


def _band_rows(width: int, factor: int) -> int:
    return factor * max(1, BAND_BYTES // (width * 4 * factor))


def _reduce(image: Image.Image, factor: int) -> Image.Image:
    """The decoded image divided by ``factor`` (box average); band by band for modes reduce lacks."""
    if factor == 1:
        return image
    if image.mode in _REDUCIBLE:
        return image.reduce(factor)
    alpha = image.mode in ("PA", "La") or "transparency" in image.info
    mode = "RGBA" if alpha else "RGB"
    out = Image.new(mode, (-(-image.width // factor), -(-image.height // factor)))
    step = _band_rows(image.width, factor)
    for top in range(0, image.height, step):
        band = image.crop((0, top, image.width, min(image.height, top + step))).convert(mode)
        out.paste(band.reduce(factor), (0, top // factor))
    return out


def _vips_reduced(source: bytes | str, chosen: Plan) -> Image.Image:
    """A PNG decoded by libvips in sequential access (a strip of rows in memory at a time) and
    reduced by the plan's factor on the way, handed over to Pillow as 8-bit pixels."""
    import pyvips

    pyvips.cache_set_max(0)
    pyvips.block_untrusted_set(True)
    try:
        options = {"access": "sequential", "fail_on": "error"}
        vips = (pyvips.Image.pngload_buffer(source, **options) if isinstance(source, bytes)
                else pyvips.Image.pngload(source, **options))
        if (vips.width, vips.height) != chosen.size:
            raise BadImage(f"decoded {vips.width}x{vips.height}, the header said {chosen.size}")
        if chosen.factor > 1:
            vips = vips.shrink(chosen.factor, chosen.factor)
        if vips.format != "uchar":
            vips = (vips / 257 if vips.format == "ushort" else vips).cast("uchar")
        mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}.get(vips.bands)
        if mode is None:
            raise BadImage(f"{vips.bands} bands")
        return Image.frombytes(mode, (vips.width, vips.height), vips.write_to_memory())
    except pyvips.Error as exc:
        raise BadImage(f"cannot decode: {str(exc).strip()[:200]}") from None


def _upright_rgb(image: Image.Image, chosen: Plan, source: bytes | str) -> Image.Image:
    """Decode as planned, reduce at once, then (on the small image) turn upright, sRGB, flattened on white."""
    turn = _TRANSPOSE.get(orientation(image))
    icc = image.info.get("icc_profile")
    if _streamed(image):
        image = _vips_reduced(source, chosen)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image.load()
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
                raise BadImage(f"cannot decode: {exc}") from None
        if image.size != chosen.size:
            raise BadImage(f"decoded {image.size}, the header said {chosen.size}")
        image = _reduce(image, chosen.factor)  # the full decode is let go as soon as this returns
    if turn is not None:
        image = image.transpose(turn)
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=mode) or image
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def make(data: bytes | str, variant: Variant) -> Made:
    """One variant of an original (its bytes or its file): resized (never enlarged), upright, sRGB, no metadata."""
    with open_image(data) as image:
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        rgb = _upright_rgb(image, plan(image, variant), data)
    if variant.og:
        out = ImageOps.fit(rgb, OG_SIZE, Image.Resampling.LANCZOS)
    else:
        width = min(variant.width, rgb.width)
        height = max(1, round(rgb.height * width / rgb.width))
        out = rgb.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0) if width != rgb.width else rgb
    colour = out.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    tone = tone_of(colour)  # type: ignore[arg-type]
    return Made(encode(out, variant), FORMATS[variant.fmt][1], tone, out.width, out.height, vivid_colour(out))


def vivid_colour(image: Image.Image) -> str:
    """The most common clearly coloured colour of an RGB image as "#rrggbb", or "" when it has none
    (white, grey and black are passed over: a logo's background and outlines are not its brand)."""
    small = image.resize((48, max(1, round(48 * image.height / image.width))), Image.Resampling.BOX)
    quantized = small.quantize(8, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    found: list[tuple[int, int]] = sorted(quantized.getcolors(8) or [], reverse=True)  # type: ignore[arg-type]
    for count, index in found:
        r, g, b = palette[index * 3:index * 3 + 3]
        _, lightness, saturation = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
        if count * 25 >= small.width * small.height and saturation >= 0.25 and 0.12 <= lightness <= 0.9:
            return f"#{r:02x}{g:02x}{b:02x}"  # at least 4 % of the image, coloured, neither near white nor black
    return ""


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
