"""Sendy client layer: the endpoints the storefront uses, as typed methods.

``SendyClient`` joins the transport (HTTP, retries, bulkheads: ``transport``) to the parsing of
Sendy's shapes (``wire``): every Sendy wire name (paths, camelCase fields, envelope keys) lives in
the ``wire`` package, so correcting a house reading of the contract against the real API changes
no other code. Answers come back as the frozen dataclasses of ``models``.
"""

from __future__ import annotations

from typing import Any

from storefront.sendy.errors import SendyForbidden, SendyNotFound, SendyRateLimited, SendyRejected, SendyUnavailable
from storefront.sendy.models import (
    Area,
    Order,
    OrderRequest,
    OtpTicket,
    PlacedOrder,
    Province,
    Store,
    WebhookSubscription,
)
from storefront.sendy.transport import Transport
from storefront.sendy.wire import orders, routes, webhooks
from storefront.sendy.wire.stores import parse_store
from storefront.sendy.wire.values import items, obj


class SendyClient:
    """A pooled, logged, retrying client for the Sendy endpoints the storefront uses."""

    def __init__(self, base_url: str, **options: Any) -> None:
        """``options`` are the transport's: transport, timeout, retries, backoff, read_budget, concurrency, sleep."""
        self._wire = Transport(base_url, **options)

    def close(self) -> None:
        """Close the connection pool."""
        self._wire.close()

    # -- public endpoints -------------------------------------------------------------
    def get_storefront(self, slug: str) -> Store:
        """The published store with this slug; SendyNotFound when there is none."""
        try:
            data = self._wire.get(routes.storefront(slug))
        except SendyRateLimited as exc:  # transient: the last good copy may serve
            raise SendyUnavailable(exc.message, status=exc.status) from exc
        except (SendyRejected, SendyForbidden) as exc:  # the contract: non-2xx means "no such store"
            raise SendyNotFound(exc.message, status=exc.status) from exc
        return parse_store(obj(data))

    def list_provinces(self) -> list[Province]:
        """Iraq's governorates from the address reference."""
        return [p for p in (orders.parse_province(x) for x in items(self._wire.get(routes.PROVINCES))) if p]

    def list_areas(self, province_code: str) -> list[Area]:
        """The areas of one governorate."""
        return [a for a in (orders.parse_area(x) for x in items(self._wire.get(routes.areas(province_code)))) if a]

    # -- keyed endpoints (never retried) ---------------------------------------------
    def send_otp(self, api_key: str, phone: str) -> OtpTicket:
        """Ask Sendy to send a one-time code to a 13-digit Iraqi mobile."""
        return orders.parse_ticket(self._wire.post(routes.SEND_OTP, api_key, orders.otp_body(phone)))

    def place_order(self, api_key: str, order: OrderRequest) -> PlacedOrder:
        """Place an OTP-verified cash-on-delivery order."""
        return orders.parse_placed(self._wire.post(routes.PLACE_ORDER, api_key, orders.order_body(order)), order)

    def get_order(self, api_key: str, order_id: str) -> Order:
        """Read one order back (key with orders:read); ``order_id`` is the id given when it was placed."""
        return orders.parse_order(obj(self._wire.get(routes.order(order_id), api_key)))

    def find_order_by_ref(self, api_key: str, external_ref: str) -> list[Order]:
        """The store's orders placed under ``external_ref``, newest first; [] when there is none.

        Key with orders:read (SendyForbidden without it). SendyUnavailable when Sendy fails or
        sends anything we cannot read as that list: the caller then cannot tell, and must not
        assume there is no order.
        """
        data = self._wire.get(routes.ORDERS, api_key, params=routes.find_by_ref(external_ref))
        return orders.parse_found_orders(data, external_ref)

    def register_webhook(self, api_key: str, url: str) -> WebhookSubscription:
        """Subscribe the key's store to its events at ``url``; the answer carries the signing secret."""
        return webhooks.parse_subscription(self._wire.post(routes.WEBHOOKS, api_key, webhooks.register_body(url)),
                                           url)
