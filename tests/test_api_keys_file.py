"""SENDY_API_KEYS_FILE re-read when it changes: a new store's key takes orders without a restart; a
malformed file keeps the last good keys and says why; no key ever reaches the log."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FLORA, TIGRIS
from flask import Flask
from helpers.app import close_app, http_app
from helpers.checkout import place_order
from helpers.clock import current_clock

from storefront.config import ConfigError, load_settings
from storefront.sendy.sandbox import Sandbox, serve_in_thread
from storefront.services import api_keys


@pytest.fixture
def sendy(sandbox: Sandbox) -> Iterator[str]:
    server, url = serve_in_thread(sandbox)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def key_file(tmp_path: Path, sandbox: Sandbox) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({FLORA: sandbox.demo_api_keys()[FLORA]}), encoding="utf-8")
    return path


@pytest.fixture
def app(sandbox: Sandbox, sendy: str, key_file: Path) -> Iterator[Flask]:
    app = http_app(sendy, sandbox, SENDY_API_KEYS="", SENDY_API_KEYS_FILE=str(key_file))
    yield app
    close_app(app)


def _write(path: Path, text: str) -> None:
    """Replace the file as an operator's tool would (a new file renamed over the old one)."""
    fresh = path.with_suffix(".new")
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, path)


def _orders_taken(client, slug: str) -> bool:
    """Whether the store's checkout is open: with an empty cart it sends the shopper back to the cart;
    a store without a key shows its "order through WhatsApp" page instead."""
    response = client.get(f"/{slug}/checkout")
    assert response.status_code in (200, 303)
    return response.status_code == 303


def _secrets(sandbox: Sandbox) -> list[str]:
    return [key.split(".", 1)[1] for key in sandbox.demo_api_keys().values()] + \
        list(sandbox.demo_api_keys().values())


def test_a_key_added_to_the_file_takes_orders_within_seconds(app, sandbox, key_file, caplog) -> None:
    client = app.test_client()
    assert not _orders_taken(client, TIGRIS)
    keys = sandbox.demo_api_keys()
    with caplog.at_level(logging.INFO, logger="storefront.keys"):
        _write(key_file, json.dumps({FLORA: keys[FLORA], TIGRIS: keys[TIGRIS]}))
        current_clock().advance(api_keys.CHECK_EVERY)
        page = place_order(client, sandbox, f"/{TIGRIS}", "TGR-CHG-20W")
    assert page.status_code == 200
    assert [o["store"] for o in sandbox.orders] == [TIGRIS]
    assert f"added: {TIGRIS}" in caplog.text

    _write(key_file, json.dumps({FLORA: keys[FLORA]}))  # the store's key is withdrawn
    current_clock().advance(api_keys.CHECK_EVERY)
    assert not _orders_taken(client, TIGRIS)
    for secret in _secrets(sandbox):
        assert secret not in caplog.text


@pytest.mark.parametrize("broken", ['{"tigris-tech": "keyId.secret"', '["a list"]', '{"Bad Slug": "k.s"}',
                                    '{"tigris-tech": "no-dot-in-this-key"}', "\udcff"])
def test_a_malformed_file_keeps_the_last_good_keys_and_says_why(app, sandbox, key_file, caplog, broken) -> None:
    client = app.test_client()
    keys = sandbox.demo_api_keys()
    _write(key_file, json.dumps({FLORA: keys[FLORA], TIGRIS: keys[TIGRIS]}))
    current_clock().advance(api_keys.CHECK_EVERY)
    assert _orders_taken(client, TIGRIS)
    with caplog.at_level(logging.INFO, logger="storefront.keys"):
        if broken == "\udcff":
            key_file.write_bytes(b'{"tigris-tech": "\xff\xfe"}')  # not UTF-8
        else:
            _write(key_file, broken)
        current_clock().advance(api_keys.CHECK_EVERY)
        page = place_order(client, sandbox, f"/{TIGRIS}", "TGR-CHG-20W")  # still taking orders
    assert page.status_code == 200 and len(sandbox.orders) == 1
    assert "is malformed" in caplog.text and "keeping the last good keys of 2 stores" in caplog.text
    for secret in _secrets(sandbox):
        assert secret not in caplog.text
    assert "no-dot-in-this-key" not in caplog.text  # not even a broken key


def test_a_missing_file_keeps_the_last_good_keys(app, sandbox, key_file, caplog) -> None:
    client = app.test_client()
    key_file.unlink()
    with caplog.at_level(logging.ERROR, logger="storefront.keys"):
        current_clock().advance(api_keys.CHECK_EVERY)
        assert _orders_taken(client, FLORA)
    assert "cannot be read" in caplog.text


def test_the_file_is_looked_at_once_every_few_seconds_not_per_request(key_file, monkeypatch) -> None:
    looks = []
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        if str(path) == str(key_file):
            looks.append(str(path))
        return real_stat(path, *args, **kwargs)

    now = [1000.0]
    keys = api_keys.KeyFile(str(key_file), {FLORA: "a.b"}, now=lambda: now[0])
    monkeypatch.setattr(os, "stat", stat)
    assert [keys.get(FLORA) for _ in range(1000)] == ["a.b"] * 1000 and looks == []
    now[0] += api_keys.CHECK_EVERY
    assert [keys.get(FLORA) for _ in range(1000)] == ["a.b"] * 1000 and looks == [str(key_file)]
    assert "a.b" not in repr(keys)


def test_production_may_start_with_an_empty_key_file_but_not_without_keys(tmp_path) -> None:
    empty = tmp_path / "keys.json"
    empty.write_text("{}", encoding="utf-8")
    production = {"SENDY_BASE_URL": "https://api.example", "SECRET_KEY": "p" * 40, "PLATFORM_HOST": "shops.example"}
    settings = load_settings({**production, "SENDY_API_KEYS_FILE": str(empty)})
    assert settings.api_keys == {} and settings.api_keys_file == str(empty)
    with pytest.raises(ConfigError, match="SENDY_API_KEYS .or SENDY_API_KEYS_FILE. is required in production"):
        load_settings(production)
    assert load_settings({**production, "SENDY_API_KEYS": '{"a": "k.s"}', "SENDY_API_KEYS_FILE": str(empty)}) \
        .api_keys_file is None  # the variable wins; the file is not watched
