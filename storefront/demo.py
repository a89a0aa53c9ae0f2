"""The factory's demo wiring: the only code of the app that knows the sandbox is there.

With no ``SENDY_BASE_URL`` the embedded sandbox stands in for Sendy: its in-process transport, its
demo stores' API keys, its list of published stores (the platform index and robots.txt), and — on
the code page, while ``SANDBOX_DEMO`` is on — the code it "sent", since no SMS leaves the demo.
Services and views never ask whether the sandbox is there; they see a transport, keys and a store
directory like any other.
"""

from __future__ import annotations

from typing import Any

import httpx
from flask import Flask, g, request

from storefront.sendy.sandbox import Sandbox
from storefront.sendy.sandbox.cli import sandbox_cli
from storefront.services import checkout

#: The base URL the client is given for the in-process sandbox (never resolved: the transport answers).
SANDBOX_URL = "http://sendy.sandbox"


def init_app(app: Flask, data: str | None) -> tuple[httpx.BaseTransport, dict[str, str]]:
    """Stand the sandbox in for Sendy: its transport and demo keys; the demo notices when asked."""
    sandbox: Sandbox = app.config.get("SANDBOX") or Sandbox(data, demo=True)
    app.extensions["sandbox"] = sandbox
    app.extensions["store_directory"] = sandbox.published_stores
    if app.config.get("SANDBOX_DEMO"):
        app.context_processor(lambda: _demo_code(sandbox))
    return sandbox.transport(), sandbox.demo_api_keys()


def init_cli(app: Flask) -> None:
    """``flask sandbox …``: serve the sandbox over HTTP, print its demo keys."""
    app.cli.add_command(sandbox_cli)


def _demo_code(sandbox: Sandbox) -> dict[str, Any]:
    """On the code page: the code the sandbox would have sent by SMS (no SMS leaves the demo)."""
    if request.endpoint != "checkout.code" or not g.get("slug"):
        return {}
    current = checkout.pending(g.slug)
    return {"demo_code": sandbox.last_otp(current.details.phone)} if current and current.send_id else {}
