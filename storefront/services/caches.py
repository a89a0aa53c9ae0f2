"""Service layer: the map of every cache the app keeps, and the one invalidator of a store.

A cache here is anything that may answer with yesterday's truth: Sendy's answers, their stale
copies, a process's indexed stores, rendered pages, order reads, image keys, unknown slugs,
readiness. ``CACHES`` lists each with its key, lifetime and scope:

- **process**: this worker's memory only (bounded); other workers and machines have their own;
- **shared**: the data cache (flask-caching: Redis when ``REDIS_URL`` is set, else process memory)
  or the state store (``runtime.state``), seen by every worker.

What must never be lost (locks, receipts, code limits) is state, not cache: ``runtime.state`` and
``services.limits`` keep it, and nothing here forgets it. ``forget_store`` forgets everything a
change to one store touches, in every worker: the shared fresh copy at once, this process's memo and
key map at once, and other processes' pages and indexed copies through the shared page generation
(at most ``page_cache.LOCAL_TTL`` seconds later). ``refresh_store`` is its sibling for a change
Sendy announced (``services.webhooks``): it re-reads the store once before forgetting.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from storefront.services import addresses, catalog, cdn, orders
from storefront.services import sendy as sendy_cache
from storefront.wsgi import page_cache, registry


@dataclass(frozen=True)
class Cache:
    """One cache: what it holds, under which key, for how long, seen by whom, and who forgets it."""

    name: str
    key: str
    lifetime: str
    scope: str
    forgotten_by: str


CACHES: tuple[Cache, ...] = (
    Cache("store data", "storefront:store:<slug>", f"{catalog.STORE_TTL} s ({sendy_cache.ERROR_TTL} s after "
          "a failure served stale)", "shared", "forget_store"),
    Cache("stale store copy", "storefront:stale:store:<slug>", f"{sendy_cache.STALE_TTL // 86400} days",
          "shared", "a 'not found' answer (the store is unpublished)"),
    Cache("refresh lock", "storefront:refresh:<key>", f"{sendy_cache.REFRESH_LOCK_TTL} s", "shared",
          "the refreshing request"),
    Cache("unknown slugs and keys", "sendy_remembered[<key>]", "60 s (bounded, 10,000)", "process", "forget_store"),
    Cache("indexed stores", "catalog_memo[<slug>]", f"re-checked every {catalog.LOCAL_TTL} s, and when the page "
          f"generation changes (bounded by {catalog.MEMO_PRODUCTS:,} products)", "process",
          "forget_store (here; elsewhere by the generation)"),
    Cache("addresses", "storefront:provinces, storefront:areas:<code>", f"{addresses.DAY // 3600} h", "shared",
          "expiry"),
    Cache("rendered pages", "page_cache[<slug>:<generation>:<url>|<encoding>]",
          f"{page_cache.PAGE_TTL} s (bounded, {page_cache.MAX_PAGES:,})", "process", "forget_store (generation)"),
    Cache("page generations", "state pagegen:<slug>; page_cache.generations[<slug>]",
          f"shared; re-read every {page_cache.LOCAL_TTL} s", "shared + process", "forget_store (bumped)"),
    Cache("order reads", "storefront:order-status:<slug>:<order id>",
          f"{orders.LIVE_TTL} s ({orders.FAILED_TTL} s after a failure)", "shared", "forget_order"),
    Cache("image key maps", "images.keys[<slug>]", "60 s", "process", "forget_store"),
    Cache("hot images", "images hot[<path>]", "60 s (bounded, 20,000)", "process",
          "expiry (content-addressed: a changed photo has a new URL)"),
    Cache("image facts", "storefront:img:meta:<sha of url>", "30 days", "shared", "expiry (content-addressed)"),
    Cache("failed image sources", "images.failures[<url>]", "600 s (bounded, 1,000)", "process", "expiry"),
    Cache("made images", "IMAGE_CACHE_DIR/<key>/<width>.<fmt>", "until evicted (bounded by IMAGE_CACHE_MB)",
          "per machine (disk)", "never (content-addressed)"),
    Cache("readiness", "readiness", "5 s", "process", "expiry"),
    Cache("custom domains", "storefront-domains:claims, :decisions; each process's snapshot",
          f"claims until the store lets go; snapshot re-read every {registry.REFRESH:g} s", "shared + process",
          "each read of the store (registry.store_read / store_gone); forget_store → its next read"),
    Cache("webhook events seen", "state webhook:<slug>:<event id>", "8 days", "shared", "expiry (never early: "
          "a repeat must do nothing)"),
    Cache("CDN copies of catalog pages", "the CDN's, tagged store:<slug> and product:<slug>:<sku>",
          f"s-maxage {cdn.SHARED_MAX_AGE} s with CDN_PURGE, else (or in the teal awaiting the logo's colour) "
          "max-age 60 s", "the CDN",
          "services.webhooks (cdn.purge of store:<slug>)"),
    Cache("formatted money", "templating._money(amount, locale)", "life of the process (bounded, 4,096)",
          "process", "never (pure function)"),
)


def forget_store(slug: str) -> None:
    """Everything a change to this store touches: the next page view re-reads it from Sendy and re-renders.

    The stale copy stays (it is what a failing Sendy is answered with); the pages of other
    processes go with the shared page generation.
    """
    sendy_cache.invalidate(f"store:{slug}")
    _forget_derived(slug)


def refresh_store(slug: str) -> None:
    """A change was announced (a webhook): read the store from Sendy once, then forget what was derived
    from the old copy. Raises SendyNotFound (unpublished: its copies are gone too) or SendyUnavailable
    (the fresh copy is gone: the next page view asks again).

    Re-reading first, then bumping the page generation, means no worker can render a page of the
    new generation from the old data: the shared copy is already the new one when they notice.
    """
    try:
        catalog.reload_store(slug)
    finally:
        _forget_derived(slug)


def _forget_derived(slug: str) -> None:
    catalog.forget_memo(slug)
    page_cache.forget(slug)
    images = current_app.extensions.get("images")
    if images is not None:
        images.keys.forget(slug)


def forget_order(slug: str, order_id: str) -> None:
    """The next status page of this order reads it from Sendy again."""
    sendy_cache.invalidate(orders.live_key(slug, order_id))
