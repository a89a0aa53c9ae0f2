"""Sandbox layer: fault injection (errors, bad bodies, latency, timeouts) per endpoint."""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

ENDPOINTS = frozenset({"storefront", "provinces", "areas", "send_otp", "order", "order_read", "order_find", "*"})
TRANSPORT_KINDS = frozenset({"timeout", "timeout_after", "connect"})
APP_KINDS = frozenset({"status", "malformed", "bad_shape", "latency", "success_false"})
KINDS = TRANSPORT_KINDS | APP_KINDS
HTTP_TIMEOUT_SECONDS = 10.0


@dataclass
class Fault:
    """One injected fault; ``times`` counts the requests it still applies to (None: forever)."""

    endpoint: str
    kind: str
    times: int | None = None
    seconds: float = 0.0
    status: int = 500

    def matches(self, endpoint: str, kinds: Collection[str]) -> bool:
        """Tell whether this fault applies to a request to endpoint, for these kinds."""
        return self.kind in kinds and self.endpoint in (endpoint, "*")

    def to_dict(self) -> dict[str, Any]:
        """Return the fault as a JSON-ready dict."""
        return asdict(self)


class Faults:
    """A thread-safe list of faults, consumed by the sandbox app and transport."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        endpoint: str,
        kind: str,
        *,
        times: int | None = None,
        seconds: float = 0.0,
        status: int = 500,
    ) -> Fault:
        """Inject a fault for the next ``times`` requests to endpoint (None: until cleared)."""
        fault = Fault(endpoint, kind, times, float(seconds), int(status))
        _check(fault)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        """Return a snapshot of the faults still in force."""
        with self._lock:
            return [Fault(**f.to_dict()) for f in self._faults]

    def take(self, endpoint: str | None, kinds: Collection[str] = KINDS) -> Fault | None:
        """Use up one application of the first fault matching this request, if any."""
        if endpoint is None:
            return None
        with self._lock:
            for fault in self._faults:
                if fault.matches(endpoint, kinds):
                    return self._use(fault)
        return None

    def _use(self, fault: Fault) -> Fault:
        """Count one use of fault, dropping it when exhausted; return a copy."""
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
        return Fault(**fault.to_dict())


def _check(fault: Fault) -> None:
    """Raise ValueError for a fault the sandbox cannot apply."""
    if fault.endpoint not in ENDPOINTS:
        raise ValueError(f"Unknown fault endpoint {fault.endpoint!r}; use one of {sorted(ENDPOINTS)}")
    if fault.kind not in KINDS:
        raise ValueError(f"Unknown fault kind {fault.kind!r}; use one of {sorted(KINDS)}")
    if fault.times is not None and fault.times < 1:
        raise ValueError("Fault times must be None or at least 1")
    if fault.seconds < 0 or not 100 <= fault.status <= 599:
        raise ValueError("Fault seconds must be >= 0 and status an HTTP status code")
