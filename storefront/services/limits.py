"""Service layer: one-time-code limits, each slot taken atomically before Sendy is asked.

A send takes, in this order, the phone's resend cooldown (an atomic "add if absent" in the
state store: one winner among any number of simultaneous requests), then a slot in the
connection's hourly window and the phone's 10-minute and daily windows (the ``limits``
library's moving windows, whose ``hit`` is atomic in memory and in Redis). A refused slot
gives back the cooldown; a send Sendy answered with a refusal or an error gives it back too
(nothing was sent), while a send whose answer was lost keeps everything.

Wrong codes are counted per phone and per code sent — not per session — and each attempt is
counted before Sendy checks it, so a burst of guesses from many sessions shares five tries.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from storefront.state import state

#: Seconds between two codes to one phone: the one source of truth for the resend countdown.
RESEND_COOLDOWN = 60
PHONE_SHORT = parse("3 per 10 minutes")
PHONE_DAY = parse("10 per day")
IP_HOUR = parse("10 per hour")
WRONG_CODES = 5
#: How long a code's attempt count is kept (longer than any code lives).
ATTEMPTS_TTL = 15 * 60


class LimitExceeded(Exception):
    """A limit was reached; ``kind`` names it and ``retry_after`` is in seconds."""

    def __init__(self, kind: str, retry_after: float) -> None:
        super().__init__(f"{kind} limit, retry after {retry_after}s")
        self.kind = kind
        self.retry_after = max(1, math.ceil(retry_after))


def _limiter() -> MovingWindowRateLimiter:
    return current_app.extensions["otp_limiter"]


def _hit(item: RateLimitItem, kind: str, *keys: str) -> None:
    if not _limiter().hit(item, kind, *keys):
        _refuse(item, kind, *keys)


def _test(item: RateLimitItem, kind: str, *keys: str) -> None:
    if not _limiter().test(item, kind, *keys):
        _refuse(item, kind, *keys)


def _refuse(item: RateLimitItem, kind: str, *keys: str) -> None:
    reset = _limiter().get_window_stats(item, kind, *keys).reset_time
    raise LimitExceeded(kind, reset - time.time())


def _cooldown_key(slug: str, phone: str) -> str:
    return f"otp:cooldown:{slug}:{phone}"


def take_send(slug: str, phone: str, ip: str) -> None:
    """Take a slot in every send limit, or raise LimitExceeded having taken none that matters."""
    key = _cooldown_key(slug, phone)
    if not state().add(key, 1, RESEND_COOLDOWN):
        raise LimitExceeded("cooldown", state().ttl(key))
    try:
        for item, kind in ((PHONE_SHORT, "phone"), (PHONE_DAY, "phone_day")):
            _test(item, kind, phone)  # the phone's own limit is the reason to show, if both apply
        _hit(IP_HOUR, "ip", ip)  # the connection first: a refused one takes none of the phone's slots
        _hit(PHONE_SHORT, "phone", phone)
        _hit(PHONE_DAY, "phone_day", phone)
    except LimitExceeded:
        state().delete(key)
        raise


def give_back_send(slug: str, phone: str) -> None:
    """Sendy did not send the code: the phone may ask again at once."""
    state().delete(_cooldown_key(slug, phone))


def hold_cooldown(slug: str, phone: str, seconds: int) -> None:
    """Sendy asked for a longer wait before the next code than our own cooldown."""
    if seconds > RESEND_COOLDOWN:
        state().set(_cooldown_key(slug, phone), 1, seconds)


def cooldown_left(slug: str, phone: str) -> int:
    """Seconds until another code may be sent to this phone (0 when it may)."""
    return math.ceil(state().ttl(_cooldown_key(slug, phone)))


def _attempts_key(slug: str, phone: str, code_id: str) -> str:
    return f"otp:tries:{slug}:{phone}:{code_id}"


def take_attempt(slug: str, phone: str, code_id: str) -> None:
    """Count one try at the code sent to this phone; LimitExceeded after five."""
    key = _attempts_key(slug, phone, code_id)
    if state().incr(key, ATTEMPTS_TTL) > WRONG_CODES:
        raise LimitExceeded("wrong", state().ttl(key))


def give_back_attempt(slug: str, phone: str, code_id: str) -> None:
    """Sendy gave no verdict on the code (it failed): the try does not count."""
    state().incr(_attempts_key(slug, phone, code_id), ATTEMPTS_TTL, -1)


def init_app(app: Flask, redis_url: str | None) -> None:
    """Bind the limiter to memory, or to Redis when configured."""
    uri = redis_url if redis_url else "memory://"
    options = {"key_prefix": "storefront-limits"} if redis_url else {}
    app.extensions["otp_limiter"] = MovingWindowRateLimiter(storage_from_string(uri, **options))
