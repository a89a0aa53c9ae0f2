"""Service layer: the shopper's cart, kept per store in the signed session cookie.

The session holds only SKUs and quantities; names, prices and availability are read
from the current catalog on every render, so a cart never shows a stale price.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, session
from flask_babel import lazy_gettext as _l

from storefront.sendy.models import OrderLine, Product, Store

MAX_LINES = 20
MAX_QUANTITY = 99
MAX_SKU_LENGTH = 64
#: Browsers keep cookies up to 4,096 bytes: the cart may use this much of the session cookie.
MAX_COOKIE_BYTES = 2_100  # the checkout in progress needs the rest
_KEY = "cart"


class CartError(Exception):
    """A cart change that cannot be made; ``message`` is shown to the shopper."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CartLine:
    """One line of the cart, resolved against the current catalog."""

    sku: str
    quantity: int
    product: Product | None

    @property
    def available(self) -> bool:
        """Whether this line can be ordered right now."""
        return self.product is not None and self.product.in_stock

    @property
    def total(self) -> int:
        """Price times quantity, in IQD (0 when unavailable)."""
        return self.product.price * self.quantity if self.available and self.product else 0


@dataclass(frozen=True)
class Cart:
    """A store's cart as the shopper sees it."""

    lines: tuple[CartLine, ...]

    @property
    def orderable(self) -> tuple[CartLine, ...]:
        """The lines that go into an order."""
        return tuple(line for line in self.lines if line.available)

    @property
    def unavailable(self) -> tuple[CartLine, ...]:
        """Lines whose product disappeared, lost its price or is out of stock."""
        return tuple(line for line in self.lines if not line.available)

    @property
    def subtotal(self) -> int:
        """The sum of the orderable lines, in IQD."""
        return sum(line.total for line in self.orderable)

    @property
    def count(self) -> int:
        """How many items the cart holds (all lines)."""
        return sum(line.quantity for line in self.lines)

    def order_lines(self) -> tuple[OrderLine, ...]:
        """The orderable lines as Sendy order items."""
        return tuple(OrderLine(line.sku, line.quantity) for line in self.orderable)


def quantities(slug: str) -> dict[str, int]:
    """SKU → quantity for one store, in the order the shopper added them."""
    raw = session.get(_KEY, {}).get(slug, [])
    return {str(sku): int(qty) for sku, qty in raw if isinstance(qty, int)}


def count(slug: str) -> int:
    """How many items are in the store's cart (for the header badge)."""
    return sum(quantities(slug).values())


def _save(slug: str, items: dict[str, int]) -> bool:
    """Store one store's cart; False (nothing changed) if the cookie would grow too big."""
    carts = {k: v for k, v in session.get(_KEY, {}).items() if k != slug}
    if items:
        carts[slug] = [[sku, qty] for sku, qty in items.items()]  # last = most recently used
    while True:
        if _cookie_size({**session, _KEY: carts}) <= MAX_COOKIE_BYTES:
            break
        others = [k for k in carts if k != slug]
        if not others:
            return False
        carts.pop(others[0])  # forget the least recently used other store's cart
    session[_KEY] = carts
    session.permanent = True  # survives closing Instagram's in-app browser
    return True


def _cookie_size(data: dict[str, object]) -> int:
    """How many bytes the signed session cookie would take."""
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]
    return len(serializer.dumps(data)) if serializer else 0


def add(store: Store, sku: str, quantity: int = 1) -> Product:
    """Add a product; quantities add up and stop at the maximum."""
    product = store.product_by_sku(sku) if len(sku) <= MAX_SKU_LENGTH else None
    if product is None:
        raise CartError(_l("This product is no longer available."))
    if not product.in_stock:
        raise CartError(_l("This product is out of stock."))
    items = quantities(store.slug)
    if sku not in items and len(items) >= MAX_LINES:
        raise CartError(_l("Your cart is full (%(max)d different products). Remove something first.",
                           max=MAX_LINES))
    items[sku] = _clamp(items.get(sku, 0) + quantity)
    if not _save(store.slug, items):
        raise CartError(_l("Your cart is full. Remove something first."))
    return product


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


def clear(slug: str) -> None:
    """Empty the store's cart (after an order was placed)."""
    _save(slug, {})


def view(store: Store) -> Cart:
    """The cart resolved against the store's current catalog."""
    items = quantities(store.slug)
    return Cart(tuple(CartLine(sku, qty, store.product_by_sku(sku)) for sku, qty in items.items()))


def _clamp(quantity: int) -> int:
    return max(1, min(MAX_QUANTITY, quantity))
