"""The signed session cookie: compact JSON, and a byte budget shared by every store.

A shopper's session holds, per store, a cart (``cart``) and a checkout in progress
(``checkout``), plus the CSRF token and the last orders placed. Browsers drop a cookie over
4,096 bytes — the whole session would be lost — so every write is measured as the cookie
it will become (JSON, compressed, base64: what the browser stores) and other stores' sections
give way, least recently used first. The current store's own parts have budgets of their own
(``STORE_CART_BYTES``, ``CHECKOUT_BYTES``) that together always fit.

Non-ASCII text is kept as UTF-8 rather than ``\\uXXXX`` escapes: an Arabic letter costs two
bytes instead of six, an emoji four instead of twelve.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, current_app, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface

#: The whole cookie value; the name and attributes take the rest of the browser's 4,096.
SESSION_BYTES = 3_800
#: One store's cart, alone.
STORE_CART_BYTES = 2_100
#: One store's checkout in progress (the typed details), alone.
CHECKOUT_BYTES = 1_300
#: The per-store sections of the session, in the order they give way.
SECTIONS = ("checkout", "cart")


class CompactJSON(TaggedJSONSerializer):
    """Flask's tagged JSON, without escaping non-ASCII text."""

    def dumps(self, value: Any) -> str:
        """Tag the value and dump it to compact UTF-8 JSON."""
        return json.dumps(self.tag(value), separators=(",", ":"), ensure_ascii=False)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session with the compact serializer."""

    serializer = CompactJSON()


def cookie_bytes(data: dict[str, Any]) -> int:
    """How many bytes the signed session cookie would take with this content."""
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]
    return len(serializer.dumps(data)) if serializer else 0


def section_bytes(section: str, slug: str, value: Any) -> int:
    """The cookie size of one store's section on its own (for the per-store budgets)."""
    return cookie_bytes({section: {slug: value}})


def write(section: str, slug: str, value: Any) -> bool:
    """Write one store's section (``None`` removes it), most recently used last; other stores'
    sections give way until the cookie fits. False, and nothing changed, if it still can't."""
    before = {k: dict(session.get(k) or {}) for k in SECTIONS}
    parts = {k: v for k, v in before[section].items() if k != slug}
    if value is not None:
        parts[slug] = value
    session[section] = parts
    while cookie_bytes(dict(session)) > SESSION_BYTES:
        if not _drop_oldest_other(slug):
            session.update(before)
            return False
    return True


def _drop_oldest_other(slug: str) -> bool:
    for section in SECTIONS:
        others = [k for k in session.get(section, {}) if k != slug]
        if others:
            session[section] = {k: v for k, v in session[section].items() if k != others[0]}
            return True
    return False


def init_app(app: Flask) -> None:
    """Use the compact session serializer."""
    app.session_interface = SessionInterface()
