"""Service layer: Sendy's webhooks (contract §7) — signed hints that a store or an order changed.

A delivery is checked, recorded, then acted on:

1. **Signature first.** ``X-Sendy-Signature`` is the lowercase hex HMAC-SHA256 of the exact raw
   body (optionally prefixed ``sha256=``), checked in constant time against each secret of the
   store (two during a rotation) before the body is parsed. A store without a secret has no endpoint.
2. **Recorded once.** The event id (``X-Sendy-Event-Id``, else ``event_id`` in the body) is added to
   the shared state store for ``EVENT_TTL`` (a week and a day) with an atomic add: in every worker
   and machine, one delivery wins; a repeat is answered 2xx and does nothing. Only when the record
   cannot be written is the answer non-2xx (Sendy then delivers again).
3. **Acted on after the answer.** ``process`` runs after the response has been sent (the view hands
   it to ``call_on_close``), in the worker that recorded the event, so Sendy gets its 2xx at once
   and the work happens at most once per event. A burst of events for one store is coalesced
   (``_coalesced``): one worker at a time holds the store's turn and re-reads it again while changes
   keep coming, so a bulk edit holds one thread, not one per event. A round is bounded: one Sendy
   read within the client's read budget, and CDN purges whose retries are bounded (``cdn``), so no
   queue is needed; a worker killed in between loses the purge, and the pages then live until
   their ``s-maxage``.

Every event is a hint: the store (or the order) is re-read from Sendy; nothing in the body but its
type, its id and the order id to forget is used. Unknown types are accepted and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import Flask, current_app

from storefront.config import ConfigError, parse_webhook_secrets
from storefront.runtime import metrics
from storefront.sendy import SendyNotFound, SendyUnavailable
from storefront.services import caches, cdn
from storefront.wsgi import page_cache

log = logging.getLogger("storefront.webhooks")

#: The largest body accepted (Sendy's events are small JSON objects).
MAX_BODY = 64 * 1024
#: How long an event id is remembered: Sendy may replay a delivery for up to a week.
EVENT_TTL = 8 * 24 * 3600
#: A store's turn: one worker at a time refreshes it (longer than a round: a Sendy read and two purges).
TURN_TTL = 30
#: "Changed since the last round" marks, and how long one turn may go on under a stream of changes.
CHANGED_TTL = 60
TURN_LIMIT = 60
STORE_EVENTS = frozenset({"storefront.published", "storefront.updated", "storefront.unpublished",
                          "catalog.product.updated", "catalog.product.deleted", "inventory.updated"})
ORDER_EVENTS = frozenset({"order.status_changed"})
_SIGNATURE = re.compile(r"^(?:sha256=)?([0-9a-f]{64})$")
_EVENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_ORDER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class NoEndpoint(Exception):
    """No secret is configured for this store: there is no endpoint (404)."""


class BadSignature(Exception):
    """The signature is missing or matches none of the store's secrets (401)."""


class Malformed(Exception):
    """Signed, but not an event we can record (no id, not a JSON object): 400."""


class Unrecorded(Exception):
    """The state store could not record the event: Sendy should deliver it again (503)."""


@dataclass(frozen=True)
class Event:
    """What the storefront takes from a delivery: which store, which kind of change, which order."""

    id: str
    type: str
    slug: str
    order_id: str | None = None

    @property
    def handled(self) -> bool:
        """Whether this type calls for any work."""
        return self.type in STORE_EVENTS or (self.type in ORDER_EVENTS and self.order_id is not None)


# -- secrets ----------------------------------------------------------------------------------
class Secrets:
    """The webhook secrets of each store: ``SENDY_WEBHOOK_SECRETS``, over it the file named by
    ``SENDY_WEBHOOK_SECRETS_FILE`` (re-read when it changes), and any the demo adds."""

    def __init__(self, fixed: Mapping[str, tuple[str, ...]], path: str | None = None,
                 extra: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.fixed = dict(fixed)
        self.extra = dict(extra or {})
        self.path = path
        self._file: dict[str, tuple[str, ...]] = {}
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._reload()

    def add(self, slug: str, *secrets: str) -> None:
        """More secrets for a store (the demo wiring)."""
        self.extra[slug] = tuple(secrets)

    def for_store(self, slug: str) -> tuple[str, ...]:
        """The secrets a delivery for this store may be signed with (none: no endpoint)."""
        self._reload()
        return self._file.get(slug) or self.fixed.get(slug) or self.extra.get(slug) or ()

    def _reload(self) -> None:
        if not self.path:
            return
        try:
            info = os.stat(self.path)
        except OSError:
            return  # keep what was read last (the file is being replaced)
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp == self._stamp:
            return
        with self._lock:
            try:
                with open(self.path, encoding="utf-8") as handle:
                    self._file = parse_webhook_secrets(handle.read())
            except (OSError, ConfigError) as exc:  # the message names no secret
                log.error("SENDY_WEBHOOK_SECRETS_FILE not re-read, keeping the previous secrets: %s", exc)
            self._stamp = stamp


def secrets() -> Secrets:
    """The app's webhook secrets."""
    return current_app.extensions["webhook_secrets"]


def sign(secret: str, body: bytes) -> str:
    """The signature Sendy sends: lowercase hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(store_secrets: tuple[str, ...], body: bytes, header: str | None) -> bool:
    """Whether ``header`` signs ``body`` with one of the secrets (compared in constant time, each of them)."""
    match = _SIGNATURE.match((header or "").strip())
    if match is None:
        return False
    given = match.group(1).encode()
    valid = False
    for secret in store_secrets:
        valid |= hmac.compare_digest(sign(secret, body).encode(), given)
    return valid


# -- receiving --------------------------------------------------------------------------------
def receive(slug: str, body: bytes, signature: str | None, event_id: str | None) -> tuple[Event, bool]:
    """Check and record one delivery: the event, and whether this call recorded it (False: a repeat).

    Raises NoEndpoint, BadSignature, Malformed or Unrecorded; records nothing unless it returns.
    """
    store_secrets = secrets().for_store(slug)
    if not store_secrets:
        raise NoEndpoint(slug)
    if not verify(store_secrets, body, signature):
        metrics.WEBHOOKS.labels("refused").inc()
        raise BadSignature(slug)
    event = _parse(slug, body, event_id)
    try:
        recorded = current_app.extensions["state"].add(
            f"webhook:{slug}:{event.id}", {"type": event.type, "at": int(time.time())}, EVENT_TTL)
    except Exception as exc:  # Redis down: Sendy delivers again later
        metrics.WEBHOOKS.labels("unrecorded").inc()
        log.error("webhook %s for %s not recorded: %r", event.type, slug, exc)
        raise Unrecorded(slug) from None
    metrics.WEBHOOKS.labels("handled" if recorded and event.handled else
                            "ignored" if recorded else "repeated").inc()
    log.info("webhook %s %s for %s", event.type, "recorded" if recorded else "repeated", slug,
             extra={"fields": {"event": "webhook", "type": event.type, "store": slug, "repeat": not recorded}})
    return event, recorded


def _parse(slug: str, body: bytes, header_id: str | None) -> Event:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise Malformed("not JSON") from None
    if not isinstance(payload, dict):
        raise Malformed("not an object")
    event_id = (header_id or "").strip() or payload.get("event_id")
    if not isinstance(event_id, str) or not _EVENT_ID.match(event_id):
        raise Malformed("no usable event id")
    kind = payload.get("type")
    kind = kind if isinstance(kind, str) and len(kind) <= 100 else ""
    given = payload.get("data")
    data: dict[str, object] = given if isinstance(given, dict) else {}
    order_id = data.get("id") if kind in ORDER_EVENTS else None
    if isinstance(order_id, int) and not isinstance(order_id, bool):
        order_id = str(order_id)
    if not isinstance(order_id, str) or not _ORDER_ID.match(order_id):
        order_id = None
    return Event(event_id, kind, slug, order_id)


# -- acting -----------------------------------------------------------------------------------
def process(app: Flask, event: Event, sleep: Callable[[float], None] = time.sleep) -> None:
    """The work an event calls for (after the answer was sent); never raises."""
    if not event.handled:
        return
    try:
        with app.app_context():
            if event.type in ORDER_EVENTS and event.order_id:
                caches.forget_order(event.slug, event.order_id)  # the status page re-reads it at once
                return
            _coalesced(event, sleep)
    except Exception:  # the answer is already sent: log, never crash the worker
        log.exception("webhook %s for %s: processing failed", event.type, event.slug)


def _coalesced(event: Event, sleep: Callable[[float], None]) -> None:
    """Refresh the store and purge the CDN, once for a burst of its events.

    A merchant's bulk edit sends hundreds of events at once: each marks the store changed, and
    whichever worker holds the store's turn re-reads it and purges, again for as long as changes
    keep coming in meanwhile. Every event is covered (a change marked while the turn is held is seen
    by the holder, or after it lets go), and a burst holds one thread, not one per event.
    """
    state = current_app.extensions["state"]
    slug = event.slug
    deadline = time.monotonic() + TURN_LIMIT
    state.set(f"webhook-changed:{slug}", 1, CHANGED_TTL)
    while time.monotonic() < deadline:
        if not state.add(f"webhook-turn:{slug}", 1, TURN_TTL):
            return  # another worker holds the store's turn: it will see the change
        try:
            while state.get(f"webhook-changed:{slug}") is not None and time.monotonic() < deadline:
                state.delete(f"webhook-changed:{slug}")
                _refresh_and_purge(event, sleep)
        finally:
            state.delete(f"webhook-turn:{slug}")
        if state.get(f"webhook-changed:{slug}") is None:
            return  # nothing came in between the last round and letting go
    log.error("webhook work for %s stopped after %d s of uninterrupted changes", slug, TURN_LIMIT)


def _refresh_and_purge(event: Event, sleep: Callable[[float], None]) -> None:
    _refresh(event)
    keys = [cdn.store_key(event.slug)]
    if cdn.configured():
        cdn.purge(keys, sleep=sleep)
        # A worker may render from the generation it read up to LOCAL_TTL ago: purge once more
        # when every worker has seen the new one, so no CDN keeps a page made in between.
        sleep(page_cache.LOCAL_TTL + 0.25)
        cdn.purge(keys, sleep=sleep)


def _refresh(event: Event) -> None:
    try:
        caches.refresh_store(event.slug)
    except SendyNotFound:
        log.info("store %s is not published (after %s)", event.slug, event.type)
    except SendyUnavailable as exc:
        log.warning("store %s not re-read after %s (%s): the next page view asks again", event.slug,
                    event.type, exc)


def init_app(app: Flask, fixed: Mapping[str, tuple[str, ...]], path: str | None) -> None:
    """The webhook secrets (the demo wiring may add its own)."""
    app.extensions["webhook_secrets"] = Secrets(fixed, path)
