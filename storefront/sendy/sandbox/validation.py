"""Sandbox layer: field validation of an order body, as Sendy's 400 "errors" list."""

from __future__ import annotations

from collections import Counter
from typing import Any

from storefront.sendy.sandbox.otp import is_phone
from storefront.sendy.sandbox.state import SandboxState, Store

FieldErrors = list[dict[str, str]]
FULFILLMENT_TYPES = ("from_to", "warehouse")


def is_int(value: Any) -> bool:
    """Tell whether value is a JSON integer (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)


def error(field: str, message: str) -> dict[str, str]:
    """Build one field error."""
    return {"field": field, "message": message}


def validate_order(state: SandboxState, store: Store, body: dict[str, Any]) -> FieldErrors:
    """Return every field error of an order body, except the one-time code."""
    return [
        *_customer(body),
        *_payment(body),
        *_address(state, body),
        *_items(store, body.get("items")),
        *_options(body),
    ]


def _customer(body: dict[str, Any]) -> FieldErrors:
    """Check the customer's name, phone and free-text address."""
    errors = []
    if not _text(body.get("customerName")):
        errors.append(error("customerName", "Customer name is required."))
    if not is_phone(body.get("customerPhone")):
        errors.append(error("customerPhone", "Phone must be an Iraqi mobile number like 9647XXXXXXXXX."))
    if not _text(body.get("customerAddress")):
        errors.append(error("customerAddress", "Customer address is required."))
    return errors


def _payment(body: dict[str, Any]) -> FieldErrors:
    """Check the payment method, which Sendy requires."""
    method = body.get("paymentMethod")
    if method is None or method == "":
        return [error("paymentMethod", "Payment method is required.")]
    if method != "cash_on_delivery":
        return [error("paymentMethod", "Payment method must be cash_on_delivery.")]
    return []


def _address(state: SandboxState, body: dict[str, Any]) -> FieldErrors:
    """Check the province code and that the area belongs to it."""
    code, area = body.get("addressProvinceCode"), body.get("addressAreaId")
    errors = []
    if not _text(code):
        errors.append(error("addressProvinceCode", "Province is required."))
    elif code not in state.provinces:
        errors.append(error("addressProvinceCode", f"Unknown province code: {code}."))
    if not _text(area):
        errors.append(error("addressAreaId", "Area is required."))
    elif code in state.provinces and area not in state.area_ids(code):
        errors.append(error("addressAreaId", "Area is not in the selected province"))
    return errors


def _items(store: Store, items: Any) -> FieldErrors:
    """Check the item list: well-formed lines, no duplicate SKUs, known priced SKUs."""
    if not isinstance(items, list) or not items:
        return [error("items", "At least one item is required.")]
    if not all(_is_line(line) for line in items):
        return [error("items", "Each item needs a sku and a whole-number quantity of at least 1.")]
    skus = [line["sku"] for line in items]
    duplicates = [sku for sku, count in Counter(skus).items() if count > 1]
    if duplicates:
        return [error("skus", f"Duplicate SKUs: {', '.join(duplicates)}")]
    return [_sku_error(store, sku) for sku in skus if _price(store, sku) is None]


def _sku_error(store: Store, sku: str) -> dict[str, str]:
    """Explain why a SKU cannot be ordered."""
    product = store.product(sku)
    if product is None:
        return error("items", f"Unknown SKU: {sku}.")
    if product.get("variants"):
        return error("items", f"SKU {sku} has variants: order one of them by its own SKU.")
    return error("items", f"SKU {sku} has no price and cannot be ordered.")


def _options(body: dict[str, Any]) -> FieldErrors:
    """Check the optional fields: fulfillment type, money, notes and the map pin."""
    errors = []
    if "fulfillmentType" in body and body["fulfillmentType"] not in FULFILLMENT_TYPES:
        errors.append(error("fulfillmentType", "Fulfillment type must be from_to or warehouse."))
    for field in ("orderValue", "deliveryFee"):
        if field in body and not (is_int(body[field]) and body[field] >= 0):
            errors.append(error(field, f"{field} must be a whole number of IQD, 0 or more."))
    if body.get("notes") is not None and not isinstance(body["notes"], str):
        errors.append(error("notes", "Notes must be text."))
    for field, limit in (("deliveryLat", 90), ("deliveryLng", 180)):
        value = body.get(field)
        if value is not None and not (_is_number(value) and -limit <= value <= limit):
            errors.append(error(field, f"{field} must be a number between -{limit} and {limit}."))
    return errors


def order_value(store: Store, items: list[dict[str, Any]]) -> int:
    """Sum price times quantity over validated items, from the store's catalog."""
    return sum(int(_price(store, line["sku"]) or 0) * line["quantity"] for line in items)


def _price(store: Store, sku: str) -> int | None:
    """Return the catalog price of a SKU, or None when unknown, unpriced or sold only through variants."""
    product = store.product(sku)
    return None if product is None or product.get("variants") else product.get("price")


def _is_line(line: Any) -> bool:
    """Tell whether an item line is {sku: text, quantity: int >= 1}."""
    return isinstance(line, dict) and _text(line.get("sku")) and is_int(line.get("quantity")) and line["quantity"] >= 1


def _text(value: Any) -> bool:
    """Tell whether value is a non-blank string."""
    return isinstance(value, str) and bool(value.strip())


def _is_number(value: Any) -> bool:
    """Tell whether value is a JSON number (not a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
