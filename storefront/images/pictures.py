"""Presentation: what the ``picture()`` macro needs for one merchant image on one kind of box.

Each kind of box (``Layout``) lists the widths worth offering and the ``sizes`` that match the
CSS layout (site.css: the grid of cards, the gallery, the cover). The loading colour and the
photo's aspect come from the data cache, filled when the photo is first decoded; before that a
box has the neutral colour. Site-relative SVGs (our own drawings) are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, url_for

from storefront.extensions import cache
from storefront.images.urls import OG_SIZE, key_for, store_sources
from storefront.web.templating import absolute

IMAGE_ENDPOINT = "images.image"


@dataclass(frozen=True)
class Layout:
    """The widths offered for one kind of image box, and its ``sizes``."""

    widths: tuple[int, ...]
    sizes: str = ""
    fallback: int = 0  # the width of the JPEG in ``src`` (default: the middle one)


LAYOUTS = {
    "logo": Layout((160,)),  # 40 px in the header
    "line": Layout((160,)),  # 72 px in the cart
    # The grid: columns of at least 150 px + 16 px gaps inside 1080 px (site.css .grid).
    "card": Layout((240, 360, 480, 720), "(min-width:1080px) 162px,(min-width:680px) 25vw,(min-width:514px) 34vw,50vw",
                   360),
    # The product page: the full width below 760 px, half of it beside the buying box above.
    "gallery": Layout((360, 480, 720, 960, 1440), "(min-width:1080px) 512px,(min-width:760px) 50vw,100vw", 720),
    "cover": Layout((480, 720, 960, 1440), "(min-width:1080px) 1048px,100vw", 720),
}


@dataclass(frozen=True)
class Picture:
    """The ``srcset`` of each format, the fallback ``src``, ``sizes``, loading colour class and aspect."""

    src: str
    avif: str = ""
    webp: str = ""
    jpg: str = ""
    sizes: str = ""
    tone: str = ""
    ratio: float | None = None  # height / width, when the photo has been seen

    def height_for(self, width: int, default: int) -> int:
        """The ``height`` attribute for a box ``width`` wide (the photo's own aspect when known)."""
        return round(width * self.ratio) if self.ratio else default


def _base(slug: str, url: str) -> str:
    """``/img/<slug>/<key>/`` for a source."""
    return url_for(IMAGE_ENDPOINT, owner=slug, key=key_for(slug, url), name="og.jpg")[: -len("og.jpg")]


def image_url(url: str, width: int = 1440, fmt: str = "jpg", slug: str | None = None) -> str:
    """The site-relative URL of one variant (``width=0``: the 1200x630 link-preview crop)."""
    slug = slug or g.store.slug
    return _base(slug, url) + (f"{width}.{fmt}" if width else "og.jpg")


def _known(url: str) -> str:
    """The facts kept of a store's photo ("" when not known yet), read for the whole store once per request."""
    facts = g.get("_image_facts")
    if facts is None:
        store = g.get("store")
        urls = list(dict.fromkeys(store_sources(store))) if store else []
        from storefront.images import meta_key

        values = cache.get_many(*[meta_key(u) for u in urls]) if urls else []
        facts = g._image_facts = {u: v for u, v in zip(urls, values, strict=True) if v}
    return str(facts.get(url) or "")


def _facts(url: str) -> tuple[str, float | None]:
    """(loading colour class, aspect) of a store's photo."""
    found = _known(url)
    if not found:
        return "", None
    try:
        tone, width, height = (int(part) for part in found.split())
    except ValueError:  # not the three integers this release writes: as if not known yet
        return "", None
    return f"c{tone}", (height / width if width else None)


def photo_colour(url: str) -> str:
    """A store photo's vivid colour (a logo's brand colour) as "#rrggbb", "" when not known (yet):
    never fetched here, only read from what the image pipeline kept when it made the photo."""
    if not url:
        return ""
    from storefront.images import colour_key

    known = g.setdefault("_image_colours", {})
    if url not in known:
        found = cache.get(colour_key(url))
        known[url] = found if isinstance(found, str) and len(found) == 7 and found.startswith("#") else ""
    return str(known[url])


def picture(url: str, kind: str) -> Picture | None:
    """What the macro needs for one image of one kind; None without an image."""
    if not url:
        return None
    if url.startswith("/static/") and url.endswith(".svg"):
        return Picture(src=url)
    layout = LAYOUTS[kind]
    base = _base(g.store.slug, url)
    tone, ratio = _facts(url)
    if len(layout.widths) == 1:
        w = layout.widths[0]
        return Picture(f"{base}{w}.jpg", f"{base}{w}.avif", f"{base}{w}.webp", tone=tone, ratio=ratio)
    fallback = layout.fallback or layout.widths[len(layout.widths) // 2]

    def srcset(fmt: str) -> str:
        return ",".join(f"{base}{w}.{fmt} {w}w" for w in layout.widths)

    return Picture(f"{base}{fallback}.jpg", srcset("avif"), srcset("webp"), srcset("jpg"), layout.sizes, tone, ratio)


@dataclass(frozen=True)
class Preview:
    """An ``og:image``: absolute URL and, for our own crop, its size."""

    url: str
    width: int = 0
    height: int = 0


def og_image(url: str) -> Preview | None:
    """The link-preview image of a page: our 1200x630 JPEG crop of the source."""
    if not url:
        return None
    if url.startswith("/static/") and url.endswith(".svg"):
        return Preview(absolute(url))
    return Preview(absolute(image_url(url, 0)), *OG_SIZE)


def shared_image(url: str, width: int = 1440) -> str:
    """An absolute JPEG of a store image for structured data (the original never leaves: it has EXIF)."""
    if url.startswith("/static/") and url.endswith(".svg"):
        return absolute(url)
    return absolute(image_url(url, width))


def init_app(app: Flask) -> None:
    """Expose the helpers to templates."""
    app.add_template_global(picture, "picture_of")
    app.add_template_global(og_image)
    app.add_template_global(image_url)
