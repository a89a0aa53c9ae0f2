"""Runtime: the app's clock — wall time for expiries and code lifetimes, monotonic time for waits.

Injected (``create_app(config={"CLOCK": …})``, else the system's), so tests move time ahead with
``advance`` instead of patching ``time`` inside modules. Waits stay real: only the wall time moves.
"""

from __future__ import annotations

import time

from flask import current_app


class Clock:
    """The system's time, moved ahead by ``offset`` seconds (0 outside tests)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time() + self.offset

    def monotonic(self) -> float:
        """A monotonic reading for measuring waits (never moved)."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait for real."""
        time.sleep(seconds)

    def advance(self, seconds: float) -> None:
        """Jump ahead (tests): expiries, cooldowns and code lifetimes see the later time."""
        self.offset += seconds


def clock() -> Clock:
    """The app's clock."""
    return current_app.extensions["clock"]
