"""Service layer: the shopper's cart, kept per store in the signed session cookie.

The session holds only SKUs and quantities; names, prices and availability are read
from the current catalog on every render, so a cart never shows a stale price. Its size
is kept within the cookie's budget by ``storefront.runtime.session``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import g, session

from storefront.runtime import session as cookie
from storefront.sendy.models import Product, Store, Variant
from storefront.services import catalog
from storefront.services.refusals import CartRefusal

MAX_LINES = 20
MAX_QUANTITY = 99
MAX_SKU_LENGTH = 64
#: The most options a product has (the client's limit): the chosen values a form may send.
MAX_OPTIONS = 5
_KEY = "cart"


class CartError(Exception):
    """A cart change that cannot be made; ``kind`` says why (the view words it)."""

    def __init__(self, kind: CartRefusal, product: Product | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        #: the product with variants whose choice the shopper should make again, if that is the way out
        self.product = product


@dataclass(frozen=True)
class CartLine:
    """One line of the cart, resolved against the current catalog."""

    sku: str
    quantity: int
    product: Product | None
    variant: Variant | None = None

    @property
    def available(self) -> bool:
        """Whether this line can be ordered right now (a product with variants only through one)."""
        if self.product is None or (self.product.variants and self.variant is None):
            return False
        return (self.variant or self.product).in_stock

    @property
    def price(self) -> int:
        """The unit price in IQD: the variant's, else the product's (0 when gone)."""
        return self.variant.price if self.variant else (self.product.price if self.product else 0)

    @property
    def total(self) -> int:
        """Price times quantity, in IQD (0 when unavailable)."""
        return self.price * self.quantity if self.available else 0

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """(option name, chosen value) of the variant, in the options' order."""
        if self.product is None or self.variant is None:
            return ()
        return tuple(zip((o.name for o in self.product.options), self.variant.values, strict=False))

    @property
    def title(self) -> str:
        """The product's name (the SKU when the product is gone)."""
        return self.product.name if self.product else self.sku

    @property
    def values(self) -> str:
        """The chosen option values, e.g. "M / Navy" ("" for a product without variants)."""
        return " / ".join(self.variant.values) if self.variant else ""

    @property
    def name(self) -> str:
        """The product's name with the chosen values (the SKU when the product is gone)."""
        if self.product is None:
            return self.sku
        values = " / ".join(self.variant.values) if self.variant else ""
        return f"{self.product.name} — {values}" if values else self.product.name

    @property
    def image(self) -> str:
        """The variant's photo, else the product's first one ("" when there is none)."""
        if self.variant and self.variant.image_url:
            return self.variant.image_url
        return self.product.image_urls[0] if self.product and self.product.image_urls else ""


@dataclass(frozen=True)
class Cart:
    """A store's cart as the shopper sees it."""

    lines: tuple[CartLine, ...]

    @property
    def orderable(self) -> tuple[CartLine, ...]:
        """The lines that go into an order."""
        return tuple(line for line in self.lines if line.available)

    @property
    def subtotal(self) -> int:
        """The sum of the orderable lines, in IQD."""
        return sum(line.total for line in self.orderable)



def quantities(slug: str) -> dict[str, int]:
    """SKU → quantity for one store, in the order the shopper added them."""
    raw = session.get(_KEY, {}).get(slug, [])
    return {str(sku): int(qty) for sku, qty in raw if isinstance(qty, int)}


def count(store: Store) -> int:
    """How many items of the store's cart can be ordered now (the header badge's number).

    A line that sold out or vanished stays in the cart, marked, but is not counted: the badge
    promises what the checkout will take.
    """
    return sum(line.quantity for line in view(store).orderable)


def _save(slug: str, items: dict[str, int]) -> bool:
    """Store one store's cart; False (nothing changed) if it would not fit in the cookie."""
    lines = [[sku, qty] for sku, qty in items.items()] if items else None
    if lines and cookie.section_bytes(_KEY, slug, lines) > cookie.STORE_CART_BYTES:
        return False
    if not cookie.write(_KEY, slug, lines):
        return False
    session.permanent = True  # survives closing Instagram's in-app browser
    return True


def add(store: Store, sku: str, quantity: int = 1, chosen: Sequence[str | None] = ()) -> CartLine:
    """Add a product or a variant by SKU (a product with variants: the one its ``chosen`` values name).

    Quantities add up and stop at the maximum.
    """
    found = catalog.find(store, sku) if len(sku) <= MAX_SKU_LENGTH else None
    if found is None:
        raise CartError(CartRefusal.UNAVAILABLE)
    product, variant = found
    if product.variants and variant is None:
        try:
            variant = catalog.choose(product, chosen)
        except catalog.ChoiceError:
            raise CartError(CartRefusal.CHOOSE, product) from None
    line = CartLine(variant.sku if variant else sku, quantity, product, variant)
    if not line.available:
        raise CartError(CartRefusal.OUT_OF_STOCK, product if variant else None)
    sku = line.sku
    items = quantities(store.slug)
    if sku not in items and len(items) >= MAX_LINES:
        raise CartError(CartRefusal.TOO_MANY_LINES)
    items[sku] = _clamp(items.get(sku, 0) + quantity)
    if not _save(store.slug, items):
        raise CartError(CartRefusal.FULL)
    return line


def step_quantity(slug: str, sku: str, step: int, typed: int | None = None) -> None:
    """One less or one more (never below 1), counted from a number just typed when it is a valid quantity."""
    current = quantities(slug).get(sku)
    if current is None:
        return
    start = typed if typed is not None and 1 <= typed <= MAX_QUANTITY else current
    set_quantity(slug, sku, max(1, start + step))


def set_quantity(slug: str, sku: str, quantity: int) -> None:
    """Change a line's quantity (1–99); zero removes the line."""
    items = quantities(slug)
    if sku not in items:
        return
    if quantity <= 0:
        items.pop(sku)
    else:
        items[sku] = _clamp(quantity)
    _save(slug, items)


def remove(slug: str, sku: str) -> None:
    """Take a line out of the cart."""
    set_quantity(slug, sku, 0)


def take_ordered(slug: str, ordered: dict[str, int]) -> None:
    """Take what an order holds out of the cart (SKU → quantity); what was added since stays."""
    items = quantities(slug)
    left = {sku: qty - ordered.get(sku, 0) for sku, qty in items.items()}
    _save(slug, {sku: qty for sku, qty in left.items() if qty > 0})


def view(store: Store) -> Cart:
    """The cart resolved against the store's current catalog (once per request and cart content:
    the badge, the cookie and the page all ask)."""
    items = quantities(store.slug)
    key = (store.slug, tuple(items.items()))
    resolved: dict[tuple[object, ...], tuple[Store, Cart]] = g.setdefault("_carts", {})
    known = resolved.get(key)
    if known is not None and known[0] is store:  # (a store read again meanwhile is resolved anew)
        return known[1]
    lines = []
    for sku, qty in items.items():
        found = catalog.find(store, sku)
        lines.append(CartLine(sku, qty, *found) if found else CartLine(sku, qty, None))
    resolved[key] = (store, Cart(tuple(lines)))
    return resolved[key][1]


def _clamp(quantity: int) -> int:
    return max(1, min(MAX_QUANTITY, quantity))
