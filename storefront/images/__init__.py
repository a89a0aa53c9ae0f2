"""Images: merchant photos resized, re-encoded and stripped, served from our own origin.

``ImageService`` (one per app, ``app.extensions["images"]``) answers one variant of one signed
source: from the disk cache when it is there; otherwise, holding one of a few slots (as many
as there are cores; a short queue), it reads the original (our static folder or the network),
makes the variant and keeps it. A source that fails gets a neutral placeholder, is remembered
for ten minutes and logged once. See ``urls`` (signing), ``sources`` (fetching), ``process``
(decoding) and ``diskcache``; ``pictures`` is what templates call.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cachelib import SimpleCache
from flask import Flask, current_app
from PIL import Image

from storefront.extensions import cache
from storefront.images import process
from storefront.images.diskcache import DiskCache
from storefront.images.sources import Fetcher, SourceError, read_static, static_file
from storefront.images.urls import FORMATS, KeyMaps, Variant
from storefront.runtime import metrics
from storefront.services import catalog

log = logging.getLogger("storefront.images")
VERSION = "1"  # bump when the processing changes: every derived file is made again
FAILURE_TTL = 600
META_TTL = 30 * 24 * 3600


class NotOurs(LookupError):
    """No image of this store has that key (tampered, unsigned, or no longer shown)."""


class Busy(Exception):
    """Every resize slot is taken: answer 503 at once rather than queue."""


@dataclass(frozen=True)
class Served:
    """What the endpoint sends: the bytes, their type and ETag, and whether they are the placeholder."""

    data: bytes
    content_type: str
    etag: str
    placeholder: bool = False
    file: str = ""  # where it is kept in the disk cache, if it is


def meta_key(url: str) -> str:
    """The data-cache key of a photo's facts (loading colour, aspect)."""
    return "img:meta:" + hashlib.sha256(url.encode()).hexdigest()[:24]


class Slots:
    """At most ``size`` resizes at once; up to ``queue`` more wait ``wait`` seconds, the rest are Busy."""

    def __init__(self, size: int, queue: int, wait: float) -> None:
        self._free = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._waiting, self.queue, self.wait = 0, queue, wait

    @contextmanager
    def hold(self) -> Iterator[None]:
        """One slot for the block, or Busy."""
        if not self._free.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self.queue:
                    raise Busy
                self._waiting += 1
            try:
                got = self._free.acquire(timeout=self.wait)
            finally:
                with self._lock:
                    self._waiting -= 1
            if not got:
                raise Busy
        try:
            yield
        finally:
            self._free.release()


class ImageService:
    """One app's image pipeline (see the module docstring)."""

    def __init__(self, app: Flask, hosts: tuple[str, ...], folder: str, max_mb: int) -> None:
        # A page's first view asks for its images all at once: a short queue lets them be made in
        # turn; a flood beyond it is turned away at once, and its wait is bounded either way.
        slots = app.config.get("IMAGE_SLOTS") or os.cpu_count() or 1
        self.slots = Slots(slots, app.config.get("IMAGE_QUEUE", 4 * slots), app.config.get("IMAGE_QUEUE_WAIT", 1.0))
        self.disk = DiskCache(folder, max_mb * 1024 * 1024)
        self.fetcher = Fetcher(hosts, resolver=app.config.get("IMAGE_RESOLVER"),
                               transport=app.config.get("IMAGE_TRANSPORT"),
                               timeout=app.config.get("IMAGE_FETCH_TIMEOUT", 5.0),
                               deadline=app.config.get("IMAGE_FETCH_DEADLINE", 10.0))
        self.static_folder = app.static_folder or ""
        self.keys = KeyMaps()
        self.failures = SimpleCache(threshold=1_000, default_timeout=FAILURE_TTL)
        self._known: set[str] = set()  # sources whose facts this process has put in the data cache
        self._flights: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
        self._flights_lock = threading.Lock()

    def source(self, slug: str, key: str) -> str:
        """The source URL behind a key of this store, or NotOurs (SendyNotFound/Unavailable pass up)."""
        url = self.keys.lookup(slug, key) or self.keys.refresh(catalog.get_store(slug), key)
        if url is None:
            raise NotOurs(key)
        return url

    def serve(self, url: str, variant: Variant) -> Served:
        """The variant of a source: cached, made now, or the placeholder; Busy when no slot is free."""
        ident = self._identity(url)
        if ident is None:
            return self._placeholder(url, variant, "no such static file")
        derived = hashlib.sha256(f"{VERSION}\n{ident}\n{variant.name}".encode()).hexdigest()[:32]
        ext, content_type = variant.fmt, FORMATS[variant.fmt][1]
        data = self.disk.read("v", derived, ext)
        metrics.CACHE.labels("image", "hit" if data is not None else "miss").inc()
        if data is None:
            if self.failures.get(url) is not None:
                return self._placeholder(url, variant, None)
            with self.slots.hold():
                data = self.disk.read("v", derived, ext) or self._make(url, variant, derived)
            if data is None:
                return self._placeholder(url, variant, None)
        else:
            self._restore_meta(url)
        return Served(data, content_type, derived[:24], file=str(self.disk.path("v", derived, ext)))

    def _identity(self, url: str) -> str | None:
        """What the derived files are keyed by: a static file's path, size and time; a remote URL."""
        if url.startswith("/") and not url.startswith("//"):
            try:
                stat = static_file(url, self.static_folder).stat()
            except (SourceError, OSError, ValueError):
                return None
            return f"static:{url}:{stat.st_size}:{stat.st_mtime_ns}"
        return f"remote:{url}"

    def _make(self, url: str, variant: Variant, derived: str) -> bytes | None:
        try:
            original = self._original(url)
            started = time.perf_counter()
            made = process.make(original, variant)
            metrics.IMAGE_RESIZES.labels(variant.fmt).observe(time.perf_counter() - started)
        except (SourceError, process.BadImage, Image.DecompressionBombError) as exc:
            self._fail(url, str(exc))
            return None
        self.disk.put("v", derived, variant.fmt, made.data)
        if not variant.og:
            self._remember_meta(url, made)
        return made.data

    def _original(self, url: str) -> bytes:
        """The original's bytes: read from the static folder, or fetched once and kept on disk."""
        if url.startswith("/") and not url.startswith("//"):
            return read_static(url, self.static_folder)
        key = hashlib.sha256(url.encode()).hexdigest()[:32]
        with self._flights_lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:  # one fetch per original, however many variants are asked for at once
            data = self.disk.read("o", key, "bin")
            if data is None:
                data = self.fetcher.fetch(url)
                self.disk.put("o", key, "bin", data)
            return data

    def _fail(self, url: str, reason: str) -> None:
        if self.failures.get(url) is None:
            metrics.IMAGE_FAILURES.inc()
            log.warning("image source failed, placeholder served for %d s: %s (%s)", FAILURE_TTL, url[:200], reason)
        self.failures.set(url, reason)

    def _placeholder(self, url: str, variant: Variant, reason: str | None) -> Served:
        if reason:
            self._fail(url, reason)
        return Served(process.placeholder(variant), FORMATS[variant.fmt][1], "placeholder-" + variant.name,
                      placeholder=True)

    def _remember_meta(self, url: str, made: process.Made) -> None:
        facts = f"{made.tone} {made.width} {made.height}"
        cache.set(meta_key(url), facts, timeout=META_TTL)
        self.disk.put("m", meta_key(url).rpartition(":")[2], "txt", facts.encode())
        self._known.add(url)

    def _restore_meta(self, url: str) -> None:
        """After a restart (or an evicted entry), put the photo's facts back from the disk cache."""
        if url in self._known:
            return
        if len(self._known) > 50_000:
            self._known.clear()
        self._known.add(url)
        key = meta_key(url)
        if cache.get(key) is None:
            saved = self.disk.read("m", key.rpartition(":")[2], "txt")
            if saved:
                cache.set(key, saved.decode(), timeout=META_TTL)


def init_app(app: Flask, hosts: tuple[str, ...], folder: str, max_mb: int) -> None:
    """Create the app's image service, its template helpers, and the middleware answering made images."""
    from storefront.images import pictures
    from storefront.images.hot import HotImages

    Image.MAX_IMAGE_PIXELS = process.MAX_PIXELS  # Pillow's own bomb check at our cap (a warning → error)
    app.extensions["images"] = ImageService(app, hosts, folder, max_mb)
    pictures.init_app(app)
    hot = HotImages(app.wsgi_app, hsts=bool(app.config.get("SESSION_COOKIE_SECURE")))
    app.extensions["hot_images"] = hot
    app.wsgi_app = hot  # type: ignore[method-assign]


def service() -> ImageService:
    """The current app's image service."""
    return current_app.extensions["images"]
