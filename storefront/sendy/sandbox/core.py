"""Sandbox layer: the Sandbox object tying together state, faults, app and transport."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from storefront.sendy.sandbox import tracking
from storefront.sendy.sandbox.app import create_app
from storefront.sendy.sandbox.faults import Faults
from storefront.sendy.sandbox.seed import load_state
from storefront.sendy.sandbox.state import SandboxState, Store
from storefront.sendy.sandbox.transport import SandboxTransport


class Sandbox:
    """A stateful stand-in for the Sendy API, usable in-process or over HTTP."""

    def __init__(
        self,
        data_path: str | None = None,
        *,
        demo: bool = False,
        clock: Callable[[], float] = time.time,
        seed_dir: str | Path | None = None,
        dedupe: bool = True,
    ) -> None:
        self.state: SandboxState = load_state(data_path, seed_dir=Path(seed_dir) if seed_dir else None)
        self.faults = Faults()
        self.demo = demo
        #: an order under an externalRef already accepted returns the first order (as the contract's
        #: sandbox does); False: a second order is made, as a real Sendy may do (test hook: /__sandbox/dedupe)
        self.dedupe = dedupe
        self.clock = clock
        self.wsgi_app = create_app(self)

    def transport(self) -> httpx.BaseTransport:
        """Return an in-process httpx transport into this sandbox, applying network faults."""
        return SandboxTransport(self.wsgi_app, self.faults, self.state.log_request)

    def demo_api_keys(self) -> dict[str, str]:
        """Map each seeded store slug to its API key, for stores that have one."""
        return {s.slug: s.api_key for s in self.state.stores.values() if s.api_key}

    def last_otp(self, phone: str) -> str | None:
        """TEST HOOK: return the latest code sent to a 13-digit phone."""
        with self.state.lock:
            return self.state.last_codes.get(phone)

    @property
    def orders(self) -> list[dict[str, Any]]:
        """Every order created: {"store", "request", "response"}, oldest first."""
        with self.state.lock:
            return copy.deepcopy(self.state.orders)

    @property
    def requests(self) -> list[tuple[str, str]]:
        """Every (method, path) the sandbox received, hooks excluded, oldest first."""
        with self.state.lock:
            return list(self.state.requests)

    def set_order_status(self, order: str, status: str) -> dict[str, Any] | None:
        """TEST HOOK: move an order (its id or publicId) to a status; what reading it shows now."""
        return tracking.set_status(self.state, order, status, self.clock())

    def add_store(self, storefront: dict[str, Any], *, api_key: str | None = None,
                  scopes: frozenset[str] = frozenset({"orders:write"})) -> None:
        """TEST HOOK: publish one more store (a storefront object as in data/stores.json)."""
        store = Store(storefront["slug"], True, api_key, scopes if api_key else frozenset(), storefront)
        with self.state.lock:
            self.state.stores[store.slug] = store

    def update_store(self, slug: str, *, custom_domain: str | None | object = ...,
                     published: bool | None = None) -> bool:
        """TEST HOOK: the merchant sets (or clears: None) the store's ``customDomain`` and/or (un)publishes it,
        as in Sendy's dashboard; False when there is no such store."""
        with self.state.lock:
            store = self.state.stores.get(slug)
            if store is None:
                return False
            if custom_domain is not ...:
                store.storefront = {**store.storefront, "customDomain": custom_domain}
            if published is not None:
                store.published = published
            return True

    def reset(self) -> None:
        """Clear codes, orders, faults and the request log."""
        self.state.reset()
        self.faults.clear()

    def published_stores(self) -> list[dict[str, str]]:
        """Slug, name, language, logo and niche (or description) of every published store, for the demo index."""
        with self.state.lock:
            # a store without a usable name is not served either (the client refuses it): no card for it
            stores = [s for s in self.state.stores.values()
                      if s.published and isinstance(s.storefront.get("name"), str) and s.storefront["name"].strip()]
            return [{"slug": s.slug, "name": s.storefront["name"],
                     "language": str(s.storefront.get("language", "ar")),
                     "logo_url": str(s.storefront.get("logoUrl") or ""),
                     "about": str(s.storefront.get("niche") or s.storefront.get("description") or "")}
                    for s in stores]
