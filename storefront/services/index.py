"""Service layer: what a store's pages look up, computed once each time the store is fetched.

A listing page then costs a slice, a product page a dictionary lookup and a search the size of
its matches, whether the store sells 50 products or 5,000.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from storefront.sendy.models import Category, Product, Store, Variant
from storefront.services.filters import Facet, Filters, build_facets, narrow, offered, spans
from storefront.services.search import SearchIndex

log = logging.getLogger("storefront.catalog")
#: The orders a listing can be sorted in ("" is the store's own), out-of-stock products last in each.
SORTS = ("", "price-asc", "price-desc")


@dataclass(frozen=True)
class CategoryTree:
    """The store's categories nested under their parents (a broken parent link makes a root)."""

    by_id: Mapping[str, Category]
    parent: Mapping[str, str | None]
    children: Mapping[str | None, tuple[Category, ...]]

    @classmethod
    def build(cls, categories: tuple[Category, ...]) -> CategoryTree:
        """Nest the categories; an unknown parent, or a loop of parents, leaves a category at the top."""
        by_id: dict[str, Category] = {}
        for category in categories:
            by_id.setdefault(category.id, category)  # the first of a repeated id wins
        parent = {cid: (c.parent_id if c.parent_id in by_id else None) for cid, c in by_id.items()}
        for cid in by_id:
            if _in_loop(cid, parent):
                log.warning("category %r: its parents form a loop; shown at the top", cid[:64])
                parent[cid] = None
        children: dict[str | None, list[Category]] = {}
        for cid, category in by_id.items():
            children.setdefault(parent[cid], []).append(category)
        return cls(by_id, parent, {k: tuple(v) for k, v in children.items()})

    def trail(self, category_id: str) -> tuple[Category, ...]:
        """The category and its ancestors, the top-level one first."""
        chain: list[Category] = []
        current: str | None = category_id
        while current is not None:
            chain.append(self.by_id[current])
            current = self.parent[current]
        return tuple(reversed(chain))

    def subtree(self, category_id: str) -> list[str]:
        """The category and every category under it."""
        found, queue = [category_id], [category_id]
        while queue:
            for child in self.children.get(queue.pop(), ()):
                found.append(child.id)
                queue.append(child.id)
        return found


def _in_loop(cid: str, parent: Mapping[str, str | None]) -> bool:
    seen: set[str] = set()
    current: str | None = cid
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parent.get(current)
    return False


@dataclass
class StoreIndex:
    """Lookups by SKU, listing orders, categories with their products, and the search index."""

    store: Store
    items: dict[str, tuple[int, Variant | None]]
    orders: dict[str, tuple[int, ...]]
    ranks: dict[str, tuple[int, ...]]  # sort → each position's place in that order
    sold_out: tuple[bool, ...]
    tree: CategoryTree
    members: dict[str, frozenset[int]]
    search: SearchIndex
    facets: tuple[Facet, ...] = ()  # the options products share, for filters (services.filters)
    spans: tuple[tuple[int, int], ...] = ()  # each product's lowest and highest price
    _lists: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    _offered: dict[str, tuple[tuple[Facet, tuple[str, ...]], ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, store: Store) -> StoreIndex:
        """Index a store (positions are indexes into ``store.products``)."""
        products = store.products
        items: dict[str, tuple[int, Variant | None]] = {}
        for position, product in enumerate(products):
            items.setdefault(product.sku, (position, None))
            for variant in product.variants:
                items.setdefault(variant.sku, (position, variant))
        sold_out = tuple(not p.in_stock for p in products)
        positions = range(len(products))
        orders = {
            "": tuple(sorted(positions, key=lambda i: (sold_out[i], i))),
            "price-asc": tuple(sorted(positions, key=lambda i: (sold_out[i], products[i].price, i))),
            "price-desc": tuple(sorted(positions, key=lambda i: (sold_out[i], -products[i].price, i))),
        }
        ranks = {sort: _ranks(order) for sort, order in orders.items()}
        tree = CategoryTree.build(store.categories)
        return cls(store, items, orders, ranks, sold_out, tree, _members(products, tree),
                   SearchIndex.build(products), build_facets(products), spans(products))

    def find(self, sku: str) -> tuple[Product, Variant | None] | None:
        """The product a SKU names, with the variant when it is a variant's SKU."""
        found = self.items.get(sku)
        return None if found is None else (self.store.products[found[0]], found[1])

    def listed(self, category_id: str | None, sort: str) -> tuple[int, ...]:
        """Positions of a category's products (all products for None) in a sort order."""
        key = (category_id or "", sort)
        cached = self._lists.get(key)
        if cached is None:
            order = self.orders[sort]
            if category_id is None:
                cached = order
            else:
                members = self.members[category_id]
                cached = tuple(i for i in order if i in members)
            self._lists[key] = cached  # one entry per real category and sort: bounded
        return cached

    def searched(self, query: str, category_id: str | None, sort: str) -> list[int]:
        """Positions of the products matching a search, names before descriptions in the store's order."""
        matches, named = self.search.find(query)
        if category_id is not None:
            matches = matches & self.members[category_id]
        if sort:
            return sorted(matches, key=self.ranks[sort].__getitem__)
        return sorted(matches, key=lambda i: (self.sold_out[i], i not in named, i))


    def offered(self, category_id: str | None) -> tuple[tuple[Facet, tuple[str, ...]], ...]:
        """The filters worth offering on a category's listing (the whole store's for None)."""
        key = category_id or ""
        cached = self._offered.get(key)
        if cached is None:  # one entry per real category: bounded
            cached = self._offered[key] = offered(self.facets, self.listed(category_id, ""))
        return cached

    def narrowed(self, positions: Sequence[int], filters: Filters) -> tuple[int, ...]:
        """The positions a listing's filters keep, in their order."""
        return narrow(positions, filters, self.facets, self.spans, self.sold_out) if filters else tuple(positions)


def _ranks(order: tuple[int, ...]) -> tuple[int, ...]:
    ranks = [0] * len(order)
    for rank, position in enumerate(order):
        ranks[position] = rank
    return tuple(ranks)


def _members(products: tuple[Product, ...], tree: CategoryTree) -> dict[str, frozenset[int]]:
    """Category id → positions of the products in it or in any category under it."""
    direct: dict[str, set[int]] = {}
    for position, product in enumerate(products):
        if product.category_id is not None and product.category_id in tree.by_id:
            direct.setdefault(product.category_id, set()).add(position)
    return {cid: frozenset().union(*(direct.get(c, ()) for c in tree.subtree(cid))) for cid in tree.by_id}
