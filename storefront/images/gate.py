"""Images: which requests for a cold image can be refused before the app, and how.

A refused cold image through Flask still costs a worker a couple of milliseconds of CPU (routing,
the request context, the view, the after-request hooks), and gunicorn's threads answer in arrival
order: during a flood of cold images a page waits behind every one of them. So the image
middleware (``hot``) asks ``refusal`` first, for each image request it cannot answer from disk,
and answers the refusal itself. Cheap when there is nothing to refuse: two reads of counters.

A request is refused here only when the app would refuse it too, and only for an image that is
not made yet (made ones are always served, by the app and then by the middleware):

- this client was refused by the cold-image cap in its current window (``ColdCap.refused``):
  429 with the seconds until its window ends;
- image work is full (``ImageService.full``: every slot held and its queue full, or the resize
  pool at its bound): 503 with ``Retry-After: 1``.

Both carry the neutral placeholder in the variant's size and format, never cached, as the view
answers them. Anything this module cannot decide from what the process holds (a store's key map
not read yet or stale, a source that failed, a malformed URL) goes to the app as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from storefront.images import process
from storefront.images.urls import FORMATS, Variant, parse_variant

if TYPE_CHECKING:
    from storefront.images import ImageService

BUSY_RETRY = 1  # seconds, as the view's answer to Busy


@dataclass(frozen=True)
class Refusal:
    """The answer to a cold image refused before the app: status, ``Retry-After`` and the placeholder."""

    status: int  # 503 (image work full) or 429 (this client's cold-image cap)
    retry_after: int
    variant: Variant

    @property
    def reason(self) -> str:
        return "503 Service Unavailable" if self.status == 503 else "429 Too Many Requests"

    @property
    def content_type(self) -> str:
        return FORMATS[self.variant.fmt][1]

    def body(self) -> bytes:
        """The neutral placeholder (made once per variant: ``process.placeholder`` is memoised)."""
        return process.placeholder(self.variant)


def refusal(service: ImageService, path: str, client: str) -> Refusal | None:
    """The refusal for a request of ``path`` (``/img/<slug>/<key>/<name>``) from ``client``, or None
    when the app should answer it."""
    capped = service.cold.refused(client)
    if not capped and not service.full():
        return None
    parts = path.split("/")
    if len(parts) != 5 or parts[1] != "img":
        return None
    variant = parse_variant(parts[4])
    if variant is None:
        return None  # the view's 404
    url = service.keys.lookup(parts[2], parts[3])
    if url is None or service.failures.get(url) is not None:
        return None  # unknown here (the view reads the store), or the failed source's placeholder
    derived = service.derived(url, variant)
    if derived is None or service.disk.get("v", derived, variant.fmt) is not None:
        return None  # a missing static file's placeholder, or made: served
    if capped:
        return Refusal(429, capped, variant)
    return Refusal(503, BUSY_RETRY, variant)
