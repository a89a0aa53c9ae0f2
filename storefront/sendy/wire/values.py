"""Tolerant reading of Sendy's JSON values: strings, whole numbers, amounts, times, URLs, lists.

Nothing here raises on odd input but ``obj``/``items`` (the shape of a whole answer is wrong) and
``price`` (an item the storefront cannot show as sent: ``Broken``, logged and skipped by ``each``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from storefront.sendy.errors import SendyUnavailable

log = logging.getLogger("storefront.sendy")


#: The highest price (or compare-at price) taken as real, in IQD; anything above is a data error.
MAX_PRICE = 1_000_000_000


#: The most digits a number sent as a string may have (int() refuses ~4,300 and is slow long before).
_MAX_INT_DIGITS = 18


#: The most characters of a merchant's identifier quoted in a log line.
LOG_ID_CHARS = 64


class Broken(ValueError):
    """An item the storefront cannot show as sent: it is logged and skipped, never raised."""


def each(slug: str, kind: str, raw: Any, parse: Callable[[Any], Any]) -> tuple[Any, ...]:
    """Every item of a list parsed on its own: a broken one is logged and dropped, the rest kept."""
    parsed = (guarded(slug, f"{kind} {label(item, index)}", parse, item) for index, item in enumerate(listed(raw)))
    return tuple(item for item in parsed if item is not None)


def guarded(slug: str, what: str, parse: Callable[[Any], Any], raw: Any) -> Any:
    """``parse(raw)``, or None and a warning naming the store and the item when the item is broken."""
    try:
        return parse(raw)
    except Broken as exc:
        log.warning("store %s: skipped %s: %s", slug, what, exc)
    except Exception as exc:  # one odd item must never take the whole store down
        log.warning("store %s: skipped %s: unreadable (%s)", slug, what, type(exc).__name__, exc_info=True)
    return None


def label(raw: Any, index: int) -> str:
    """How a log line names an item: its position, with its sku, id or type when it has one."""
    try:
        d = mapping(raw)
        key = next((k for k in ("sku", "id", "type") if text(d.get(k))), None)
        return f"#{index} {key}={text(d.get(key))[:LOG_ID_CHARS]!r}" if key else f"#{index}"
    except Exception:  # an item that cannot even be read is named by its position
        return f"#{index}"


def price_of(value: Any, field: str) -> int | None:
    """A whole IQD amount from 0 to MAX_PRICE; None when absent; Broken for anything else."""
    if value is None:
        return None
    whole = integer(value, None)
    if whole is None or not 0 <= whole <= MAX_PRICE:
        raise Broken(f"{field} is not a whole IQD amount from 0 to {MAX_PRICE} ({type(value).__name__})")
    return int(whole)


def amount(value: Any) -> int | None:
    """A whole IQD amount from 0 to MAX_PRICE, or None (absent or unusable)."""
    whole = integer(value, None)
    return whole if isinstance(whole, int) and 0 <= whole <= MAX_PRICE else None


def moment(value: Any) -> datetime | None:
    """An ISO 8601 time (UTC when no offset is given), or None."""
    try:
        when = datetime.fromisoformat(text(value))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def image(value: Any) -> str:
    """An image URL we may put in a page, or ""."""
    url = text(value)
    return url if safe_url(url) else ""


def is_http_url(url: str) -> bool:
    return url.lower().startswith(("https://", "http://"))


def safe_url(url: str) -> bool:
    """An image URL: absolute http(s), or a site-relative path (not protocol-relative)."""
    return is_http_url(url) or (url.startswith("/") and not url.startswith("//"))


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def obj(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    raise SendyUnavailable("Sendy sent an unexpected shape")


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise SendyUnavailable("Sendy sent an unexpected shape")


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def integer(value: Any, default: Any) -> Any:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        digits = value.strip()  # ASCII digits only: "²".isdigit() is True, and int("²") fails
        if digits.isascii() and digits.isdigit() and len(digits) <= _MAX_INT_DIGITS:
            return int(digits)
    return default
