"""Service layer: finding things — suggestions as the shopper types, and the categories to browse
(the search page, which the header's menu icon opens).

Suggestions use the store's search index (``services.search``: the same folding of Arabic letters
and digits as the results page) and are bounded: at most ``MAX_PRODUCTS`` products (names first,
in stock first) and ``MAX_CATEGORIES`` categories, for a query of at most ``MAX_QUERY`` characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from storefront.sendy.models import Category, Product, Store
from storefront.services.catalog import index
from storefront.services.search import words

MAX_QUERY = 100
MAX_PRODUCTS = 6
MAX_CATEGORIES = 4


@dataclass(frozen=True)
class Suggestions:
    """What a query suggests."""

    query: str
    products: tuple[Product, ...] = ()
    categories: tuple[Category, ...] = ()
    parents: Mapping[str, str] = field(default_factory=dict)  # category id → its parent's name


def suggest(store: Store, raw: str) -> Suggestions:
    """A few products and categories matching a query (empty for a query with no words)."""
    query = " ".join(raw[:MAX_QUERY].split())
    wanted = words(query)
    if not wanted:
        return Suggestions(query)
    found = index(store)
    positions = found.searched(query, None, "")[:MAX_PRODUCTS]
    categories = []
    for category in found.tree.by_id.values():
        names = words(category.name)
        if all(any(w in name for name in names) for w in wanted):
            categories.append(category)
            if len(categories) == MAX_CATEGORIES:
                break
    parents = {c.id: found.tree.by_id[p].name for c in categories if (p := found.tree.parent[c.id]) is not None}
    return Suggestions(query, tuple(store.products[i] for i in positions), tuple(categories), parents)


@dataclass(frozen=True)
class MenuEntry:
    """A category in the menu, with its sub-categories."""

    category: Category
    children: tuple[Category, ...]


def menu(store: Store) -> tuple[MenuEntry, ...]:
    """The top-level categories, each with its sub-categories."""
    tree = index(store).tree
    return tuple(MenuEntry(top, tree.children.get(top.id, ())) for top in tree.children.get(None, ()))

