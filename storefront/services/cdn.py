"""Service layer: the CDN in front of the app — surrogate keys on catalog pages, and purging them.

Every public catalog response names what it shows in **surrogate keys**: one for its store, one per
product on it (``keys_for``). The same keys go out in the three headers CDNs read: ``Surrogate-Key``
(Fastly, space-separated), ``Cache-Tag`` (Cloudflare, comma-separated) and ``xkey`` (Varnish's xkey
vmod, space-separated). A change to a store purges its key, which takes every page of the store
(listings show prices, stock and the in-stock-first order of many products, so a change to one
product reaches pages beyond its own); product keys let an operator purge one product by hand.

``CDN_PURGE`` chooses the adapter (``build``): none, Varnish (``varnish+http://HOST:PORT``: xkey purge
requests), Fastly (``fastly:SERVICE_ID``) or Cloudflare (``cloudflare:ZONE_ID``), by their
documented purge-by-tag APIs, with the token from ``CDN_PURGE_TOKEN``. Each adapter takes a base
URL (tests point it at a fake on loopback). ``purge`` batches keys as the API allows and retries a
failed purge a bounded number of times; it never raises: a CDN that cannot be purged must not fail
the webhook that asked (the page then lives until its ``s-maxage``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import httpx
from flask import Flask, current_app

from storefront.runtime import metrics

log = logging.getLogger("storefront.cdn")

#: What a CDN may keep a public catalog page for, when purges are configured (a day): a change
#: purges it at once. Browsers keep ``max-age`` (a minute) either way.
SHARED_MAX_AGE = 86_400
#: Purge attempts per batch, and the pause before each retry (seconds).
ATTEMPTS = 3
BACKOFF = (0.5, 1.5)
TIMEOUT = 3.0
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class PurgeFailed(Exception):
    """The CDN did not confirm a purge (unreachable, refused, or an unexpected answer)."""


class Purger(Protocol):
    """Something that evicts every cached response tagged with any of ``keys``."""

    #: how many keys one request may carry
    batch: int

    def purge(self, keys: Sequence[str]) -> None: ...
    def close(self) -> None: ...


# -- the keys ---------------------------------------------------------------------------------
def store_key(slug: str) -> str:
    """The key of every page of one store."""
    return f"store:{slug}"


def product_key(slug: str, sku: str) -> str:
    """The key of every page showing one product (an unusual SKU is hashed: keys are bare tokens)."""
    token = sku if _SAFE.match(sku) else "#" + hashlib.sha256(sku.encode()).hexdigest()[:16]
    return f"product:{slug}:{token}"


def keys_for(slug: str, skus: Iterable[str] = ()) -> list[str]:
    """The store's key, then one per product shown (each once, in order)."""
    keys = [store_key(slug)]
    for sku in skus:
        key = product_key(slug, sku)
        if key not in keys:
            keys.append(key)
    return keys


def tag_headers(keys: Sequence[str]) -> dict[str, str]:
    """The headers that tag a response with ``keys`` for Fastly, Cloudflare and Varnish."""
    return {"Surrogate-Key": " ".join(keys), "Cache-Tag": ",".join(keys), "xkey": " ".join(keys)}


# -- the adapters -----------------------------------------------------------------------------
class NoCdn:
    """No CDN configured: nothing to purge."""

    batch = 1_000

    def purge(self, keys: Sequence[str]) -> None:
        """Nothing to do."""

    def close(self) -> None:
        """Nothing to close."""


class _HttpPurger:
    batch = 50

    def __init__(self, base_url: str, headers: dict[str, str] | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers or {}, timeout=TIMEOUT,
                                 transport=transport)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def _send(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise PurgeFailed(f"{type(exc).__name__}") from None
        if response.status_code != 200:
            raise PurgeFailed(f"answered {response.status_code}")
        return response


class VarnishPurger(_HttpPurger):
    """Varnish with the xkey vmod (deploy/varnish.vcl): ``PURGE /`` with the keys in ``xkey-purge``."""

    batch = 50  # one header line

    def purge(self, keys: Sequence[str]) -> None:
        """Hard purge: the next request for those pages goes to the app."""
        self._send("PURGE", "/", headers={"xkey-purge": " ".join(keys)})


class FastlyPurger(_HttpPurger):
    """Fastly's batch purge by surrogate key: ``POST /service/{id}/purge`` with ``Surrogate-Key``."""

    batch = 256  # Fastly's limit per request

    def __init__(self, service_id: str, token: str, base_url: str = "https://api.fastly.com",
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(base_url, {"Fastly-Key": token, "Accept": "application/json"}, transport)
        self.path = f"/service/{service_id}/purge"

    def purge(self, keys: Sequence[str]) -> None:
        """Fastly answers 200 with the purge id of each key."""
        self._send("POST", self.path, headers={"Surrogate-Key": " ".join(keys)})


class CloudflarePurger(_HttpPurger):
    """Cloudflare's purge by cache tag: ``POST /client/v4/zones/{zone}/purge_cache`` ``{"tags": [...]}``."""

    batch = 30  # the documented number of tags per call

    def __init__(self, zone_id: str, token: str, base_url: str = "https://api.cloudflare.com",
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(base_url, {"Authorization": f"Bearer {token}"}, transport)
        self.path = f"/client/v4/zones/{zone_id}/purge_cache"

    def purge(self, keys: Sequence[str]) -> None:
        """Cloudflare answers ``{"success": true, ...}`` once the purge is accepted."""
        response = self._send("POST", self.path, json={"tags": list(keys)})
        try:
            accepted = response.json().get("success") is True
        except (ValueError, AttributeError):
            accepted = False
        if not accepted:
            raise PurgeFailed("Cloudflare did not report success")


def build(setting: str, token: str = "", base_url: str | None = None) -> Purger:
    """The adapter ``CDN_PURGE`` names (validated by ``config``); ``base_url`` overrides the API's (tests)."""
    if not setting:
        return NoCdn()
    kind, _, target = setting.partition(":")
    if kind == "fastly":
        return FastlyPurger(target, token, base_url or "https://api.fastly.com")
    if kind == "cloudflare":
        return CloudflarePurger(target, token, base_url or "https://api.cloudflare.com")
    return VarnishPurger(base_url or setting.removeprefix("varnish+"))


# -- purging ----------------------------------------------------------------------------------
def purge(keys: Sequence[str], purger: Purger | None = None,
          sleep: Callable[[float], None] = time.sleep) -> bool:
    """Purge ``keys`` in batches, each retried up to ``ATTEMPTS`` times; True when every batch went through.

    Never raises: a failure is logged (never with the token) and counted.
    """
    purger = purger or current_app.extensions["cdn"]
    if isinstance(purger, NoCdn) or not keys:
        return True
    done = True
    for start in range(0, len(keys), purger.batch):
        done = _purge_batch(purger, keys[start:start + purger.batch], sleep) and done
    return done


def _purge_batch(purger: Purger, keys: Sequence[str], sleep: Callable[[float], None]) -> bool:
    for attempt in range(ATTEMPTS):
        try:
            purger.purge(keys)
        except PurgeFailed as exc:
            if attempt + 1 == ATTEMPTS:
                metrics.CDN_PURGES.labels("failed").inc()
                log.error("CDN purge of %d key(s) failed after %d attempts: %s", len(keys), ATTEMPTS, exc)
                return False
            metrics.CDN_PURGES.labels("retried").inc()
            log.warning("CDN purge failed (%s), retrying", exc)
            sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
        else:
            metrics.CDN_PURGES.labels("ok").inc()
            return True
    return False


def configured() -> bool:
    """Whether a CDN is purged on changes (then catalog pages may be kept long: ``s-maxage``)."""
    purger = current_app.extensions.get("cdn")
    return purger is not None and not isinstance(purger, NoCdn)


def init_app(app: Flask, setting: str, token: str) -> None:
    """The adapter ``CDN_PURGE`` names (``CDN_PURGE_API`` in the app config overrides its base URL)."""
    app.extensions["cdn"] = build(setting, token, app.config.get("CDN_PURGE_API"))
