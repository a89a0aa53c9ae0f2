"""Tests of configuration: parsed and validated once at start-up, with messages that say what to fix."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from storefront import create_app
from storefront.config import ENV_NAMES, ConfigError, Settings, load_settings
from storefront.sendy.sandbox import Sandbox

SECRET = "kid42.sup3r-s3cret-value"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from an environment without any storefront variable."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def _error(env: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    return str(caught.value)


# -- defaults ------------------------------------------------------------------------------
def test_defaults_run_the_sandbox_demo() -> None:
    settings = load_settings({})
    assert settings.sandbox is True
    assert settings.sendy_base_url is None
    assert (dict(settings.api_keys), dict(settings.store_domains), dict(settings.fulfillment)) == ({}, {}, {})
    assert settings.sendy_timeout == 5.0
    assert re.fullmatch(r"[0-9a-f]{64}", settings.secret_key)  # generated for the demo only
    assert load_settings({}).secret_key != settings.secret_key


def test_full_production_settings() -> None:
    settings = load_settings({
        "SENDY_BASE_URL": " https://api.sendyiq.com/ ",
        "SECRET_KEY": "x" * 64,
        "SENDY_API_KEYS": json.dumps({"flora-baghdad": SECRET}),
        "STORE_DOMAINS": json.dumps({"Shop.Flora.Example.": "flora-baghdad"}),
        "STORE_FULFILLMENT": json.dumps({"flora-baghdad": "warehouse"}),
        "REDIS_URL": "redis://localhost:6379/0",
        "SENDY_TIMEOUT": "2.5",
    })
    assert settings.sandbox is False
    assert settings.sendy_base_url == "https://api.sendyiq.com"
    assert settings.api_keys == {"flora-baghdad": SECRET}
    assert settings.store_domains == {"shop.flora.example": "flora-baghdad"}
    assert settings.fulfillment == {"flora-baghdad": "warehouse"}
    assert (settings.redis_url, settings.sendy_timeout) == ("redis://localhost:6379/0", 2.5)


def test_mappings_are_accepted_as_well_as_json() -> None:
    settings = load_settings({"SENDY_API_KEYS": {"tigris-tech": SECRET},
                              "STORE_DOMAINS": {"tigris.example": "tigris-tech"}})
    assert settings.api_keys == {"tigris-tech": SECRET}
    assert settings.store_domains == {"tigris.example": "tigris-tech"}


# -- SENDY_API_KEYS ------------------------------------------------------------------------
@pytest.mark.parametrize("value", ['{"flora-baghdad": "kid.secret"', "flora-baghdad=kid.secret", "{'a': 'b'}"])
def test_api_keys_must_be_json(value: str) -> None:
    message = _error({"SENDY_API_KEYS": value})
    assert "SENDY_API_KEYS" in message and "JSON" in message
    assert '{"my-store": "keyId.secret"}' in message  # an example of the right shape


@pytest.mark.parametrize("value", ["[]", '"kid.secret"', "42"])
def test_api_keys_must_be_an_object(value: str) -> None:
    assert "SENDY_API_KEYS must be a JSON object" in _error({"SENDY_API_KEYS": value})


@pytest.mark.parametrize("slug", ["Flora", "flora baghdad", "-flora", "flora-", "flora_baghdad", "", "a" * 65])
def test_api_keys_need_store_slugs(slug: str) -> None:
    message = _error({"SENDY_API_KEYS": json.dumps({slug: SECRET})})
    assert "not a store slug" in message
    assert SECRET not in message and "sup3r" not in message


@pytest.mark.parametrize("key", [
    "sup3r-s3cret-value", ".sup3r-s3cret", "kid42.sup3r s3cret", "kid42 .sup3r", "", 12345, None,
])
def test_bad_key_shape_is_reported_without_the_key(key: Any) -> None:
    message = _error({"SENDY_API_KEYS": json.dumps({"flora-baghdad": key})})
    assert "flora-baghdad" in message and "<keyId>.<secret>" in message
    assert "sup3r" not in message and "s3cret" not in message and "12345" not in message


def test_bad_json_error_does_not_echo_the_keys() -> None:
    message = _error({"SENDY_API_KEYS": '{"flora-baghdad": "kid42.sup3r-s3cret-value",}'})
    assert "sup3r" not in message


# -- STORE_DOMAINS -------------------------------------------------------------------------
@pytest.mark.parametrize("host", [
    "https://shop.example.com", "shop.example.com:8443", "shop.example.com/path", "shop",
    "shop..example.com", "-shop.example.com", "shop example.com", "", "127.0.0.1",
])
def test_store_domains_need_bare_host_names(host: str) -> None:
    message = _error({"STORE_DOMAINS": json.dumps({host: "flora-baghdad"})})
    assert "STORE_DOMAINS" in message and "is not a host name" in message


def test_store_domains_map_to_slugs() -> None:
    assert "must map to a store slug" in _error({"STORE_DOMAINS": json.dumps({"shop.example.com": "Not A Slug"})})
    assert "must map to a store slug" in _error({"STORE_DOMAINS": json.dumps({"shop.example.com": 7})})
    assert "not valid JSON" in _error({"STORE_DOMAINS": "{shop.example.com: flora}"})


def test_store_fulfillment_types() -> None:
    assert "from_to, warehouse" in _error({"STORE_FULFILLMENT": json.dumps({"flora-baghdad": "drone"})})
    settings = load_settings({"STORE_FULFILLMENT": json.dumps({"flora-baghdad": "from_to"})})
    assert settings.fulfillment == {"flora-baghdad": "from_to"}


# -- SENDY_BASE_URL and SECRET_KEY ---------------------------------------------------------
@pytest.mark.parametrize("url", ["api.sendyiq.com", "ftp://api.sendyiq.com", "https://", "javascript:alert(1)"])
def test_base_url_must_be_http(url: str) -> None:
    assert "SENDY_BASE_URL must be an http(s) URL" in _error({"SENDY_BASE_URL": url, "SECRET_KEY": "s" * 32})


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_secret_key_required_with_real_sendy(secret: str | None) -> None:
    message = _error({"SENDY_BASE_URL": "https://api.sendyiq.com", "SECRET_KEY": secret,
                      "SENDY_API_KEYS": json.dumps({"flora-baghdad": SECRET})})
    assert "SECRET_KEY" in message and "required" in message and "SENDY_BASE_URL" in message
    assert "secrets.token_hex" in message  # says how to make one


def test_short_secret_key_refused_with_real_sendy() -> None:
    message = _error({"SENDY_BASE_URL": "https://api.sendyiq.com", "SECRET_KEY": "short",
                      "SENDY_API_KEYS": json.dumps({"flora-baghdad": SECRET})})
    assert "SECRET_KEY" in message and "32" in message and "short" not in message


def test_api_keys_required_with_real_sendy() -> None:
    message = _error({"SENDY_BASE_URL": "https://api.sendyiq.com", "SECRET_KEY": "s" * 64})
    assert "SENDY_API_KEYS" in message and "required" in message


def test_secret_key_kept_when_given() -> None:
    assert load_settings({"SECRET_KEY": " my-long-secret "}).secret_key == "my-long-secret"


# -- PLATFORM_HOST and production hosts -----------------------------------------------------
PRODUCTION = {"SENDY_BASE_URL": "https://api.sendyiq.com", "SECRET_KEY": "s" * 64,
              "SENDY_API_KEYS": json.dumps({"flora-baghdad": SECRET})}


def test_platform_hosts_are_normalized_and_keep_their_port() -> None:
    settings = load_settings({"PLATFORM_HOST": " Shops.Example.com., 127.0.0.1:8000,[::1]:5000 , localhost:5000,"
                                               "shops.example.com:443"})
    assert settings.platform_hosts == ("shops.example.com", "127.0.0.1:8000", "[::1]:5000", "localhost:5000",
                                       "shops.example.com:443")


@pytest.mark.parametrize("host", [
    "shops.example.com:99999", "shops.example.com:0", "shops.example.com:", "shops.example.com:80x", ":80",
    "admin@shops.example.com", "shops.example.com:80@evil.example", "https://shops.example.com",
    "shops.example.com/path", "shops..example.com", "shops", "::1", "[::1", "[::g]:5000", "999.1.1.1",
])
def test_platform_host_must_be_a_host_with_an_optional_port(host: str) -> None:
    message = _error({"PLATFORM_HOST": f"shops.example.com,{host}"})
    assert "PLATFORM_HOST" in message and "is not a host name with an optional port" in message


@pytest.mark.parametrize("extra", [{}, {"STOREFRONT_ENV": "production"}])
def test_production_requires_platform_host_or_store_domains(extra: dict[str, str]) -> None:
    env = {**PRODUCTION, **extra}
    if extra:
        del env["SENDY_BASE_URL"]  # STOREFRONT_ENV=production on the sandbox
    message = _error(env)
    assert "PLATFORM_HOST (or STORE_DOMAINS) is required in production" in message
    assert "PLATFORM_HOST=shops.example.com" in message and "STORE_DOMAINS" in message  # says how to fix it
    assert load_settings({**env, "PLATFORM_HOST": "shops.example.com"}).platform_hosts == ("shops.example.com",)
    domains = load_settings({**env, "STORE_DOMAINS": json.dumps({"flora.example": "flora-baghdad"})})
    assert (domains.platform_hosts, dict(domains.store_domains)) == ((), {"flora.example": "flora-baghdad"})


def test_development_accepts_any_host_without_platform_host() -> None:
    settings = load_settings({"STOREFRONT_ENV": "development"})
    assert (settings.platform_hosts, dict(settings.store_domains)) == ((), {})


def test_create_app_refuses_production_without_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=r"PLATFORM_HOST \(or STORE_DOMAINS\) is required in production"):
        create_app({"TESTING": True})


# -- SENDY_TIMEOUT -------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "seconds"), [("", 5.0), (None, 5.0), ("0.5", 0.5), ("60", 60.0), (3, 3.0)])
def test_timeout_in_bounds(value: Any, seconds: float) -> None:
    assert load_settings({"SENDY_TIMEOUT": value}).sendy_timeout == seconds


@pytest.mark.parametrize("value", ["0", "-1", "60.5", "1e9", "nan", "inf"])
def test_timeout_out_of_bounds(value: str) -> None:
    assert "SENDY_TIMEOUT must be between 0 and 60 seconds" in _error({"SENDY_TIMEOUT": value})


@pytest.mark.parametrize("value", ["fast", "5s", "[]"])
def test_timeout_must_be_a_number(value: str) -> None:
    message = _error({"SENDY_TIMEOUT": value})
    assert "SENDY_TIMEOUT must be a number of seconds" in message and repr(value) in message


# -- create_app: environment, then overrides -----------------------------------------------
def test_create_app_fails_fast_on_a_bad_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDY_API_KEYS", json.dumps({"flora-baghdad": "no-dot-sup3r"}))
    with pytest.raises(ConfigError) as caught:
        create_app({"TESTING": True})
    assert "SENDY_API_KEYS" in str(caught.value) and "sup3r" not in str(caught.value)


def test_create_app_fails_fast_without_secret_for_real_sendy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDY_BASE_URL", "https://api.sendyiq.com")
    monkeypatch.setenv("SENDY_API_KEYS", json.dumps({"flora-baghdad": SECRET}))
    with pytest.raises(ConfigError, match=r"SECRET_KEY.*required"):
        create_app({"TESTING": True})


def _settings(app: Any) -> Settings:
    return app.extensions["settings"]


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDY_TIMEOUT", "7")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app({"TESTING": True, "SANDBOX": Sandbox()})
    assert _settings(app).sendy_timeout == 7.0
    assert app.config["SECRET_KEY"] == "from-the-environment"


def test_overrides_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDY_TIMEOUT", "7")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("SENDY_API_KEYS", "{broken json")  # overridden, so never parsed
    app = create_app({"TESTING": True, "SANDBOX": Sandbox(), "SENDY_TIMEOUT": "9",
                      "SECRET_KEY": "from-the-overrides", "SENDY_API_KEYS": {"tigris-tech": SECRET},
                      "CACHE_DEFAULT_TIMEOUT": 5})
    assert _settings(app).sendy_timeout == 9.0
    assert app.config["SECRET_KEY"] == "from-the-overrides"
    assert app.config["CACHE_DEFAULT_TIMEOUT"] == 5  # a plain Flask setting, overridden too
    assert app.extensions["api_keys"]["tigris-tech"] == SECRET  # the override beats the sandbox's key


def test_override_values_are_validated_too() -> None:
    with pytest.raises(ConfigError, match="SENDY_TIMEOUT"):
        create_app({"TESTING": True, "SENDY_TIMEOUT": "0"})


def test_sandbox_mode_merges_demo_keys() -> None:
    app = create_app({"TESTING": True, "SANDBOX": Sandbox()})
    keys = app.extensions["api_keys"]
    assert set(keys) == {"flora-baghdad", "tigris-tech", "coming-soon", "layla-boutique", "rafidain-shoes",
                         "slemani-honey"}
    assert "sandbox" in app.extensions


def test_real_sendy_mode_uses_only_configured_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = Sandbox()
    monkeypatch.setenv("SENDY_BASE_URL", "https://api.sendyiq.com")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("SENDY_API_KEYS", json.dumps({"flora-baghdad": "flora01.sk_sandbox_flora_3f9c2b7e1d"}))
    monkeypatch.setenv("PLATFORM_HOST", "localhost")  # the test client's host
    app = create_app({"TESTING": True, "SENDY_TRANSPORT": sandbox.transport()})
    assert "sandbox" not in app.extensions
    assert app.extensions["api_keys"] == {"flora-baghdad": "flora01.sk_sandbox_flora_3f9c2b7e1d"}
    response = app.test_client().get("/flora-baghdad/")
    assert response.status_code == 200
    assert ("GET", "/api/v1/public/storefronts/flora-baghdad") in sandbox.requests
    app.extensions["sendy"].close()


def test_sandbox_data_override_loads_extra_stores(tmp_path: Any) -> None:
    extra = [{"published": True, "storefront": {"slug": "extra-shop", "name": "Extra Shop", "products": []}}]
    path = tmp_path / "extra.json"
    path.write_text(json.dumps(extra), encoding="utf-8")
    app = create_app({"TESTING": True, "SANDBOX_DATA": str(path)})
    assert _settings(app).sandbox_data == str(path)
    assert "Extra Shop" in app.test_client().get("/extra-shop/").get_data(as_text=True)


# -- OTP budgets and the metrics token ------------------------------------------------------------
def test_otp_budgets_have_defaults_and_per_store_overrides() -> None:
    from storefront.config import load_settings

    budgets = load_settings({"OTP_STORE_HOURLY": "80", "OTP_BUDGETS": '{"my-store": {"daily": 900}}'}).otp_budgets
    assert (budgets.prefix_hourly, budgets.platform_hourly) == (5, 2_000)
    assert budgets.for_store("other") == (80, 300)
    assert budgets.for_store("my-store") == (80, 900)


@pytest.mark.parametrize("env", [
    {"OTP_STORE_HOURLY": "0"}, {"OTP_STORE_DAILY": "lots"}, {"OTP_PLATFORM_HOURLY": "١٠"},
    {"OTP_PREFIX_HOURLY": "-1"}, {"OTP_BUDGETS": '{"My Store": {"hourly": 5}}'},
    {"OTP_BUDGETS": '{"my-store": {"weekly": 5}}'}, {"OTP_BUDGETS": '{"my-store": 5}'}, {"OTP_BUDGETS": "[1]"},
    {"METRICS_TOKEN": "short"}, {"METRICS_TOKEN": "has a space in it, sadly"},
])
def test_bad_budgets_or_metrics_token_stop_start_up(env) -> None:
    from storefront.config import ConfigError, load_settings

    with pytest.raises(ConfigError):
        load_settings(env)
