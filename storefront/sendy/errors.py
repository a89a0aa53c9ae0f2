"""Sendy client layer: the typed exception tree raised at the HTTP boundary.

Messages never contain the API key or a request's headers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One field-level complaint from Sendy, in our own field vocabulary."""

    field: str
    message: str


class SendyError(Exception):
    """Anything that went wrong while talking to Sendy."""

    def __init__(self, message: str = "", *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class SendyUnavailable(SendyError):
    """Sendy could not be reached or answered with a 5xx or an unreadable body."""

    def __init__(
        self, message: str = "", *, status: int | None = None, maybe_processed: bool = False
    ) -> None:
        super().__init__(message, status=status)
        #: True when the request may have reached Sendy (a read timeout on a POST).
        self.maybe_processed = maybe_processed


class SendyBusy(SendyUnavailable):
    """Not even tried: too many calls are already waiting on Sendy in this process."""


class SendyAPIError(SendyError):
    """Sendy understood the request and refused it."""


class SendyNotFound(SendyAPIError):
    """The resource does not exist (or the store is not published)."""


class SendyForbidden(SendyAPIError):
    """The API key is missing, unknown, or lacks the scope."""


class SendyRateLimited(SendyAPIError):
    """Sendy refused because of too many requests (HTTP 429)."""


class SendyRejected(SendyAPIError):
    """A validation or business-rule refusal (HTTP 400/409/422), with field errors."""

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        field_errors: tuple[FieldError, ...] = (),
    ) -> None:
        super().__init__(message, status=status)
        self.field_errors = field_errors

    def for_field(self, field: str) -> list[str]:
        """Messages Sendy attached to one of our field names."""
        return [e.message for e in self.field_errors if e.field == field]
