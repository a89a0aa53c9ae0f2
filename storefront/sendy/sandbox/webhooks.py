"""Sandbox layer: Sendy's webhooks (contract §7) — subscriptions per store, signed deliveries on change.

A subscription is registered with a store's key (``POST /store/integrations/webhooks``) and gets its
own signing secret; ``rotate-secret`` replaces it. When the sandbox's data changes (a price, the
stock, publication, an order's status: the test hooks below and ``Sandbox.set_*``) it delivers a
signed event to every subscription of that store, as Sendy does: the exact JSON body, its
HMAC-SHA256 in ``X-Sendy-Signature`` (``sha256=<hex>``), the event id in ``X-Sendy-Event-Id``;
a delivery answered non-2xx (or not at all) is tried again, a bounded number of times.

Deliveries go over HTTP (httpx) to the subscription's URL, or, in the in-process demo, to a
callable the factory's demo wiring gives (the storefront's own WSGI app).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

log = logging.getLogger("storefront.sandbox")

#: (url, body, headers) → the HTTP status the receiver answered
Deliver = Callable[[str, bytes, dict[str, str]], int]
ATTEMPTS = 3
PAUSES = (0.2, 0.5)


@dataclass
class Subscription:
    """One store's endpoint: where to deliver, and the secret to sign with."""

    id: str
    slug: str
    url: str
    secret: str
    deliver: Deliver | None = None
    #: (event id, type, status of the last attempt, attempts) of each delivery, oldest first
    deliveries: list[tuple[str, str, int, int]] = field(default_factory=list)


def new_secret() -> str:
    """A signing secret, as Sendy hands one out."""
    return "whsec_" + secrets.token_hex(24)


class Webhooks:
    """Every subscription of the sandbox, and the deliveries it made."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self.subscriptions: dict[str, Subscription] = {}
        self.lock = threading.Lock()
        self.sleep = sleep

    def subscribe(self, slug: str, url: str, *, secret: str | None = None,
                  deliver: Deliver | None = None) -> Subscription:
        """A new subscription for a store (its own id and secret)."""
        sub = Subscription("whk_" + secrets.token_hex(8), slug, url, secret or new_secret(), deliver)
        with self.lock:
            self.subscriptions[sub.id] = sub
        return sub

    def rotate(self, sub_id: str, slug: str) -> Subscription | None:
        """A new secret for one of the store's subscriptions (deliveries are signed with it from now on)."""
        with self.lock:
            sub = self.subscriptions.get(sub_id)
            if sub is None or sub.slug != slug:
                return None
            sub.secret = new_secret()
            return sub

    def emit(self, slug: str, kind: str, data: dict[str, Any]) -> list[int]:
        """Deliver one event to every subscription of the store; the last status of each."""
        with self.lock:
            subs = [s for s in self.subscriptions.values() if s.slug == slug]
        event_id = "evt_" + secrets.token_hex(12)
        body = json.dumps({"event_id": event_id, "type": kind,
                           "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                           "storeSlug": slug, "data": data}, ensure_ascii=False).encode()
        return [self._deliver(sub, event_id, kind, body) for sub in subs]

    def _deliver(self, sub: Subscription, event_id: str, kind: str, body: bytes) -> int:
        headers = {"Content-Type": "application/json", "X-Sendy-Event-Id": event_id, "X-Sendy-Event-Type": kind,
                   "X-Sendy-Signature": "sha256=" + hmac.new(sub.secret.encode(), body, hashlib.sha256).hexdigest()}
        status = 0
        for attempt in range(ATTEMPTS):
            try:
                status = sub.deliver(sub.url, body, headers) if sub.deliver else _post(sub.url, body, headers)
            except Exception as exc:  # unreachable, or the receiver crashed: try again
                log.warning("webhook delivery to %s failed: %r", sub.url, exc)
                status = 0
            if 200 <= status < 300:
                break
            if attempt + 1 < ATTEMPTS:
                self.sleep(PAUSES[min(attempt, len(PAUSES) - 1)])
        with self.lock:
            sub.deliveries.append((event_id, kind, status, attempt + 1))
        return status


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    return httpx.post(url, content=body, headers=headers, timeout=5.0).status_code


def public(sub: Subscription) -> dict[str, Any]:
    """The subscription as the register endpoint answers it (the secret once)."""
    return {"id": sub.id, "url": sub.url, "secret": sub.secret}
