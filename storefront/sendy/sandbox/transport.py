"""Sandbox layer: the in-process httpx transport, where network-level faults happen."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx
from flask import Flask

from storefront.sendy.sandbox.app import IN_PROCESS_KEY, route_name
from storefront.sendy.sandbox.faults import TRANSPORT_KINDS, Faults

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SandboxTransport(httpx.BaseTransport):
    """Send requests straight into the sandbox app, raising timeouts and connect errors on cue."""

    def __init__(self, app: Flask, faults: Faults, log_request: Callable[[str, str], None]):
        self._app = app
        self._faults = faults
        self._log_request = log_request
        self._wsgi = httpx.WSGITransport(app=_mark_in_process(app))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer request through the app unless a transport-level fault intervenes."""
        method, path = request.method, request.url.path
        fault = self._faults.take(route_name(self._app, method, path), TRANSPORT_KINDS)
        if fault is not None and fault.kind in ("timeout", "connect"):
            self._log_request(method, path)
            if fault.kind == "connect":
                raise httpx.ConnectError("Sandbox: connection refused (injected)", request=request)
            raise httpx.ReadTimeout("Sandbox: read timed out (injected)", request=request)
        response = self._wsgi.handle_request(request)
        if fault is not None:
            response.read()
            response.close()
            raise httpx.ReadTimeout("Sandbox: answer lost after processing (injected)", request=request)
        return response

    def close(self) -> None:
        """Close the wrapped WSGI transport."""
        self._wsgi.close()


def _mark_in_process(app: Flask) -> WSGIApp:
    """Wrap app so it knows a request came through this transport."""

    def marked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[IN_PROCESS_KEY] = True
        return app(environ, start_response)

    return marked
