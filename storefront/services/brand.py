"""The store's look: its colour, made readable (WCAG AA), and a layout preset chosen by its niche.

The primary colour is the merchant's ``branding.primaryColor`` when set, else the colour of the
store's logo once the image pipeline has seen it (the caller passes what it knows: a page never
waits for a logo), else the house teal. From it come three CSS values, all checked against WCAG
2.x contrast (relative luminance, AA for normal text: 4.5:1):

- ``brand``: buttons, chips and badges; its text colour ``ink`` (white, or the house near-black
  when white does not pass) has at least 4.5:1 on it: the colour is darkened until one does.
- ``link``: the colour as text on the page's background (and on white cards), darkened until it
  has 4.5:1 on both.

Every value is a validated ``#rrggbb``: merchant data never reaches a page's CSS as given.
"""

from __future__ import annotations

import colorsys
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

TEAL = "#0f766e"  # the house colour (site.css :root --brand)
WHITE = "#ffffff"
NEAR_BLACK = "#1f2933"  # the house ink (site.css --ink)
PAGE = "#fafaf8"  # the page background (site.css --bg); cards are white
WARM_PAGE = "#fdf8f0"  # the page background of the "warm" preset (site.css)
AA = 4.5
_HEX = re.compile(r"#[0-9a-f]{6}")


def hex_colour(value: str | None) -> str:
    """``value`` as lowercase ``#rrggbb``, or "" when it is not exactly that."""
    found = (value or "").strip().lower()
    return found if _HEX.fullmatch(found) else ""


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB ``#rrggbb`` (0 black … 1 white)."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two colours (1 … 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _lightness_steps(colour: str, darker: bool) -> list[str]:
    """The colour with its HLS lightness moved towards black (or white) in 2 % steps, nearest first."""
    h, lightness, s = colorsys.rgb_to_hls(*(c / 255 for c in _rgb(colour)))
    steps = []
    for i in range(1, 51):  # bounded: 50 steps of 0.02 reach black or white from anywhere
        moved = max(0.0, lightness - 0.02 * i) if darker else min(1.0, lightness + 0.02 * i)
        steps.append(_hex(tuple(c * 255 for c in colorsys.hls_to_rgb(h, moved, s))))  # type: ignore[arg-type]
    return steps


def readable_on(colour: str, backgrounds: tuple[str, ...]) -> str:
    """``colour`` as text on every one of ``backgrounds`` (light ones): darkened until >= 4.5:1."""
    for candidate in (colour, *_lightness_steps(colour, darker=True)):
        if all(contrast(candidate, bg) >= AA for bg in backgrounds):
            return candidate
    return NEAR_BLACK


def button(colour: str) -> tuple[str, str]:
    """(background, ink) for a filled button of ``colour``: white ink if it passes, else near-black;
    when neither passes (a mid tone), the colour darkened until white does."""
    if contrast(colour, WHITE) >= AA:
        return colour, WHITE
    if contrast(colour, NEAR_BLACK) >= AA:
        return colour, NEAR_BLACK
    for candidate in _lightness_steps(colour, darker=True):
        if contrast(candidate, WHITE) >= AA:
            return candidate, WHITE
    return NEAR_BLACK, WHITE


#: Layout presets and the niche words choosing them (Arabic, English, Kurdish Sorani), first match wins.
PRESETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dense", ("الكترون", "موبايل", "هاتف", "هواتف", "جوال", "حاسب", "لابتوب", "كمبيوتر", "اكسسوارات موبايل",
               "مۆبایل", "ئەلیکترۆن", "electronic", "phone", "gadget", "tech", "computer", "laptop", "mobile")),
    ("portrait", ("ازياء", "ملابس", "عباي", "فساتين", "فستان", "بوتيك", "احذيه", "احذية", "حذاء", "جزم", "حقائب",
                  "جلوبەرگ", "پێڵاو", "fashion", "cloth", "apparel", "boutique", "abaya", "dress", "shoe",
                  "sneaker", "footwear", "wear")),
    ("warm", ("عسل", "مكسرات", "حلويات", "حلوى", "طعام", "اكل", "اكلات", "قهوه", "قهوة", "تمر", "بهارات", "مخبوزات",
              "هەنگوین", "شیرینی", "خواردن", "honey", "food", "sweet", "nut", "coffee", "date", "spice", "bakery",
              "cake", "chocolate")),
)
_MARKS = dict.fromkeys(c for c in range(0x0610, 0x0670) if unicodedata.category(chr(c)) == "Mn")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ـ": None, **{chr(k): None for k in _MARKS}})


def preset_for(niche: str) -> str:
    """The layout preset a store's niche chooses ("" for the default), from its first 200 characters."""
    folded = unicodedata.normalize("NFC", niche[:200]).casefold().translate(_FOLD)
    words = set(re.findall(r"\w+", folded))
    for preset, keys in PRESETS:
        for key in keys:
            k = key.casefold().translate(_FOLD)
            # a Latin key names a word's start ("shoe" → "shoes", not "horseshoe"); an Arabic-script
            # key may carry the article "ال" or a suffix, so it is looked for inside the words
            if any(w.startswith(k) if k.isascii() else k in w for w in words) or (" " in k and k in folded):
                return preset
    return ""


@dataclass(frozen=True)
class Theme:
    """A store's CSS colours (validated ``#rrggbb``), where the colour came from, and its layout preset."""

    brand: str
    ink: str
    link: str
    source: str  # "branding", "logo" or "house"
    preset: str = ""

    def css(self) -> str:
        """The inline :root rule of the page's head (nothing but hex values in it): what differs from
        site.css's defaults (--brand-ink white, --link the brand itself), to keep the first view small."""
        ink = "" if self.ink == WHITE else f";--brand-ink:{self.ink}"
        link = "" if self.link == self.brand else f";--link:{self.link}"
        return f":root{{--brand:{self.brand}{ink}{link}}}"


@lru_cache(maxsize=1024)
def theme(primary: str = "", logo: str = "", niche: str = "") -> Theme:
    """The theme of a store whose branding colour is ``primary`` and whose logo's colour is ``logo``
    ("" when unknown or not yet known): the first valid one, else the house teal."""
    chosen, source = next(((c, s) for c, s in ((hex_colour(primary), "branding"), (hex_colour(logo), "logo"))
                           if c), (TEAL, "house"))
    brand, ink = button(chosen)
    return Theme(brand, ink, readable_on(chosen, (PAGE, WARM_PAGE, WHITE)), source, preset_for(niche))
