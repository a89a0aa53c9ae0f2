"""Service layer: listing filters — the options a store's products have (size, colour…), a price range
and "in stock only", computed once each time the store is indexed.

An option is a *facet* when products share its name (folded: "المقاس" and "المقاس " are one). The
facets most products have get the URL arguments ``f1``…``f3`` (``FACET_ARGS``), in that order;
their values are the merchant's own, so a URL names only values some product has (any other is
answered 404 by the view, and never becomes a cached page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from storefront.sendy.models import Product
from storefront.services.search import fold

#: The URL arguments of the facets, the one most products have first.
FACET_ARGS = ("f1", "f2", "f3")
#: The most values a facet offers (the ones most products have, in the merchant's order).
MAX_VALUES = 30
#: A price typed by a shopper: digits (Arabic-Indic too), with thousands separators.
_PRICE = re.compile(r"[0-9]{1,9}")
_SEPARATORS = re.compile(r"[\s,.\u066b\u066c\u060c_'’]")


class UnknownFilter(LookupError):
    """The URL filters by an option or a value no product of the store has."""


@dataclass(frozen=True)
class Facet:
    """One option shared by products, with the products having each of its values."""

    arg: str  # its URL argument (f1, f2, f3)
    name: str  # as the merchant wrote it (the first product's spelling)
    values: tuple[str, ...]
    having: Mapping[str, frozenset[int]]  # value → positions of the products with it
    stocked: Mapping[str, frozenset[int]]  # value → positions with it in stock


@dataclass(frozen=True)
class Filters:
    """What a shopper narrowed a listing to (all optional)."""

    chosen: tuple[tuple[str, str], ...] = ()  # (facet arg, value), in FACET_ARGS order
    low: int | None = None
    high: int | None = None
    in_stock: bool = False

    def __bool__(self) -> bool:
        return bool(self.chosen or self.low is not None or self.high is not None or self.in_stock)

    def args(self) -> dict[str, str]:
        """The URL arguments naming these filters, in canonical form."""
        out = dict(self.chosen)
        if self.low is not None:
            out["min"] = str(self.low)
        if self.high is not None:
            out["max"] = str(self.high)
        if self.in_stock:
            out["stock"] = "1"
        return out

    def without(self, name: str) -> dict[str, str]:
        """The URL arguments with one filter removed (``price`` removes both bounds)."""
        return {k: v for k, v in self.args().items() if k != name and not (name == "price" and k in ("min", "max"))}


NO_FILTERS = Filters()


def build_facets(products: Sequence[Product]) -> tuple[Facet, ...]:
    """The store's facets: options that at least two products share, most common first."""
    groups: dict[str, list[tuple[int, int]]] = {}  # folded name → (position, option index)
    names: dict[str, str] = {}
    for position, product in enumerate(products):
        for index, option in enumerate(product.options):
            key = " ".join(fold(option.name).split())
            if key and option.values:
                groups.setdefault(key, []).append((position, index))
                names.setdefault(key, option.name.strip())
    shared = sorted((k for k, v in groups.items() if len({p for p, _ in v}) > 1), key=lambda k: -len(groups[k]))
    return tuple(_facet(arg, names[key], groups[key], products) for arg, key in zip(FACET_ARGS, shared, strict=False))


def _facet(arg: str, name: str, members: Iterable[tuple[int, int]], products: Sequence[Product]) -> Facet:
    having: dict[str, set[int]] = {}
    stocked: dict[str, set[int]] = {}
    for position, index in members:
        product = products[position]
        for value in product.options[index].values:
            having.setdefault(value, set()).add(position)
        if product.variants:
            for variant in product.variants:
                if variant.in_stock and index < len(variant.values):
                    stocked.setdefault(variant.values[index], set()).add(position)
        elif product.in_stock:
            for value in product.options[index].values:
                stocked.setdefault(value, set()).add(position)
    common = sorted(having, key=lambda v: -len(having[v]))[:MAX_VALUES]
    ordered = [v for v in having if v in set(common)]  # the merchant's order (first seen)
    numbers = {v: _number(v) for v in ordered}  # sizes in numbers ascending, then the others as given
    ordered.sort(key=lambda v: (numbers[v] is None, numbers[v] or 0.0))
    return Facet(arg, name, tuple(ordered), {v: frozenset(having[v]) for v in ordered},
                 {v: frozenset(stocked.get(v, ())) for v in ordered})


def _number(value: str) -> float | None:
    try:
        return float(fold(value).strip())
    except ValueError:
        return None


def parse_price(raw: str) -> int | None:
    """A price as a shopper typed it ("٢٥٬٠٠٠", "25,000", "25000"), or None when it is not one."""
    text = _SEPARATORS.sub("", fold(raw))
    return int(text) if _PRICE.fullmatch(text) else None


def spans(products: Sequence[Product]) -> tuple[tuple[int, int], ...]:
    """Each product's lowest and highest price (over its variants)."""
    return tuple((min([p.price, *(v.price for v in p.variants)]), max([p.price, *(v.price for v in p.variants)]))
                 for p in products)


def narrow(positions: Sequence[int], filters: Filters, facets: Sequence[Facet],
           price_spans: Sequence[tuple[int, int]], sold_out: Sequence[bool]) -> tuple[int, ...]:
    """The positions (in their order) that every filter keeps."""
    by_arg = {f.arg: f for f in facets}
    if any(arg not in by_arg or value not in by_arg[arg].having for arg, value in filters.chosen):
        raise UnknownFilter(filters.chosen)
    sets = [(by_arg[arg].stocked if filters.in_stock else by_arg[arg].having)[value] for arg, value in filters.chosen]
    low = filters.low if filters.low is not None else 0
    high = filters.high if filters.high is not None else float("inf")
    return tuple(i for i in positions
                 if all(i in s for s in sets) and price_spans[i][1] >= low and price_spans[i][0] <= high
                 and not (filters.in_stock and sold_out[i]))


def offered(facets: Sequence[Facet], positions: Sequence[int]) -> tuple[tuple[Facet, tuple[str, ...]], ...]:
    """The facets and values worth offering on a listing: those some of its products have."""
    here = frozenset(positions)
    out = []
    for facet in facets:
        values = tuple(v for v in facet.values if not here.isdisjoint(facet.having[v]))
        if len(values) > 1 or (values and not here <= facet.having[values[0]]):
            out.append((facet, values))
    return tuple(out)
