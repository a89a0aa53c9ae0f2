"""Sendy client layer: Sendy's wire format, and nothing else.

Every Sendy wire name — paths (``routes``), the envelope (``envelope``), the storefront's shape
(``stores``), orders, codes and addresses (``orders``) — lives in this package, read tolerantly
(``values``) into the frozen dataclasses of ``storefront.sendy.models``. Correcting a house reading
of the contract against the real API is a change here only.
"""

from storefront.sendy.wire.orders import ORDER_STATUSES, order_body, parse_order
from storefront.sendy.wire.stores import MAX_VARIANTS, POLICY_TYPES, SOCIAL_NETWORKS, parse_store
from storefront.sendy.wire.values import MAX_PRICE

__all__ = ["MAX_PRICE", "MAX_VARIANTS", "ORDER_STATUSES", "POLICY_TYPES", "SOCIAL_NETWORKS", "order_body",
           "parse_order", "parse_store"]
