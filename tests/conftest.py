"""Shared fixtures: a fresh sandbox, the app wired to it in-process, a browser-like client, and a
throwaway redis-server. The helpers the tests share are in the ``helpers`` package.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

# Re-exported for test modules that import them from here (new ones import from ``helpers``).
from helpers.app import FLORA, HIDDEN, HONEY, PHONE, TIGRIS, make_app, share_compiled_templates  # noqa: F401
from helpers.checkout import csrf_token, submit  # noqa: F401
from helpers.clock import _CLOCK
from helpers.servers import redis_server

from storefront.runtime.clock import Clock
from storefront.sendy.sandbox import Sandbox

#: Modules of one long test (a minute of soak, the whole deploy stack): started first.
LONGEST = ("test_soak.py", "test_deploy_check.py", "test_redis_outage.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A browser test is a slow one too (``make test-fast`` runs ``-m "not slow"``).

    The modules are put longest first: ``make test`` runs them on two processes (pytest-xdist,
    one module per process at a time), and a minute-long module handed out last would leave
    one process alone with it at the end. Long means the ``LONGEST`` above, then the most slow
    tests; the order within a module is kept.
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
    slow: dict[str, int] = {}
    for item in items:
        slow[item.path.name] = slow.get(item.path.name, 0) + bool(item.get_closest_marker("slow"))

    def weight(item: pytest.Item) -> tuple[int, int]:
        name = item.path.name
        return (LONGEST.index(name) if name in LONGEST else len(LONGEST), -slow[name])

    items.sort(key=weight)  # stable: a module's tests stay together and in order


@pytest.fixture(autouse=True)
def test_clock() -> Iterator[Clock]:
    """A clock per test, injected into the apps it builds: tests move it ahead instead of patching ``time``."""
    _CLOCK.append(Clock())
    yield _CLOCK[-1]
    _CLOCK.pop()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox with the demo seed (codes not printed)."""
    yield Sandbox(demo=False)


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


@pytest.fixture(scope="module")
def shared_app() -> Iterator[Flask]:
    """One app for a module's read-only checks (a crash answers 500, as in production)."""
    app = make_app(Sandbox(demo=False), PROPAGATE_EXCEPTIONS=False)
    yield app
    app.extensions["sendy"].close()


@pytest.fixture
def shared_client(shared_app: Flask) -> FlaskClient:
    """A browser-like client of ``shared_app``."""
    return shared_app.test_client()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server on a free port (one per test module)."""
    with redis_server() as url:
        yield url
