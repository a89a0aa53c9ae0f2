"""Sendy client layer: the only code that speaks HTTP and knows Sendy's JSON.

Every Sendy wire name (paths, camelCase fields, envelope keys) lives in this module,
so correcting a house reading of the contract against the real API is a one-file change.
Responses are parsed once, tolerantly, into the frozen dataclasses of ``models``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from storefront import metrics
from storefront.sendy.errors import (
    FieldError,
    SendyBusy,
    SendyError,
    SendyForbidden,
    SendyNotFound,
    SendyRateLimited,
    SendyRejected,
    SendyUnavailable,
)
from storefront.sendy.models import (
    FAQ,
    Area,
    Category,
    Courier,
    Option,
    Order,
    OrderItem,
    OrderRequest,
    OtpTicket,
    PlacedOrder,
    Policy,
    Product,
    Province,
    Seo,
    SocialLink,
    StatusChange,
    Store,
    Variant,
    language_code,
)

log = logging.getLogger("storefront.sendy")

API = "/api/v1"
#: (method, a part of the path, name) of each Sendy route, for the metrics; most specific first.
_ENDPOINTS = (
    ("GET", "/public/storefronts/", "storefront"),
    ("GET", "/areas", "areas"),
    ("GET", "/address-reference/provinces", "provinces"),
    ("POST", "/orders/send-otp", "send_otp"),
    ("POST", "/orders/storefront", "order"),
    ("GET", "/integrations/orders/", "order_read"),
    ("GET", "/integrations/orders", "order_find"),
)
#: How long a call may wait for a free place in the bulkhead before failing fast.
QUEUE_WAIT = 0.1
#: Orders and codes wait a little longer: they matter more than a page, and are rare.
WRITE_QUEUE_WAIT = 1.0
POLICY_TYPES = ("shipping", "returns", "privacy", "terms")
SOCIAL_NETWORKS = ("instagram", "facebook", "tiktok", "snapchat", "telegram", "website")
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
#: Sendy's order statuses, mapped onto the stages the storefront shows (models.ORDER_STAGES);
#: any other value is shown as "in_progress". "processing" is a confirmed order being prepared.
ORDER_STATUSES = {
    "pending": "placed",
    "confirmed": "confirmed",
    "processing": "confirmed",
    "shipped": "shipped",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "returned": "returned",
}
#: Payment statuses that mean the cash was collected.
PAID_STATUSES = frozenset({"paid", "collected"})


class SendyClient:
    """A pooled, logged, retrying client for the Sendy endpoints the storefront uses."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
        read_budget: float = 3.0,
        concurrency: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            headers={"Accept": "application/json", "User-Agent": "storefront/0.1"},
            event_hooks={"request": [_log_request], "response": [_log_response]},
            limits=httpx.Limits(max_connections=4 * concurrency, max_keepalive_connections=2 * concurrency),
        )
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._read_budget = read_budget
        self._sleep = sleep
        # Bulkheads: at most ``concurrency`` calls wait on Sendy at once per process, for
        # reads and for orders separately, so a hanging Sendy holds only a few threads.
        self._reads = threading.BoundedSemaphore(concurrency)
        self._writes = threading.BoundedSemaphore(concurrency)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- public endpoints -------------------------------------------------------------
    def get_storefront(self, slug: str) -> Store:
        """The published store with this slug; SendyNotFound when there is none."""
        try:
            data = self._get(f"{API}/public/storefronts/{quote(slug, safe='')}")
        except SendyRateLimited as exc:  # transient: the last good copy may serve
            raise SendyUnavailable(exc.message, status=exc.status) from exc
        except (SendyRejected, SendyForbidden) as exc:  # the contract: non-2xx means "no such store"
            raise SendyNotFound(exc.message, status=exc.status) from exc
        return parse_store(_object(data))

    def list_provinces(self) -> list[Province]:
        """Iraq's governorates from the address reference."""
        data = self._get(f"{API}/address-reference/provinces")
        return [p for p in (_province(x) for x in _items(data)) if p]

    def list_areas(self, province_code: str) -> list[Area]:
        """The areas of one governorate."""
        data = self._get(f"{API}/address-reference/provinces/{quote(province_code, safe='')}/areas")
        return [a for a in (_area(x) for x in _items(data)) if a]

    # -- keyed endpoints (never retried) ---------------------------------------------
    def send_otp(self, api_key: str, phone: str) -> OtpTicket:
        """Ask Sendy to send a one-time code to a 13-digit Iraqi mobile."""
        data = self._post(f"{API}/store/integrations/orders/send-otp", api_key,
                          {"customerPhone": phone})
        body = data if isinstance(data, Mapping) else {}
        return OtpTicket(
            expires_in=_int(body.get("expiresInSeconds"), 300),
            resend_after=_int(body.get("resendAfterSeconds"), 60),
        )

    def place_order(self, api_key: str, order: OrderRequest) -> PlacedOrder:
        """Place an OTP-verified cash-on-delivery order."""
        data = self._post(f"{API}/store/integrations/orders/storefront", api_key,
                          order_body(order))
        body = data if isinstance(data, Mapping) else {}
        if not body.get("publicId") and not body.get("id"):
            raise SendyUnavailable("Sendy accepted the order without an id", maybe_processed=True)
        return PlacedOrder(
            id=str(body.get("id") or ""),
            public_id=str(body.get("publicId") or body.get("id")),
            status=str(body.get("status") or "pending"),
            order_value=_int(body.get("orderValue"), order.order_value),
            delivery_fee=_int(body.get("deliveryFee"), 0),
            total_amount=_int(body.get("totalAmount"), order.order_value),
            created_at=str(body.get("createdAt") or ""),
        )

    def get_order(self, api_key: str, order_id: str) -> Order:
        """Read one order back (key with orders:read); ``order_id`` is the id given when it was placed."""
        data = self._get(f"{API}/store/integrations/orders/{quote(order_id, safe='')}", api_key)
        return parse_order(_object(data))

    def find_order_by_ref(self, api_key: str, external_ref: str) -> list[Order]:
        """The store's orders placed under ``external_ref``, newest first; [] when there is none.

        Key with orders:read (SendyForbidden without it). SendyUnavailable when Sendy fails or
        sends anything we cannot read as that list: the caller then cannot tell, and must not
        assume there is no order.
        """
        data = self._get(f"{API}/store/integrations/orders", api_key, params={"externalRef": external_ref})
        return parse_found_orders(data, external_ref)

    # -- transport ----------------------------------------------------------------------
    def _get(self, path: str, api_key: str | None = None, params: Mapping[str, str] | None = None) -> Any:
        """GET with jittered retries, all within the read budget (a page never waits longer)."""
        headers = {"X-API-Key": api_key} if api_key else {}
        deadline = time.monotonic() + self._read_budget
        attempt = 0
        while True:
            try:
                with _slot(self._reads, min(QUEUE_WAIT, deadline - time.monotonic())):
                    return _unwrap(self._send("GET", path, timeout=_left(deadline, self._timeout),
                                              headers=headers, params=params))
            except SendyBusy:
                raise  # retrying would only hold this thread longer
            except SendyUnavailable:
                pause = min(2.0, self._backoff * 2**attempt) * random.uniform(0.5, 1.0)
                if attempt >= self._retries or time.monotonic() + pause + 0.1 >= deadline:
                    raise
                self._sleep(pause)
                attempt += 1

    def _post(self, path: str, api_key: str, body: dict[str, Any]) -> Any:
        with _slot(self._writes, WRITE_QUEUE_WAIT):
            return _unwrap(self._send("POST", path, json=body, headers={"X-API-Key": api_key}))

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        endpoint, outcome, started = endpoint_name(method, path), "unreachable", time.monotonic()
        try:
            response = self._http.request(method, path, **kwargs)
            outcome = f"{response.status_code // 100}xx"
            return response
        except httpx.TimeoutException as exc:
            outcome = "timeout"
            sent = method != "GET" and not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            raise SendyUnavailable(f"Sendy timed out ({type(exc).__name__})",
                                   maybe_processed=sent) from None
        except httpx.TransportError as exc:
            raise SendyUnavailable(f"Sendy unreachable ({type(exc).__name__})") from None
        finally:
            metrics.SENDY_CALLS.labels(endpoint, outcome).inc()
            metrics.SENDY_LATENCY.labels(endpoint).observe(time.monotonic() - started)


def endpoint_name(method: str, path: str) -> str:
    """The metrics name of a Sendy route (a closed set: never a slug or an id)."""
    for verb, marker, name in _ENDPOINTS:
        if method == verb and marker in path:
            return name
    return "other"


@contextmanager
def _slot(bulkhead: threading.BoundedSemaphore, wait: float) -> Iterator[None]:
    """A place among the calls waiting on Sendy; SendyBusy when none frees up within ``wait``."""
    if not bulkhead.acquire(timeout=max(0.0, wait)):
        metrics.SENDY_CALLS.labels("any", "busy").inc()
        raise SendyBusy("too many Sendy calls waiting already (bulkhead full)")
    try:
        yield
    finally:
        bulkhead.release()


def _left(deadline: float, timeout: float) -> httpx.Timeout:
    """The per-attempt timeout: the configured one, cut to what is left of the budget."""
    left = max(0.05, min(timeout, deadline - time.monotonic()))
    return httpx.Timeout(left, connect=min(left, 3.0))


def order_body(order: OrderRequest) -> dict[str, Any]:
    """The JSON body of an OTP-verified storefront order."""
    body: dict[str, Any] = {
        "externalRef": order.external_ref,
        "otpCode": order.otp_code,
        "customerName": order.customer_name,
        "customerPhone": order.customer_phone,
        "customerAddress": order.customer_address,
        "addressProvinceCode": order.province_code,
        "addressAreaId": order.area_id,
        "items": [{"sku": line.sku, "quantity": line.quantity} for line in order.lines],
        "orderValue": order.order_value,
        "paymentMethod": "cash_on_delivery",
        "fulfillmentType": order.fulfillment_type,
    }
    if order.notes:
        body["notes"] = order.notes
    return body


# -- envelope --------------------------------------------------------------------------
def _unwrap(response: httpx.Response) -> Any:
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


# -- tolerant parsing ------------------------------------------------------------------
#: The highest price (or compare-at price) taken as real, in IQD; anything above is a data error.
MAX_PRICE = 1_000_000_000
#: The most digits a number sent as a string may have (int() refuses ~4,300 and is slow long before).
_MAX_INT_DIGITS = 18
#: The most characters of a merchant's identifier quoted in a log line.
_LOG_ID_CHARS = 64


class _Broken(ValueError):
    """An item the storefront cannot show as sent: it is logged and skipped, never raised."""


def parse_store(d: Mapping[str, Any]) -> Store:
    """A Store from the storefront payload; unknown fields are ignored, broken items skipped and logged."""
    slug, name = _str(d.get("slug")), _str(d.get("name"))
    if not slug or not name:
        raise SendyUnavailable("Sendy sent a storefront without slug or name")
    seo = _mapping(d.get("seo"))
    return Store(
        slug=slug,
        name=name,
        products=_unique_skus(slug, _each(slug, "product", d.get("products"), lambda raw: _product(raw, slug))),
        description=_str(d.get("description")),
        logo_url=_image(d.get("logoUrl")),
        cover_image_url=_image(d.get("coverImageUrl")) or _image(d.get("bannerImageUrl")),
        language=language_code(d.get("language")) or "ar",
        contact_email=_str(d.get("contactEmail")),
        contact_phone=_str(d.get("contactPhone")),
        whatsapp_phone=_str(d.get("whatsappPhone")),
        social_links=_social_links(slug, d.get("socialLinks")),
        seo=Seo(
            title=_str(seo.get("title")),
            description=_str(seo.get("description")),
            og_image_url=_image(seo.get("ogImageUrl")),
        ),
        faqs=_each(slug, "FAQ", d.get("faqs"), _faq),
        policies=_policies(slug, d.get("policies")),
        categories=_each(slug, "category", d.get("categories"), _category),
    )


def _each(slug: str, kind: str, raw: Any, parse: Callable[[Any], Any]) -> tuple[Any, ...]:
    """Every item of a list parsed on its own: a broken one is logged and dropped, the rest kept."""
    parsed = (_guarded(slug, f"{kind} {_label(item, index)}", parse, item) for index, item in enumerate(_list(raw)))
    return tuple(item for item in parsed if item is not None)


def _guarded(slug: str, what: str, parse: Callable[[Any], Any], raw: Any) -> Any:
    """``parse(raw)``, or None and a warning naming the store and the item when the item is broken."""
    try:
        return parse(raw)
    except _Broken as exc:
        log.warning("store %s: skipped %s: %s", slug, what, exc)
    except Exception as exc:  # one odd item must never take the whole store down
        log.warning("store %s: skipped %s: unreadable (%s)", slug, what, type(exc).__name__, exc_info=True)
    return None


def _label(raw: Any, index: int) -> str:
    """How a log line names an item: its position, with its sku, id or type when it has one."""
    try:
        d = _mapping(raw)
        key = next((k for k in ("sku", "id", "type") if _str(d.get(k))), None)
        return f"#{index} {key}={_str(d.get(key))[:_LOG_ID_CHARS]!r}" if key else f"#{index}"
    except Exception:  # an item that cannot even be read is named by its position
        return f"#{index}"


def _product(raw: Any, slug: str = "") -> Product | None:
    d = _mapping(raw)
    sku, name = _str(d.get("sku")), _str(d.get("name"))
    if not sku or not name:
        raise _Broken("no sku or no name")
    price = _price(d.get("price"), "price")
    if price is None:
        return None  # the contract: products without a price are not shown
    compare = _price(d.get("compareAtPrice"), "compareAtPrice")
    product = Product(
        id=_str(d.get("id")) or sku,
        sku=sku,
        name=name,
        price=price,
        description=_str(d.get("description")),
        compare_at_price=compare if compare is not None and compare > price else None,
        image_urls=tuple(u for u in (_str(x) for x in _list(d.get("imageUrls"))) if _safe_url(u)),
        category_id=_str(d.get("categoryId")) or None,
        in_stock=d.get("inStock") is not False,
    )
    if d.get("variants") is not None and not isinstance(d.get("variants"), list):
        raise _Broken("variants is not a list")
    return _with_variants(slug, product, d) if _list(d.get("variants")) else product


#: The most options a product, values an option and variants a product may have; the rest is dropped.
MAX_OPTIONS, MAX_VALUES, MAX_VARIANTS = 5, 100, 500
#: The longest SKU the storefront accepts (the cart's limit): longer variant SKUs are skipped.
MAX_SKU_CHARS = 64


def _with_variants(slug: str, product: Product, d: Mapping[str, Any]) -> Product | None:
    """The product with its options and the variants it can sell (contract: "Variants").

    A broken option or variant is skipped and logged; a product left with nothing to sell, or
    whose variants can no longer be told apart, is not shown.
    """
    where = f"product {product.sku[:_LOG_ID_CHARS]!r}"
    raw_options = _list(d.get("options"))
    options, kept = _options(slug, where, raw_options)
    if raw_options and not options:
        log.warning("store %s: skipped %s: no usable option", slug, where)
        return None
    variants: dict[str, Variant] = {}
    combos: set[tuple[str, ...]] = set()
    raw_variants = _list(d.get("variants"))
    if len(raw_variants) > MAX_VARIANTS:
        log.warning("store %s: %s: only the first %d variants kept", slug, where, MAX_VARIANTS)
    for index, raw in enumerate(raw_variants[:MAX_VARIANTS]):
        parse = lambda item: _variant(item, options, kept, len(raw_options), variants, combos)  # noqa: E731
        variant = _guarded(slug, f"variant {_label(raw, index)} of {where}", parse, raw)
        if variant is not None:
            variants[variant.sku] = variant
            combos.add(variant.values)
    if not variants:
        log.warning("store %s: skipped %s: no variant for sale", slug, where)
        return None
    return _priced_by_variants(product, tuple(options), tuple(variants.values()))


def _options(slug: str, where: str, raw_options: list[Any]) -> tuple[list[Option], list[int]]:
    """The usable options and their positions in the list as sent (variants' values follow it)."""
    options: list[Option] = []
    kept: list[int] = []
    for index, raw in enumerate(raw_options[:MAX_OPTIONS]):
        option = _guarded(slug, f"option #{index} of {where}", _option, raw)
        if option is not None and any(o.name == option.name for o in options):
            log.warning("store %s: skipped option #%d of %s: repeats %r", slug, index, where, option.name)
        elif option is not None:
            options.append(option)
            kept.append(index)
    return options, kept


def _option(raw: Any) -> Option:
    d = _mapping(raw)
    name = _str(d.get("name"))
    if not name:
        raise _Broken("no name")
    values: list[str] = []
    for value in (_str(v) for v in _list(d.get("values"))):
        if value and value not in values:  # blank and repeated values say nothing
            values.append(value)
    if not values:
        raise _Broken("no values")
    return Option(name, tuple(values[:MAX_VALUES]))


def _variant(raw: Any, options: list[Option], kept: list[int], width: int,
             skus: Mapping[str, Variant], combos: set[tuple[str, ...]]) -> Variant | None:
    d = _mapping(raw)
    sku = _str(d.get("sku"))
    if not sku or len(sku) > MAX_SKU_CHARS:
        raise _Broken(f"no sku, or a sku over {MAX_SKU_CHARS} characters")
    sent = d.get("optionValues")
    if not isinstance(sent, list) or len(sent) != width:
        raise _Broken(f"optionValues must hold one value per option ({width})")
    values = tuple(_str(sent[i]) for i in kept)
    for option, value in zip(options, values, strict=True):
        if value not in option.values:
            raise _Broken(f"option {option.name[:_LOG_ID_CHARS]!r} has no such value")
    if sku in skus:
        raise _Broken("repeats the sku of another variant")
    if values in combos:
        raise _Broken("repeats the option values of another variant")
    price = _price(d.get("price"), "price")
    if price is None:
        return None  # the contract: a variant without a price is not sold
    compare = _price(d.get("compareAtPrice"), "compareAtPrice")
    return Variant(sku, values, price, compare if compare is not None and compare > price else None,
                   in_stock=d.get("inStock") is not False, image_url=_image(d.get("imageUrl")))


def _priced_by_variants(product: Product, options: tuple[Option, ...], variants: tuple[Variant, ...]) -> Product:
    """The product standing for its variants: their lowest price, in stock if any of them is."""
    if not product.in_stock:  # the product itself is off sale: so is every variant
        variants = tuple(replace(v, in_stock=False) for v in variants)
    price = min(v.price for v in variants)
    compares = {v.compare_at_price for v in variants}
    single = len({v.price for v in variants}) == 1 and len(compares) == 1
    return replace(product, price=price, compare_at_price=compares.pop() if single else None,
                   in_stock=any(v.in_stock for v in variants), options=options, variants=variants)


def _unique_skus(slug: str, products: tuple[Product, ...]) -> tuple[Product, ...]:
    """Every SKU names one thing in a store: a repeated product or variant SKU is skipped and logged."""
    seen = {p.sku for p in products}
    if len(seen) == len(products) and not any(p.variants for p in products):
        return products
    kept: list[Product] = []
    owners: set[str] = set()
    for product in products:
        if product.sku in owners:
            log.warning("store %s: skipped product %r: repeats the sku of another product", slug,
                        product.sku[:_LOG_ID_CHARS])
            continue
        owners.add(product.sku)
        fresh = _fresh_variants(slug, product, seen)
        if fresh is not None:
            kept.append(fresh)
    return tuple(kept)


def _fresh_variants(slug: str, product: Product, seen: set[str]) -> Product | None:
    """The product without variants whose SKU another product or variant already uses."""
    if not product.variants:
        return product
    variants = []
    for variant in product.variants:
        if variant.sku in seen:
            log.warning("store %s: skipped variant %r of product %r: its sku is taken", slug,
                        variant.sku[:_LOG_ID_CHARS], product.sku[:_LOG_ID_CHARS])
            continue
        seen.add(variant.sku)
        variants.append(variant)
    if not variants:
        log.warning("store %s: skipped product %r: no variant for sale", slug, product.sku[:_LOG_ID_CHARS])
        return None
    if len(variants) == len(product.variants):
        return product
    return _priced_by_variants(replace(product, in_stock=True), product.options, tuple(variants))


def _price(value: Any, field: str) -> int | None:
    """A whole IQD amount from 0 to MAX_PRICE; None when absent; _Broken for anything else."""
    if value is None:
        return None
    amount = _int(value, None)
    if amount is None or not 0 <= amount <= MAX_PRICE:
        raise _Broken(f"{field} is not a whole IQD amount from 0 to {MAX_PRICE} ({type(value).__name__})")
    return int(amount)


def _category(raw: Any) -> Category:
    d = _mapping(raw)
    cid, name = _str(d.get("id")), _str(d.get("name"))
    if not cid or not name:
        raise _Broken("no id or no name")
    return Category(cid, name, _str(d.get("parentId")) or None)


def _faq(raw: Any) -> FAQ:
    d = _mapping(raw)
    question = _str(d.get("question"))
    if not question:
        raise _Broken("no question")
    return FAQ(question, _str(d.get("answer")))


def _policies(slug: str, raw: Any) -> tuple[Policy, ...]:
    found: dict[str, Policy] = {}
    for policy in _each(slug, "policy", raw, _policy):
        found.setdefault(policy.type, policy)  # the first good policy of a type wins
    return tuple(found[k] for k in POLICY_TYPES if k in found)


def _policy(raw: Any) -> Policy:
    d = _mapping(raw)
    kind, content = _str(d.get("type")), _str(d.get("content"))
    if kind not in POLICY_TYPES:
        raise _Broken("unknown policy type")
    if not content:
        raise _Broken("no content")
    return Policy(kind, _str(d.get("title")), content)


def _social_links(slug: str, raw: Any) -> tuple[SocialLink, ...]:
    d = _mapping(raw)
    links = (_guarded(slug, f"social link {n}", _social_link, (n, d)) for n in SOCIAL_NETWORKS)
    return tuple(link for link in links if link is not None)


def _social_link(entry: tuple[str, Mapping[str, Any]]) -> SocialLink | None:
    network, links = entry
    value = links.get(network)
    if value is None or value == "":
        return None  # the store has no profile there
    url = _str(value)
    if not _is_http_url(url):
        raise _Broken("not an http(s) URL")
    return SocialLink(network, url)


def _province(raw: Any) -> Province | None:
    d = _mapping(raw)
    code = _str(d.get("code"))
    if not code:
        return None
    return Province(code, _str(d.get("nameAr")) or code, _str(d.get("nameEn")) or code)


def _area(raw: Any) -> Area | None:
    d = _mapping(raw)
    aid = _str(d.get("id"))
    if not aid:
        return None
    return Area(aid, _str(d.get("nameAr")) or _str(d.get("nameEn")),
                _str(d.get("nameEn")) or _str(d.get("nameAr")))


def parse_order(d: Mapping[str, Any]) -> Order:
    """An Order from the order-read payload; unknown fields ignored, an unknown status kept as "in_progress"."""
    order_id, public_id = _str(d.get("id")), _str(d.get("publicId"))
    if not order_id and not public_id:
        raise SendyUnavailable("Sendy sent an order without id or publicId")
    return Order(
        id=order_id or public_id,
        public_id=public_id or order_id,
        stage=_stage(d.get("status")),
        history=tuple(c for c in (_status_change(x) for x in _list(d.get("statusHistory"))) if c),
        items=tuple(i for i in (_order_item(x) for x in _list(d.get("items"))) if i),
        order_value=_amount(d.get("orderValue")),
        delivery_fee=_amount(d.get("deliveryFee")),
        total_amount=_amount(d.get("totalAmount")),
        paid=_str(d.get("paymentStatus")).lower() in PAID_STATUSES,
        customer_name=_str(d.get("customerName")),
        customer_phone=_str(d.get("customerPhone")),
        customer_address=_str(d.get("customerAddress")),
        courier=_courier(d.get("deliveryCompany")),
        tracking_number=_str(d.get("trackingNumber")),
        created_at=_time(d.get("createdAt")),
    )


def parse_found_orders(data: Any, external_ref: str) -> list[Order]:
    """The orders of a search by ``externalRef`` (newest first). An item naming another reference is
    left out (a Sendy ignoring the filter must not make us adopt someone else's order); an item we
    cannot read makes the whole answer unreadable (SendyUnavailable): an order may be there."""
    found = []
    for raw in _items(data):
        item = _object(raw)
        ref = item.get("externalRef")
        if ref is not None and _str(ref) != external_ref:
            continue
        found.append(parse_order(item))
    return found


def _stage(value: Any) -> str:
    """Our stage for one of Sendy's statuses ("in_progress" for one we do not know)."""
    key = _str(value).lower().replace("-", "_").replace(" ", "_")
    return ORDER_STATUSES.get(key, "in_progress")


def _status_change(raw: Any) -> StatusChange | None:
    d = _mapping(raw)
    return StatusChange(_stage(d["status"]), _time(d.get("at"))) if _str(d.get("status")) else None


def _order_item(raw: Any) -> OrderItem | None:
    d = _mapping(raw)
    sku, name = _str(d.get("sku")), _str(d.get("name"))
    quantity = _int(d.get("quantity"), 1)
    if not (sku or name) or not isinstance(quantity, int) or not 1 <= quantity <= 10_000:
        return None
    total, unit = _amount(d.get("lineTotal")), _amount(d.get("unitPrice"))
    return OrderItem(sku, name or sku, quantity, total if total is not None else
                     (unit * quantity if unit is not None else None))


def _courier(raw: Any) -> Courier | None:
    """The delivery company: an object with a name and a phone (or just a name)."""
    d = _mapping(raw) if not isinstance(raw, str) else {"name": raw}
    name, phone = _str(d.get("name")), "".join(ch for ch in _str(d.get("phone")) if ch in "0123456789")
    if phone.startswith("0") and len(phone) == 11:  # a local 07… number: the 9647… form like every other
        phone = "964" + phone[1:]
    return Courier(name, phone) if name or phone else None


def _amount(value: Any) -> int | None:
    """A whole IQD amount from 0 to MAX_PRICE, or None (absent or unusable)."""
    amount = _int(value, None)
    return amount if isinstance(amount, int) and 0 <= amount <= MAX_PRICE else None


def _time(value: Any) -> datetime | None:
    """An ISO 8601 time (UTC when no offset is given), or None."""
    try:
        moment = datetime.fromisoformat(_str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _image(value: Any) -> str:
    """An image URL we may put in a page, or ""."""
    url = _str(value)
    return url if _safe_url(url) else ""


def _is_http_url(url: str) -> bool:
    return url.lower().startswith(("https://", "http://"))


def _safe_url(url: str) -> bool:
    """An image URL: absolute http(s), or a site-relative path (not protocol-relative)."""
    return _is_http_url(url) or (url.startswith("/") and not url.startswith("//"))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _object(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    raise SendyUnavailable("Sendy sent an unexpected shape")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise SendyUnavailable("Sendy sent an unexpected shape")


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any, default: Any) -> Any:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()  # ASCII digits only: "²".isdigit() is True, and int("²") fails
        if text.isascii() and text.isdigit() and len(text) <= _MAX_INT_DIGITS:
            return int(text)
    return default


# -- logging hooks (never headers: they carry the key) -----------------------------------
def _log_request(request: httpx.Request) -> None:
    request.extensions["storefront_start"] = time.monotonic()


def _log_response(response: httpx.Response) -> None:
    request = response.request
    started = request.extensions.get("storefront_start", time.monotonic())
    log.info("sendy %s %s -> %s in %.0f ms", request.method, request.url.path,
             response.status_code, (time.monotonic() - started) * 1000)
