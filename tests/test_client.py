"""Tests of the Sendy client: parsing, typed errors, retries and secrecy, against the sandbox.

The client talks to the sandbox both in-process (its httpx transport) and over real HTTP
(``serve_in_thread``), and every failure comes from the sandbox's fault injection.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
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
from storefront.sendy.client import parse_store
from storefront.sendy.models import OrderLine, OrderRequest
from storefront.sendy.sandbox import Sandbox, serve_in_thread

FLORA = "flora-baghdad"
FLORA_KEY = "flora01.sk_sandbox_flora_3f9c2b7e1d"
FLORA_SECRET = "sk_sandbox_flora_3f9c2b7e1d"
PHONE = "9647701234567"
KARRADA = "05816229-b7ca-5be1-9515-28ae95d5052f"  # an area of Baghdad (BG)
STOREFRONT = f"/api/v1/public/storefronts/{FLORA}"
PROVINCES = "/api/v1/address-reference/provinces"
SEND_OTP = "/api/v1/store/integrations/orders/send-otp"
ORDER = "/api/v1/store/integrations/orders/storefront"

# A store overlaid on the seed: prices and compare-at prices on the edges, hostile links.
EDGES = {
    "stores": [
        {
            "published": True,
            "apiKey": "edge01.no_scope_secret",
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
    ]
}


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture
def sendy(sandbox: Sandbox) -> Iterator[SendyClient]:
    """A client wired to the in-process sandbox, retrying without sleeping."""
    client = SendyClient("http://sendy.test", transport=sandbox.transport(), backoff=0)
    yield client
    client.close()


@pytest.fixture
def edge_sandbox(tmp_path: Path) -> Sandbox:
    """The demo seed plus the edge-case store."""
    path = tmp_path / "edges.json"
    path.write_text(json.dumps(EDGES), encoding="utf-8")
    return Sandbox(str(path))


@pytest.fixture
def served(sandbox: Sandbox) -> Iterator[str]:
    """The sandbox served over real HTTP; yields its base URL."""
    server, base_url = serve_in_thread(sandbox)
    yield base_url
    server.shutdown()
    server.server_close()


def _client(base_url: str, **options: Any) -> SendyClient:
    options.setdefault("backoff", 0)
    return SendyClient(base_url, **options)


def _hits(sandbox: Sandbox, method: str, path: str) -> int:
    """How many times Sendy received this request."""
    return sum(1 for r in sandbox.requests if r == (method, path))


def _order(**changes: Any) -> OrderRequest:
    """A valid Baghdad order for one bouquet, with changes."""
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
        return sock.getsockname()[1]


# -- the published store -------------------------------------------------------------------
def test_store_is_parsed_into_models(sendy: SendyClient) -> None:
    store = sendy.get_storefront(FLORA)
    assert store.slug == FLORA
    assert store.name == "فلورا بغداد"
    assert store.language == "ar"
    assert store.whatsapp_phone == "9647801234567"
    assert store.seo.title.startswith("فلورا بغداد")
    assert [p.type for p in store.policies] == ["shipping", "returns", "privacy", "terms"]
    assert len(store.faqs) == 6
    rose = store.product_by_sku("FLR-ROSE-12")
    assert rose is not None
    assert (rose.price, rose.compare_at_price, rose.on_sale) == (35000, 40000, True)
    assert isinstance(rose.price, int)
    assert rose.category_id == "cat-roses"
    assert store.product_by_sku("FLR-TULIP-10").in_stock is False  # type: ignore[union-attr]


def test_products_without_a_price_are_not_shown(sendy: SendyClient) -> None:
    store = sendy.get_storefront(FLORA)
    assert store.product_by_sku("FLR-EVENT-CUSTOM") is None  # seeded without a price
    assert all(isinstance(p.price, int) for p in store.products)
    assert len(store.products) == 14


def test_compare_at_price_only_when_higher(edge_sandbox: Sandbox) -> None:
    with SendyClient("http://sendy.test", transport=edge_sandbox.transport(), backoff=0) as_client:
        pass


def test_social_links_keep_only_http_urls(sendy: SendyClient) -> None:
    store = sendy.get_storefront(FLORA)  # the seed's "website" is javascript:alert(1)
    assert [link.network for link in store.social_links] == ["instagram", "facebook", "tiktok", "snapchat"]
    assert all(link.url.startswith("https://") for link in store.social_links)
