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
from storefront.sendy.sandbox.webhooks import Deliver, Subscription, Webhooks


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
        self.webhooks = Webhooks()
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
        data = tracking.set_status(self.state, order, status, self.clock())
        if data is not None:
            slug = self._order_store(str(data.get("id", "")))
            if slug:
                self.webhooks.emit(slug, "order.status_changed", {
                    "id": data.get("id"), "publicId": data.get("publicId"), "status": data.get("status")})
        return data

    def _order_store(self, order_id: str) -> str | None:
        with self.state.lock:
            record = self.state.tracked.get(order_id)
            return str(record["store"]) if record else None

    # -- changes a merchant makes (each announced to the store's webhook subscriptions) -----------
    def subscribe(self, slug: str, url: str, *, secret: str | None = None,
                  deliver: Deliver | None = None) -> Subscription:
        """TEST HOOK: deliver this store's events to ``url`` (or to ``deliver``), signed with ``secret``."""
        return self.webhooks.subscribe(slug, url, secret=secret, deliver=deliver)

    def set_price(self, slug: str, sku: str, price: int) -> bool:
        """TEST HOOK: a product's (or a variant's) price, in IQD; False when the SKU is unknown."""
        return self._change_product(slug, sku, {"price": price}, "catalog.product.updated")

    def set_stock(self, slug: str, sku: str, quantity: int) -> bool:
        """TEST HOOK: how many are on hand (0: sold out); False when the SKU is unknown."""
        return self._change_product(slug, sku, {"inStock": quantity > 0, "quantityOnHand": quantity},
                                    "inventory.updated")

    def set_published(self, slug: str, published: bool) -> bool:
        """TEST HOOK: publish or unpublish a store; False when there is no such store."""
        with self.state.lock:
            store = self.state.stores.get(slug)
            if store is None:
                return False
            store.published = published
            domain = store.storefront.get("customDomain")
        kind = "storefront.published" if published else "storefront.unpublished"
        self.webhooks.emit(slug, kind, {"slug": slug, "customDomain": domain, "isPublished": published})
        return True

    def _change_product(self, slug: str, sku: str, changes: dict[str, Any], kind: str) -> bool:
        with self.state.lock:
            store = self.state.stores.get(slug)
            found = _find(store.storefront.get("products", []), sku) if store else None
            if found is None:
                return False
            found.update(changes)
            product_id = found.get("id")
        data: dict[str, Any] = {"sku": sku, "productId": product_id}
        if kind == "inventory.updated":
            data["quantityOnHand"] = changes["quantityOnHand"]
        self.webhooks.emit(slug, kind, data)
        return True

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


def _find(products: list[dict[str, Any]], sku: str) -> dict[str, Any] | None:
    """The product, or the variant, with this SKU (the dictionary itself, to change)."""
    for product in products:
        if product.get("sku") == sku:
            return product
        for variant in product.get("variants") or []:
            if isinstance(variant, dict) and variant.get("sku") == sku:
                return variant
    return None
