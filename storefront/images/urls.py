"""Images: signed image URLs, and which merchant images a store lets us serve.

An image URL names the store, a key and the variant: ``/img/<slug>/<key>/<width>.<fmt>`` or
``/img/<slug>/<key>/og.jpg``. The key is the start of an HMAC of the store's slug and the source
URL under the app's secret, so it both names the source and proves our page emitted it: the
endpoint looks the key up among the store's own images (logo, cover, OpenGraph image, product
and variant photos) and answers 404 to anything else. The endpoint is no open proxy.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app

from storefront.sendy.models import Store

#: The widths an image is made in: a srcset picks among them, anything else is a 404.
WIDTHS = (160, 240, 360, 480, 720, 960, 1440)
#: URL suffix → (Pillow format, content type).
FORMATS = {"avif": ("AVIF", "image/avif"), "webp": ("WEBP", "image/webp"), "jpg": ("JPEG", "image/jpeg")}
OG = "og"  # the link-preview variant: 1200x630, cover-cropped, JPEG
OG_SIZE = (1200, 630)
KEY_CHARS = 16  # 96 bits of HMAC-SHA256, base64url
MAP_TTL = 60.0  # seconds a store's key map is trusted before it is rebuilt from the store
MAX_STORES = 2_000


@dataclass(frozen=True)
class Variant:
    """What a request asks for: a width and a format, or the link-preview crop."""

    width: int
    fmt: str  # avif | webp | jpg
    og: bool = False

    @property
    def name(self) -> str:
        """The last segment of the URL."""
        return "og.jpg" if self.og else f"{self.width}.{self.fmt}"


def parse_variant(name: str) -> Variant | None:
    """``480.avif`` or ``og.jpg`` → a Variant; None for anything else."""
    stem, dot, fmt = name.partition(".")
    if not dot or fmt not in FORMATS:
        return None
    if stem == OG:
        return Variant(OG_SIZE[0], "jpg", og=True) if fmt == "jpg" else None
    if not stem.isascii() or not stem.isdigit() or int(stem) not in WIDTHS or str(int(stem)) != stem:
        return None
    return Variant(int(stem), fmt)


@lru_cache(maxsize=50_000)
def _sign(secret: str, slug: str, url: str) -> str:
    digest = hmac.new(secret.encode(), f"{slug}\n{url}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:KEY_CHARS]


def key_for(slug: str, url: str) -> str:
    """The signed key of one of a store's image URLs."""
    return _sign(current_app.config["SECRET_KEY"], slug, url)


def store_sources(store: Store) -> Iterator[str]:
    """Every image URL the store's pages may show (logo, cover, OpenGraph, products, variants)."""
    yield from (u for u in (store.logo_url, store.cover_image_url, store.seo.og_image_url) if u)
    for product in store.products:
        yield from product.image_urls
        for variant in getattr(product, "variants", ()) or ():
            url = getattr(variant, "image_url", "")
            if url:
                yield url


@dataclass(frozen=True)
class _KeyMap:
    urls: frozenset[str]
    by_key: dict[str, str]
    built: float


class KeyMaps:
    """Per process: each store's key → source URL map, rebuilt when the store's images change."""

    def __init__(self) -> None:
        self._maps: dict[str, _KeyMap] = {}
        self._lock = threading.Lock()

    def lookup(self, slug: str, key: str) -> str | None:
        """The source URL of a key, from the map alone (None: unknown or stale, ask ``refresh``)."""
        found = self._maps.get(slug)
        if found is None or time.monotonic() - found.built > MAP_TTL:
            return None
        return found.by_key.get(key)

    def forget(self, slug: str) -> None:
        """Drop a store's map: the next lookup rebuilds it from a fresh copy of the store."""
        with self._lock:
            self._maps.pop(slug, None)

    def refresh(self, store: Store, key: str) -> str | None:
        """The source URL of a key in this (fresh) copy of the store; the map is kept for next time."""
        urls = frozenset(store_sources(store))
        found = self._maps.get(store.slug)
        if found is None or found.urls != urls:
            found = _KeyMap(urls, {key_for(store.slug, u): u for u in urls}, time.monotonic())
        else:
            found = _KeyMap(urls, found.by_key, time.monotonic())
        with self._lock:
            if len(self._maps) >= MAX_STORES:
                self._maps.clear()
            self._maps[store.slug] = found
        return found.by_key.get(key)
