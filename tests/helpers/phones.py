"""Fixtures for the browser tests on Instagram's phone (360x640): a module imports the ones it uses.

``browser`` (one Debian Chromium per module), ``served`` (the storefront over HTTP on a fresh
sandbox, per module: read-only tests share it), ``phone`` and ``phone_no_js`` (a tab with
JavaScript on, and off).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from helpers.browser import INSTAGRAM_PHONE, launched, open_tab, served_on
from storefront.sendy.sandbox import Sandbox


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (skipped without Playwright or Chromium)."""
    yield from launched(pytest.importorskip("playwright.sync_api"))


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Sandbox]]:
    """The storefront on one sandbox for the module, served over HTTP: (base URL, sandbox)."""
    yield from served_on(Sandbox(demo=False))


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A 360x640 Instagram tab with JavaScript on."""
    yield from open_tab(browser, INSTAGRAM_PHONE)


@pytest.fixture
def phone_no_js(browser: Any) -> Iterator[Any]:
    """The same phone with JavaScript off."""
    yield from open_tab(browser, INSTAGRAM_PHONE, java_script_enabled=False)
