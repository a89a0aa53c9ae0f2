"""Orders on the wire (contract §2–§5): the order body we send, and what Sendy answers about orders,
codes and addresses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storefront.sendy.errors import SendyUnavailable
from storefront.sendy.models import (
    Area,
    Courier,
    Order,
    OrderItem,
    OrderRequest,
    OtpTicket,
    PlacedOrder,
    Province,
    StatusChange,
)
from storefront.sendy.wire.values import amount, integer, items, listed, mapping, moment, obj, text

#: Sendy's order statuses, mapped onto the stages the storefront shows (models.ORDER_STAGES);
#: any other value is shown as "in_progress". "processing" is a confirmed order being prepared.
ORDER_STATUSES = {
    "pending": "placed",
    "confirmed": "confirmed",
    "processing": "confirmed",
    "shipped": "shipped",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "returned": "returned",
}


#: Payment statuses that mean the cash was collected.
PAID_STATUSES = frozenset({"paid", "collected"})


def order_body(order: OrderRequest) -> dict[str, Any]:
    """The JSON body of an OTP-verified storefront order."""
    body: dict[str, Any] = {
        "externalRef": order.external_ref,
        "otpCode": order.otp_code,
        "customerName": order.customer_name,
        "customerPhone": order.customer_phone,
        "customerAddress": order.customer_address,
        "addressProvinceCode": order.province_code,
        "addressAreaId": order.area_id,
        "items": [{"sku": line.sku, "quantity": line.quantity} for line in order.lines],
        "orderValue": order.order_value,
        "paymentMethod": "cash_on_delivery",
        "fulfillmentType": order.fulfillment_type,
    }
    if order.notes:
        body["notes"] = order.notes
    if order.delivery_fee is not None:
        body["deliveryFee"] = order.delivery_fee
    return body


def otp_body(phone: str) -> dict[str, Any]:
    """The JSON body asking for a one-time code."""
    return {"customerPhone": phone}


def parse_ticket(data: Any) -> OtpTicket:
    """What Sendy says about a code it sent: how long it lives, when another may be asked."""
    body = mapping(data)
    return OtpTicket(
        expires_in=integer(body.get("expiresInSeconds"), 300),
        resend_after=integer(body.get("resendAfterSeconds"), 60),
    )


def parse_placed(data: Any, order: OrderRequest) -> PlacedOrder:
    """Sendy's answer to an order; an answer without an id may stand for an order made."""
    body = mapping(data)
    if not body.get("publicId") and not body.get("id"):
        raise SendyUnavailable("Sendy accepted the order without an id", maybe_processed=True)
    value = integer(body.get("orderValue"), order.order_value)
    fee = integer(body.get("deliveryFee"), order.delivery_fee or 0)  # (missing: the fee we sent)
    return PlacedOrder(
        id=str(body.get("id") or ""),
        public_id=str(body.get("publicId") or body.get("id")),
        status=str(body.get("status") or "pending"),
        order_value=value,
        delivery_fee=fee,
        total_amount=integer(body.get("totalAmount"), value + fee),
        created_at=str(body.get("createdAt") or ""),
    )


def parse_order(d: Mapping[str, Any]) -> Order:
    """An Order from the order-read payload; unknown fields ignored, an unknown status kept as "in_progress"."""
    order_id, public_id = text(d.get("id")), text(d.get("publicId"))
    if not order_id and not public_id:
        raise SendyUnavailable("Sendy sent an order without id or publicId")
    return Order(
        id=order_id or public_id,
        public_id=public_id or order_id,
        stage=_stage(d.get("status")),
        history=tuple(c for c in (_status_change(x) for x in listed(d.get("statusHistory"))) if c),
        items=tuple(i for i in (_order_item(x) for x in listed(d.get("items"))) if i),
        order_value=amount(d.get("orderValue")),
        delivery_fee=amount(d.get("deliveryFee")),
        total_amount=amount(d.get("totalAmount")),
        paid=text(d.get("paymentStatus")).lower() in PAID_STATUSES,
        customer_name=text(d.get("customerName")),
        customer_phone=text(d.get("customerPhone")),
        customer_address=text(d.get("customerAddress")),
        courier=_courier(d.get("deliveryCompany")),
        tracking_number=text(d.get("trackingNumber")),
        created_at=moment(d.get("createdAt")),
    )


def parse_found_orders(data: Any, external_ref: str) -> list[Order]:
    """The orders of a search by ``externalRef`` (newest first). An item naming another reference is
    left out (a Sendy ignoring the filter must not make us adopt someone else's order); an item we
    cannot read makes the whole answer unreadable (SendyUnavailable): an order may be there."""
    found = []
    for raw in items(data):
        item = obj(raw)
        ref = item.get("externalRef")
        if ref is not None and text(ref) != external_ref:
            continue
        found.append(parse_order(item))
    return found


def _stage(value: Any) -> str:
    """Our stage for one of Sendy's statuses ("in_progress" for one we do not know)."""
    key = text(value).lower().replace("-", "_").replace(" ", "_")
    return ORDER_STATUSES.get(key, "in_progress")


def _status_change(raw: Any) -> StatusChange | None:
    d = mapping(raw)
    return StatusChange(_stage(d["status"]), moment(d.get("at"))) if text(d.get("status")) else None


def _order_item(raw: Any) -> OrderItem | None:
    d = mapping(raw)
    sku, name = text(d.get("sku")), text(d.get("name"))
    quantity = integer(d.get("quantity"), 1)
    if not (sku or name) or not isinstance(quantity, int) or not 1 <= quantity <= 10_000:
        return None
    total, unit = amount(d.get("lineTotal")), amount(d.get("unitPrice"))
    return OrderItem(sku, name or sku, quantity, total if total is not None else
                     (unit * quantity if unit is not None else None))


def _courier(raw: Any) -> Courier | None:
    """The delivery company: an object with a name and a phone (or just a name)."""
    d = mapping(raw) if not isinstance(raw, str) else {"name": raw}
    name, phone = text(d.get("name")), "".join(ch for ch in text(d.get("phone")) if ch in "0123456789")
    if phone.startswith("0") and len(phone) == 11:  # a local 07… number: the 9647… form like every other
        phone = "964" + phone[1:]
    return Courier(name, phone) if name or phone else None


def parse_province(raw: Any) -> Province | None:
    d = mapping(raw)
    code = text(d.get("code"))
    if not code:
        return None
    return Province(code, text(d.get("nameAr")) or code, text(d.get("nameEn")) or code)


def parse_area(raw: Any) -> Area | None:
    d = mapping(raw)
    aid = text(d.get("id"))
    if not aid:
        return None
    return Area(aid, text(d.get("nameAr")) or text(d.get("nameEn")),
                text(d.get("nameEn")) or text(d.get("nameAr")))
