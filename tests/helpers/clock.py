"""Moving time forward without sleeping: the code limits, the checkout and Sendy's own clock.

Each test gets a clock (``test_clock`` in conftest) that every app ``make_app``/``http_app`` builds
in that test is given (``create_app(config={"CLOCK": …})``): ``install_clock`` hands it to the test
to advance, ``later`` jumps it by a fixed amount. The limits library's memory storage reads ``time``
itself, so it (a third-party module) is the one place still patched, with the same clock.
"""

from __future__ import annotations

import pytest

from storefront.runtime.clock import Clock
from storefront.sendy.sandbox import Sandbox

#: The running test's clock (see ``conftest.test_clock``).
_CLOCK: list[Clock] = []


def current_clock() -> Clock:
    """The running test's clock (a fresh one outside a test)."""
    return _CLOCK[-1] if _CLOCK else Clock()


def install_clock(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> Clock:
    """Jump ahead in time without sleeping: the apps' injected clock (code limits, code expiry), the
    limits library's memory storage and Sendy's own clock."""
    clock = current_clock()
    monkeypatch.setattr("limits.storage.memory.time", clock)
    monkeypatch.setattr(sandbox, "clock", clock.time)
    return clock


def later(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, seconds: float) -> None:
    """Jump ``seconds`` ahead for the code limits, the checkout and Sendy's own clock."""
    install_clock(monkeypatch, sandbox).advance(seconds)
