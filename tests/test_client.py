"""Tests of the Sendy client: parsing, typed errors, retries and secrecy, against the sandbox.

The client talks to the sandbox in-process (its httpx transport) and over real HTTP
(``serve_in_thread``); every failure comes from the sandbox's fault injection.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storefront.sendy import (
    SendyClient,
    SendyError,
    SendyForbidden,
    SendyNotFound,
    SendyRateLimited,
    SendyRejected,
    SendyUnavailable,
)
from storefront.sendy.models import OrderLine, OrderRequest
from storefront.sendy.sandbox import Sandbox, serve_in_thread
from storefront.sendy.wire import parse_order, parse_store

FLORA = "flora-baghdad"
FLORA_KEY = "flora01.sk_sandbox_flora_3f9c2b7e1d"
FLORA_SECRET = "sk_sandbox_flora_3f9c2b7e1d"
NO_SCOPE_KEY = "edge01.no_scope_secret"
PHONE = "9647701234567"
KARRADA = "05816229-b7ca-5be1-9515-28ae95d5052f"  # an area of Baghdad (BG)
STOREFRONT = f"/api/v1/public/storefronts/{FLORA}"
PROVINCES = "/api/v1/address-reference/provinces"
SEND_OTP = "/api/v1/store/integrations/orders/send-otp"
ORDER = "/api/v1/store/integrations/orders/storefront"

# A store overlaid on the demo seed: prices on the edges, hostile links and images.
EDGE_STORE = {
    "published": True,
    "apiKey": NO_SCOPE_KEY,
    "scopes": [],
    "storefront": {
        "slug": "edge-shop",
        "name": "Edge Shop",
        "language": "en",
        "socialLinks": {
            "instagram": "https://instagram.com/edge",
            "facebook": "javascript:alert(1)",
            "tiktok": "//tiktok.com/@edge",
            "telegram": "data:text/html,hi",
            "website": "HTTP://edge.example",
        },
        "products": [
            {"sku": "HIGHER", "name": "Higher", "price": 1000, "compareAtPrice": 1500},
            {"sku": "EQUAL", "name": "Equal", "price": 1000, "compareAtPrice": 1000},
            {"sku": "LOWER", "name": "Lower", "price": 1000, "compareAtPrice": 900},
            {"sku": "FREE", "name": "Free", "price": 0},
            {"sku": "NOPRICE", "name": "No price", "price": None},
            {"sku": "IMGS", "name": "Images", "price": 500,
             "imageUrls": ["https://cdn.example/a.png", "/static/b.png", "javascript:alert(1)",
                           "//evil.example/c.png", "data:image/png;base64,AAAA"]},
        ],
    },
}


# -- fixtures and helpers ------------------------------------------------------------------
@pytest.fixture
def sendy(sandbox: Sandbox) -> Iterator[SendyClient]:
    """A client on the in-process sandbox, retrying (twice) without sleeping."""
    client = SendyClient("http://sendy.test", transport=sandbox.transport(), backoff=0)
    yield client
    client.close()


@pytest.fixture
def edge_sandbox(tmp_path: Path) -> Sandbox:
    """The demo seed plus the edge-case store."""
    path = tmp_path / "edges.json"
    path.write_text(json.dumps([EDGE_STORE]), encoding="utf-8")
    return Sandbox(str(path))


@pytest.fixture(scope="module")
def _http_sandbox() -> Iterator[tuple[Sandbox, str]]:
    """One sandbox served over real HTTP for this module (a server takes 0.5 s to stop)."""
    sandbox = Sandbox()
    server, base_url = serve_in_thread(sandbox)
    yield sandbox, base_url
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_sandbox(_http_sandbox: tuple[Sandbox, str]) -> Sandbox:
    """The served sandbox, with no codes, orders, faults or logged requests."""
    _http_sandbox[0].reset()
    return _http_sandbox[0]


@pytest.fixture
def served(http_sandbox: Sandbox, _http_sandbox: tuple[Sandbox, str]) -> str:
    """The base URL of the served sandbox (reset for this test)."""
    return _http_sandbox[1]


@pytest.fixture
def http_client(served: str) -> Iterator[SendyClient]:
    """A client talking real HTTP to the served sandbox, with a short timeout."""
    client = SendyClient(served, timeout=0.3, backoff=0)
    yield client
    client.close()


def _in_process(sandbox: Sandbox, **options: Any) -> SendyClient:
    options.setdefault("backoff", 0)
    return SendyClient("http://sendy.test", transport=sandbox.transport(), **options)


def _hits(sandbox: Sandbox, method: str, path: str) -> int:
    """How many times Sendy received this request."""
    return sum(1 for r in sandbox.requests if r == (method, path))


def _order(**changes: Any) -> OrderRequest:
    """A valid Baghdad order for two bouquets, with changes."""
    fields: dict[str, Any] = {
        "external_ref": "sf-test-0001",
        "otp_code": "000000",
        "customer_name": "زينب علي",
        "customer_phone": PHONE,
        "customer_address": "الكرادة، قرب ساحة كهرمانة",
        "province_code": "BG",
        "area_id": KARRADA,
        "lines": (OrderLine("FLR-ROSE-12", 2),),
        "order_value": 70000,
    }
    fields.update(changes)
    return OrderRequest(**fields)


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the published store -------------------------------------------------------------------
def test_store_is_parsed_into_models(sendy: SendyClient) -> None:
    store = sendy.get_storefront(FLORA)
    assert (store.slug, store.name, store.language) == (FLORA, "فلورا بغداد", "ar")
    assert store.whatsapp_phone == "9647801234567"
    assert store.seo.title.startswith("فلورا بغداد")
    assert [p.type for p in store.policies] == ["shipping", "returns", "privacy", "terms"]
    assert len(store.faqs) == 6 and store.faqs[0].answer
    assert {c.id: c.parent_id for c in store.categories}["cat-roses"] == "cat-bouquets"
    rose = store.product_by_sku("FLR-ROSE-12")
    assert rose is not None
    assert (rose.price, rose.compare_at_price, rose.on_sale) == (35000, 40000, True)
    assert rose.category_id == "cat-roses"
    assert rose.image_urls == ("/static/img/photos/flora-baghdad/flr-rose-12.jpg",)
    tulip = store.product_by_sku("FLR-TULIP-10")
    assert tulip is not None and tulip.in_stock is False


def test_products_without_a_price_are_not_shown(sendy: SendyClient) -> None:
    store = sendy.get_storefront(FLORA)
    assert store.product_by_sku("FLR-EVENT-CUSTOM") is None  # seeded without a price
    assert len(store.products) == 14
    assert all(type(p.price) is int for p in store.products)


def test_compare_at_price_only_when_higher_and_free_is_a_price(edge_sandbox: Sandbox) -> None:
    client = _in_process(edge_sandbox)
    store = client.get_storefront("edge-shop")
    prices = {p.sku: (p.price, p.compare_at_price, p.on_sale) for p in store.products}
    assert prices["HIGHER"] == (1000, 1500, True)
    assert prices["EQUAL"] == (1000, None, False)
    assert prices["LOWER"] == (1000, None, False)
    assert prices["FREE"] == (0, None, False)
    assert "NOPRICE" not in prices


def test_only_http_links_and_safe_images_survive(sendy: SendyClient, edge_sandbox: Sandbox) -> None:
    flora = sendy.get_storefront(FLORA)  # the seed's "website" is javascript:alert(1)
    assert [link.network for link in flora.social_links] == ["instagram", "facebook", "tiktok", "snapchat"]
    assert all(link.url.startswith("https://") for link in flora.social_links)

    edge = _in_process(edge_sandbox).get_storefront("edge-shop")
    assert [(link.network, link.url) for link in edge.social_links] == [
        ("instagram", "https://instagram.com/edge"), ("website", "HTTP://edge.example")]
    images = edge.product_by_sku("IMGS")
    assert images is not None
    assert images.image_urls == ("https://cdn.example/a.png", "/static/b.png")


def test_parsing_is_tolerant_of_odd_payloads() -> None:
    def product(sku: str, price: Any, **extra: Any) -> dict[str, Any]:
        return {"sku": sku, "name": sku.title(), "price": price, **extra}

    store = parse_store({
        "slug": "odd", "name": " Odd ", "language": "fr", "futureField": {"x": 1},
        "faqs": "not a list", "categories": [{"id": "c1"}, {"id": "c2", "name": "Two"}, 7],
        "policies": [{"type": "shipping", "title": "A", "content": "first"},
                     {"type": "shipping", "title": "B", "content": "second"},
                     {"type": "refunds", "content": "unknown type"},
                     {"type": "terms", "title": "empty", "content": "  "}],
        "seo": ["not", "a", "mapping"],
        "products": [
            product("STR", "2500"), product("FLOAT", 3000.0), product("HALF", 12.5),
            product("NEG", -5), product("BOOL", True), product("TEXT", "free"),
            product("MISSING", None), {"sku": "", "name": "No SKU", "price": 1},
            {"sku": "NONAME", "price": 1}, "garbage", product("STOCK", 1, inStock=False),
        ],
    })
    assert (store.name, store.language, store.faqs, store.seo.title) == ("Odd", "ar", (), "")
    assert [(p.sku, p.price) for p in store.products] == [("STR", 2500), ("FLOAT", 3000), ("STOCK", 1)]
    assert store.product_by_sku("STOCK").in_stock is False  # type: ignore[union-attr]
    assert [(c.id, c.name) for c in store.categories] == [("c2", "Two")]
    assert [(p.type, p.content) for p in store.policies] == [("shipping", "first")]
    with pytest.raises(SendyUnavailable):
        parse_store({"name": "no slug", "products": []})


def test_unpriced_products_sent_by_sendy_are_dropped() -> None:
    payload = {"success": True, "data": {"slug": "raw", "name": "Raw", "products": [
        {"sku": "A", "name": "Priced", "price": 100}, {"sku": "B", "name": "Unpriced"}]}}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=payload))
    client = SendyClient("http://sendy.test", transport=transport)
    assert [p.sku for p in client.get_storefront("raw").products] == ["A"]


@pytest.mark.parametrize("slug", ["no-such-store", "coming-soon"])
def test_unknown_or_unpublished_store_is_not_found(sandbox: Sandbox, sendy: SendyClient, slug: str) -> None:
    with pytest.raises(SendyNotFound):
        sendy.get_storefront(slug)
    assert _hits(sandbox, "GET", f"/api/v1/public/storefronts/{slug}") == 1  # a 404 is not retried


def test_slug_stays_one_path_segment(sandbox: Sandbox, sendy: SendyClient) -> None:
    with pytest.raises(SendyNotFound):
        sendy.get_storefront("../../address-reference/provinces")
    assert ("GET", PROVINCES) not in sandbox.requests


@pytest.mark.parametrize("status", [400, 401, 403, 409, 410])
def test_any_refusal_of_a_storefront_means_no_such_store(sandbox: Sandbox, sendy: SendyClient, status: int) -> None:
    """SENDY_CONTRACT §1: any non-2xx (other than a transient 5xx) means "no such store"."""
    sandbox.faults.add("storefront", "status", status=status)
    with pytest.raises(SendyNotFound):
        sendy.get_storefront(FLORA)


def test_success_false_storefront_means_no_such_store(sandbox: Sandbox, sendy: SendyClient) -> None:
    sandbox.faults.add("storefront", "success_false")
    with pytest.raises(SendyNotFound):
        sendy.get_storefront(FLORA)


# -- address reference ---------------------------------------------------------------------
def test_provinces_and_areas(sendy: SendyClient) -> None:
    provinces = {p.code: p for p in sendy.list_provinces()}
    assert len(provinces) == 18
    assert (provinces["BG"].name("ar"), provinces["BG"].name("en")) == ("بغداد", "Baghdad")
    assert provinces["AR"].name_en == "Erbil"
    areas = {a.id: a for a in sendy.list_areas("BG")}
    assert (areas[KARRADA].name("ar"), areas[KARRADA].name("en")) == ("الكرادة", "Karrada")


def test_areas_of_an_unknown_province_are_not_found(sandbox: Sandbox, sendy: SendyClient) -> None:
    with pytest.raises(SendyNotFound):
        sendy.list_areas("ZZ")
    assert _hits(sandbox, "GET", "/api/v1/address-reference/provinces/ZZ/areas") == 1


# -- faults on reads -----------------------------------------------------------------------
READS: dict[str, Callable[[SendyClient], Any]] = {
    "storefront": lambda c: c.get_storefront(FLORA),
    "provinces": lambda c: c.list_provinces(),
    "areas": lambda c: c.list_areas("BG"),
}


@pytest.mark.parametrize("endpoint", sorted(READS))
@pytest.mark.parametrize(("kind", "status", "error"), [
    ("status", 500, SendyUnavailable),
    ("status", 502, SendyUnavailable),
    ("status", 503, SendyUnavailable),
    ("timeout", 500, SendyUnavailable),
    ("timeout_after", 500, SendyUnavailable),
    ("connect", 500, SendyUnavailable),
    ("malformed", 500, SendyUnavailable),
    ("bad_shape", 500, SendyUnavailable),
])
def test_read_faults_raise_sendy_unavailable(
    sandbox: Sandbox, endpoint: str, kind: str, status: int, error: type[SendyError]
) -> None:
    sandbox.faults.add(endpoint, kind, status=status)
    with pytest.raises(error):
        READS[endpoint](_in_process(sandbox, retries=0))


@pytest.mark.parametrize("endpoint", ["provinces", "areas"])
def test_success_false_on_a_read_is_rejected(sandbox: Sandbox, endpoint: str) -> None:
    sandbox.faults.add(endpoint, "success_false")
    with pytest.raises(SendyRejected, match="Something went wrong"):
        READS[endpoint](_in_process(sandbox, retries=0))


def test_rate_limited_read(sandbox: Sandbox) -> None:
    sandbox.faults.add("provinces", "status", status=429)
    with pytest.raises(SendyRateLimited):
        _in_process(sandbox, retries=0).list_provinces()


def test_small_latency_is_tolerated(sandbox: Sandbox) -> None:
    sandbox.faults.add("provinces", "latency", seconds=0.05)
    assert len(_in_process(sandbox, timeout=2).list_provinces()) == 18


# -- retries -------------------------------------------------------------------------------
def test_a_single_5xx_is_retried_and_succeeds(sandbox: Sandbox, sendy: SendyClient) -> None:
    sandbox.faults.add("storefront", "status", times=1, status=500)
    assert sendy.get_storefront(FLORA).name == "فلورا بغداد"
    assert _hits(sandbox, "GET", STOREFRONT) == 2


@pytest.mark.parametrize("kind", ["timeout", "connect", "malformed"])
def test_transient_read_failures_are_retried(sandbox: Sandbox, sendy: SendyClient, kind: str) -> None:
    sandbox.faults.add("provinces", kind, times=2)
    assert len(sendy.list_provinces()) == 18
    assert _hits(sandbox, "GET", PROVINCES) == 3


def test_reads_give_up_after_the_retries(sandbox: Sandbox, sendy: SendyClient) -> None:
    sandbox.faults.add("storefront", "status", status=503)
    with pytest.raises(SendyUnavailable):
        sendy.get_storefront(FLORA)
    assert _hits(sandbox, "GET", STOREFRONT) == 3  # one try and two retries


def test_retries_back_off(sandbox: Sandbox) -> None:
    pauses: list[float] = []
    client = SendyClient("http://sendy.test", transport=sandbox.transport(), retries=2,
                         backoff=0.2, sleep=pauses.append)
    sandbox.faults.add("provinces", "status", times=2, status=500)
    assert client.list_provinces()
    assert len(pauses) == 2
    assert 0.1 <= pauses[0] <= 0.2 and 0.2 <= pauses[1] <= 0.4


@pytest.mark.parametrize("status", [400, 404, 429])
def test_refusals_are_not_retried(sandbox: Sandbox, sendy: SendyClient, status: int) -> None:
    sandbox.faults.add("provinces", "status", status=status)
    with pytest.raises(SendyError):
        sendy.list_provinces()
    assert _hits(sandbox, "GET", PROVINCES) == 1


# -- keyed writes --------------------------------------------------------------------------
def test_send_otp_never_returns_the_code(sandbox: Sandbox, sendy: SendyClient) -> None:
    ticket = sendy.send_otp(FLORA_KEY, PHONE)
    assert (ticket.expires_in, ticket.resend_after) == (300, 60)
    code = sandbox.last_otp(PHONE)
    assert code is not None and len(code) == 6
    assert code not in repr(ticket)


def test_send_otp_rate_limited(sendy: SendyClient) -> None:
    for _ in range(5):
        sendy.send_otp(FLORA_KEY, PHONE)
    with pytest.raises(SendyRateLimited):
        sendy.send_otp(FLORA_KEY, PHONE)


def test_send_otp_rejects_a_non_mobile_number(sendy: SendyClient) -> None:
    with pytest.raises(SendyRejected) as caught:
        sendy.send_otp(FLORA_KEY, "9641234567890")
    assert caught.value.status == 400
    assert caught.value.for_field("customerPhone") or caught.value.for_field("phone")


def test_place_order_sends_what_sendy_expects(sandbox: Sandbox, sendy: SendyClient) -> None:
    sendy.send_otp(FLORA_KEY, PHONE)
    placed = sendy.place_order(FLORA_KEY, _order(otp_code=sandbox.last_otp(PHONE), notes="بطاقة: مبروك"))
    assert placed.public_id and placed.id
    assert (placed.order_value, placed.total_amount >= placed.order_value) == (70000, True)
    [order] = sandbox.orders
    body = order["request"]
    assert body["paymentMethod"] == "cash_on_delivery"
    assert body["items"] == [{"sku": "FLR-ROSE-12", "quantity": 2}]
    assert (body["addressProvinceCode"], body["addressAreaId"]) == ("BG", KARRADA)
    assert (body["externalRef"], body["customerPhone"], body["notes"]) == ("sf-test-0001", PHONE, "بطاقة: مبروك")
    assert body["fulfillmentType"] == "from_to"


@pytest.mark.parametrize(("changes", "field"), [
    ({}, "otp_code"),  # the code "000000" was never sent
    ({"lines": (OrderLine("NO-SUCH-SKU", 1),)}, "items"),
    ({"lines": (OrderLine("FLR-EVENT-CUSTOM", 1),)}, "items"),  # unpriced
    ({"lines": (OrderLine("FLR-ROSE-12", 1), OrderLine("FLR-ROSE-12", 2))}, "items"),  # duplicate SKUs
    ({"area_id": "3f1c2a9e-0000-4000-8000-00000000dead"}, "area"),
    ({"province_code": ""}, "province"),
    ({"customer_name": " "}, "name"),
    ({"customer_address": ""}, "address"),
    ({"customer_phone": "07701234567"}, "phone"),
])
def test_rejected_order_names_our_fields(
    sandbox: Sandbox, sendy: SendyClient, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(SendyRejected) as caught:
        sendy.place_order(FLORA_KEY, _order(**changes))
    assert caught.value.status == 400
    assert caught.value.for_field(field), caught.value.field_errors
    wire_names = {"otpCode", "items", "skus", "addressAreaId", "addressProvinceCode",
                  "customerName", "customerAddress", "customerPhone"} - {"items"}
    assert not wire_names & {e.field for e in caught.value.field_errors}
    assert sandbox.orders == []


def test_area_of_another_province_is_an_area_error(sandbox: Sandbox, sendy: SendyClient) -> None:
    basra_area = sendy.list_areas("BA")[0].id
    sendy.send_otp(FLORA_KEY, PHONE)
    with pytest.raises(SendyRejected) as caught:
        sendy.place_order(FLORA_KEY, _order(otp_code=sandbox.last_otp(PHONE), area_id=basra_area))
    assert [e.field for e in caught.value.field_errors] == ["area"]


@pytest.mark.parametrize("key", ["flora01.wrong_secret", "unknown.key", "no-dot", "", NO_SCOPE_KEY])
def test_bad_keys_are_forbidden(edge_sandbox: Sandbox, key: str) -> None:
    client = _in_process(edge_sandbox)
    with pytest.raises(SendyForbidden):
        client.send_otp(key, PHONE)
    with pytest.raises(SendyForbidden):
        client.place_order(key, _order())
    assert edge_sandbox.last_otp(PHONE) is None and edge_sandbox.orders == []


WRITES: dict[str, tuple[str, Callable[[SendyClient], Any]]] = {
    "send_otp": (SEND_OTP, lambda c: c.send_otp(FLORA_KEY, PHONE)),
    "order": (ORDER, lambda c: c.place_order(FLORA_KEY, _order())),
}


@pytest.mark.parametrize("endpoint", sorted(WRITES))
@pytest.mark.parametrize("kind", ["status", "connect", "malformed", "bad_shape", "timeout", "timeout_after"])
def test_writes_are_never_retried(sandbox: Sandbox, sendy: SendyClient, endpoint: str, kind: str) -> None:
    path, call = WRITES[endpoint]
    sandbox.faults.add(endpoint, kind, times=1)
    if endpoint == "send_otp" and kind == "bad_shape":
        call(sendy)  # a code was sent; the ticket falls back to the documented defaults
    else:
        with pytest.raises(SendyUnavailable):
            call(sendy)
    assert _hits(sandbox, "POST", path) == 1


@pytest.mark.parametrize(("kind", "maybe_processed"), [
    ("status", False),  # a 5xx envelope: Sendy says it failed
    ("connect", False),  # never reached Sendy
    ("timeout", True),  # sent, answer lost
    ("timeout_after", True),
    ("malformed", True),  # a 2xx whose body we cannot read: the order may well exist
    ("bad_shape", True),
])
def test_an_unconfirmed_order_says_whether_it_may_exist(
    sandbox: Sandbox, sendy: SendyClient, kind: str, maybe_processed: bool
) -> None:
    sandbox.faults.add("order", kind, times=1)
    with pytest.raises(SendyUnavailable) as caught:
        sendy.place_order(FLORA_KEY, _order())
    assert caught.value.maybe_processed is maybe_processed


def test_an_order_lost_after_processing_may_exist(sandbox: Sandbox, sendy: SendyClient) -> None:
    sendy.send_otp(FLORA_KEY, PHONE)
    sandbox.faults.add("order", "timeout_after", times=1)
    with pytest.raises(SendyUnavailable) as caught:
        sendy.place_order(FLORA_KEY, _order(otp_code=sandbox.last_otp(PHONE)))
    assert caught.value.maybe_processed is True
    assert len(sandbox.orders) == 1
    assert _hits(sandbox, "POST", ORDER) == 1


def test_success_false_order_is_rejected(sandbox: Sandbox, sendy: SendyClient) -> None:
    sandbox.faults.add("order", "success_false")
    with pytest.raises(SendyRejected):
        sendy.place_order(FLORA_KEY, _order())
    assert _hits(sandbox, "POST", ORDER) == 1


# -- secrecy -------------------------------------------------------------------------------
def _exercise_keyed_calls(sandbox: Sandbox, client: SendyClient) -> list[BaseException]:
    """Send a code, fail some orders, place one; return the errors raised."""
    errors: list[BaseException] = []
    client.send_otp(FLORA_KEY, PHONE)
    for fault in ("status", "timeout", "connect"):  # over HTTP, "timeout" answers late, then fails the code
        sandbox.faults.add("order", fault, times=1, seconds=0.4)
        try:
            client.place_order(FLORA_KEY, _order())
        except SendyError as exc:
            errors.append(exc)
    for call in (lambda: client.place_order(FLORA_KEY, _order()),
                 lambda: client.send_otp(FLORA_KEY[:-1] + "x", PHONE)):
        try:
            call()
        except SendyError as exc:
            errors.append(exc)
    client.place_order(FLORA_KEY, _order(otp_code=sandbox.last_otp(PHONE)))
    return errors


def _assert_no_key(caplog: pytest.LogCaptureFixture, errors: list[BaseException]) -> None:
    assert any(r.name == "storefront.sendy" for r in caplog.records), "the client logs its requests"
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert FLORA_SECRET not in text and "flora01." not in text, record
    for exc in errors:
        assert FLORA_SECRET not in f"{exc!s} {exc!r} {exc.__cause__!r} {exc.__context__!r}"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in ("storefront", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_api_key_never_logged_in_process(sandbox: Sandbox, sendy: SendyClient,
                                         debug_logs: pytest.LogCaptureFixture) -> None:
    errors = _exercise_keyed_calls(sandbox, sendy)
    assert len(errors) == 5
    _assert_no_key(debug_logs, errors)


def test_api_key_never_logged_over_http(http_sandbox: Sandbox, http_client: SendyClient,
                                        debug_logs: pytest.LogCaptureFixture) -> None:
    errors = _exercise_keyed_calls(http_sandbox, http_client)
    assert len(errors) == 5
    assert any(r.name.startswith(("httpx", "httpcore")) for r in debug_logs.records)
    _assert_no_key(debug_logs, errors)


# -- over real HTTP ------------------------------------------------------------------------
def test_over_http_browse_and_order(http_sandbox: Sandbox, http_client: SendyClient) -> None:
    assert http_client.get_storefront(FLORA).product_by_sku("FLR-ROSE-12") is not None
    assert len(http_client.list_provinces()) == 18
    assert any(a.id == KARRADA for a in http_client.list_areas("BG"))
    http_client.send_otp(FLORA_KEY, PHONE)
    placed = http_client.place_order(FLORA_KEY, _order(otp_code=http_sandbox.last_otp(PHONE)))
    assert placed.public_id == http_sandbox.orders[0]["response"]["publicId"]
    with pytest.raises(SendyNotFound):
        http_client.get_storefront("coming-soon")


def test_over_http_a_single_5xx_is_retried(http_sandbox: Sandbox, http_client: SendyClient) -> None:
    http_sandbox.faults.add("storefront", "status", times=1, status=502)
    assert http_client.get_storefront(FLORA).slug == FLORA
    assert _hits(http_sandbox, "GET", STOREFRONT) == 2


@pytest.mark.parametrize(("kind", "error"), [
    ("status", SendyUnavailable), ("malformed", SendyUnavailable), ("bad_shape", SendyUnavailable),
    ("connect", SendyUnavailable), ("success_false", SendyRejected),
])
def test_over_http_faults(http_sandbox: Sandbox, served: str, kind: str, error: type[SendyError]) -> None:
    http_sandbox.faults.add("provinces", kind)
    with pytest.raises(error):
        SendyClient(served, retries=0).list_provinces()


def test_over_http_slow_sendy_times_out(http_sandbox: Sandbox, served: str) -> None:
    http_sandbox.faults.add("provinces", "timeout", seconds=0.4)
    with pytest.raises(SendyUnavailable, match="timed out"):
        SendyClient(served, timeout=0.2, retries=0).list_provinces()


def test_over_http_refused_connection() -> None:
    client = SendyClient(f"http://127.0.0.1:{_closed_port()}", timeout=0.5, retries=1, backoff=0)
    with pytest.raises(SendyUnavailable) as caught:
        client.get_storefront(FLORA)
    assert caught.value.maybe_processed is False
    with pytest.raises(SendyUnavailable) as caught:
        client.send_otp(FLORA_KEY, PHONE)
    assert caught.value.maybe_processed is False


def test_over_http_posts_are_not_retried(http_sandbox: Sandbox, http_client: SendyClient) -> None:
    http_sandbox.faults.add("order", "status", times=1, status=502)
    with pytest.raises(SendyUnavailable):
        http_client.place_order(FLORA_KEY, _order())
    assert _hits(http_sandbox, "POST", ORDER) == 1
    assert http_sandbox.orders == []


# -- reading an order back: GET /orders/{id} -------------------------------------------------
TIGRIS_KEY = "tigris01.sk_sandbox_tigris_8a41d0c6e2"


def _placed(sandbox: Sandbox, sendy: SendyClient) -> Any:
    sendy.send_otp(FLORA_KEY, PHONE)
    return sendy.place_order(FLORA_KEY, _order(otp_code=sandbox.last_otp(PHONE)))


def test_get_order_reads_the_status_items_and_courier(sandbox: Sandbox, sendy: SendyClient) -> None:
    placed = _placed(sandbox, sendy)

    order = sendy.get_order(FLORA_KEY, placed.id)

    assert (order.id, order.public_id, order.stage) == (placed.id, placed.public_id, "placed")
    assert [(i.sku, i.quantity, i.line_total) for i in order.items] == [("FLR-ROSE-12", 2, 70000)]
    assert (order.customer_name, order.customer_phone, order.courier) == ("زينب علي", PHONE, None)
    assert _hits(sandbox, "GET", f"/api/v1/store/integrations/orders/{placed.id}") == 1

    sandbox.set_order_status(placed.public_id, "out_for_delivery")
    order = sendy.get_order(FLORA_KEY, placed.id)
    assert order.stage == "out_for_delivery"
    assert [c.stage for c in order.history] == ["placed", "confirmed", "shipped", "out_for_delivery"]
    assert order.courier is not None and order.courier.phone == "9647901112233" and order.tracking_number
    assert (order.delivery_fee, order.total_amount, order.paid) == (5000, 75000, False)


def test_get_order_errors(sandbox: Sandbox, sendy: SendyClient) -> None:
    placed = _placed(sandbox, sendy)
    with pytest.raises(SendyNotFound):
        sendy.get_order(FLORA_KEY, "no-such-order")
    with pytest.raises(SendyNotFound):
        sendy.get_order(FLORA_KEY, placed.public_id)  # the id, not the public id
    with pytest.raises(SendyNotFound):
        sendy.get_order(TIGRIS_KEY, placed.id)  # another store's order
    with pytest.raises(SendyForbidden):
        sendy.get_order("flora01.wrong", placed.id)
    sandbox.state.stores[FLORA].scopes = frozenset({"orders:write"})
    with pytest.raises(SendyForbidden):
        sendy.get_order(FLORA_KEY, placed.id)


def test_get_order_is_retried_like_every_read(sandbox: Sandbox, sendy: SendyClient) -> None:
    placed = _placed(sandbox, sendy)
    sandbox.faults.add("order_read", "status", times=1, status=502)
    assert sendy.get_order(FLORA_KEY, placed.id).id == placed.id
    sandbox.faults.add("order_read", "bad_shape", times=1)
    with pytest.raises(SendyUnavailable):
        sendy.get_order(FLORA_KEY, placed.id)


def test_order_parsing_is_tolerant() -> None:
    from datetime import UTC, datetime

    from storefront.sendy.models import Courier, OrderItem

    order = parse_order({
        "id": "x", "status": "OUT-FOR-DELIVERY", "orderValue": "1000", "deliveryFee": -5, "totalAmount": 1.5,
        "statusHistory": [{"status": "pending", "at": "2026-01-01T10:00:00Z"}, {"status": "on_hold"},
                          "odd", {"at": "2026-01-02T10:00:00"}],
        "items": [{"sku": "A", "quantity": "2", "unitPrice": 500}, {"name": "B", "quantity": 0}, {}, "x"],
        "deliveryCompany": "Aramex", "trackingNumber": 12, "createdAt": "yesterday", "paymentStatus": "PAID",
    })
    assert (order.id, order.public_id, order.stage, order.paid) == ("x", "x", "out_for_delivery", True)
    assert [(c.stage, c.at) for c in order.history] == [
        ("placed", datetime(2026, 1, 1, 10, tzinfo=UTC)), ("in_progress", None)]
    assert order.items == (OrderItem("A", "A", 2, 1000),)
    assert (order.order_value, order.delivery_fee, order.total_amount) == (1000, None, None)
    assert (order.courier, order.tracking_number, order.created_at) == (Courier("Aramex"), "", None)
    assert parse_order({"id": "y", "status": "on_hold"}).stage == "in_progress"
    assert parse_order({"publicId": "SF-1"}).id == "SF-1"
    local = parse_order({"id": "z", "deliveryCompany": {"name": "N", "phone": "0790 111 2233"}})
    assert local.courier == Courier("N", "9647901112233")
    with pytest.raises(SendyUnavailable):
        parse_order({"status": "pending"})
