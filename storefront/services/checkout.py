"""Service layer: checkout — send a one-time code, then place the order exactly once.

The checkout in progress (its ``externalRef``, the shopper's details, the code sent) lives in
the signed session, so any worker can continue it. Everything that must hold across requests
and workers lives in the state store (``storefront.state``), never in a cache or a cookie:

- ``placing:<ref>`` — a lock: one request at a time sends this checkout's order; whoever comes
  second waits for the first one's receipt instead of sending again;
- ``receipt:<ref>`` — the placed order, re-read after the lock is taken;
- ``uncertain:<ref>`` — an attempt whose answer was lost: the order may exist, so no new code
  is sent for this checkout and no second order is risked, whichever browser asks (``SPENT``
  once Sendy then refused the code as used: only the store can tell);
- ``sent:<ref>`` — the lines and value of the last order request, so a retry after a lost
  answer repeats exactly that, whatever the cart holds now (deleted with the receipt, or once
  Sendy's answer says no order was made);
- ``otp:code:<store>:<phone>`` — which code was sent last, so every session counts its wrong
  tries against the same five.

Exactly once does not rest on Sendy replaying an ``externalRef`` (it documents no such thing):
while ``uncertain:<ref>`` or ``sent:<ref>`` says an earlier request may have made the order, Sendy
is asked for the orders under that reference first (contract §4b) and the one found is adopted;
the order is sent again only when Sendy says there is none. When it cannot tell (the key lacks
``orders:read``, or Sendy fails), nothing is sent.

Without Redis nothing here can be checked or recorded, so nothing is sent: ``StateUnavailable``
reaches the view before Sendy is asked. Bookkeeping after Sendy did its work (the code sent, the
order kept) never turns that work into an error page.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any

from flask import current_app, session

from storefront import metrics
from storefront import session as cookie
from storefront.config import OtpBudgets
from storefront.sendy import SendyError, SendyForbidden, SendyRateLimited, SendyRejected, SendyUnavailable
from storefront.sendy.models import Order, OrderLine, OrderRequest, OtpTicket, Store
from storefront.services import cart as cart_service
from storefront.services import catalog, limits
from storefront.services.cart import Cart
from storefront.services.phone import display_phone
from storefront.services.sendy import client
from storefront.state import StateUnavailable, state

log = logging.getLogger("storefront.checkout")

RECEIPT_TTL = 61 * 24 * 3600  # outlives the 60-day order-status link (services.orders)
PLACING_TTL = 45
WAIT_FOR_RECEIPT = 15.0
SPENT = 2  # the value of ``uncertain:<ref>`` once the code was refused as used
_KEY = "checkout"
DETAIL_FIELDS = ("name", "phone", "province", "area", "address", "notes")


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
    expires_in: int = 300

    def code_alive(self, now: float) -> bool:
        """Whether the last code sent can still be used."""
        return bool(self.send_id) and now < self.sent_at + self.expires_in


@dataclass(frozen=True)
class CodeStep:
    """What the code page shows."""

    pending: Pending
    phone: str
    wait: int
    maybe_placed: bool
    demo_code: str | None
    #: the code was spent on an order whose answer was lost: only the store can tell now
    spent: bool = False
    #: after a lost answer: the lines and value sent then (what a retry repeats), else None
    sent: tuple[tuple[ReceiptLine, ...], int] | None = None


@dataclass(frozen=True)
class ReceiptLine:
    """One ordered line, as shown on the confirmation page."""

    sku: str
    name: str
    quantity: int
    total: int
    #: the chosen option values of a variant ("M / Navy"), shown apart from the name ("" when none;
    #: receipts kept before this field carry them inside ``name``)
    values: str = ""

    @property
    def title(self) -> str:
        """The product's name (as ``CartLine.title``)."""
        return self.name


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
    #: Sendy's own id of the order (not the public one): what reading it back needs.
    sendy_id: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Receipt:
        """Rebuild a receipt kept as JSON in the state store."""
        lines = tuple(ReceiptLine(**line) for line in data["lines"])
        return cls(**{**data, "lines": lines})


def api_key(slug: str) -> str | None:
    """The store's Sendy key (server-side only), if ordering is configured."""
    return current_app.extensions["api_keys"].get(slug)


def pending(slug: str) -> Pending | None:
    """The checkout in progress for this store, if any."""
    raw = session.get(_KEY, {}).get(slug)
    if not isinstance(raw, dict):
        return None
    try:
        fields = {k: v for k, v in raw.items() if k in Pending.__dataclass_fields__}
        return Pending(**{**fields, "details": Details(**raw["details"])})
    except (TypeError, KeyError):
        return None


def saved_details(slug: str) -> dict[str, str] | None:
    """What the shopper typed last time, as the form shows it."""
    current = pending(slug)
    if current is None:
        return None
    typed = {f: getattr(current.details, f) for f in DETAIL_FIELDS}
    typed["phone"] = display_phone(typed["phone"])
    return typed


def _save(slug: str, value: Pending | None) -> None:
    """Keep the checkout in the session (within the cookie budget), or forget it."""
    data = asdict(value) if value is not None else None
    # measured as it will be once a code is sent, so sending one never overflows the cookie
    sized = {**data, "send_id": "f" * 32, "sent_at": time.time()} if data else None
    if sized is not None and cookie.section_bytes(_KEY, slug, sized) > cookie.CHECKOUT_BYTES:
        raise DetailsTooLong()
    if not cookie.write(_KEY, slug, data):
        raise DetailsTooLong()


def save_details(slug: str, details: Details) -> Pending:
    """Remember the typed details; keeps the checkout's reference and any code sent."""
    current = pending(slug)
    if current is None:
        updated = Pending(ref=str(uuid.uuid4()), details=details)
    elif current.details.phone != details.phone:  # a new phone needs a new code
        updated = Pending(ref=current.ref, details=details)
    else:
        updated = replace(current, details=details)
    _save(slug, updated)
    return updated


def maybe_placed(ref: str) -> bool:
    """Whether an attempt of this checkout may have created its order."""
    return state().get(f"uncertain:{ref}") is not None


def code_spent(ref: str) -> bool:
    """Whether, after a lost answer, Sendy refused the code as used: most likely by our own order."""
    return state().get(f"uncertain:{ref}") == SPENT


def request_code(store: Store, details: Details, ip: str, *, resend: bool = False) -> Pending:
    """Send a one-time code unless a live one was already sent to this phone."""
    key = api_key(store.slug)
    if key is None:
        raise OrderingUnavailable()
    current = save_details(store.slug, details)
    if maybe_placed(current.ref):
        raise OrderMaybePlaced()
    if not resend and current.code_alive(time.time()):
        return current
    limits.take_send(store.slug, details.phone, ip, _budgets())
    try:
        ticket = client().send_otp(key, details.phone)
    except SendyUnavailable as exc:
        if not exc.maybe_processed:
            metrics.OTP_SENDS.labels("failed").inc()
            limits.give_back_send(store.slug, details.phone)  # nothing was sent
            raise
        metrics.OTP_SENDS.labels("uncertain").inc()
        _sent(store.slug, current, OtpTicket())  # the code may arrive: let the shopper enter it
        raise CodeMaybeSent() from exc
    except SendyError:
        metrics.OTP_SENDS.labels("refused").inc()
        limits.give_back_send(store.slug, details.phone)
        raise
    metrics.OTP_SENDS.labels("sent").inc()
    with _done_anyway("the resend wait Sendy asked for"):
        limits.hold_cooldown(store.slug, details.phone, ticket.resend_after)
    return _sent(store.slug, current, ticket)


def _budgets() -> OtpBudgets:
    return current_app.extensions["settings"].otp_budgets


def _sent(slug: str, current: Pending, ticket: OtpTicket) -> Pending:
    """Remember the code sent to the checkout's phone (here and for every session)."""
    code_id = uuid.uuid4().hex
    sent = replace(current, send_id=code_id, sent_at=time.time(), expires_in=ticket.expires_in)
    _save(slug, sent)  # first: the code is on its way whatever happens next
    with _done_anyway("the code sent"):  # (its tries then count under the session's send_id)
        state().set(_code_key(slug, current.details.phone), code_id, ticket.expires_in)
    return sent


@contextmanager
def _done_anyway(what: str) -> Iterator[None]:
    """Bookkeeping after Sendy did the work: Redis going away now must not turn it into an error page."""
    try:
        yield
    except StateUnavailable as exc:
        log.warning("%s not recorded: %s", what, exc)


def code_step(slug: str) -> CodeStep | None:
    """The code page for this checkout, or None when no code was sent."""
    current = pending(slug)
    if current is None or not current.send_id:
        return None
    demo_code = None
    sandbox = current_app.extensions.get("sandbox")
    if current_app.config.get("SANDBOX_DEMO") and sandbox is not None:
        demo_code = sandbox.last_otp(current.details.phone)
    uncertain = maybe_placed(current.ref)
    lines, value = _what_was_sent(current.ref) if uncertain else (None, 0)
    return CodeStep(current, display_phone(current.details.phone),
                    limits.cooldown_left(slug, current.details.phone), uncertain, demo_code,
                    spent=uncertain and code_spent(current.ref), sent=(lines, value) if lines else None)


def place_order(store: Store, cart: Cart, code: str) -> Receipt:
    """Place the checkout's order with this code — once, whatever the retries and races."""
    current = pending(store.slug)
    if current is None:
        raise NoCheckout()
    done = _receipt_of(current.ref)
    if done is not None:
        return _finish(store.slug, done)
    key = api_key(store.slug)
    if key is None:
        raise OrderingUnavailable()
    if not cart.orderable and not (maybe_placed(current.ref) and _what_was_sent(current.ref)[0]):
        raise EmptyCart()  # (a retry after a lost answer repeats what was sent, whatever the cart holds now)
    token = uuid.uuid4().hex
    if not state().add(f"placing:{current.ref}", token, PLACING_TTL):
        return _finish(store.slug, _wait_for(current.ref))
    try:
        receipt = _receipt_of(current.ref) or _attempt(store, cart, current, key, code)
    finally:
        state().release(f"placing:{current.ref}", token)
    return _finish(store.slug, receipt)


def _attempt(store: Store, cart: Cart, current: Pending, key: str, code: str) -> Receipt:
    """One order request, under the checkout's lock, its code try counted first — unless an earlier
    request may have made the order: then Sendy is asked first, and the order it has is adopted."""
    phone = current.details.phone
    uncertain = maybe_placed(current.ref)
    if uncertain or _what_was_sent(current.ref)[0] is not None:
        found = _placed_before(store, current, key)
        if found is not None:
            return found
    code_id = state().get(_code_key(store.slug, phone)) or current.send_id
    limits.take_attempt(store.slug, phone, code_id)
    try:
        receipt = _send(store, cart, current, key, code, uncertain)
    except SendyUnavailable as exc:
        metrics.ORDERS.labels("uncertain" if exc.maybe_processed else "failed").inc()
        if exc.maybe_processed:
            state().add(f"uncertain:{current.ref}", 1, RECEIPT_TTL)  # (never un-spends a spent code)
        else:
            limits.give_back_attempt(store.slug, phone, code_id)
            if exc.status is None and not uncertain:  # it never reached Sendy: no order to look for
                state().delete(f"sent:{current.ref}")
        raise
    except SendyRejected as exc:
        metrics.ORDERS.labels("rejected").inc()
        if not uncertain:  # Sendy answered: it made no order
            state().delete(f"sent:{current.ref}")
        if not exc.for_field("otp_code"):
            _verified(store.slug)
            limits.give_back_attempt(store.slug, phone, code_id)  # not a wrong code
            if exc.for_field("items"):
                catalog.forget_store(store.slug)
                if uncertain:  # what was sent then is refused now, yet the first request may have an order
                    state().set(f"uncertain:{current.ref}", SPENT, RECEIPT_TTL)
                    raise OrderMaybePlaced() from exc
                raise CartChanged() from exc
        else:
            metrics.OTP_VERIFICATIONS.labels("wrong").inc()
            if uncertain:  # the code was most likely spent by our order
                state().set(f"uncertain:{current.ref}", SPENT, RECEIPT_TTL)
                raise OrderMaybePlaced() from exc
        raise
    except SendyError:
        metrics.ORDERS.labels("failed").inc()
        limits.give_back_attempt(store.slug, phone, code_id)
        if not uncertain:  # Sendy answered (a refused key, too many requests): it made no order
            state().delete(f"sent:{current.ref}")
        raise
    return _placed(store.slug, current.ref, receipt)


def _placed(slug: str, ref: str, receipt: Receipt) -> Receipt:
    """Sendy has the order: keep its receipt first (a retry then finds it), then count it."""
    _keep(ref, receipt)
    metrics.ORDERS.labels("placed").inc()
    with _done_anyway("a code entered correctly"):
        _verified(slug)
    return receipt


def _placed_before(store: Store, current: Pending, key: str) -> Receipt | None:
    """The order an earlier request under this reference made, adopted; None when Sendy has none.

    OrderMaybePlaced when Sendy cannot tell us (the key lacks ``orders:read``, or the search is
    refused), SendyUnavailable when it cannot answer now: either way nothing is sent again.
    """
    try:
        found = client().find_order_by_ref(key, current.ref)
    except SendyRateLimited as exc:
        raise SendyUnavailable(f"order search: {exc.message}", status=exc.status) from exc
    except SendyUnavailable:
        raise
    except SendyError as exc:
        level = logging.ERROR if isinstance(exc, SendyForbidden) else logging.WARNING
        log.log(level, "store %s: Sendy cannot tell whether an earlier order request made the order "
                "(%s, orders:read needed): not sent again", store.slug, type(exc).__name__)
        state().set(f"uncertain:{current.ref}", SPENT, RECEIPT_TTL)  # only the store can tell now
        raise OrderMaybePlaced() from exc
    if not found:
        return None
    if len(found) > 1:
        log.error("store %s: %d orders under one reference; the first one made is shown", store.slug, len(found))
    return _placed(store.slug, current.ref, _adopted(store.slug, current, found[-1]))


def _adopted(slug: str, current: Pending, order: Order) -> Receipt:
    """The receipt of an order Sendy made for an earlier request: what was sent, as Sendy has it now."""
    lines, value = _what_was_sent(current.ref)
    if lines is None:
        lines = tuple(ReceiptLine(i.sku, i.name, i.quantity, i.line_total or 0) for i in order.items)
        value = sum(x.total for x in lines)
    order_value = order.order_value if order.order_value is not None else value
    fee = order.delivery_fee or 0
    total = order.total_amount if order.total_amount is not None else order_value + fee
    log.warning("order %s of %s found under its reference after a lost or failed answer: adopted",
                order.public_id, slug)
    return Receipt(order.public_id, slug, lines, order_value, fee, total, current.details.phone, order.id)


def _verified(slug: str) -> None:
    """Sendy accepted the code (the order went through, or was refused for another reason)."""
    metrics.OTP_VERIFICATIONS.labels("correct").inc()
    limits.record_verified(slug, _budgets())


def abandon(slug: str) -> None:
    """The shopper chose to start over: forget the checkout (a new reference next time)."""
    _save(slug, None)


def _code_key(slug: str, phone: str) -> str:
    return f"otp:code:{slug}:{phone}"


def _send(store: Store, cart: Cart, current: Pending, key: str, code: str, uncertain: bool) -> Receipt:
    """The order request; after an answer was lost, exactly the order Sendy may have (not today's cart)."""
    d = current.details
    lines, value = _what_was_sent(current.ref) if uncertain else (None, 0)
    if lines is None:
        lines = tuple(ReceiptLine(line.sku, line.title, line.quantity, line.total, line.values)
                      for line in cart.orderable)
        value = cart.subtotal
        # kept before Sendy is asked: a retry under this reference must repeat it, line for line
        state().set(f"sent:{current.ref}", {"lines": [asdict(x) for x in lines], "value": value}, RECEIPT_TTL)
    request = OrderRequest(
        external_ref=current.ref, otp_code=code, customer_name=d.name, customer_phone=d.phone,
        customer_address=d.address, province_code=d.province, area_id=d.area,
        lines=tuple(OrderLine(x.sku, x.quantity) for x in lines), order_value=value, notes=d.notes,
        fulfillment_type=current_app.extensions["settings"].fulfillment.get(store.slug, "from_to"),
    )
    order = client().place_order(key, request)
    return Receipt(order.public_id, store.slug, lines, order.order_value, order.delivery_fee,
                   order.total_amount, d.phone, order.id)


def _what_was_sent(ref: str) -> tuple[tuple[ReceiptLine, ...] | None, int]:
    """The lines and value of the last order request under this reference, if still known."""
    data = state().get(f"sent:{ref}")
    if not isinstance(data, dict):
        return None, 0
    return tuple(ReceiptLine(**x) for x in data["lines"]), int(data["value"])


def _keep(ref: str, receipt: Receipt) -> None:
    state().delete(f"sent:{ref}")  # the receipt says it all now
    data = asdict(receipt)
    state().set(f"receipt:{ref}", data, RECEIPT_TTL)
    state().set(f"order:{receipt.store}:{receipt.public_id}", data, RECEIPT_TTL)


def _receipt_of(ref: str) -> Receipt | None:
    data = state().get(f"receipt:{ref}")
    return Receipt.from_dict(data) if data else None


def _wait_for(ref: str) -> Receipt:
    """Another request holds the lock: its receipt, once it has one."""
    deadline = time.monotonic() + WAIT_FOR_RECEIPT
    while time.monotonic() < deadline:
        time.sleep(0.1)
        receipt = _receipt_of(ref)
        if receipt is not None:
            return receipt
        if state().get(f"placing:{ref}") is None:
            receipt = _receipt_of(ref)
            if receipt is not None:
                return receipt
            break
    if maybe_placed(ref) and code_spent(ref):
        raise OrderMaybePlaced()
    raise OrderInFlight()  # (its answer was lost: the code page offers the safe retry)


def _finish(slug: str, receipt: Receipt) -> Receipt:
    cart_service.take_ordered(slug, {x.sku: x.quantity for x in receipt.lines})
    _save(slug, None)
    mine = [p for p in session.get("orders", []) if p != receipt.public_id][-4:]
    session["orders"] = [*mine, receipt.public_id]
    return receipt


def last_order(slug: str) -> str | None:
    """The public id of the last order this session placed in this store, if it can be shown."""
    placed = session.get("orders", [])
    return placed[-1] if placed and receipt(slug, placed[-1]) else None


def receipt(slug: str, public_id: str) -> Receipt | None:
    """A confirmation this shopper may see: only orders placed from this session."""
    if public_id not in session.get("orders", []):
        return None
    data = state().get(f"order:{slug}:{public_id}")
    return Receipt.from_dict(data) if data else None


def placed_here(public_id: str) -> bool:
    """Whether this session placed the order (its shopper may see the order's full details)."""
    return public_id in session.get("orders", [])


def kept_receipt(slug: str, public_id: str) -> Receipt | None:
    """The receipt kept when the order was placed, whoever asks (the status link is signed)."""
    data = state().get(f"order:{slug}:{public_id}")
    return Receipt.from_dict(data) if data else None


def keep_receipt(receipt: Receipt) -> None:
    """Keep a receipt rebuilt from Sendy (the state store lost it: a restart without Redis)."""
    state().set(f"order:{receipt.store}:{receipt.public_id}", asdict(receipt), RECEIPT_TTL)
