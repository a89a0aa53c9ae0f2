"""Service layer: order status by link — a signed link to one order, and what its page shows.

The link names the store (its path) and the order (a token: Sendy's id and the public order
number, signed with the app's secret key and salted per store; no personal data), so it works
in any browser without a cookie, for ``LINK_TTL``. Anyone holding it sees the order without
personal data (a first name, the phone's last 3 digits); the session that placed the order sees
the full details.

The live order comes from Sendy (``GET /orders/{id}``, a key with ``orders:read``), kept
``LIVE_TTL`` seconds per store and order in the app's data cache. When the key lacks the scope or
Sendy fails, the page shows what was placed: the receipt the checkout kept in the state store
(Redis when configured). Without Redis a restart loses receipts; the next good read from Sendy
keeps one again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from storefront.extensions import cache
from storefront.runtime.clock import clock
from storefront.sendy import SendyError, SendyForbidden
from storefront.sendy.errors import SendyBusy
from storefront.sendy.models import ORDER_FLOW, Courier, Order
from storefront.services import checkout
from storefront.services.checkout.receipts import Receipt, ReceiptLine
from storefront.services.sendy import client

log = logging.getLogger("storefront.orders")
LINK_TTL = 60 * 24 * 3600
LIVE_TTL = 30
#: A read that failed is not tried again for this long (a key without the scope, an outage).
FAILED_TTL = 10
_FAILED = "unavailable"
#: Name parts that do not stand alone as a first name ("Abd" of "Abd al-Karim").
_NAME_PREFIXES = frozenset({"عبد", "أبو", "ابو", "abd", "abdul", "abu"})


class LinkInvalid(Exception):
    """The link was not made by us for this store (tampered, truncated, another store's)."""


class LinkExpired(Exception):
    """The link is ours but older than LINK_TTL."""

    def __init__(self, public_id: str) -> None:
        super().__init__(public_id)
        self.public_id = public_id


@dataclass(frozen=True)
class Link:
    """What a valid status link names."""

    slug: str
    order_id: str
    public_id: str


@dataclass(frozen=True)
class Step:
    """One step of the timeline: its stage, ``done``/``current``/``todo``/``stopped``, and when."""

    stage: str
    state: str
    at: datetime | None = None


@dataclass(frozen=True)
class Customer:
    """What the page may show of the customer: all of it for the owner, a first name otherwise."""

    name: str
    phone_end: str
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class StatusPage:
    """Everything the status page shows (``live`` False: only what was placed)."""

    public_id: str
    live: bool
    owner: bool
    stage: str = ""
    steps: tuple[Step, ...] = ()
    lines: tuple[ReceiptLine, ...] = ()
    order_value: int | None = None
    delivery_fee: int | None = None
    total: int | None = None
    paid: bool = False
    courier: Courier | None = None
    tracking_number: str = ""
    customer: Customer | None = None
    #: a fee was computed from the store's rules when the order was placed: a fee of 0 is free delivery,
    #: not one still to come
    fee_known: bool = False


class _Signer(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(clock().time())  # the app's clock (tests move it ahead)


def _serializer(slug: str) -> URLSafeTimedSerializer:
    """Signs with SECRET_KEY (older keys in SECRET_KEY_FALLBACKS still verify), salted per store."""
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.secret_key]
    return URLSafeTimedSerializer(keys, salt=f"storefront.order-status.{slug}", signer=_Signer)


def token_for(receipt: Receipt) -> str:
    """The token of a placed order's status link."""
    return _serializer(receipt.store).dumps([receipt.sendy_id, receipt.public_id])


def read_link(slug: str, token: str) -> Link:
    """The order a link of this store names; LinkInvalid or LinkExpired otherwise."""
    serializer = _serializer(slug)
    try:
        payload = serializer.loads(token, max_age=LINK_TTL)
    except SignatureExpired as exc:  # the signature is good: the payload can be trusted
        raise LinkExpired(_expired_id(serializer, exc)) from None
    except BadData:
        raise LinkInvalid() from None
    order_id, public_id = _ids(payload)
    return Link(slug, order_id, public_id)


def _expired_id(serializer: URLSafeTimedSerializer, exc: SignatureExpired) -> str:
    """The public id an expired link names (its signature was good)."""
    try:
        return _ids(serializer.load_payload(exc.payload or b""))[1]
    except BadData:
        raise LinkInvalid() from None


def _ids(payload: Any) -> tuple[str, str]:
    if isinstance(payload, list) and len(payload) == 2 and all(isinstance(p, str) for p in payload) \
            and payload[1]:
        return payload[0], payload[1]
    raise LinkInvalid()


def status_page(link: Link) -> StatusPage:
    """The order a link names: live from Sendy, else what was placed."""
    owner = checkout.placed_here(link.public_id)
    receipt = _kept(link)
    order = live_order(link.slug, link.order_id or (receipt.sendy_id if receipt else ""))
    if order is None:
        return _placed(link.public_id, receipt, owner)
    if receipt is None:
        _keep(link, order)
    lines = _lines(order) or (receipt.lines if receipt else ())
    value = _first(order.order_value, receipt.order_value if receipt else None, sum(x.total for x in lines))
    fee = order.delivery_fee
    phone = order.customer_phone or (receipt.phone if receipt else "")
    return StatusPage(
        public_id=link.public_id, live=True, owner=owner, stage=order.stage, steps=timeline(order),
        lines=lines, order_value=value, delivery_fee=fee,
        total=_first(order.total_amount, (value or 0) + (fee or 0)), paid=order.paid,
        courier=order.courier, tracking_number=order.tracking_number,
        customer=_customer(order.customer_name, phone, order.customer_address, owner),
        fee_known=receipt is not None and receipt.quoted_fee is not None,
    )


def _placed(public_id: str, receipt: Receipt | None, owner: bool) -> StatusPage:
    """Live status unavailable: the receipt kept at placing time (or just the order number)."""
    if receipt is None:
        return StatusPage(public_id, live=False, owner=owner)
    return StatusPage(public_id, live=False, owner=owner, lines=receipt.lines,
                      order_value=receipt.order_value, delivery_fee=receipt.delivery_fee,
                      total=receipt.total, customer=_customer("", receipt.phone, "", owner),
                      fee_known=receipt.quoted_fee is not None)


def live_key(slug: str, order_id: str) -> str:
    """The data-cache key of an order as read from Sendy."""
    return f"order-status:{slug}:{order_id}"


def live_order(slug: str, order_id: str) -> Order | None:
    """The order as Sendy has it now (cached LIVE_TTL seconds), or None when it can't be read."""
    api_key = checkout.api_key(slug)
    if not order_id or api_key is None:
        return None
    key = live_key(slug, order_id)
    cached = cache.get(key)
    if isinstance(cached, Order) or cached == _FAILED:
        return cached if isinstance(cached, Order) else None
    try:
        order = client().get_order(api_key, order_id)
    except SendyBusy:
        return None  # our own bulkhead: nothing to remember
    except SendyError as exc:
        level = logging.ERROR if isinstance(exc, SendyForbidden) else logging.WARNING
        log.log(level, "order status of %s unavailable (%s): %s", slug, type(exc).__name__, exc.message)
        cache.set(key, _FAILED, timeout=FAILED_TTL)
        return None
    cache.set(key, order, timeout=LIVE_TTL)
    return order


def timeline(order: Order) -> tuple[Step, ...]:
    """The steps to show: the usual flow, ended early by a cancellation or a return."""
    times: dict[str, datetime | None] = {"placed": order.created_at}
    for change in order.history:
        if times.get(change.stage) is None:
            times[change.stage] = change.at
    if order.stage in ORDER_FLOW:
        last = ORDER_FLOW.index(order.stage)
    else:
        last = max((i for i, stage in enumerate(ORDER_FLOW) if stage in times), default=0)
    steps = [Step(stage, "done", times.get(stage)) for stage in ORDER_FLOW[:last + 1]]
    if order.stage in ORDER_FLOW:
        steps[-1] = Step(order.stage, "current", steps[-1].at)
    elif order.stage in ("cancelled", "returned"):
        return (*steps, Step(order.stage, "stopped", times.get(order.stage)))
    else:
        steps.append(Step("in_progress", "current"))
    return (*steps, *(Step(stage, "todo") for stage in ORDER_FLOW[last + 1:]))


def first_name(name: str) -> str:
    """The first name of a full name ("عبد الله" stays whole)."""
    words = name.split()
    if len(words) > 1 and words[0].casefold() in _NAME_PREFIXES:
        return " ".join(words[:2])
    return words[0] if words else ""


def _customer(name: str, phone: str, address: str, owner: bool) -> Customer | None:
    if not name and not phone:
        return None
    if owner:
        return Customer(name, phone[-3:], phone, address)
    return Customer(first_name(name), phone[-3:])


def _kept(link: Link) -> Receipt | None:
    try:
        return checkout.kept_receipt(link.slug, link.public_id)
    except Exception:  # the state store is down: the live order may still be read
        log.warning("receipt of %s unreadable", link.public_id, exc_info=True)
        return None


def _keep(link: Link, order: Order) -> None:
    """Rebuild the receipt from Sendy's answer, so a later failure can still show it."""
    lines = _lines(order)
    value = _first(order.order_value, sum(x.total for x in lines))
    total = _first(order.total_amount, value + (order.delivery_fee or 0))
    receipt = Receipt(link.public_id, link.slug, lines, value, order.delivery_fee or 0, total,
                      order.customer_phone, order.id)
    try:
        checkout.keep_receipt(receipt)
    except Exception:  # best effort: the page is answered either way
        log.warning("receipt of %s not kept", link.public_id, exc_info=True)


def _lines(order: Order) -> tuple[ReceiptLine, ...]:
    return tuple(ReceiptLine(i.sku, i.name, i.quantity, i.line_total or 0) for i in order.items)


def _first(*values: int | None) -> Any:
    return next((v for v in values if v is not None), None)
