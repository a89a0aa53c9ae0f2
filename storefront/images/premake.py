"""Images: a store's card-sized images made ahead, when its catalog is fetched.

When a process indexes a new copy of a store (``catalog.get_store``), the images its home and
listings show first — the cards of its first ``PRODUCTS`` products in the card widths, as AVIF
(what the phones' browsers pick), and its logo — are handed to a background thread, which makes
the ones not on disk yet in the resize pool, one at a time and only while the pool has an idle
process (requests come first). Another worker making the same variant is seen through a claim
file next to it, and skipped.

This is best-effort warming kept inside the process, not a queue: a store dropped from the
hand-off (full), or a process that exits mid-way, loses nothing — a shopper's browser asks for
the image and it is made then. So it needs none of a real queue's guarantees (the project's
rule for work that must outlive a request is RQ on the app's Redis).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flask import Flask

from storefront.images import pool, process
from storefront.images.pictures import LAYOUTS
from storefront.images.sources import SourceError
from storefront.images.urls import Variant
from storefront.sendy.models import Store

if TYPE_CHECKING:
    from storefront.images import ImageService

log = logging.getLogger("storefront.images")
PRODUCTS = 48  # the first products of a store whose cards are made ahead
FORMATS = ("avif",)
HANDOFF = 8  # stores waiting for the background thread, at most
ROOM_WAIT = 120.0  # seconds a variant waits for an idle resize process before the store is left
JOB_WAIT = 60.0


def variants(store: Store, products: int = PRODUCTS) -> Iterator[tuple[str, Variant]]:
    """The card-sized variants of a store worth making ahead (logo first, then the first cards)."""
    if store.logo_url and not store.logo_url.endswith(".svg"):
        for fmt in FORMATS:
            yield store.logo_url, Variant(LAYOUTS["logo"].widths[0], fmt)
    seen: set[str] = set()
    for product in store.products[:products]:
        if not product.image_urls or product.image_urls[0] in seen or product.image_urls[0].endswith(".svg"):
            continue
        seen.add(product.image_urls[0])
        for width in LAYOUTS["card"].widths:
            for fmt in FORMATS:
                yield product.image_urls[0], Variant(width, fmt)


class Premaker:
    """The background maker of one app (see the module docstring)."""

    def __init__(self, app: Flask, service: ImageService, enabled: bool) -> None:
        self.app, self.service, self.enabled = app, service, enabled
        self._handoff: queue.Queue[Store] = queue.Queue(HANDOFF)
        self._lock = threading.Lock()
        self._pid = 0
        self.made = 0  # variants this process made ahead (for tests and logs)

    def store_fetched(self, store: Store) -> None:
        """The hook: a new copy of ``store`` was indexed. Cheap, never raises, never waits."""
        if not self.enabled:
            return
        try:
            self._handoff.put_nowait(store)
        except queue.Full:
            return  # best effort: its images are made when asked for
        with self._lock:
            if self._pid != os.getpid():  # lazily, in the worker (after gunicorn's fork)
                self._pid = os.getpid()
                threading.Thread(target=self._loop, name="image-premake", daemon=True).start()

    def _loop(self) -> None:
        while True:
            store = self._handoff.get()
            try:
                self.premake(store)
            except Exception:  # a bug here must not stop the thread; the images are made on demand
                log.exception("image premake failed for %s", store.slug)

    def premake(self, store: Store) -> int:
        """Make the store's card-sized variants that are not on disk (in the pool); how many were made."""
        made = 0
        with self.app.app_context():
            for url, variant in variants(store):
                job = self.service.job(url, variant, background=True)
                if job is None:
                    continue
                try:
                    with process.open_image(job.source) as image:
                        plan = process.plan(image, variant)
                except (process.BadImage, SourceError, OSError):
                    continue  # the request for it will say so (and serve the placeholder)
                deadline = time.monotonic() + ROOM_WAIT
                while not self.service.pool.room(background=True):
                    if time.monotonic() > deadline:
                        return made
                    time.sleep(0.05)
                try:
                    done = self.service.pool.submit(job, plan).result(timeout=JOB_WAIT)
                except (pool.Full, TimeoutError, OSError, RuntimeError):
                    continue
                if done.data:  # the photo's facts are on disk (the pool wrote them): the data cache
                    made += 1      # gets them when a page's first image is served, not from here
                    self.made += 1
        if made:
            log.info("image premake: %d variant(s) of %s made ahead", made, store.slug)
        return made
