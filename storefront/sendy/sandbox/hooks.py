"""Sandbox layer: test hooks under /__sandbox/ (codes, faults, orders and their status, de-duplication,
a store's domain and publication, reset); never Sendy's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, jsonify, request

from storefront.sendy.sandbox.envelope import ApiFailure, ok

if TYPE_CHECKING:
    from storefront.sendy.sandbox.core import Sandbox

bp = Blueprint("hooks", __name__, url_prefix="/__sandbox")


def _sandbox() -> Sandbox:
    """Return the Sandbox this app belongs to."""
    return current_app.extensions["sandbox"]


@bp.get("/otp/<phone>")
def last_otp(phone: str) -> Response:
    """Show the latest code sent to a phone."""
    code = _sandbox().last_otp(phone)
    if code is None:
        raise ApiFailure(404, "No code was sent to this phone")
    return jsonify({"code": code})


@bp.post("/faults")
def add_fault() -> Response:
    """Inject a fault described by the JSON body."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiFailure(400, "Body must be a JSON object")
    try:
        fault = _sandbox().faults.add(**_fault_args(body))
    except (TypeError, ValueError) as exc:
        raise ApiFailure(400, str(exc)) from None
    return ok(fault.to_dict(), 201, "Fault added")


@bp.delete("/faults")
def clear_faults() -> Response:
    """Remove every fault."""
    _sandbox().faults.clear()
    return ok(None, message="Faults cleared")


@bp.get("/orders")
def list_orders() -> Response:
    """List every order created, with its request and response."""
    return jsonify(_sandbox().orders)


@bp.post("/orders/<order>/status")
def order_status(order: str) -> Response:
    """Move an order (id or publicId) to the status in the JSON body, e.g. {"status": "shipped"}."""
    body: Any = request.get_json(silent=True)
    status = body.get("status") if isinstance(body, dict) else None
    if not isinstance(status, str) or not status.strip():
        raise ApiFailure(400, 'Body must be {"status": "<a status>"}')
    data = _sandbox().set_order_status(order, status.strip())
    if data is None:
        raise ApiFailure(404, "No such order")
    return ok(data, message="Status set")


@bp.post("/dedupe")
def dedupe() -> Response:
    """Turn the replay of an order by its externalRef on or off: {"enabled": false} (a real Sendy may not)."""
    body: Any = request.get_json(silent=True)
    enabled = body.get("enabled") if isinstance(body, dict) else None
    if not isinstance(enabled, bool):
        raise ApiFailure(400, 'Body must be {"enabled": true} or {"enabled": false}')
    _sandbox().dedupe = enabled
    return ok({"enabled": enabled}, message="De-duplication set")


@bp.post("/stores/<slug>")
def update_store(slug: str) -> Response:
    """What a merchant changes in Sendy's dashboard: {"customDomain": "shop.example.iq" | null, "isPublished": bool}."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict) or not set(body) <= {"customDomain", "isPublished"}:
        raise ApiFailure(400, 'Body must be {"customDomain": "<host>" | null, "isPublished": true | false}')
    domain, published = body.get("customDomain", ...), body.get("isPublished")
    if (domain is not ... and domain is not None and not isinstance(domain, str)) or \
            (published is not None and not isinstance(published, bool)):
        raise ApiFailure(400, "customDomain must be a string or null, isPublished true or false")
    if not _sandbox().update_store(slug, custom_domain=domain, published=published):
        raise ApiFailure(404, "No such store")
    return ok(None, message="Store updated")


@bp.post("/stores/<slug>/products/<path:sku>")
def change_product(slug: str, sku: str) -> Response:
    """Change a product's price and/or stock, e.g. {"price": 30000} or {"quantity": 0}; webhooks follow."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict) or not ({"price", "quantity"} & set(body)):
        raise ApiFailure(400, 'Body must be {"price": <IQD>} and/or {"quantity": <on hand>}')
    price, quantity = body.get("price"), body.get("quantity")
    for value in (price, quantity):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ApiFailure(400, "price and quantity must be whole numbers, 0 or more")
    sandbox = _sandbox()
    changed = (price is None or sandbox.set_price(slug, sku, price)) and \
        (quantity is None or sandbox.set_stock(slug, sku, quantity))
    if not changed:
        raise ApiFailure(404, "No such store or product")
    return ok({"slug": slug, "sku": sku, "price": price, "quantity": quantity}, message="Product changed")


@bp.post("/stores/<slug>/published")
def change_published(slug: str) -> Response:
    """Publish or unpublish a store: {"published": false}; webhooks follow."""
    body: Any = request.get_json(silent=True)
    published = body.get("published") if isinstance(body, dict) else None
    if not isinstance(published, bool):
        raise ApiFailure(400, 'Body must be {"published": true|false}')
    if not _sandbox().set_published(slug, published):
        raise ApiFailure(404, "No such store")
    return ok({"slug": slug, "published": published}, message="Store changed")


@bp.post("/reset")
def reset() -> Response:
    """Clear codes, orders, faults and the request log."""
    _sandbox().reset()
    return ok(None, message="Sandbox reset")


def _fault_args(body: dict[str, Any]) -> dict[str, Any]:
    """Turn a fault JSON body into Faults.add arguments, checking the types."""
    times, seconds, status = body.get("times"), body.get("seconds", 0.0), body.get("status", 500)
    if times is not None and (not isinstance(times, int) or isinstance(times, bool)):
        raise TypeError("times must be a whole number or null")
    if not isinstance(seconds, (int, float)) or not isinstance(status, int):
        raise TypeError("seconds must be a number and status a whole number")
    return {
        "endpoint": body.get("endpoint"),
        "kind": body.get("kind"),
        "times": times,
        "seconds": seconds,
        "status": status,
    }
