"""Images: merchant photos resized, re-encoded and stripped, served from our own origin.

``ImageService`` (one per app, ``app.extensions["images"]``) answers one variant of one signed
source: from the disk cache when it is there, for anyone, uncounted. Otherwise the client's
cold-image cap is counted (``coldcap``; over it: ``Capped``), and, holding one of a few slots
(request threads that may wait on image work: a few, so most of a worker's threads are left
for pages; a short queue), it reads the original (our static folder or the network), plans
the decoding from the header, and has the variant made by the resize pool (``pool``: processes
at a lower OS priority, bounded in count and memory), which keeps it on disk. When no slot,
room or memory is free, or the making takes too long, the answer is ``Busy``. A source that
fails gets a neutral placeholder, is remembered for ten minutes and logged once. A store's
card-sized images are made ahead when its catalog is fetched (``premake``). See ``urls``
(signing), ``sources`` (fetching), ``process`` (decoding) and ``diskcache``; ``pictures`` is
what templates call.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cachelib import SimpleCache
from flask import Flask, current_app
from PIL import Image

from storefront.extensions import cache
from storefront.images import pool, process
from storefront.images.coldcap import ColdCap
from storefront.images.diskcache import DiskCache
from storefront.images.sources import MAX_BYTES, Fetcher, SourceError, static_file
from storefront.images.urls import FORMATS, KeyMaps, Variant
from storefront.runtime import metrics
from storefront.sendy.models import Store
from storefront.services import catalog

log = logging.getLogger("storefront.images")
VERSION = "1"  # bump when the processing changes: every derived file is made again
FAILURE_TTL = 600
META_TTL = 30 * 24 * 3600
MB = 1024 * 1024


class NotOurs(LookupError):
    """No image of this store has that key (tampered, unsigned, or no longer shown)."""


class Busy(Exception):
    """Every resize slot is taken, or the pool is full: answer 503 at once rather than queue."""


class Capped(Exception):
    """This client asked for too many cold images this minute: ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"cold image cap, retry after {retry_after}s")
        self.retry_after = retry_after


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


def colour_key(url: str) -> str:
    """The data-cache key of a photo's vivid colour (a logo's brand colour), beside its facts."""
    return "img:colour:" + meta_key(url).rpartition(":")[2]


class Slots:
    """At most ``size`` resizes at once; up to ``queue`` more wait ``wait`` seconds, the rest are Busy."""

    def __init__(self, size: int, queue: int, wait: float) -> None:
        self._free = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._waiting, self.queue, self.wait = 0, queue, wait
        self.size, self.held = size, 0

    def full(self) -> bool:
        """Whether ``hold`` would refuse now: every slot held and the queue full (a snapshot, no lock)."""
        return self.held >= self.size and self._waiting >= self.queue

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
        with self._lock:
            self.held += 1
        try:
            yield
        finally:
            with self._lock:
                self.held -= 1
            self._free.release()


class ImageService:
    """One app's image pipeline (see the module docstring)."""

    def __init__(self, app: Flask, hosts: tuple[str, ...], folder: str, max_mb: int) -> None:
        # A page's first view asks for its images all at once: a short queue lets them be made in
        # turn; a flood beyond it is turned away at once, and its wait is bounded either way. The
        # slots are request threads waiting on the pool: two of gunicorn's four, none queued by
        # default (a thread waiting for a slot is a thread a page cannot have).
        slots = app.config.get("IMAGE_SLOTS") or 2
        self.slots = Slots(slots, app.config.get("IMAGE_QUEUE", 0), app.config.get("IMAGE_QUEUE_WAIT", 1.0))
        self.pool = pool.ResizePool(app.config.get("IMAGE_WORKERS", 1),
                                    in_flight=app.config.get("IMAGE_IN_FLIGHT", slots + 2),
                                    memory=app.config.get("IMAGE_MEMORY_MB", 256) * MB)
        self.make_wait = app.config.get("IMAGE_MAKE_WAIT", 3.0)  # then Busy; the job still lands on disk
        self.memory_wait = app.config.get("IMAGE_MEMORY_WAIT", 0.0)
        settings = app.extensions.get("settings")
        self.cold = ColdCap(app.config.get("IMAGE_COLD_PER_MINUTE", 120), settings.redis_url if settings else None)
        self.disk = DiskCache(folder, max_mb * 1024 * 1024)
        self.fetcher = Fetcher(hosts, resolver=app.config.get("IMAGE_RESOLVER"),
                               transport=app.config.get("IMAGE_TRANSPORT"),
                               timeout=app.config.get("IMAGE_FETCH_TIMEOUT", 5.0),
                               deadline=app.config.get("IMAGE_FETCH_DEADLINE", 10.0))
        self.static_folder = app.static_folder or ""
        self.keys = KeyMaps()
        self.failures = SimpleCache(threshold=1_000, default_timeout=FAILURE_TTL)
        self._known: set[str] = set()
        self._static_paths: dict[str, Path] = {}  # sources whose facts this process has put in the data cache
        self._flights: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
        self._flights_lock = threading.Lock()
        from storefront.images.premake import Premaker

        self.premaker = Premaker(app, self, app.config.get("IMAGE_PREMAKE", not app.testing))

    def source(self, slug: str, key: str) -> str:
        """The source URL behind a key of this store, or NotOurs (SendyNotFound/Unavailable pass up)."""
        url = self.keys.lookup(slug, key) or self.keys.refresh(catalog.get_store(slug), key)
        if url is None:
            raise NotOurs(key)
        return url

    def full(self) -> bool:
        """Whether a cold image would be Busy now before any work: no slot (nor place in the queue)
        free, or the resize pool at its bound (a snapshot: the image middleware's cheap check)."""
        return self.slots.full() or not self.pool.room()

    def derived(self, url: str, variant: Variant) -> str | None:
        """The variant's key in the disk cache (None: a static source that is not there)."""
        ident = self._identity(url)
        if ident is None:
            return None
        return hashlib.sha256(f"{VERSION}\n{ident}\n{variant.name}".encode()).hexdigest()[:32]

    def serve(self, url: str, variant: Variant, client: str = "") -> Served:
        """The variant of a source: cached, made now, or the placeholder; Capped when ``client`` asked
        for too many cold images this minute, Busy when no slot or room is free."""
        derived = self.derived(url, variant)
        if derived is None:
            return self._placeholder(url, variant, "no such static file")
        ext, content_type = variant.fmt, FORMATS[variant.fmt][1]
        data = self.disk.read("v", derived, ext)
        metrics.CACHE.labels("image", "hit" if data is not None else "miss").inc()
        if data is None:
            if self.failures.get(url) is not None:
                return self._placeholder(url, variant, None)
            with self.slots.hold():  # no slot: Busy, before anything else is spent on it
                retry_after = self.cold.take(client)
                if retry_after:
                    raise Capped(retry_after)
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
                stat = self._static(url).stat()
            except (SourceError, OSError, ValueError):
                self._static_paths.pop(url, None)
                return None
            return f"static:{url}:{stat.st_size}:{stat.st_mtime_ns}"
        return f"remote:{url}"

    def _static(self, url: str) -> Path:
        """A static source's file, its path resolved once per process (then only a ``stat`` per request)."""
        found = self._static_paths.get(url)
        if found is None:
            found = static_file(url, self.static_folder)
            if len(self._static_paths) >= 10_000:
                self._static_paths.clear()
            self._static_paths[url] = found
        return found

    def job(self, url: str, variant: Variant, background: bool = False) -> pool.Job | None:
        """The pool job making a variant (None: made already, or its source is missing)."""
        derived = self.derived(url, variant)
        if derived is None or self.disk.get("v", derived, variant.fmt) is not None:
            return None
        try:
            source = self._original(url)
        except SourceError:
            return None
        return pool.Job(source, variant, str(self.disk.root), self.disk.max_bytes, derived,
                        "" if variant.og else meta_key(url).rpartition(":")[2], background)

    def _make(self, url: str, variant: Variant, derived: str) -> bytes | None:
        try:
            source = self._original(url)
            with process.open_image(source) as image:  # the header only
                plan = process.plan(image, variant)
        except (SourceError, process.BadImage, OSError) as exc:
            self._fail(url, str(exc))
            return None
        job = pool.Job(source, variant, str(self.disk.root), self.disk.max_bytes, derived,
                       "" if variant.og else meta_key(url).rpartition(":")[2])
        started = time.perf_counter()
        try:
            future = self.pool.submit(job, plan, wait=self.memory_wait)
        except pool.Full:
            raise Busy from None
        try:
            done = future.result(timeout=self.make_wait)
        except TimeoutError:  # still being made: it lands on disk for the next request
            raise Busy from None
        except BrokenProcessPool:  # the resize process died on it: do not try it again soon
            self._fail(url, "the resize process died")
            return None
        except RuntimeError:
            raise Busy from None
        metrics.IMAGE_RESIZES.labels(variant.fmt).observe(time.perf_counter() - started)
        if done.error:
            self._fail(url, done.error)
            return None
        if not variant.og:
            self.remember_facts(url, done)
        return done.data

    def _original(self, url: str) -> str:
        """The original's file: in the static folder, or fetched once and kept on disk."""
        if url.startswith("/") and not url.startswith("//"):
            path = self._static(url)
            if path.stat().st_size > MAX_BYTES:
                raise SourceError(f"{url!r} is over {MAX_BYTES} bytes")
            return str(path)
        key = hashlib.sha256(url.encode()).hexdigest()[:32]
        with self._flights_lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:  # one fetch per original, however many variants are asked for at once
            if self.disk.get("o", key, "bin") is None:
                self.disk.put("o", key, "bin", self.fetcher.fetch(url))
            return str(self.disk.path("o", key, "bin"))

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

    def remember_facts(self, url: str, made: pool.Done) -> None:
        """The photo's loading colour and aspect, for the pages (the pool kept them on disk too)."""
        cache.set(meta_key(url), pool.facts(made.tone, made.width, made.height), timeout=META_TTL)
        if made.colour:
            cache.set(colour_key(url), made.colour, timeout=META_TTL)
        self._known.add(url)

    def store_fetched(self, store: Store) -> None:
        """A new copy of a store was indexed: make its card-sized images ahead (in the background)."""
        self.premaker.store_fetched(store)

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
            colour = self.disk.read("c", key.rpartition(":")[2], "txt")
            if colour:
                cache.set(colour_key(url), colour.decode(), timeout=META_TTL)


def init_app(app: Flask, hosts: tuple[str, ...], folder: str, max_mb: int) -> None:
    """Create the app's image service, its template helpers, and the middleware answering made images."""
    from storefront.images import pictures
    from storefront.images.hot import HotImages

    Image.MAX_IMAGE_PIXELS = process.MAX_PIXELS  # Pillow's own bomb check at our cap (a warning → error)
    app.extensions["images"] = ImageService(app, hosts, folder, max_mb)
    catalog.on_indexed(app, store_fetched)  # a new copy of a store: its card images made ahead
    pictures.init_app(app)
    hot = HotImages(app.wsgi_app, hsts=bool(app.config.get("SESSION_COOKIE_SECURE")), service=app.extensions["images"])
    app.extensions["hot_images"] = hot
    app.wsgi_app = hot  # type: ignore[method-assign]


def service() -> ImageService:
    """The current app's image service."""
    return current_app.extensions["images"]


def store_fetched(store: Store) -> None:
    """The catalog's hook: a process indexed a new copy of ``store`` (never raises, never waits)."""
    found = current_app.extensions.get("images")
    if found is not None:
        found.store_fetched(store)
