"""A real Chromium for the browser tests: Debian's binary driven by Playwright, phone-sized tabs,
and the storefront served over HTTP for it to open."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.servers import serve_wsgi, stop
from storefront import create_app
from storefront.sendy.sandbox import Sandbox

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 5_000
#: Instagram's in-app browser on an Android phone: how most shoppers open a store
INSTAGRAM_UA = ("Mozilla/5.0 (Linux; Android 13; SM-A145F Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 "
                "Instagram 312.0.0.32.112 Android")
#: a browser context for that phone at 360x640 (the issue's done-when size), Arabic first
INSTAGRAM_PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True,
                                   "device_scale_factor": 1, "locale": "ar-IQ", "user_agent": INSTAGRAM_UA}


def chromium() -> str | None:
    """Debian's Chromium (Playwright's own download is not reachable here), if installed."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def launched(playwright_api: Any) -> Iterator[Any]:
    """One headless Chromium (for a module-scoped ``browser`` fixture); the test is skipped without one."""
    executable = chromium()
    if executable is None:
        pytest.skip("no Chromium binary found (install Debian's `chromium`, e.g. `make chromium`)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_tab(browser: Any, context: dict[str, Any], **options: Any) -> Iterator[Any]:
    """A tab in a fresh browser context (``context`` with ``options`` on top), closed afterwards."""
    opened = browser.new_context(**{**context, **options})
    opened.set_default_timeout(TIMEOUT_MS)
    try:
        yield opened.new_page()
    finally:
        opened.close()


def served_on(sandbox: Sandbox) -> Iterator[tuple[str, Sandbox]]:
    """The storefront on this sandbox, served over HTTP: (base URL, sandbox)."""
    app = create_app({"TESTING": True, "SANDBOX": sandbox, "SENDY_BACKOFF": 0.0})
    server, base = serve_wsgi(app, "storefront-http")
    try:
        yield base, sandbox
    finally:
        stop(server)
        app.extensions["sendy"].close()
