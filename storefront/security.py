"""Security headers on every response, and long-lived fingerprinted static assets.

Written by hand rather than with flask-talisman: our policy is one static header set
(no inline scripts, so no per-response nonce that would make CDN-cached pages differ).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "connect-src 'self'",
    "font-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
STATIC_FOREVER = "public, max-age=31536000, immutable"


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        # no includeSubDomains: merchants' other subdomains are not ours
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint == "static":
        headers["Cache-Control"] = STATIC_FOREVER if request.args.get("v") else "public, max-age=3600"
    return response


@cache
def _fingerprint(folder: str, filename: str) -> str:
    path = Path(folder) / filename
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    except OSError:
        return ""


def _static_version(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = _fingerprint(current_app.static_folder or "", values["filename"])
        if version:
            values["v"] = version


def init_app(app: Flask) -> None:
    """Add the headers to every response and fingerprints to static URLs."""
    app.after_request(_headers)
    app.url_defaults(_static_version)
