"""Views: validating where we send a shopper next (no open redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return fallback
    return target


def same_origin() -> bool:
    """False when the browser says the request came from another site (Origin, else Referer).

    Browsers send Origin on every form POST; when neither header is present we rely on the
    SameSite=Lax session cookie, which a cross-site POST does not carry.
    """
    ours = request.host_url.rstrip("/")
    origin = request.headers.get("Origin")
    if origin:
        return origin.rstrip("/") == ours
    referer = request.headers.get("Referer")
    if referer:
        return referer == ours or referer.startswith(ours + "/")
    return True
