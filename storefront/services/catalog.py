"""Service layer: the published store and what a shopper can browse in it.

Each process keeps the stores it serves parsed and indexed (``storefront.services.index``) in a
bounded memory, re-checked against the shared data cache every ``LOCAL_TTL`` seconds: the index
is rebuilt only when the store itself changed, so a page never unpickles or re-scans a catalog.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cachelib import SimpleCache
from flask import Flask, current_app, g

from storefront.sendy import SendyNotFound
from storefront.sendy.models import Category, Product, Store, Variant
from storefront.services.filters import NO_FILTERS, Facet, Filters, offered
from storefront.services.index import SORTS, StoreIndex
from storefront.services.search import words
from storefront.services.sendy import cached, client, forget_remembered, reload
from storefront.wsgi import page_cache, registry

STORE_TTL = 60
#: Seconds a process serves its indexed copy of a store before re-reading the shared cache.
LOCAL_TTL = 5
#: Products per listing page.
PER_PAGE = 24
#: The most products a process keeps indexed, over all its stores (least recently used go first).
MEMO_PRODUCTS = 60_000


@dataclass
class _Entry:
    store: Store
    index: StoreIndex
    checked: float
    #: the store's page generation when this copy was checked (a change bumps it: services.caches)
    generation: int | None = None


class _Memo:
    """This process's indexed stores, bounded by their number of products."""

    def __init__(self) -> None:
        self.entries: OrderedDict[str, _Entry] = OrderedDict()
        self.lock = threading.Lock()
        #: slug → the last page generation seen, so an announced change also drops "not found" memories
        self.seen = SimpleCache(threshold=10_000, default_timeout=0)

    def get(self, slug: str) -> _Entry | None:
        with self.lock:
            entry = self.entries.get(slug)
            if entry is not None:
                self.entries.move_to_end(slug)
            return entry

    def put(self, slug: str, entry: _Entry) -> None:
        with self.lock:
            self.entries[slug] = entry
            self.entries.move_to_end(slug)
            total = sum(len(e.store.products) for e in self.entries.values())
            while len(self.entries) > 1 and total > MEMO_PRODUCTS:
                _, evicted = self.entries.popitem(last=False)
                total -= len(evicted.store.products)

    def drop(self, slug: str) -> None:
        with self.lock:
            self.entries.pop(slug, None)


def _memo() -> _Memo:
    memo = current_app.extensions.get("catalog_memo")
    if memo is None:
        memo = current_app.extensions.setdefault("catalog_memo", _Memo())
    return memo


def get_store(slug: str) -> Store:
    """The published store (cached about a minute, stale copy served if Sendy fails)."""
    memo, now = _memo(), time.monotonic()
    entry = memo.get(slug)
    generation = page_cache.current_generation(slug)  # bumped by a change (a webhook), in every worker
    if entry is not None and now - entry.checked < LOCAL_TTL and entry.generation == generation:
        return entry.store
    if generation is not None and memo.seen.get(slug) != generation:
        if memo.seen.get(slug) is not None:
            forget_remembered(f"store:{slug}")  # e.g. published again: another worker said "missing"
        memo.seen.set(slug, generation)
    try:
        store = cached(f"store:{slug}", STORE_TTL, lambda: read_store(slug))
    except SendyNotFound:
        memo.drop(slug)
        registry.store_gone(slug)
        raise
    if entry is not None and (entry.store is store or entry.store == store):
        entry.checked, entry.generation = now, generation  # the same catalog: keep its index
        return entry.store
    memo.put(slug, _Entry(store, StoreIndex.build(store), now, generation))
    for listener in current_app.extensions.get("store_indexed", ()):
        listener(store)  # e.g. its card-sized images made ahead, in the background
    return store


def on_indexed(app: Flask, listener: Callable[[Store], None]) -> None:
    """Call ``listener`` with each new copy of a store this process indexes (it must not raise or wait)."""
    app.extensions.setdefault("store_indexed", []).append(listener)


def read_store(slug: str) -> Store:
    """The store as Sendy publishes it right now (no cache); its ``customDomain`` claim is recorded
    in the domain registry (an unpublished store's claim goes), in every worker."""
    try:
        store = client().get_storefront(slug)
    except SendyNotFound:
        registry.store_gone(slug)
        raise
    registry.store_read(slug, store.custom_domain)
    return store


def reload_store(slug: str) -> Store:
    """Read the store from Sendy now (a change was announced) and replace the shared copies with it."""
    return reload(f"store:{slug}", STORE_TTL, lambda: read_store(slug))


def index(store: Store) -> StoreIndex:
    """The store's index (built on the spot, once per request, for a store this process no longer
    keeps: one that another request has just replaced, or one that did not come from ``get_store``)."""
    entry = _memo().get(store.slug)
    if entry is not None and entry.store is store:
        return entry.index
    built = g.get("built_index")
    if built is None or built[0] is not store:
        built = (store, StoreIndex.build(store))
        g.built_index = built
    return built[1]


def forget_memo(slug: str) -> None:
    """This process's indexed copy of the store (``services.caches.forget_store`` forgets all the rest)."""
    _memo().drop(slug)


def find(store: Store, sku: str) -> tuple[Product, Variant | None] | None:
    """The product a SKU names (a product's or a variant's), with the variant if it is one."""
    return index(store).find(sku)


# -- listings ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Listing:
    """One page of the products a shopper sees after choosing a category, a search and an order."""

    products: tuple[Product, ...]
    category: Category | None
    query: str
    sort: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    #: the category rows to show: the top level, then the children of each category on the way down
    rows: tuple[tuple[Category, ...], ...] = ()
    trail: frozenset[str] = frozenset()  # ids of the chosen category and its ancestors
    filters: Filters = Filters()
    #: the filters worth offering here: each facet with the values this listing's products have
    facets: tuple[tuple[Facet, tuple[str, ...]], ...] = ()

    @property
    def offset(self) -> int:
        """How many products come before this page."""
        return (self.page - 1) * PER_PAGE

    def numbers(self) -> list[int]:
        """The page numbers to link: the first, the last and one either side of this one (0: a gap)."""
        shown = sorted({1, self.pages, *range(max(1, self.page - 1), min(self.pages, self.page + 1) + 1)})
        out: list[int] = []
        for n in shown:
            if out and n - out[-1] > 1:
                out.append(0) if n - out[-1] > 2 else out.append(n - 1)
            out.append(n)
        return out


class UnknownCategory(LookupError):
    """The URL names a category the store does not have."""


class UnknownPage(LookupError):
    """The URL names a page past the end of the listing (or a sort order we do not have)."""


def browse(store: Store, category_id: str | None = None, query: str = "", sort: str = "",
           page: int = 1, filters: Filters = NO_FILTERS) -> Listing:
    """One page of the store's products: a category (with its sub-categories), a search, an order."""
    found = index(store)
    category = found.tree.by_id.get(category_id) if category_id is not None else None
    if category_id is not None and category is None:
        raise UnknownCategory(category_id)
    if sort not in SORTS:
        raise UnknownPage(sort)
    query = query.strip()
    if query:
        positions: Sequence[int] = found.searched(query, category_id, sort) if words(query) else ()
    else:
        positions = found.listed(category_id, sort)
    facets = found.offered(category_id) if not query else offered(found.facets, positions)
    positions = found.narrowed(positions, filters)
    pages = max(1, -(-len(positions) // PER_PAGE))
    if not 1 <= page <= pages:
        raise UnknownPage(page)
    chosen = positions[(page - 1) * PER_PAGE:page * PER_PAGE]
    trail = found.tree.trail(category.id) if category else ()
    rows = [found.tree.children.get(None, ())]
    rows += [kids for kids in (found.tree.children.get(c.id, ()) for c in trail) if kids]
    return Listing(tuple(store.products[i] for i in chosen), category, query, sort, page, pages,
                   len(positions), tuple(rows), frozenset(c.id for c in trail), filters, facets)


# -- choosing a variant --------------------------------------------------------------------
class ChoiceError(ValueError):
    """The chosen option values name no variant: ``option`` is the first one left unchosen, if any."""

    def __init__(self, option: str | None = None) -> None:
        super().__init__(option or "no such combination")
        self.option = option


def choose(product: Product, chosen: Sequence[str | None]) -> Variant:
    """The variant of the chosen values (one per option, in order; None or "" when not chosen)."""
    values = tuple(chosen)[:len(product.options)]
    for position, option in enumerate(product.options):
        if position >= len(values) or not values[position]:
            raise ChoiceError(option.name)
    variant = product.variant_for(tuple(str(v) for v in values))
    if variant is None:
        raise ChoiceError()
    return variant
