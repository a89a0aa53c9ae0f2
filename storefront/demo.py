"""The factory's demo wiring: the only code of the app that knows the sandbox is there.

With no ``SENDY_BASE_URL`` the embedded sandbox stands in for Sendy: its in-process transport, its
demo stores' API keys, its list of published stores (the platform index and robots.txt), and — on
the code page, while ``SANDBOX_DEMO`` is on — the code it "sent", since no SMS leaves the demo.
Services and views never ask whether the sandbox is there; they see a transport, keys and a store
directory like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx
from flask import Flask, g, request
from werkzeug.test import Client

from storefront.sendy.sandbox import Sandbox
from storefront.sendy.sandbox.cli import sandbox_cli
from storefront.sendy.sandbox.webhooks import Deliver, new_secret
from storefront.services import checkout

#: The base URL the client is given for the in-process sandbox (never resolved: the transport answers).
SANDBOX_URL = "http://sendy.sandbox"


def init_app(app: Flask, data: str | None) -> tuple[httpx.BaseTransport, dict[str, str]]:
    """Stand the sandbox in for Sendy: its transport and demo keys; the demo notices when asked."""
    given = app.config.get("SANDBOX")
    sandbox: Sandbox = given or Sandbox(data, demo=True)
    app.extensions["sandbox"] = sandbox
    if app.config.get("SANDBOX_WEBHOOKS", given is None):  # the demo: changes reach the pages by webhook
        _subscribe(app, sandbox)
    app.extensions["store_directory"] = sandbox.published_stores
    if app.config.get("SANDBOX_DEMO"):
        app.context_processor(lambda: _demo_code(sandbox))
    return sandbox.transport(), sandbox.demo_api_keys()


def _subscribe(app: Flask, sandbox: Sandbox) -> None:
    """Every store's events delivered, signed with a secret of this process, into this app's receiver."""
    for slug in list(sandbox.state.stores):
        secret = new_secret()
        app.extensions["webhook_secrets"].add(slug, secret)
        sandbox.subscribe(slug, f"http://in-process/-/webhooks/sendy/{slug}", secret=secret,
                          deliver=_into(app))


def _into(app: Flask) -> Deliver:
    """A delivery through the app's whole WSGI stack, as over HTTP; the work is done when it returns."""
    hosts = app.extensions["settings"].platform_hosts

    def deliver(url: str, body: bytes, headers: dict[str, str]) -> int:
        response = Client(app.wsgi_app).post(urlsplit(url).path, data=body, headers=headers,
                                             base_url=f"http://{hosts[0] if hosts else 'localhost'}/",
                                             environ_base={"REMOTE_ADDR": "127.0.0.1"})
        response.close()  # runs the work handed to call_on_close
        return response.status_code

    return deliver


def mount_hooks(app: Flask) -> None:
    """``/__sandbox/…`` (the test hooks: change a price, the stock…) answered by the embedded sandbox,
    for loopback clients only, so ``flask sandbox set-price`` reaches the sandbox inside ``make run``."""
    sandbox: Sandbox | None = app.extensions.get("sandbox")
    if sandbox is None or not app.config.get("SANDBOX_WEBHOOKS", app.config.get("SANDBOX") is None):
        return
    inner = app.wsgi_app

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith("/__sandbox/") and \
                environ.get("REMOTE_ADDR") in ("127.0.0.1", "::1"):
            return sandbox.wsgi_app(environ, start_response)
        return inner(environ, start_response)

    app.wsgi_app = dispatch  # type: ignore[method-assign]


def init_cli(app: Flask) -> None:
    """``flask sandbox …``: serve the sandbox over HTTP, print its demo keys."""
    app.cli.add_command(sandbox_cli)


def _demo_code(sandbox: Sandbox) -> dict[str, Any]:
    """On the code page: the code the sandbox would have sent by SMS (no SMS leaves the demo)."""
    if request.endpoint != "checkout.code" or not g.get("slug"):
        return {}
    current = checkout.pending(g.slug)
    return {"demo_code": sandbox.last_otp(current.details.phone)} if current and current.send_id else {}
