"""Runtime: the Prometheus metrics every layer counts into (served by ``views.metrics``).

Under gunicorn every worker writes its samples to files in ``PROMETHEUS_MULTIPROC_DIR`` (set
by gunicorn.conf.py before the app is imported) and ``/metrics`` adds them up, whichever
worker answers. Without it (``flask run``, tests) the process's own registry is served.

Labels are small closed sets — route names, status codes, Sendy endpoint names, outcomes and
limit names — never a phone, a code, a key, a slug typed in a URL or any other free text.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter("storefront_http_requests", "Requests answered, by route and status.", ["route", "status"])
LATENCY = Histogram("storefront_http_request_duration_seconds", "Time to answer a request, by route.", ["route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SENDY_CALLS = Counter("storefront_sendy_requests", "Calls to Sendy, by endpoint and outcome.", ["endpoint", "outcome"])
SENDY_LATENCY = Histogram("storefront_sendy_request_duration_seconds", "Time Sendy took to answer, by endpoint.",
                          ["endpoint"], buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10))
CACHE = Counter("storefront_cache_lookups", "Cache lookups: data (Sendy answers), page and image, by result.",
                ["cache", "result"])
OTP_SENDS = Counter("storefront_otp_sends", "One-time codes asked of Sendy, by outcome.", ["outcome"])
OTP_VERIFICATIONS = Counter("storefront_otp_verifications", "Codes Sendy checked, by outcome.", ["outcome"])
OTP_REFUSALS = Counter("storefront_otp_refusals", "Codes or tries refused before Sendy, by limit or budget.",
                       ["reason"])
IMAGE_RESIZES = Histogram("storefront_image_resize_duration_seconds", "Images made from an original, by format.",
                          ["format"], buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
IMAGE_FAILURES = Counter("storefront_image_source_failures", "Originals that could not be used (placeholder served).")
ORDERS = Counter("storefront_orders", "Order requests, by outcome (placed, rejected, uncertain, failed).",
                 ["outcome"])
REDIS_FAILURES = Counter("storefront_redis_failures", "Redis operations that failed or were skipped while it was "
                         "unreachable, by use (state, limits, cache).", ["use"])

#: Every label value the counters above can take that an alert reads: exported at zero from the
#: start, so ``increase(...) > 0`` sees the first event (a counter without a sample has no increase).
KNOWN_LABELS: tuple[tuple[Counter, tuple[tuple[str, ...], ...]], ...] = (
    (ORDERS, (("placed",), ("rejected",), ("uncertain",), ("failed",))),
    (OTP_SENDS, (("sent",), ("refused",), ("failed",), ("uncertain",))),
    (OTP_VERIFICATIONS, (("correct",), ("wrong",))),
    (OTP_REFUSALS, tuple((reason,) for reason in ("cooldown", "phone", "phone_day", "ip", "wrong", "prefix",
                                                   "store_hourly", "store_daily", "platform"))),
    (SENDY_CALLS, (("any", "busy"), *((endpoint, outcome)
                                      for endpoint in ("storefront", "provinces", "areas", "send_otp", "order",
                                                       "order_read", "order_find", "webhooks")
                                      for outcome in ("2xx", "4xx", "5xx", "timeout", "unreachable")))),
    (REDIS_FAILURES, (("state",), ("limits",), ("cache",))),
)


def export_zeros() -> None:
    """Create every known sample at 0; under gunicorn, in this worker's file (called after the fork:
    the samples the master made before forking are in files ``on_starting`` removes)."""
    for counter, label_sets in KNOWN_LABELS:
        for labels in label_sets:
            counter.labels(*labels).inc(0)  # a write: makes this process's file hold the sample


export_zeros()


def observe_request(route: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUESTS.labels(route, str(status)).inc()
    LATENCY.labels(route).observe(seconds)
WEBHOOKS = Counter("storefront_webhooks", "Sendy webhook deliveries, by outcome (handled, repeated, ignored, refused, "
                   "unrecorded).", ["outcome"])
CDN_PURGES = Counter("storefront_cdn_purges", "CDN purge requests, by outcome (ok, retried, failed).", ["outcome"])
