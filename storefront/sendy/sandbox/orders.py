"""Sandbox layer: creating orders, recording them, finding and replaying them by externalRef."""

from __future__ import annotations

import secrets
import string
import uuid
from typing import Any

from storefront.sendy.sandbox import shipping, tracking
from storefront.sendy.sandbox.state import SandboxState, Store
from storefront.sendy.sandbox.validation import order_value

PUBLIC_ID_ALPHABET = string.ascii_uppercase + string.digits


def replayed_order(state: SandboxState, store: Store, body: Any) -> dict[str, Any] | None:
    """Return the order already accepted for this body's externalRef, if any."""
    ref = body.get("externalRef") if isinstance(body, dict) else None
    if not isinstance(ref, str) or not ref:
        return None
    with state.lock:
        return state.order_refs.get((store.slug, ref))


def find_orders(state: SandboxState, store: Store, ref: str | None, now: float, *,
                advance: bool) -> list[dict[str, Any]]:
    """The store's orders as reading them shows them, newest first; only those under ``ref`` when given."""
    with state.lock:
        ids = [order["response"]["id"] for order in reversed(state.orders) if order["store"] == store.slug
               and (ref is None or order["request"].get("externalRef") == ref)]
        found = (tracking.read(state, store, order_id, now, advance=advance) for order_id in ids)
        return [data for data in found if data is not None]


def create_order(state: SandboxState, store: Store, body: dict[str, Any], now: float) -> dict[str, Any]:
    """Create and record an order from a validated body; return Sendy's response data."""
    value = order_value(store, body["items"])
    # Sendy evaluates the store's shipping rules again; with no fee from them, the caller's stands
    by_rules = shipping.delivery_fee(store.storefront, value, str(body.get("addressProvinceCode")))
    fee = by_rules if by_rules is not None else body.get("deliveryFee", 0)
    with state.lock:
        data = {
            "id": str(uuid.uuid4()),
            "publicId": _public_id(state),
            "status": "pending",
            "orderValue": value,
            "deliveryFee": fee,
            "totalAmount": value + fee,
            "createdAt": _iso_utc(now),
        }
        state.orders.append({"store": store.slug, "request": body, "response": data})
        tracking.track(state, store, body, data, now, fee_set=by_rules is not None or "deliveryFee" in body)
        if isinstance(body.get("externalRef"), str) and body["externalRef"]:
            state.order_refs[(store.slug, body["externalRef"])] = data
    return data


def _public_id(state: SandboxState) -> str:
    """Return a fresh "SF-XXXXXX" id not used by any recorded order."""
    used = {order["response"]["publicId"] for order in state.orders}
    while True:
        candidate = "SF-" + "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(6))
        if candidate not in used:
            return candidate


def _iso_utc(timestamp: float) -> str:
    """Format a Unix time as ISO-8601 UTC with a Z suffix."""
    return tracking.iso_utc(timestamp)
