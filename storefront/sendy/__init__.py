"""Sendy integration layer: the HTTP client, its models and errors, and the sandbox."""

from storefront.sendy.client import SendyClient
from storefront.sendy.errors import (
    SendyAPIError,
    SendyError,
    SendyForbidden,
    SendyNotFound,
    SendyRateLimited,
    SendyRejected,
    SendyUnavailable,
)

__all__ = [
    "SendyAPIError",
    "SendyClient",
    "SendyError",
    "SendyForbidden",
    "SendyNotFound",
    "SendyRateLimited",
    "SendyRejected",
    "SendyUnavailable",
]
