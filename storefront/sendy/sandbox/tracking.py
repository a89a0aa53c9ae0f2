"""Sandbox layer: reading an order back (``GET /orders/{id}``), and moving orders through statuses.

Every order created gets a record here. In demo mode (``make run``, ``serve`` without
``--no-demo``) an order moves on by itself along ``DEMO_SCHEDULE``, so the demo's status page
shows a timeline; the test hook ``set_status`` moves it at once (and stops the schedule).
On the way, as a store would in Sendy's dashboard, confirming adds a delivery fee when the
order was sent without one and the store's shipping rules gave none, and shipping assigns a
courier and a tracking number.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from storefront.sendy.sandbox.state import SandboxState, Store

FLOW = ("pending", "confirmed", "shipped", "out_for_delivery", "delivered")
#: Demo mode: (status, seconds after the order was placed).
DEMO_SCHEDULE = (("confirmed", 60), ("shipped", 120), ("out_for_delivery", 180), ("delivered", 300))
#: The delivery fee added on confirming an order sent without one: Baghdad, and elsewhere.
DELIVERY_FEES = {"BG": 5000}
OTHER_FEE = 8000
COURIER_PHONE = "9647901112233"
COURIER_NAMES = {"ar": "الرافدين للتوصيل", "en": "Rafidain Express"}


def iso_utc(timestamp: float) -> str:
    """Format a Unix time as ISO-8601 UTC with a Z suffix."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def track(state: SandboxState, store: Store, body: dict[str, Any], data: dict[str, Any], now: float,
          *, fee_set: bool = False) -> None:
    """Start the record of a new order; call holding the lock. ``fee_set``: its delivery fee is settled
    (by the store's shipping rules, or sent by the caller, 0 included): confirming adds none."""
    state.tracked[data["id"]] = {
        "store": store.slug,
        "language": "en" if store.storefront.get("language") == "en" else "ar",
        "order": dict(data),
        "customer": {k: body.get(k) for k in ("customerName", "customerPhone", "customerAddress",
                                                "addressProvinceCode", "addressAreaId")},
        "fulfillmentType": body.get("fulfillmentType") or "from_to",
        "items": [_item(store, line) for line in body["items"]],
        "history": [{"status": "pending", "at": now}],
        "courier": None,
        "trackingNumber": None,
        "scheduled": True,
        "feeSet": fee_set,
    }


def read(state: SandboxState, store: Store, order_id: str, now: float, *, advance: bool) -> dict[str, Any] | None:
    """The order as Sendy's read shows it to this store, or None when the store cannot see it."""
    with state.lock:
        record = state.tracked.get(order_id)
        if record is None or record["store"] != store.slug:
            return None
        if advance and record["scheduled"]:
            _advance(record, now)
        return _view(record)


def set_status(state: SandboxState, order: str, status: str, now: float) -> dict[str, Any] | None:
    """TEST HOOK: move an order (by id or publicId) to ``status``, filling in the steps skipped."""
    with state.lock:
        record = state.tracked.get(order) or next(
            (r for r in state.tracked.values() if r["order"]["publicId"] == order), None)
        if record is None:
            return None
        record["scheduled"] = False
        current = record["history"][-1]["status"]
        steps = [status]
        if status in FLOW and current in FLOW and FLOW.index(status) > FLOW.index(current):
            steps = list(FLOW[FLOW.index(current) + 1:FLOW.index(status) + 1])
        for step in steps:
            if step != record["history"][-1]["status"]:
                _reach(record, step, now)
        return _view(record)


def _item(store: Store, line: dict[str, Any]) -> dict[str, Any]:
    product = store.product(line["sku"]) or {}
    price = int(product.get("price") or 0)
    return {"sku": line["sku"], "name": product.get("name", line["sku"]), "quantity": line["quantity"],
            "unitPrice": price, "lineTotal": price * line["quantity"]}


def _advance(record: dict[str, Any], now: float) -> None:
    placed = record["history"][0]["at"]
    reached = {step["status"] for step in record["history"]}
    for status, after in DEMO_SCHEDULE:
        if status not in reached and now >= placed + after:
            _reach(record, status, placed + after)


def _reach(record: dict[str, Any], status: str, at: float) -> None:
    """Record a new status, with what a store does on the way (a fee, a courier)."""
    record["history"].append({"status": status, "at": at})
    order = record["order"]
    if status == "confirmed" and not order["deliveryFee"] and not record.get("feeSet"):
        province = record["customer"].get("addressProvinceCode")
        order["deliveryFee"] = DELIVERY_FEES.get(str(province), OTHER_FEE)
        order["totalAmount"] = order["orderValue"] + order["deliveryFee"]
    if status in ("shipped", "out_for_delivery") and record["courier"] is None:
        record["courier"] = {"name": COURIER_NAMES[record["language"]], "phone": COURIER_PHONE}
        record["trackingNumber"] = "RFD" + str(int(order["id"].replace("-", ""), 16) % 10**8).zfill(8)


def _view(record: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` of Sendy's order read (house reading; docs/sendy-contract.md, section 6)."""
    order, history = record["order"], record["history"]
    status = history[-1]["status"]
    return copy.deepcopy({
        "id": order["id"],
        "publicId": order["publicId"],
        "status": status,
        "statusHistory": [{"status": step["status"], "at": iso_utc(step["at"])} for step in history],
        "orderValue": order["orderValue"],
        "deliveryFee": order["deliveryFee"],
        "totalAmount": order["totalAmount"],
        "paymentMethod": "cash_on_delivery",
        "paymentStatus": "paid" if status == "delivered" else "pending",
        "fulfillmentType": record["fulfillmentType"],
        **record["customer"],
        "items": record["items"],
        "deliveryCompany": record["courier"],
        "trackingNumber": record["trackingNumber"],
        "createdAt": order["createdAt"],
        "updatedAt": iso_utc(history[-1]["at"]),
    })
