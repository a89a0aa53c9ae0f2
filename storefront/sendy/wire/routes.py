"""Sendy's routes (contract §1–§5, §7): the paths the client calls, and their names in the metrics."""

from __future__ import annotations

from urllib.parse import quote

API = "/api/v1"
#: (method, a part of the path, name) of each Sendy route, for the metrics; most specific first.
_ENDPOINTS = (
    ("GET", "/public/storefronts/", "storefront"),
    ("GET", "/areas", "areas"),
    ("GET", "/address-reference/provinces", "provinces"),
    ("POST", "/orders/send-otp", "send_otp"),
    ("POST", "/orders/storefront", "order"),
    ("GET", "/integrations/orders/", "order_read"),
    ("GET", "/integrations/orders", "order_find"),
    ("POST", "/integrations/webhooks", "webhooks"),
)
PROVINCES = f"{API}/address-reference/provinces"
SEND_OTP = f"{API}/store/integrations/orders/send-otp"
PLACE_ORDER = f"{API}/store/integrations/orders/storefront"
#: The store's orders, searched by ``externalRef`` (contract §4b).
ORDERS = f"{API}/store/integrations/orders"


def find_by_ref(external_ref: str) -> dict[str, str]:
    """The query of an order search by the caller's reference."""
    return {"externalRef": external_ref}
WEBHOOKS = f"{API}/store/integrations/webhooks"


def storefront(slug: str) -> str:
    """The published store with this slug."""
    return f"{API}/public/storefronts/{quote(slug, safe='')}"


def areas(province_code: str) -> str:
    """The areas of one governorate."""
    return f"{PROVINCES}/{quote(province_code, safe='')}/areas"


def order(order_id: str) -> str:
    """One order, by the id Sendy gave when it was placed."""
    return f"{API}/store/integrations/orders/{quote(order_id, safe='')}"


def endpoint_name(method: str, path: str) -> str:
    """The metrics name of a Sendy route (a closed set: never a slug or an id)."""
    for verb, marker, name in _ENDPOINTS:
        if method == verb and marker in path:
            return name
    return "other"


def key_header(api_key: str | None) -> dict[str, str]:
    """The header carrying a store's API key (none for the public routes)."""
    return {"X-API-Key": api_key} if api_key else {}
