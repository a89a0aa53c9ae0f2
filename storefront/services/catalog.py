"""Service layer: the published store and what a shopper can browse in it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from storefront import page_cache
from storefront.sendy.models import Category, Product, Store
from storefront.services.sendy import cached, client, invalidate

STORE_TTL = 60


def get_store(slug: str) -> Store:
    """The published store (cached about a minute, stale copy served if Sendy fails)."""
    return cached(f"store:{slug}", STORE_TTL, lambda: client().get_storefront(slug))


def forget_store(slug: str) -> None:
    """Named invalidator: the next page view re-reads the store from Sendy and re-renders."""
    invalidate(f"store:{slug}")
    page_cache.forget(slug)


@dataclass(frozen=True)
class Listing:
    """The products a shopper sees after filtering by category and search words."""

    products: tuple[Product, ...]
    category: Category | None
    query: str


class UnknownCategory(LookupError):
    """The URL names a category the store does not have."""


def browse(store: Store, category_id: str | None = None, query: str = "") -> Listing:
    """Filter the store's products by category (with its sub-categories) and a search."""
    category = next((c for c in store.categories if c.id == category_id), None)
    if category_id is not None and category is None:
        raise UnknownCategory(category_id)
    products = store.products
    if category:
        ids = {category.id} | {c.id for c in store.categories if c.parent_id == category.id}
        products = tuple(p for p in products if p.category_id in ids)
    words = _fold(query).split()
    if words:
        products = tuple(p for p in products if _matches(p, words))
    return Listing(products, category, query.strip())


def _matches(product: Product, words: list[str]) -> bool:
    haystack = _fold(f"{product.name} {product.sku} {product.description}")
    return all(w in haystack for w in words)


_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ـ": None})


def _fold(text: str) -> str:
    """Case-, accent- and hamza-insensitive text for search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(_ARABIC_FOLD)
