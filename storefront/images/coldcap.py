"""Images: how many images one client may have made for it per minute.

A cached image costs a file read; a cold one costs a decode. So each connection (the address
the app sees: ``remote_addr``, after ProxyFix when ``TRUSTED_PROXIES`` is set) may ask for at
most ``per_minute`` images that are not made yet, counted with the ``limits`` library in the same
kind of storage as the app's other limits (this process's memory, or Redis when ``REDIS_URL`` is
set, then shared by every worker). Cached images are never counted. When the storage cannot be
reached the cap lets the request through: the pool's own bounds still hold.

A client this process has refused is remembered (in memory, bounded) until its window ends, so
its next cold requests are refused by the image middleware without the app (``refused``).
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger("storefront.images")
MAX_REFUSED = 10_000  # refused clients remembered, at most (then forgotten at once: the storage still counts)


class ColdCap:
    """Cold images per client per minute (see the module docstring)."""

    def __init__(self, per_minute: int, redis_url: str | None) -> None:
        uri = redis_url or "memory://"
        options = {"key_prefix": "storefront-limits"} if redis_url else {}
        self.limiter = FixedWindowRateLimiter(storage_from_string(uri, **options))
        self.item = RateLimitItemPerMinute(max(1, per_minute))
        self._warned = 0.0
        self._refused: dict[str, float] = {}  # client → when its window ends (epoch seconds)

    def take(self, client: str) -> int:
        """Count one cold image for ``client``: 0 when allowed, else the seconds until it may ask again."""
        try:
            if self.limiter.hit(self.item, "img-cold", client or "-"):
                return 0
            reset = self.limiter.get_window_stats(self.item, "img-cold", client or "-").reset_time
        except Exception as exc:  # the storage (Redis) is down: the pool's bounds still hold
            if time.monotonic() - self._warned > 60:
                self._warned = time.monotonic()
                log.warning("image cold cap: limits storage unavailable, not counting: %s", exc.__class__.__name__)
            return 0
        if len(self._refused) >= MAX_REFUSED:
            self._refused.clear()
        self._refused[client or "-"] = reset
        return max(1, math.ceil(reset - time.time()))

    def refused(self, client: str) -> int:
        """The seconds until ``client`` may ask again if this process refused it in its current window,
        else 0 (a dictionary lookup: no storage is asked, nothing is counted)."""
        until = self._refused.get(client or "-")
        if until is None:
            return 0
        left = until - time.time()
        if left <= 0:
            self._refused.pop(client or "-", None)
            return 0
        return max(1, math.ceil(left))
