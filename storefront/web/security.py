"""Security headers on every response, and long-lived fingerprinted static assets.

Written by hand rather than with flask-talisman: our policy is one static header set
(no inline scripts, so no per-response nonce that would make CDN-cached pages differ).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request
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


HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", PERMISSIONS),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
#: No includeSubDomains: merchants' other subdomains are not ours.
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.extend(HEADERS)  # no view sets these itself
    if g.get("style_hashes"):  # the store's colours (web/theme.py): that one inline style, nothing else
        allowed = " ".join(("style-src 'self'", *g.style_hashes))
        headers["Content-Security-Policy"] = CSP.replace("style-src 'self'", allowed)
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.extend([HSTS])
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
