"""Service layer: checkout — the checkout in progress, and its one-time code.

The checkout (its ``externalRef``, the shopper's details, the code sent) lives in the signed
session, so any worker can continue it; ``otp:code:<store>:<phone>`` in the state store says which
code was sent last, so every session counts its wrong tries against the same five.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace

from flask import current_app, session

from storefront.config import OtpBudgets
from storefront.runtime import metrics
from storefront.runtime import session as cookie
from storefront.runtime.clock import clock
from storefront.runtime.state import StateUnavailable, state
from storefront.sendy import SendyError, SendyUnavailable
from storefront.sendy.models import OtpTicket, Store
from storefront.services import limits
from storefront.services.checkout.errors import CodeMaybeSent, DetailsTooLong, OrderingUnavailable, OrderMaybePlaced
from storefront.services.checkout.receipts import ReceiptLine, code_spent, maybe_placed, what_was_sent
from storefront.services.phone import display_phone
from storefront.services.sendy import client

log = logging.getLogger("storefront.checkout")

_KEY = "checkout"


DETAIL_FIELDS = ("name", "phone", "province", "area", "address", "notes")


@dataclass(frozen=True)
class Details:
    """What the shopper typed on the checkout form (phone already normalized)."""

    name: str
    phone: str
    province: str
    area: str
    address: str
    notes: str = ""


@dataclass(frozen=True)
class Pending:
    """A checkout waiting for its one-time code."""

    ref: str
    details: Details
    send_id: str = ""
    sent_at: float = 0.0
    expires_in: int = 300

    def code_alive(self, now: float) -> bool:
        """Whether the last code sent can still be used."""
        return bool(self.send_id) and now < self.sent_at + self.expires_in


@dataclass(frozen=True)
class CodeStep:
    """What the code page shows."""

    pending: Pending
    phone: str
    wait: int
    maybe_placed: bool
    #: the code was spent on an order whose answer was lost: only the store can tell now
    spent: bool = False
    #: after a lost answer: the lines and value sent then (what a retry repeats), else None
    sent: tuple[tuple[ReceiptLine, ...], int] | None = None


def api_key(slug: str) -> str | None:
    """The store's Sendy key (server-side only), if ordering is configured."""
    return current_app.extensions["api_keys"].get(slug)


def pending(slug: str) -> Pending | None:
    """The checkout in progress for this store, if any."""
    raw = session.get(_KEY, {}).get(slug)
    if not isinstance(raw, dict):
        return None
    try:
        fields = {k: v for k, v in raw.items() if k in Pending.__dataclass_fields__}
        return Pending(**{**fields, "details": Details(**raw["details"])})
    except (TypeError, KeyError):
        return None


def saved_details(slug: str) -> dict[str, str] | None:
    """What the shopper typed last time, as the form shows it."""
    current = pending(slug)
    if current is None:
        return None
    typed = {f: getattr(current.details, f) for f in DETAIL_FIELDS}
    typed["phone"] = display_phone(typed["phone"])
    return typed


def save(slug: str, value: Pending | None) -> None:
    """Keep the checkout in the session (within the cookie budget), or forget it."""
    data = asdict(value) if value is not None else None
    # measured as it will be once a code is sent, so sending one never overflows the cookie
    sized = {**data, "send_id": "f" * 32, "sent_at": clock().time()} if data else None
    if sized is not None and cookie.section_bytes(_KEY, slug, sized) > cookie.CHECKOUT_BYTES:
        raise DetailsTooLong()
    if not cookie.write(_KEY, slug, data):
        raise DetailsTooLong()


def save_details(slug: str, details: Details) -> Pending:
    """Remember the typed details; keeps the checkout's reference and any code sent."""
    current = pending(slug)
    if current is None:
        updated = Pending(ref=str(uuid.uuid4()), details=details)
    elif current.details.phone != details.phone:  # a new phone needs a new code
        updated = Pending(ref=current.ref, details=details)
    else:
        updated = replace(current, details=details)
    save(slug, updated)
    return updated


def request_code(store: Store, details: Details, ip: str, *, resend: bool = False) -> Pending:
    """Send a one-time code unless a live one was already sent to this phone."""
    key = api_key(store.slug)
    if key is None:
        raise OrderingUnavailable()
    current = save_details(store.slug, details)
    if maybe_placed(current.ref):
        raise OrderMaybePlaced()
    if not resend and current.code_alive(clock().time()):
        return current
    limits.take_send(store.slug, details.phone, ip, budgets())
    try:
        ticket = client().send_otp(key, details.phone)
    except SendyUnavailable as exc:
        if not exc.maybe_processed:
            metrics.OTP_SENDS.labels("failed").inc()
            limits.give_back_send(store.slug, details.phone)  # nothing was sent
            raise
        metrics.OTP_SENDS.labels("uncertain").inc()
        _sent(store.slug, current, OtpTicket())  # the code may arrive: let the shopper enter it
        raise CodeMaybeSent() from exc
    except SendyError:
        metrics.OTP_SENDS.labels("refused").inc()
        limits.give_back_send(store.slug, details.phone)
        raise
    metrics.OTP_SENDS.labels("sent").inc()
    with done_anyway("the resend wait Sendy asked for"):
        limits.hold_cooldown(store.slug, details.phone, ticket.resend_after)
    return _sent(store.slug, current, ticket)


def budgets() -> OtpBudgets:
    return current_app.extensions["settings"].otp_budgets


def _sent(slug: str, current: Pending, ticket: OtpTicket) -> Pending:
    """Remember the code sent to the checkout's phone (here and for every session)."""
    code_id = uuid.uuid4().hex
    sent = replace(current, send_id=code_id, sent_at=clock().time(), expires_in=ticket.expires_in)
    save(slug, sent)  # first: the code is on its way whatever happens next
    with done_anyway("the code sent"):  # (its tries then count under the session's send_id)
        state().set(code_key(slug, current.details.phone), code_id, ticket.expires_in)
    return sent


@contextmanager
def done_anyway(what: str) -> Iterator[None]:
    """Bookkeeping after Sendy did the work: Redis going away now must not turn it into an error page."""
    try:
        yield
    except StateUnavailable as exc:
        log.warning("%s not recorded: %s", what, exc)


def code_step(slug: str) -> CodeStep | None:
    """The code page for this checkout, or None when no code was sent."""
    current = pending(slug)
    if current is None or not current.send_id:
        return None
    uncertain = maybe_placed(current.ref)
    lines, value = what_was_sent(current.ref) if uncertain else (None, 0)
    return CodeStep(current, display_phone(current.details.phone),
                    limits.cooldown_left(slug, current.details.phone), uncertain,
                    spent=uncertain and code_spent(current.ref), sent=(lines, value) if lines else None)


def chosen_province(slug: str) -> str:
    """The governorate of the checkout in progress ("" when none): the cart shows its delivery fee."""
    current = pending(slug)
    return current.details.province if current is not None else ""


def abandon(slug: str) -> None:
    """The shopper chose to start over: forget the checkout (a new reference next time)."""
    save(slug, None)


def code_key(slug: str, phone: str) -> str:
    return f"otp:code:{slug}:{phone}"
