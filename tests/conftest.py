"""Shared fixtures: a fresh sandbox, the app wired to it in-process, and a browser-like client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache

from storefront import create_app
from storefront.runtime.clock import Clock
from storefront.sendy.sandbox import Sandbox

FLORA = "flora-baghdad"  # Arabic-first demo store, has an API key
TIGRIS = "tigris-tech"  # English-first demo store, has an API key
HONEY = "erbil-honey"  # published, no API key: ordering via WhatsApp only
HIDDEN = "coming-soon"  # unpublished: 404
PHONE = "9647701234567"

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# -- speed: compile each template once per test run, not once per app -------------------------
class _SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory across the apps of a test run (keyed by source hash)."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SharedBytecodeCache()


def share_compiled_templates(app: Flask) -> None:
    """Let ``app`` reuse the templates earlier apps compiled (a fresh app recompiles them all)."""
    app.jinja_env.bytecode_cache = _TEMPLATES


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox with the demo seed (codes not printed)."""
    yield Sandbox(demo=False)


#: This test's clock: every app ``make_app`` builds in one test shares it (see ``test_clock``).
_CLOCK: list[Clock] = []


@pytest.fixture(autouse=True)
def test_clock() -> Iterator[Clock]:
    """A clock per test, injected into the apps it builds: tests move it ahead instead of patching ``time``."""
    _CLOCK.append(Clock())
    yield _CLOCK[-1]
    _CLOCK.pop()


def current_clock() -> Clock:
    """The running test's clock (a fresh one outside a test)."""
    return _CLOCK[-1] if _CLOCK else Clock()


def make_app(sandbox: Sandbox, **config: Any) -> Flask:
    """The storefront on ``sandbox``, CSRF on, retries without sleeping, with ``config`` on top."""
    app = create_app({"TESTING": True, "SANDBOX": sandbox, "SENDY_BACKOFF": 0.0, "CLOCK": current_clock(), **config})
    share_compiled_templates(app)
    return app


@pytest.fixture
def app(sandbox: Sandbox) -> Iterator[Flask]:
    """The storefront on the in-process sandbox, CSRF on, retries without sleeping."""
    app = make_app(sandbox)
    yield app
    app.extensions["sendy"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client that keeps cookies like a browser."""
    return app.test_client()


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on a page, as a browser would submit it."""
    html = client.get(url).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def submit(client: FlaskClient, page: str, action: str, data: dict[str, str], **kwargs):
    """Load ``page``, take its CSRF token, and POST ``data`` to ``action``."""
    token = csrf_token(client, page)
    return client.post(action, data={"csrf_token": token, **data}, **kwargs)
