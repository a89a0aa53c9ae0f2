"""Moving time forward without sleeping: the code limits, the checkout and Sendy's own clock.

``install_clock`` (a clock the test advances) and ``later`` (a fixed jump) patch ``time`` in the
modules that read it.
"""

from __future__ import annotations

import time
import time as _real_time
from typing import Any

import pytest

from storefront.sendy.sandbox import Sandbox


# -- time control for the code limits --------------------------------------------------------
class Clock:
    """``time`` for the limiter, the checkout and the sandbox, with a settable offset."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return _real_time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(_real_time, name)  # sleep, monotonic… stay real


def install_clock(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> Clock:
    """Jump ahead in time without sleeping: code limits, code expiry and Sendy's own clock."""
    fake = Clock()
    for module in ("limits.storage.memory", "storefront.services.limits",
                   "storefront.services.checkout", "storefront.state"):
        monkeypatch.setattr(f"{module}.time", fake)
    monkeypatch.setattr(sandbox, "clock", fake.time)
    return fake


class _Later:
    """``time`` moved ahead by a fixed number of seconds (``sleep``, ``monotonic`` stay real)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def time(self) -> float:
        return time.time() + self.seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def later(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, seconds: float) -> None:
    """Jump ``seconds`` ahead for the code limits, the checkout and Sendy's own clock."""
    moved = _Later(seconds)
    for module in ("limits.storage.memory", "storefront.services.limits",
                   "storefront.services.checkout", "storefront.state"):
        monkeypatch.setattr(f"{module}.time", moved)
    monkeypatch.setattr(sandbox, "clock", moved.time)
