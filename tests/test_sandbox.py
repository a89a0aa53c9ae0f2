"""Tests of the Sendy sandbox: contract shapes, OTP and order rules, faults, HTTP serving."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storefront.sendy.sandbox import Sandbox, load_state, serve_in_thread

KEY = "kid1.s3cret"
READ_ONLY_KEY = "kid2.readonly"
PHONE = "9647701234567"
AREA_BG = "3f1c2a9e-0000-4000-8000-000000000001"
AREA_BA = "3f1c2a9e-0000-4000-8000-000000000002"
SEND_OTP = "/api/v1/store/integrations/orders/send-otp"
ORDER = "/api/v1/store/integrations/orders/storefront"


def _product(sku: str, price: int | None) -> dict[str, Any]:
    """A catalog product with a given SKU and price."""
    return {"id": f"id-{sku}", "sku": sku, "name": sku, "price": price, "imageUrls": [], "inStock": True}


def _store(slug: str, *, published: bool = True, key: str | None = None, scopes: list[str] | None = None) -> dict:
    """A stores.json entry."""
    products = [_product("A-1", 1000), _product("B-2", 2500), _product("C-3", None)]
    storefront = {"slug": slug, "name": slug.title(), "language": "ar", "products": products}
    return {"published": published, "apiKey": key, "scopes": scopes or [], "storefront": storefront}


STORES = [
    _store("shop", key=KEY, scopes=["orders:write"]),
    _store("readonly", key=READ_ONLY_KEY),
    _store("hidden", published=False),
]
PROVINCES = [
    {
        "code": "BG",
        "nameAr": "بغداد",
        "nameEn": "Baghdad",
        "areas": [{"id": AREA_BG, "nameAr": "الكرادة", "nameEn": "Karrada"}],
    },
    {
        "code": "BA",
        "nameAr": "البصرة",
        "nameEn": "Basra",
        "areas": [{"id": AREA_BA, "nameAr": "العشار", "nameEn": "Ashar"}],
    },
]


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A seed directory holding the test fixtures."""
    (tmp_path / "stores.json").write_text(json.dumps(STORES), encoding="utf-8")
    (tmp_path / "provinces.json").write_text(json.dumps(PROVINCES), encoding="utf-8")
    return tmp_path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(seed_dir: Path, clock: Clock) -> Sandbox:
    return Sandbox(seed_dir=seed_dir, clock=clock)


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sandbox.transport(), base_url="http://sendy.test") as c:
        yield c


def _send_otp(client: httpx.Client, phone: str = PHONE, key: str | None = KEY) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    return client.post(SEND_OTP, json={"customerPhone": phone}, headers=headers)


def _order_body(sandbox: Sandbox, client: httpx.Client, **changes: Any) -> dict[str, Any]:
    """A valid order body with a fresh code, with changes applied (None removes a field)."""
    assert _send_otp(client).status_code == 200
    body = {
        "customerName": "Ali",
        "customerPhone": PHONE,
        "customerAddress": "Street 1",
        "addressProvinceCode": "BG",
        "addressAreaId": AREA_BG,
        "paymentMethod": "cash_on_delivery",
        "items": [{"sku": "A-1", "quantity": 2}, {"sku": "B-2", "quantity": 1}],
        "orderValue": 4500,
        "deliveryFee": 5000,
        "otpCode": sandbox.last_otp(PHONE),
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _order(client: httpx.Client, body: dict[str, Any], key: str = KEY) -> httpx.Response:
    return client.post(ORDER, json=body, headers={"X-API-Key": key})


def _fields(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 400
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- storefront and address reference ---------------------------------------------------


def test_published_storefront_hides_unpriced_products(client: httpx.Client) -> None:
    body = client.get("/api/v1/public/storefronts/shop").json()
    assert body["success"] is True and body["data"]["slug"] == "shop"
    assert [p["sku"] for p in body["data"]["products"]] == ["A-1", "B-2"]


@pytest.mark.parametrize("slug", ["hidden", "nope"])
def test_unpublished_or_unknown_storefront_is_404(client: httpx.Client, slug: str) -> None:
    response = client.get(f"/api/v1/public/storefronts/{slug}")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Storefront not found", "code": 404}


def test_provinces_and_areas(client: httpx.Client) -> None:
    provinces = client.get("/api/v1/address-reference/provinces").json()["data"]
    assert provinces[0] == {"code": "BG", "nameAr": "بغداد", "nameEn": "Baghdad"}
    areas = client.get("/api/v1/address-reference/provinces/BA/areas").json()["data"]
    assert areas == [{"id": AREA_BA, "nameAr": "العشار", "nameEn": "Ashar"}]
    assert client.get("/api/v1/address-reference/provinces/XX/areas").status_code == 404


def test_unknown_route_is_404_envelope(client: httpx.Client) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.json()["success"] is False


# --- send-otp -----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "status"), [(None, 401), ("kid1.wrong", 401), ("zzz", 401), (READ_ONLY_KEY, 403)])
def test_send_otp_key_checks(client: httpx.Client, key: str | None, status: int) -> None:
    response = _send_otp(client, key=key)
    assert response.status_code == status and response.json()["success"] is False
    assert KEY.split(".")[1] not in response.text


@pytest.mark.parametrize("phone", ["07701234567", "+9647701234567", "9647701234", "9646701234567"])
def test_send_otp_rejects_bad_phone(client: httpx.Client, phone: str) -> None:
    assert list(_fields(_send_otp(client, phone))) == ["customerPhone"]


def test_send_otp_never_returns_code_and_rate_limits(sandbox: Sandbox, client: httpx.Client, clock: Clock) -> None:
    for _ in range(5):
        response = _send_otp(client)
        assert response.json()["data"] == {"expiresInSeconds": 300, "resendAfterSeconds": 60}
        assert sandbox.last_otp(PHONE) not in response.text
    limited = _send_otp(client)
    assert limited.status_code == 429 and limited.json()["code"] == 429
    clock.now += 601
    assert _send_otp(client).status_code == 200


def test_demo_mode_logs_code_but_not_key(seed_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    sandbox = Sandbox(seed_dir=seed_dir, demo=True)
    with httpx.Client(transport=sandbox.transport(), base_url="http://sendy.test") as client:
        with caplog.at_level(logging.INFO):
            _send_otp(client)
    assert f"Sandbox OTP for {PHONE}: {sandbox.last_otp(PHONE)}" in caplog.text
    assert "s3cret" not in caplog.text


# --- orders -------------------------------------------------------------------------------


def test_order_happy_path(sandbox: Sandbox, client: httpx.Client) -> None:
    body = _order_body(sandbox, client, externalRef="cart-1")
    response = _order(client, body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["status"] == "pending" and data["publicId"].startswith("SF-") and len(data["publicId"]) == 9
    assert (data["orderValue"], data["deliveryFee"], data["totalAmount"]) == (4500, 5000, 9500)
    assert data["createdAt"] == "2023-11-14T22:13:20Z"
    assert sandbox.orders == [{"store": "shop", "request": body, "response": data}]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"paymentMethod": None}, "paymentMethod"),
        ({"paymentMethod": "card"}, "paymentMethod"),
        ({"customerName": " "}, "customerName"),
        ({"customerPhone": "07701234567"}, "customerPhone,otpCode"),  # the code was sent elsewhere
        ({"customerAddress": None}, "customerAddress"),
        ({"addressProvinceCode": None}, "addressProvinceCode"),
        ({"addressProvinceCode": "XX"}, "addressProvinceCode"),
        ({"addressAreaId": None}, "addressAreaId"),
        ({"items": []}, "items"),
        ({"items": [{"sku": "A-1", "quantity": 0}]}, "items"),
        ({"items": [{"sku": "NOPE", "quantity": 1}]}, "items"),
        ({"items": [{"sku": "C-3", "quantity": 1}]}, "items"),
        ({"fulfillmentType": "drone"}, "fulfillmentType"),
        ({"orderValue": -1}, "orderValue"),
        ({"deliveryFee": 1.5}, "deliveryFee"),
        ({"notes": 5}, "notes"),
        ({"deliveryLat": "north"}, "deliveryLat"),
        ({"otpCode": "000000x"}, "otpCode"),
    ],
)
def test_order_validation_errors(sandbox: Sandbox, client: httpx.Client, changes: dict, field: str) -> None:
    response = _order(client, _order_body(sandbox, client, **changes))
    assert response.json()["message"] == "Validation failed"
    assert ",".join(_fields(response)) == field
    assert sandbox.orders == []


def test_area_outside_province_and_messages_name_skus(sandbox: Sandbox, client: httpx.Client) -> None:
    items = [{"sku": s, "quantity": 1} for s in ("A-1", "B-2", "A-1", "B-2")]
    fields = _fields(_order(client, _order_body(sandbox, client, addressAreaId=AREA_BA, items=items)))
    assert fields == {"addressAreaId": "Area is not in the selected province", "skus": "Duplicate SKUs: A-1, B-2"}
    fields = _fields(_order(client, _order_body(sandbox, client, items=[{"sku": "NOPE", "quantity": 1}])))
    assert "NOPE" in fields["items"]


def test_otp_locks_after_five_wrong_attempts(sandbox: Sandbox, client: httpx.Client) -> None:
    body = _order_body(sandbox, client)
    good = body["otpCode"]
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(5):
        assert "otpCode" in _fields(_order(client, {**body, "otpCode": wrong}))
    assert _fields(_order(client, body)) == {"otpCode": "Invalid or expired code"}


def test_otp_is_single_use_and_expires(sandbox: Sandbox, client: httpx.Client, clock: Clock) -> None:
    body = _order_body(sandbox, client)
    assert _order(client, body).status_code == 201
    assert list(_fields(_order(client, body))) == ["otpCode"]
    body = _order_body(sandbox, client)
    clock.now += 301
    assert list(_fields(_order(client, body))) == ["otpCode"]


def test_code_survives_other_errors(sandbox: Sandbox, client: httpx.Client) -> None:
    body = _order_body(sandbox, client)
    assert list(_fields(_order(client, {**body, "customerName": ""}))) == ["customerName"]
    assert _order(client, body).status_code == 201


def test_external_ref_replay_returns_first_order(sandbox: Sandbox, client: httpx.Client) -> None:
    first = _order(client, _order_body(sandbox, client, externalRef="cart-9"))
    again = _order(client, {"externalRef": "cart-9", "otpCode": "bogus"})
    assert again.status_code == 200 and again.json()["data"] == first.json()["data"]
    assert len(sandbox.orders) == 1


def test_order_requires_key_with_scope(sandbox: Sandbox, client: httpx.Client) -> None:
    body = _order_body(sandbox, client)
    assert _order(client, body, key="kid1.nope").status_code == 401
    assert _order(client, body, key=READ_ONLY_KEY).status_code == 403


# --- faults -------------------------------------------------------------------------------


def test_status_fault_counts_times(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.add("provinces", "status", times=2, status=503)
    answers = [client.get("/api/v1/address-reference/provinces") for _ in range(3)]
    assert [r.status_code for r in answers] == [503, 503, 200]
    assert answers[0].json() == {"success": False, "message": "Internal error"}
    assert sandbox.requests == [("GET", "/api/v1/address-reference/provinces")] * 3


def test_fault_targets_only_its_endpoint_and_star_hits_all(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.add("storefront", "status", status=500)
    assert client.get("/api/v1/address-reference/provinces").status_code == 200
    assert client.get("/api/v1/public/storefronts/shop").status_code == 500
    sandbox.faults.clear()
    sandbox.faults.add("*", "success_false")
    body = client.get("/api/v1/address-reference/provinces").json()
    assert body == {"success": False, "message": "Something went wrong"}


def test_malformed_and_bad_shape(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.add("storefront", "malformed", times=1)
    sandbox.faults.add("storefront", "bad_shape", times=1)
    first = client.get("/api/v1/public/storefronts/shop")
    with pytest.raises(json.JSONDecodeError):
        first.json()
    second = client.get("/api/v1/public/storefronts/shop")
    assert second.status_code == 200 and not isinstance(second.json()["data"], dict)


def test_latency(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.add("areas", "latency", seconds=0.05, times=1)
    response = client.get("/api/v1/address-reference/provinces/BG/areas")
    assert response.status_code == 200 and response.elapsed.total_seconds() >= 0.05


@pytest.mark.parametrize(("kind", "error"), [("timeout", httpx.ReadTimeout), ("connect", httpx.ConnectError)])
def test_network_faults_skip_the_app(sandbox: Sandbox, client: httpx.Client, kind: str, error: type) -> None:
    sandbox.faults.add("send_otp", kind, times=1)
    with pytest.raises(error):
        _send_otp(client)
    assert sandbox.last_otp(PHONE) is None
    assert sandbox.requests == [("POST", SEND_OTP)]
    assert _send_otp(client).status_code == 200


def test_timeout_after_creates_the_order(sandbox: Sandbox, client: httpx.Client) -> None:
    body = _order_body(sandbox, client, externalRef="cart-2")
    sandbox.faults.add("order", "timeout_after", times=1)
    with pytest.raises(httpx.ReadTimeout):
        _order(client, body)
    assert len(sandbox.orders) == 1
    replay = _order(client, body)
    assert replay.status_code == 200 and replay.json()["data"] == sandbox.orders[0]["response"]


def test_bad_fault_and_reset(sandbox: Sandbox, client: httpx.Client) -> None:
    with pytest.raises(ValueError, match="kind"):
        sandbox.faults.add("order", "explode")
    sandbox.faults.add("*", "status")
    _order(client, {})
    sandbox.reset()
    assert (sandbox.requests, sandbox.orders, sandbox.faults.active()) == ([], [], [])


# --- data loading ---------------------------------------------------------------------------


def test_extra_data_overrides_by_slug(seed_dir: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.json"
    mine = _store("shop", key="kid9.mine", scopes=["orders:write"])
    mine["storefront"]["name"] = "Mine"
    extra.write_text(json.dumps({"stores": [mine, _store("new")]}), encoding="utf-8")
    sandbox = Sandbox(str(extra), seed_dir=seed_dir)
    assert sandbox.state.stores["shop"].storefront["name"] == "Mine"
    assert set(sandbox.state.stores) == {"shop", "readonly", "hidden", "new"}
    assert sandbox.demo_api_keys() == {"shop": "kid9.mine", "readonly": READ_ONLY_KEY}


@pytest.mark.parametrize(
    ("content", "reason"),
    [("{oops", "not valid JSON"), ('{"shops": []}', "expected a list"), ('[{"storefront": {"slug": "x"}}]', "name")],
)
def test_invalid_extra_data(seed_dir: Path, tmp_path: Path, content: str, reason: str) -> None:
    extra = tmp_path / "bad.json"
    extra.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=reason) as info:
        load_state(str(extra), seed_dir=seed_dir)
    assert str(extra) in str(info.value)


def test_shipped_seed_loads() -> None:
    seed = Path(__file__).resolve().parents[1] / "storefront/sendy/sandbox/data"
    if not (seed / "stores.json").exists() or not (seed / "provinces.json").exists():
        pytest.skip("seed data not written yet")
    state = Sandbox().state
    assert state.stores and "BG" in state.provinces


# --- real HTTP --------------------------------------------------------------------------------


def test_serve_in_thread(sandbox: Sandbox) -> None:
    server, base_url = serve_in_thread(sandbox)
    try:
        with httpx.Client(base_url=base_url, timeout=2) as http:
            assert http.get("/api/v1/public/storefronts/shop").json()["data"]["name"] == "Shop"
            fault = {"endpoint": "provinces", "kind": "status", "times": 1, "status": 502}
            assert http.post("/__sandbox/faults", json=fault).status_code == 201
            assert http.get("/api/v1/address-reference/provinces").status_code == 502
            assert http.get("/__sandbox/otp/9647700000000").status_code == 404
            assert http.get("/__sandbox/orders").json() == []
            assert http.post("/__sandbox/reset").status_code == 200
    finally:
        server.shutdown()
        server.server_close()
    assert sandbox.requests == []


# --- reading an order back ------------------------------------------------------------------


def _read(client: httpx.Client, order_id: str, key: str = KEY) -> httpx.Response:
    return client.get(f"/api/v1/store/integrations/orders/{order_id}", headers={"X-API-Key": key})


def test_order_read_needs_the_orders_read_scope(sandbox: Sandbox, client: httpx.Client) -> None:
    created = _order(client, _order_body(sandbox, client)).json()["data"]
    assert _read(client, created["id"]).status_code == 403  # orders:write only
    assert _read(client, created["id"], key="kid1.nope").status_code == 401
    sandbox.state.stores["shop"].scopes = frozenset({"orders:write", "orders:read"})

    answer = _read(client, created["id"])

    assert answer.status_code == 200
    order = answer.json()["data"]
    assert (order["id"], order["publicId"], order["status"]) == (created["id"], created["publicId"], "pending")
    assert order["items"] == [{"sku": "A-1", "name": "A-1", "quantity": 2, "unitPrice": 1000, "lineTotal": 2000},
                              {"sku": "B-2", "name": "B-2", "quantity": 1, "unitPrice": 2500, "lineTotal": 2500}]
    assert (order["customerPhone"], order["deliveryCompany"], order["trackingNumber"]) == (PHONE, None, None)
    assert order["statusHistory"] == [{"status": "pending", "at": created["createdAt"]}]
    assert _read(client, created["publicId"]).status_code == 404  # the id, not the publicId
    sandbox.state.stores["readonly"].scopes = frozenset({"orders:read"})
    assert _read(client, created["id"], key=READ_ONLY_KEY).status_code == 404  # not that store's order


def test_demo_orders_move_through_the_statuses(seed_dir: Path, clock: Clock) -> None:
    sandbox = Sandbox(seed_dir=seed_dir, clock=clock, demo=True)
    sandbox.state.stores["shop"].scopes = frozenset({"orders:write", "orders:read"})
    with httpx.Client(transport=sandbox.transport(), base_url="http://sendy.test") as client:
        created = _order(client, _order_body(sandbox, client, deliveryFee=None)).json()["data"]
        seen = []
        for after in (0, 61, 121, 181, 301):
            clock.now = 1_700_000_000.0 + after
            seen.append(_read(client, created["id"]).json()["data"])
    assert [o["status"] for o in seen] == ["pending", "confirmed", "shipped", "out_for_delivery", "delivered"]
    assert (seen[0]["deliveryFee"], seen[1]["deliveryFee"], seen[1]["totalAmount"]) == (0, 5000, 9500)
    assert seen[1]["deliveryCompany"] is None and seen[2]["deliveryCompany"]["name"]
    assert seen[2]["trackingNumber"] == seen[4]["trackingNumber"]
    assert (seen[3]["paymentStatus"], seen[4]["paymentStatus"]) == ("pending", "paid")
    assert [step["at"] for step in seen[4]["statusHistory"]] == [
        "2023-11-14T22:13:20Z", "2023-11-14T22:14:20Z", "2023-11-14T22:15:20Z", "2023-11-14T22:16:20Z",
        "2023-11-14T22:18:20Z"]


def test_the_status_hook_moves_an_order_at_once(sandbox: Sandbox, client: httpx.Client) -> None:
    created = _order(client, _order_body(sandbox, client)).json()["data"]
    moved = sandbox.set_order_status(created["publicId"], "shipped")
    assert moved is not None
    assert [s["status"] for s in moved["statusHistory"]] == ["pending", "confirmed", "shipped"]
    assert moved["deliveryFee"] == 5000  # the fee sent is kept
    assert sandbox.set_order_status(created["id"], "on_hold")["status"] == "on_hold"  # any status at all
    assert sandbox.set_order_status("SF-NOPE00", "shipped") is None

    server, base_url = serve_in_thread(sandbox)
    try:
        with httpx.Client(base_url=base_url, timeout=2) as http:
            hook = f"/__sandbox/orders/{created['publicId']}/status"
            answer = http.post(hook, json={"status": "out_for_delivery"})
            assert answer.status_code == 200 and answer.json()["data"]["status"] == "out_for_delivery"
            assert http.post(hook, json={"state": "x"}).status_code == 400
            assert http.post("/__sandbox/orders/SF-NOPE00/status", json={"status": "shipped"}).status_code == 404
    finally:
        server.shutdown()
        server.server_close()
    sandbox.reset()
    assert sandbox.state.tracked == {}


def test_order_read_faults(sandbox: Sandbox, client: httpx.Client) -> None:
    created = _order(client, _order_body(sandbox, client)).json()["data"]
    sandbox.state.stores["shop"].scopes = frozenset({"orders:write", "orders:read"})
    sandbox.faults.add("order_read", "status", times=1, status=503)
    assert _read(client, created["id"]).status_code == 503
    assert _read(client, created["id"]).status_code == 200
