"""Sandbox layer: the in-memory state of the fake Sendy (stores, keys, codes, orders)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Store:
    """One seeded store: its storefront object, publication flag and API key."""

    slug: str
    published: bool
    api_key: str | None
    scopes: frozenset[str]
    storefront: dict[str, Any]

    def product(self, sku: str) -> dict[str, Any] | None:
        """Return the catalog product with this SKU, or None.

        A variant's SKU gives its product as that variant sells it: the variant's SKU, price and
        stock, the product's name with the variant's option values, and ``variantOf``.
        """
        for product in self.storefront.get("products", []):
            if product.get("sku") == sku:
                return dict(product)
            for variant in _variants(product):
                if variant.get("sku") == sku:
                    return _as_sold(product, variant)
        return None

    def public_view(self) -> dict[str, Any]:
        """Return the storefront object as Sendy shows it: unpriced products removed."""
        products = [p for p in self.storefront.get("products", []) if p.get("price") is not None]
        return {**self.storefront, "products": products}


@dataclass
class OtpCode:
    """A code sent to one phone for one store."""

    code: str
    expires_at: float
    attempts: int = 0


@dataclass
class SandboxState:
    """Everything the sandbox remembers; mutate only while holding ``lock``."""

    stores: dict[str, Store]
    provinces: dict[str, dict[str, Any]]
    otps: dict[tuple[str, str], OtpCode] = field(default_factory=dict)
    otp_sends: dict[str, list[float]] = field(default_factory=dict)
    last_codes: dict[str, str] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    order_refs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: order id → what reading the order back shows (tracking.py): status history, items, courier
    tracked: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def keys(self) -> dict[str, Store]:
        """Map each key id to the store that owns the key."""
        return {s.api_key.split(".", 1)[0]: s for s in self.stores.values() if s.api_key}

    def store_for_key(self, api_key: str | None) -> Store | None:
        """Return the store owning this full API key, comparing in constant time."""
        if not api_key or "." not in api_key:
            return None
        store = self.keys.get(api_key.split(".", 1)[0])
        if store is None or store.api_key is None:
            return None
        return store if secrets.compare_digest(store.api_key, api_key) else None

    def area_ids(self, province_code: str) -> set[str]:
        """Return the ids of the areas of one province (empty when unknown)."""
        province = self.provinces.get(province_code, {})
        return {area["id"] for area in province.get("areas", [])}

    def log_request(self, method: str, path: str) -> None:
        """Append one received request to the request log."""
        with self.lock:
            self.requests.append((method, path))

    def reset(self) -> None:
        """Forget codes, orders and the request log; keep stores and provinces."""
        with self.lock:
            self.otps.clear()
            self.otp_sends.clear()
            self.last_codes.clear()
            self.orders.clear()
            self.order_refs.clear()
            self.tracked.clear()
            self.requests.clear()


def _variants(product: dict[str, Any]) -> list[dict[str, Any]]:
    """The product's variant objects (none when it has no list of them)."""
    variants = product.get("variants")
    return [v for v in variants if isinstance(v, dict)] if isinstance(variants, list) else []


def _as_sold(product: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    """A product as one of its variants sells it."""
    values = [str(v) for v in variant.get("optionValues") or [] if isinstance(v, str)]
    name = str(product.get("name", "")) + (" — " + " / ".join(values) if values else "")
    sold: dict[str, Any] = {key: variant.get(key) for key in ("sku", "price", "compareAtPrice") if key in variant}
    return {**product, **sold, "name": name, "inStock": variant.get("inStock", product.get("inStock", True)),
            "variantOf": product.get("sku"), "variants": None, "options": None}
