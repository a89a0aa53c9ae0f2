"""Service layer: one-time-code limits, enforced before Sendy is asked.

Keyed by phone (and by IP for sends), kept in memory by default or in Redis when
``REDIS_URL`` is set, so several workers enforce one limit.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

RESEND_COOLDOWN = parse("1 per 60 seconds")
PHONE_SHORT = parse("3 per 10 minutes")
PHONE_DAY = parse("10 per day")
IP_HOUR = parse("10 per hour")
WRONG_CODES = parse("5 per 15 minutes")


class LimitExceeded(Exception):
    """A limit was reached; ``kind`` names it and ``retry_after`` is in seconds."""

    def __init__(self, kind: str, retry_after: int) -> None:
        super().__init__(f"{kind} limit, retry after {retry_after}s")
        self.kind = kind
        self.retry_after = retry_after


def _limiter() -> MovingWindowRateLimiter:
    return current_app.extensions["otp_limiter"]


def _check(item: RateLimitItem, kind: str, *keys: str) -> None:
    limiter = _limiter()
    if not limiter.test(item, kind, *keys):
        reset = limiter.get_window_stats(item, kind, *keys).reset_time
        raise LimitExceeded(kind, max(1, math.ceil(reset - time.time())))


def check_send(slug: str, phone: str, ip: str) -> None:
    """Raise LimitExceeded if a code may not be sent to this phone from this IP now."""
    _check(RESEND_COOLDOWN, "cooldown", slug, phone)
    _check(PHONE_SHORT, "phone", phone)
    _check(PHONE_DAY, "phone_day", phone)
    _check(IP_HOUR, "ip", ip)


def record_send(slug: str, phone: str, ip: str) -> None:
    """Count a code that was sent."""
    limiter = _limiter()
    limiter.hit(RESEND_COOLDOWN, "cooldown", slug, phone)
    limiter.hit(PHONE_SHORT, "phone", phone)
    limiter.hit(PHONE_DAY, "phone_day", phone)
    limiter.hit(IP_HOUR, "ip", ip)


def check_attempt(send_id: str) -> None:
    """Raise LimitExceeded once a sent code has had its five wrong tries."""
    _check(WRONG_CODES, "wrong", send_id)


def record_wrong_code(send_id: str) -> None:
    """Count a wrong code against the code that was sent."""
    _limiter().hit(WRONG_CODES, "wrong", send_id)


def cooldown_left(slug: str, phone: str) -> int:
    """Seconds until another code may be sent to this phone (0 when it may)."""
    try:
        _check(RESEND_COOLDOWN, "cooldown", slug, phone)
    except LimitExceeded as exc:
        return exc.retry_after
    return 0


def init_app(app: Flask, redis_url: str | None) -> None:
    """Bind the limiter to memory, or to Redis when configured."""
    uri = redis_url if redis_url else "memory://"
    options = {"key_prefix": "storefront-limits"} if redis_url else {}
    app.extensions["otp_limiter"] = MovingWindowRateLimiter(storage_from_string(uri, **options))
