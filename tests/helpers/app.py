"""The demo stores, the storefront wired to a sandbox (in-process or over HTTP), and cache resets."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache

from helpers.clock import current_clock
from storefront import create_app
from storefront.extensions import cache
from storefront.sendy.sandbox import Sandbox
from storefront.services import caches
from storefront.services.sendy import invalidate

FLORA = "flora-baghdad"  # Arabic-first demo store, has an API key
TIGRIS = "tigris-tech"  # English-first demo store, has an API key
HONEY = "erbil-honey"  # published, no API key: ordering via WhatsApp only
HIDDEN = "coming-soon"  # unpublished: 404
PHONE = "9647701234567"

SECRET = "resilience-" + "k" * 40


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


def tiny_store(slug: str, **fields: Any) -> dict[str, Any]:
    """A published storefront with one product, for ``sandbox.add_store`` (``fields`` on top)."""
    data = {"slug": slug, "name": f"Shop {slug}", "language": "en",
            "products": [{"sku": "B-1", "name": "Box", "price": 1000}]}
    data.update(fields)
    return data


def make_app(sandbox: Sandbox, **config: Any) -> Flask:
    """The storefront on ``sandbox``, CSRF on, retries without sleeping, with ``config`` on top."""
    app = create_app({"TESTING": True, "SANDBOX": sandbox, "SENDY_BACKOFF": 0.0, "CLOCK": current_clock(), **config})
    share_compiled_templates(app)
    return app


# -- apps talking to Sendy over real HTTP ----------------------------------------------------
def http_app(sendy_url: str, sandbox: Sandbox, **extra: Any) -> Flask:
    """The storefront configured like a deployment, with Sendy at ``sendy_url``."""
    config: dict[str, Any] = {
        "SENDY_BASE_URL": sendy_url,
        "STOREFRONT_ENV": "development",
        "SECRET_KEY": SECRET,
        "SENDY_API_KEYS": json.dumps(sandbox.demo_api_keys()),
        "SENDY_TIMEOUT": "1",
        "SENDY_BACKOFF": 0.0,
        "TESTING": True,
        "CLOCK": current_clock(),
    }
    config.update(extra)
    return create_app(config)


def close_app(app: Flask) -> None:
    """Close the app's pooled Sendy client (no unclosed sockets: warnings are errors)."""
    app.extensions["sendy"].close()


# -- cache states -----------------------------------------------------------------------------
def forget_everything(app: Flask) -> None:
    """A cold cache: what a freshly restarted worker has (fresh and stale copies gone)."""
    with app.app_context():
        cache.clear()
    app.extensions["page_cache"].pages.clear()
    app.extensions["sendy_remembered"].clear()
    app.extensions.pop("catalog_memo", None)  # the stores this process had parsed and indexed


def expire(app: Flask, endpoint: str, slug: str, province: str = "BG") -> None:
    """Let the fresh copy behind a Sendy endpoint expire (the stale copy stays)."""
    with app.app_context():
        if endpoint == "storefront":
            caches.forget_store(slug)
        elif endpoint == "provinces":
            invalidate("provinces")
        elif endpoint == "areas":
            invalidate(f"areas:{province}")
        else:
            raise ValueError(endpoint)
