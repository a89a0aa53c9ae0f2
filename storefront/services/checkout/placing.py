"""Service layer: checkout — placing the order exactly once, whatever the retries and races.

- ``placing:<ref>`` in the state store is a lock: one request at a time sends this checkout's
  order; whoever comes second waits for the first one's receipt instead of sending again;
- the receipt is re-read after the lock is taken; an attempt whose answer was lost marks the
  checkout ``uncertain`` and a retry repeats exactly what was sent (``receipts``).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict

from flask import current_app, session

from storefront.runtime import metrics
from storefront.runtime.clock import clock
from storefront.runtime.state import state
from storefront.sendy import SendyError, SendyRejected, SendyUnavailable
from storefront.sendy.models import OrderLine, OrderRequest, Store
from storefront.services import caches, limits, shipping
from storefront.services import cart as cart_service
from storefront.services.cart import Cart
from storefront.services.checkout.errors import (
    CartChanged,
    EmptyCart,
    NoCheckout,
    OrderInFlight,
    OrderingUnavailable,
    OrderMaybePlaced,
)
from storefront.services.checkout.progress import Pending, api_key, budgets, code_key, pending, save
from storefront.services.checkout.receipts import (
    RECEIPT_TTL,
    SPENT,
    Receipt,
    ReceiptLine,
    code_spent,
    keep,
    maybe_placed,
    receipt_of,
    sent_fee,
    what_was_sent,
)
from storefront.services.sendy import client

PLACING_TTL = 45


WAIT_FOR_RECEIPT = 15.0


def place_order(store: Store, cart: Cart, code: str) -> Receipt:
    """Place the checkout's order with this code — once, whatever the retries and races."""
    current = pending(store.slug)
    if current is None:
        raise NoCheckout()
    done = receipt_of(current.ref)
    if done is not None:
        return _finish(store.slug, done)
    key = api_key(store.slug)
    if key is None:
        raise OrderingUnavailable()
    if not cart.orderable and not (maybe_placed(current.ref) and what_was_sent(current.ref)[0]):
        raise EmptyCart()  # (a retry after a lost answer repeats what was sent, whatever the cart holds now)
    token = uuid.uuid4().hex
    if not state().add(f"placing:{current.ref}", token, PLACING_TTL):
        return _finish(store.slug, _wait_for(current.ref))
    try:
        receipt = receipt_of(current.ref) or _attempt(store, cart, current, key, code)
    finally:
        state().release(f"placing:{current.ref}", token)
    return _finish(store.slug, receipt)


def _attempt(store: Store, cart: Cart, current: Pending, key: str, code: str) -> Receipt:
    """One order request, under the checkout's lock, its code try counted first."""
    phone = current.details.phone
    code_id = state().get(code_key(store.slug, phone)) or current.send_id
    uncertain = maybe_placed(current.ref)
    limits.take_attempt(store.slug, phone, code_id)
    try:
        receipt = _send(store, cart, current, key, code, uncertain)
    except SendyUnavailable as exc:
        metrics.ORDERS.labels("uncertain" if exc.maybe_processed else "failed").inc()
        if exc.maybe_processed:
            state().add(f"uncertain:{current.ref}", 1, RECEIPT_TTL)  # (never un-spends a spent code)
        else:
            limits.give_back_attempt(store.slug, phone, code_id)
        raise
    except SendyRejected as exc:
        metrics.ORDERS.labels("rejected").inc()
        if not exc.for_field("otp_code"):
            _verified(store.slug)
            limits.give_back_attempt(store.slug, phone, code_id)  # not a wrong code
            if exc.for_field("items"):
                caches.forget_store(store.slug)
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
        raise
    metrics.ORDERS.labels("placed").inc()
    _verified(store.slug)
    keep(current.ref, receipt)
    return receipt


def _verified(slug: str) -> None:
    """Sendy accepted the code (the order went through, or was refused for another reason)."""
    metrics.OTP_VERIFICATIONS.labels("correct").inc()
    limits.record_verified(slug, budgets())


def _send(store: Store, cart: Cart, current: Pending, key: str, code: str, uncertain: bool) -> Receipt:
    """The order request; after an answer was lost, exactly the order Sendy may have (not today's cart)."""
    d = current.details
    lines, value = what_was_sent(current.ref) if uncertain else (None, 0)
    fee = sent_fee(current.ref) if lines is not None else None
    if lines is None:
        lines = tuple(ReceiptLine(line.sku, line.title, line.quantity, line.total, line.values)
                      for line in cart.orderable)
        value = cart.subtotal
        fee = shipping.fee(store.shipping_rules, value, d.province)
        # kept before Sendy is asked: a retry under this reference must repeat it, line for line
        state().set(f"sent:{current.ref}", {"lines": [asdict(x) for x in lines], "value": value, "fee": fee},
                    RECEIPT_TTL)
    request = OrderRequest(
        external_ref=current.ref, otp_code=code, customer_name=d.name, customer_phone=d.phone,
        customer_address=d.address, province_code=d.province, area_id=d.area,
        lines=tuple(OrderLine(x.sku, x.quantity) for x in lines), order_value=value, notes=d.notes,
        fulfillment_type=current_app.extensions["settings"].fulfillment.get(store.slug, "from_to"),
        delivery_fee=fee,
    )
    order = client().place_order(key, request)
    shipping.note_difference(store.slug, order.public_id, value, fee, order.delivery_fee, order.total_amount)
    return Receipt(order.public_id, store.slug, lines, order.order_value, order.delivery_fee,
                   order.total_amount, d.phone, order.id, quoted_fee=fee)


def _wait_for(ref: str) -> Receipt:
    """Another request holds the lock: its receipt, once it has one."""
    deadline = clock().monotonic() + WAIT_FOR_RECEIPT
    while clock().monotonic() < deadline:
        clock().sleep(0.1)
        receipt = receipt_of(ref)
        if receipt is not None:
            return receipt
        if state().get(f"placing:{ref}") is None:
            receipt = receipt_of(ref)
            if receipt is not None:
                return receipt
            break
    if maybe_placed(ref) and code_spent(ref):
        raise OrderMaybePlaced()
    raise OrderInFlight()  # (its answer was lost: the code page offers the safe retry)


def _finish(slug: str, receipt: Receipt) -> Receipt:
    cart_service.take_ordered(slug, {x.sku: x.quantity for x in receipt.lines})
    save(slug, None)
    mine = [p for p in session.get("orders", []) if p != receipt.public_id][-4:]
    session["orders"] = [*mine, receipt.public_id]
    return receipt
