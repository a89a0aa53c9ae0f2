"""Service layer: checkout — the refusals the views turn into messages."""

from __future__ import annotations


class CheckoutError(Exception):
    """Base of checkout refusals the views turn into messages."""


class OrderingUnavailable(CheckoutError):
    """This store has no API key configured: no online ordering."""


class NoCheckout(CheckoutError):
    """There is no checkout in progress (or it expired)."""


class EmptyCart(CheckoutError):
    """Nothing orderable in the cart."""


class OrderInFlight(CheckoutError):
    """Another request is placing this very order right now."""


class OrderMaybePlaced(CheckoutError):
    """An earlier attempt may have created the order; we will not risk a second one."""


class DetailsTooLong(CheckoutError):
    """The typed details would not fit in the session cookie (e.g. a very long note in emoji)."""


class CodeMaybeSent(CheckoutError):
    """Sendy's answer to the send was lost: a code may be on its way (the cooldown holds)."""


class CartChanged(CheckoutError):
    """Sendy refused the items (a product changed): the store is re-read, the cart re-checked."""
