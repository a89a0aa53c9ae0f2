"""Service layer: one-time-code limits, each slot taken atomically before Sendy is asked.

A send takes, in this order, the phone's resend cooldown (an atomic "add if absent" in the
state store: one winner among any number of simultaneous requests), then a slot in the
connection's hourly window and the phone's 10-minute and daily windows (the ``limits``
library's moving windows, whose ``hit`` is atomic in memory and in Redis). A refused slot
gives back the cooldown; a send Sendy answered with a refusal or an error gives it back too
(nothing was sent), while a send whose answer was lost keeps everything.

Wrong codes are counted per phone and per code sent — not per session — and each attempt is
counted before Sendy checks it, so a burst of guesses from many sessions shares five tries.

Without Redis no limit can be checked, and no code is sent: every function here then raises
``StateUnavailable`` (the shopper gets the friendly 503 page, and keeps what they typed).

Budgets bound what SMS pumping (bots asking codes for ranges of numbers, from many addresses)
can cost: per number prefix (the number without its last four digits), per store (hourly and
daily, ``OTP_BUDGETS`` overriding the defaults) and for the whole platform. They are taken last,
so a send refused by another limit spends none. Spending one is logged once per window as a
warning (``otp.budget_exhausted``), as are a store's budget 80% used (``otp.budget_80``) and an
hour in which fewer than a third of a store's codes were entered correctly
(``otp.low_verification``, the sign of pumping).
"""

from __future__ import annotations

import logging
import math

from flask import Flask, current_app
from limits import RateLimitItem, WindowStats, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from storefront.config import OtpBudgets
from storefront.runtime import metrics
from storefront.runtime.clock import clock
from storefront.runtime.redis_guard import Guard, NoGuard, client_options, guard
from storefront.runtime.state import state
from storefront.services.refusals import Limit

#: Seconds between two codes to one phone: the one source of truth for the resend countdown.
RESEND_COOLDOWN = 60
PHONE_SHORT = parse("3 per 10 minutes")
PHONE_DAY = parse("10 per day")
IP_HOUR = parse("10 per hour")
WRONG_CODES = 5
#: How long a code's attempt count is kept (longer than any code lives).
ATTEMPTS_TTL = 15 * 60
#: The pumping signal needs this many codes sent in the hour before it speaks.
SIGNAL_MIN_SENDS = 9
log = logging.getLogger("storefront.otp")


class LimitExceeded(Exception):
    """A limit was reached; ``kind`` names it and ``retry_after`` is in seconds."""

    def __init__(self, kind: Limit, retry_after: float) -> None:
        super().__init__(f"{kind} limit, retry after {retry_after}s")
        self.kind = kind
        self.retry_after = max(1, math.ceil(retry_after))

    @property
    def budget(self) -> bool:
        """Whether a budget (not a per-shopper limit) refused: codes are paused for everyone."""
        return self.kind.budget


class GuardedLimiter:
    """The moving-window limiter, raising StateUnavailable when its Redis cannot be reached."""

    def __init__(self, limiter: MovingWindowRateLimiter, redis_guard: Guard) -> None:
        self.limiter, self.guard = limiter, redis_guard

    def hit(self, item: RateLimitItem, *keys: str) -> bool:
        """Take a slot (atomic); False when the window is full."""
        with self.guard("limits"):
            return self.limiter.hit(item, *keys)

    def test(self, item: RateLimitItem, *keys: str) -> bool:
        """Whether a slot is free, taking none."""
        with self.guard("limits"):
            return self.limiter.test(item, *keys)

    def get_window_stats(self, item: RateLimitItem, *keys: str) -> WindowStats:
        """When the window resets and how many slots are left."""
        with self.guard("limits"):
            return self.limiter.get_window_stats(item, *keys)


def _limiter() -> GuardedLimiter:
    return current_app.extensions["otp_limiter"]


def _hit(item: RateLimitItem, kind: Limit, *keys: str) -> None:
    if not _limiter().hit(item, kind, *keys):
        _refuse(item, kind, *keys)


def _test(item: RateLimitItem, kind: Limit, *keys: str) -> None:
    if not _limiter().test(item, kind, *keys):
        _refuse(item, kind, *keys)


def _refuse(item: RateLimitItem, kind: Limit, *keys: str) -> None:
    reset = _limiter().get_window_stats(item, kind, *keys).reset_time
    raise _refused(kind, reset - clock().time())


def _refused(kind: Limit, retry_after: float) -> LimitExceeded:
    metrics.OTP_REFUSALS.labels(kind).inc()
    return LimitExceeded(kind, retry_after)


def _cooldown_key(slug: str, phone: str) -> str:
    return f"otp:cooldown:{slug}:{phone}"


def take_send(slug: str, phone: str, ip: str, budgets: OtpBudgets) -> None:
    """Take a slot in every send limit and budget, or raise LimitExceeded having taken none that matters."""
    key = _cooldown_key(slug, phone)
    if not state().add(key, 1, RESEND_COOLDOWN):
        raise _refused(Limit.COOLDOWN, state().ttl(key))
    try:
        for item, kind in ((PHONE_SHORT, Limit.PHONE), (PHONE_DAY, Limit.PHONE_DAY)):
            _test(item, kind, phone)  # the phone's own limit is the reason to show, if both apply
        _hit(IP_HOUR, Limit.IP, ip)  # the connection first: a refused one takes none of the phone's slots
        _hit(PHONE_SHORT, Limit.PHONE, phone)
        _hit(PHONE_DAY, Limit.PHONE_DAY, phone)
        _spend(slug, phone, budgets)
    except LimitExceeded:
        state().delete(key)
        raise


def _budgets(slug: str, phone: str, budgets: OtpBudgets) -> list[tuple[RateLimitItem, Limit, tuple[str, ...]]]:
    hourly, daily = budgets.for_store(slug)
    return [(parse(f"{budgets.prefix_hourly} per hour"), Limit.PREFIX, (phone[:-4],)),
            (parse(f"{hourly} per hour"), Limit.STORE_HOURLY, (slug,)),
            (parse(f"{daily} per day"), Limit.STORE_DAILY, (slug,)),
            (parse(f"{budgets.platform_hourly} per hour"), Limit.PLATFORM, ())]


def _spend(slug: str, phone: str, budgets: OtpBudgets) -> None:
    """Take one code from each budget; the first one spent refuses (and is logged once)."""
    for item, kind, keys in _budgets(slug, phone, budgets):
        stats_keys = (kind, *keys)
        if not _limiter().hit(item, *stats_keys):
            _warn_once("otp.budget_exhausted", kind, slug if kind != Limit.PLATFORM else "*", item.get_expiry())
            _refuse(item, kind, *keys)
        if kind != Limit.PREFIX:
            left = _limiter().get_window_stats(item, *stats_keys).remaining
            if left <= item.amount * 0.2:
                _warn_once("otp.budget_80", kind, slug if kind != Limit.PLATFORM else "*", item.get_expiry())
    _check_pumping(slug, budgets)


def _verified_item(slug: str, budgets: OtpBudgets) -> RateLimitItem:
    return parse(f"{budgets.for_store(slug)[0]} per hour")


def record_verified(slug: str, budgets: OtpBudgets) -> None:
    """A code was entered correctly in this store (for the pumping signal)."""
    _limiter().hit(_verified_item(slug, budgets), "verified", slug)


def _check_pumping(slug: str, budgets: OtpBudgets) -> None:
    sent_item = parse(f"{budgets.for_store(slug)[0]} per hour")
    sent = sent_item.amount - _limiter().get_window_stats(sent_item, Limit.STORE_HOURLY, slug).remaining
    verified_item = _verified_item(slug, budgets)
    verified = verified_item.amount - _limiter().get_window_stats(verified_item, "verified", slug).remaining
    if sent >= SIGNAL_MIN_SENDS and verified * 3 < sent:
        _warn_once("otp.low_verification", Limit.STORE_HOURLY, slug, 3600, sent=sent, verified=verified)


def _warn_once(event: str, budget: str, slug: str, window: int, **figures: int) -> None:
    """Log a budget event once per window, whichever worker sees it first."""
    if state().add(f"otp:warned:{event}:{budget}:{slug}", 1, window):
        log.warning("%s: %s budget of %s", event, budget, slug,
                    extra={"fields": {"event": event, "budget": budget, "store": slug, **figures}})


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
        raise _refused(Limit.WRONG, state().ttl(key))


def give_back_attempt(slug: str, phone: str, code_id: str) -> None:
    """Sendy gave no verdict on the code (it failed): the try does not count."""
    state().incr(_attempts_key(slug, phone, code_id), ATTEMPTS_TTL, -1)


def init_app(app: Flask, redis_url: str | None) -> None:
    """Bind the limiter to memory, or to Redis when configured (fail closed: no limit, no code)."""
    uri = redis_url if redis_url else "memory://"
    options = {"key_prefix": "storefront-limits", **client_options()} if redis_url else {}
    limiter = MovingWindowRateLimiter(storage_from_string(uri, **options))
    app.extensions["otp_limiter"] = GuardedLimiter(limiter, guard(app) if redis_url else NoGuard())
