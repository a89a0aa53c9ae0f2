"""Sandbox layer: the fake Sendy routes (storefront, address reference, OTP, orders, order reads and search)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, request

from storefront.sendy.sandbox import orders, otp, tracking, webhooks
from storefront.sendy.sandbox.envelope import ApiFailure, ok
from storefront.sendy.sandbox.state import Store
from storefront.sendy.sandbox.validation import error, validate_order

if TYPE_CHECKING:
    from storefront.sendy.sandbox.core import Sandbox

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger("storefront.sandbox")
ORDERS_SCOPE = "orders:write"
READ_SCOPE = "orders:read"


def _sandbox() -> Sandbox:
    """Return the Sandbox this app belongs to."""
    return current_app.extensions["sandbox"]


@bp.get("/public/storefronts/<slug>")
def storefront(slug: str) -> Response:
    """Show a published storefront without its unpriced products."""
    store = _sandbox().state.stores.get(slug)
    if store is None or not store.published:
        raise ApiFailure(404, "Storefront not found")
    return ok(store.public_view())


@bp.get("/address-reference/provinces")
def provinces() -> Response:
    """List the provinces."""
    items = _sandbox().state.provinces.values()
    return ok([{k: p[k] for k in ("code", "nameAr", "nameEn")} for p in items])


@bp.get("/address-reference/provinces/<code>/areas")
def areas(code: str) -> Response:
    """List the areas of one province."""
    province = _sandbox().state.provinces.get(code)
    if province is None:
        raise ApiFailure(404, "Province not found")
    return ok([{k: a[k] for k in ("id", "nameAr", "nameEn")} for a in province.get("areas", [])])


@bp.post("/store/integrations/orders/send-otp")
def send_otp() -> Response:
    """Send a one-time code to the customer's phone (never returned)."""
    sandbox, store = _sandbox(), _keyed_store()
    phone = _json_object().get("customerPhone")
    if not isinstance(phone, str) or not otp.is_phone(phone):
        message = "Phone must be an Iraqi mobile number like 9647XXXXXXXXX."
        raise ApiFailure(400, "Validation failed", [error("customerPhone", message)])
    try:
        code = otp.issue_code(sandbox.state, store.slug, phone, sandbox.clock())
    except otp.TooManyCodes:
        raise ApiFailure(429, "Too many codes requested") from None
    if sandbox.demo:
        log.warning("Sandbox OTP for %s: %s", phone, code)
    data = {"expiresInSeconds": otp.CODE_TTL_SECONDS, "resendAfterSeconds": otp.RESEND_AFTER_SECONDS}
    return ok(data, message="Code sent")


@bp.post("/store/integrations/orders/storefront")
def order() -> Response:
    """Place an OTP-verified order, or replay the order already made for its externalRef."""
    sandbox, store = _sandbox(), _keyed_store()
    with sandbox.state.lock:
        previous = orders.replayed_order(sandbox.state, store, request.get_json(silent=True)) \
            if sandbox.dedupe else None  # (the real API may not replay: Sandbox(dedupe=False) doesn't)
        if previous is not None:
            return ok(previous, message="Order already exists")
        data = _place(sandbox, store, _json_object())
    return ok(data, 201, "Order created")


def _place(sandbox: Sandbox, store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """Validate an order body and its code, then create the order; call holding the lock."""
    now = sandbox.clock()
    errors = validate_order(sandbox.state, store, body)
    phone, code = body.get("customerPhone"), body.get("otpCode")
    if not otp.check_code(sandbox.state, store.slug, phone, code, now):
        errors.append(error("otpCode", "Invalid or expired code"))
    if errors:
        raise ApiFailure(400, "Validation failed", errors)
    otp.consume_code(sandbox.state, store.slug, str(phone))
    return orders.create_order(sandbox.state, store, body, now)


@bp.get("/store/integrations/orders")
def order_find() -> Response:
    """The key's store's orders, newest first; with ``externalRef``, only those placed under it."""
    sandbox, store = _sandbox(), _keyed_store(READ_SCOPE)
    ref = request.args.get("externalRef")
    return ok(orders.find_orders(sandbox.state, store, ref, sandbox.clock(), advance=sandbox.demo))


@bp.get("/store/integrations/orders/<order_id>")
def order_read(order_id: str) -> Response:
    """Read one of the key's store's orders by its id (not its publicId); 404 for any other."""
    sandbox, store = _sandbox(), _keyed_store(READ_SCOPE)
    data = tracking.read(sandbox.state, store, order_id, sandbox.clock(), advance=sandbox.demo)
    if data is None:
        raise ApiFailure(404, "Order not found")
    return ok(data)


@bp.post("/store/integrations/webhooks")
def webhook_register() -> Response:
    """Subscribe the key's store to its events at an https URL (http on loopback, for the sandbox's users)."""
    store = _keyed_store(None)
    url = _json_object().get("url")
    if not isinstance(url, str) or not (url.startswith("https://") or url.startswith(_LOOPBACK)) or len(url) > 2000:
        raise ApiFailure(400, "Validation failed", [error("url", "The endpoint must be an https URL.")])
    sub = _sandbox().webhooks.subscribe(store.slug, url)
    return ok(webhooks.public(sub), 201, "Webhook registered")


@bp.post("/store/integrations/webhooks/<sub_id>/rotate-secret")
def webhook_rotate(sub_id: str) -> Response:
    """A new signing secret for one of the key's store's subscriptions."""
    store = _keyed_store(None)
    sub = _sandbox().webhooks.rotate(sub_id, store.slug)
    if sub is None:
        raise ApiFailure(404, "Webhook not found")
    return ok(webhooks.public(sub), message="Secret rotated")


_LOOPBACK = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/")


def _keyed_store(scope: str | None = ORDERS_SCOPE) -> Store:
    """Return the store of the request's API key, which must carry ``scope``."""
    store = _sandbox().state.store_for_key(request.headers.get("X-API-Key"))
    if store is None:
        raise ApiFailure(401, "Invalid API key")
    if scope is not None and scope not in store.scopes:
        raise ApiFailure(403, f"API key lacks the {scope} scope")
    return store


def _json_object() -> dict[str, Any]:
    """Return the JSON object body, or fail with a 400 envelope."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiFailure(400, "Validation failed", [error("body", "Request body must be a JSON object.")])
    return body
