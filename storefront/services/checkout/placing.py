"""Service layer: checkout — placing the order exactly once, whatever the retries and races.

- ``placing:<ref>`` in the state store is a lock: one request at a time sends this checkout's
  order; whoever comes second waits for the first one's receipt instead of sending again;
- the receipt is re-read after the lock is taken; an attempt whose answer was lost marks the
  checkout ``uncertain`` and a retry repeats exactly what was sent (``receipts``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict

from flask import current_app, session

from storefront.runtime import metrics
from storefront.runtime.clock import clock
from storefront.runtime.state import state
from storefront.sendy import SendyError, SendyForbidden, SendyRateLimited, SendyRejected, SendyUnavailable
from storefront.sendy.models import Order, OrderLine, OrderRequest, Store
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
from storefront.services.checkout.progress import Pending, api_key, budgets, code_key, done_anyway, pending, save
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

log = logging.getLogger("storefront.checkout")

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
    """One order request, under the checkout's lock, its code try counted first — unless an earlier
    request may have made the order: then Sendy is asked first, and the order it has is adopted."""
    phone = current.details.phone
    uncertain = maybe_placed(current.ref)
    if uncertain or what_was_sent(current.ref)[0] is not None:
        found = _placed_before(store, current, key)
        if found is not None:
            return found
    code_id = state().get(code_key(store.slug, phone)) or current.send_id
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
        if not uncertain:  # Sendy answered (a refused key, too many requests): it made no order
            state().delete(f"sent:{current.ref}")
        raise
    return _placed(store.slug, current.ref, receipt)


def _placed(slug: str, ref: str, receipt: Receipt) -> Receipt:
    """Sendy has the order: keep its receipt first (a retry then finds it), then count it."""
    keep(ref, receipt)
    metrics.ORDERS.labels("placed").inc()
    with done_anyway("a code entered correctly"):
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
    lines, value = what_was_sent(current.ref)
    if lines is None:
        lines = tuple(ReceiptLine(i.sku, i.name, i.quantity, i.line_total or 0) for i in order.items)
        value = sum(x.total for x in lines)
    order_value = order.order_value if order.order_value is not None else value
    fee = order.delivery_fee or 0
    total = order.total_amount if order.total_amount is not None else order_value + fee
    log.warning("order %s of %s found under its reference after a lost or failed answer: adopted",
                order.public_id, slug)
    return Receipt(order.public_id, slug, lines, order_value, fee, total, current.details.phone, order.id,
                   quoted_fee=sent_fee(current.ref))


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
