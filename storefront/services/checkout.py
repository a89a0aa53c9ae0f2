"""Service layer: checkout — send a one-time code, then place the order exactly once.

The checkout in progress (its ``externalRef``, the shopper's details, the code sent) lives
in the signed session, so it survives a retry on any worker. Placing is single-flight per
``externalRef`` through the shared cache: a double click, a refresh or a second worker
waits for the first attempt and shows its order instead of sending a second one.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from flask import current_app, session

from storefront.extensions import cache
from storefront.sendy import SendyRejected, SendyUnavailable
from storefront.sendy.models import OrderRequest, Store
from storefront.services import cart as cart_service
from storefront.services import limits
from storefront.services.cart import Cart
from storefront.services.sendy import client

RECEIPT_TTL = 14 * 24 * 3600
PLACING_TTL = 45
_KEY = "checkout"
_add_lock = threading.Lock()


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


@dataclass(frozen=True)
class Details:
    """What the shopper typed on the checkout form (phone already normalized)."""

    name: str
    phone: str
    province: str
    area: str
    address: str
    notes: str = ""


@dataclass(frozen=True)
class Pending:
    """A checkout waiting for its one-time code."""

    ref: str
    details: Details
    send_id: str = ""
    sent_at: float = 0.0
    resend_after: int = 60
    expires_in: int = 300
    #: An attempt reached Sendy but its answer was lost: the order may exist.
    uncertain: bool = False

    def code_alive(self, now: float) -> bool:
        """Whether the last code sent can still be used."""
        return bool(self.send_id) and now < self.sent_at + self.expires_in


@dataclass(frozen=True)
class ReceiptLine:
    """One ordered line, as shown on the confirmation page."""

    sku: str
    name: str
    quantity: int
    total: int


@dataclass(frozen=True)
class Receipt:
    """A placed order as the shopper sees it."""

    public_id: str
    store: str
    lines: tuple[ReceiptLine, ...]
    order_value: int
    delivery_fee: int
    total: int
    phone: str


def api_key(slug: str) -> str | None:
    """The store's Sendy key (server-side only), if ordering is configured."""
    return current_app.extensions["api_keys"].get(slug)


def pending(slug: str) -> Pending | None:
    """The checkout in progress for this store, if any."""
    raw = session.get(_KEY, {}).get(slug)
    if not isinstance(raw, dict):
        return None
    try:
        return Pending(**{**raw, "details": Details(**raw["details"])})
    except (TypeError, KeyError):
        return None


def _save(slug: str, value: Pending | None) -> None:
    checkouts = dict(session.get(_KEY, {}))
    if value is None:
        checkouts.pop(slug, None)
    else:
        checkouts[slug] = asdict(value)
    session[_KEY] = checkouts


def save_details(slug: str, details: Details) -> Pending:
    """Remember the typed details; keeps the checkout's reference and any code sent."""
    current = pending(slug)
    if current is None:
        updated = Pending(ref=str(uuid.uuid4()), details=details)
    elif current.details.phone != details.phone:  # a new phone needs a new code
        updated = Pending(ref=current.ref, details=details, uncertain=current.uncertain)
    else:
        updated = replace(current, details=details)
    _save(slug, updated)
    return updated


def request_code(store: Store, details: Details, ip: str, *, resend: bool = False) -> Pending:
    """Send a one-time code unless a live one was already sent to this phone."""
    key = api_key(store.slug)
    if key is None:
        raise OrderingUnavailable()
    current = save_details(store.slug, details)
    if current.uncertain:
        raise OrderMaybePlaced()
    if not resend and current.code_alive(time.time()):
        return current
    limits.check_send(store.slug, details.phone, ip)
    ticket = client().send_otp(key, details.phone)
    limits.record_send(store.slug, details.phone, ip)
    sent = Pending(ref=current.ref, details=details, send_id=uuid.uuid4().hex,
                   sent_at=time.time(), resend_after=ticket.resend_after,
                   expires_in=ticket.expires_in)
    _save(store.slug, sent)
    return sent


def place_order(store: Store, cart: Cart, code: str) -> Receipt:
    """Place the checkout's order with this code — once, whatever the retries."""
    current = pending(store.slug)
    if current is None:
        raise NoCheckout()
    done = cache.get(f"receipt:{current.ref}")
    if done is not None:
        return _finish(store.slug, done)
    key = api_key(store.slug)
    if key is None:
        raise OrderingUnavailable()
    if not cart.orderable:
        raise EmptyCart()
    limits.check_attempt(current.send_id)
    try:
        receipt = _single_flight(current.ref, lambda: _send(store, cart, current, key, code))
    except SendyUnavailable as exc:
        if exc.maybe_processed:
            _save(store.slug, replace(current, uncertain=True))
        raise
    except SendyRejected as exc:
        if current.uncertain and exc.for_field("otp_code"):
            raise OrderMaybePlaced() from exc  # the code was most likely spent by our order
        raise
    return _finish(store.slug, receipt)


def abandon(slug: str) -> None:
    """The shopper chose to start over: forget the checkout (a new reference next time)."""
    _save(slug, None)


def _send(store: Store, cart: Cart, current: Pending, key: str, code: str) -> Receipt:
    d = current.details
    request = OrderRequest(
        external_ref=current.ref, otp_code=code, customer_name=d.name, customer_phone=d.phone,
        customer_address=d.address, province_code=d.province, area_id=d.area,
        lines=cart.order_lines(), order_value=cart.subtotal, notes=d.notes,
        fulfillment_type=current_app.extensions["settings"].fulfillment.get(store.slug, "from_to"),
    )
    try:
        order = client().place_order(key, request)
    except SendyRejected as exc:
        if exc.for_field("otp_code"):
            limits.record_wrong_code(current.send_id)
        raise
    lines = tuple(ReceiptLine(line.sku, line.product.name if line.product else line.sku,
                              line.quantity, line.total) for line in cart.orderable)
    return Receipt(order.public_id, store.slug, lines, order.order_value, order.delivery_fee,
                   order.total_amount, d.phone)


def _single_flight(ref: str, send: Callable[[], Receipt]) -> Receipt:
    with _add_lock:
        mine = cache.add(f"placing:{ref}", "1", timeout=PLACING_TTL)
    if not mine:
        return _wait_for(ref)
    try:
        receipt = send()
        cache.set(f"receipt:{ref}", receipt, timeout=RECEIPT_TTL)
        cache.set(f"order:{receipt.store}:{receipt.public_id}", receipt, timeout=RECEIPT_TTL)
        return receipt
    finally:
        cache.delete(f"placing:{ref}")


def _wait_for(ref: str, seconds: float = 15.0) -> Receipt:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
        receipt = cache.get(f"receipt:{ref}")
        if receipt is not None:
            return receipt
        if cache.get(f"placing:{ref}") is None:
            break
    raise OrderInFlight()


def _finish(slug: str, receipt: Receipt) -> Receipt:
    cart_service.clear(slug)
    _save(slug, None)
    mine = [p for p in session.get("orders", []) if p != receipt.public_id][-4:]
    session["orders"] = [*mine, receipt.public_id]
    return receipt


def receipt(slug: str, public_id: str) -> Receipt | None:
    """A confirmation this shopper may see: only orders placed from this session."""
    if public_id not in session.get("orders", []):
        return None
    return cache.get(f"order:{slug}:{public_id}")
