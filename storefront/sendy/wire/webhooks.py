"""Webhooks on the wire (contract §7): registering a store's endpoint, and what Sendy answers."""

from __future__ import annotations

from typing import Any

from storefront.sendy.errors import SendyUnavailable
from storefront.sendy.models import WebhookSubscription
from storefront.sendy.wire.values import obj


def register_body(url: str) -> dict[str, Any]:
    """The body of ``POST /webhooks``: the endpoint's URL."""
    return {"url": url}


def parse_subscription(data: Any, url: str) -> WebhookSubscription:
    """The subscription's id and signing secret (SendyUnavailable when the answer lacks them)."""
    found = obj(data)
    sub_id, secret = found.get("id"), found.get("secret")
    if isinstance(sub_id, int) and not isinstance(sub_id, bool):
        sub_id = str(sub_id)
    if not isinstance(sub_id, str) or not sub_id or not isinstance(secret, str) or len(secret) < 16:
        raise SendyUnavailable("Sendy's webhook answer has no id or secret")
    return WebhookSubscription(sub_id, str(found.get("url") or url), secret)
