"""Sendy's response envelope: ``{success, message, data, errors}`` → the data, or a typed error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from storefront.sendy.errors import (
    FieldError,
    SendyError,
    SendyForbidden,
    SendyNotFound,
    SendyRateLimited,
    SendyRejected,
    SendyUnavailable,
)

#: Sendy's order field names, mapped onto the storefront's form field names.
ORDER_FIELDS = {
    "otpCode": "otp_code",
    "customerName": "name",
    "customerPhone": "phone",
    "customerAddress": "address",
    "addressProvinceCode": "province",
    "addressAreaId": "area",
    "items": "items",
    "skus": "items",
    "notes": "notes",
}


def unwrap(response: httpx.Response) -> Any:
    """The envelope's data, or the typed error the response stands for."""
    status = response.status_code
    if status >= 500:
        raise SendyUnavailable(f"Sendy answered {status}", status=status)
    accepted = 200 <= status < 300  # a POST Sendy accepted may have done its work
    try:
        payload = response.json()
    except (ValueError, RecursionError):  # not JSON, or nested beyond reason
        raise SendyUnavailable(f"Sendy sent an unreadable body ({status})", status=status,
                               maybe_processed=accepted) from None
    if not isinstance(payload, Mapping):
        raise SendyUnavailable(f"Sendy sent an unexpected body ({status})", status=status,
                               maybe_processed=accepted)
    message = str(payload.get("message") or "")
    if 200 <= status < 300:
        if payload.get("success") is False:
            raise SendyRejected(message or "Sendy refused the request", status=status)
        return payload.get("data")
    raise _api_error(status, message, payload.get("errors"))


def _api_error(status: int, message: str, errors: Any) -> SendyError:
    if status == 404:
        return SendyNotFound(message, status=status)
    if status in (401, 403):
        return SendyForbidden(message, status=status)
    if status == 429:
        return SendyRateLimited(message, status=status)
    return SendyRejected(message, status=status, field_errors=_field_errors(errors))


def _field_errors(errors: Any) -> tuple[FieldError, ...]:
    out = []
    for item in errors if isinstance(errors, list) else []:
        if isinstance(item, Mapping) and item.get("message"):
            wire = str(item.get("field") or "")
            out.append(FieldError(ORDER_FIELDS.get(wire, wire), str(item["message"])))
    return tuple(out)
