"""Configuration: settings parsed and validated once, when the app is created.

Order of precedence: defaults, then the environment, then the overrides given to
``create_app``. A bad value stops start-up with a message that says what to fix.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from storefront.sendy.models import LANGUAGES
from storefront.wsgi.hosts import format_host, parse_host

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_API_KEY = re.compile(r"^[^.\s]+\.[^\s]+$")
FULFILLMENT_TYPES = ("from_to", "warehouse")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class OtpBudgets:
    """How many one-time codes may be sent, per number prefix, per store and for the platform."""

    prefix_hourly: int = 5
    store_hourly: int = 60
    store_daily: int = 300
    platform_hourly: int = 2_000
    #: slug → (hourly, daily), overriding the store defaults
    stores: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def for_store(self, slug: str) -> tuple[int, int]:
        """The (hourly, daily) budget of one store."""
        return self.stores.get(slug, (self.store_hourly, self.store_daily))


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, validated."""

    sendy_base_url: str | None = None
    api_keys: Mapping[str, str] = field(default_factory=dict)
    #: ``SENDY_API_KEYS_FILE`` when the keys come from it (re-read when it changes), else None
    api_keys_file: str | None = None
    store_domains: Mapping[str, str] = field(default_factory=dict)
    fulfillment: Mapping[str, str] = field(default_factory=dict)
    secret_key: str = ""
    redis_url: str | None = None
    sandbox_data: str | None = None
    sendy_timeout: float = 5.0
    environment: str = "development"
    platform_hosts: tuple[str, ...] = ()
    trusted_proxies: int = 0
    json_logs: bool = False
    log_level: str = "INFO"
    otp_budgets: OtpBudgets = field(default_factory=lambda: OtpBudgets())
    metrics_token: str = ""
    image_hosts: tuple[str, ...] = ()
    image_cache_dir: str = ""
    image_cache_mb: int = 512
    #: language code (or "*" for every other language) → the platform's name; empty: the translated default
    platform_names: Mapping[str, str] = field(default_factory=dict)
    #: store slug → the secrets its Sendy webhooks may be signed with (two during a rotation)
    webhook_secrets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: SENDY_WEBHOOK_SECRETS_FILE, re-read when it changes (services.webhooks)
    webhook_secrets_file: str | None = None
    #: CDN_PURGE: "" (no CDN), varnish+http://HOST:PORT, fastly:SERVICE_ID or cloudflare:ZONE_ID
    cdn_purge: str = ""
    cdn_purge_token: str = ""

    @property
    def production(self) -> bool:
        """Secure cookies, HSTS and required secrets."""
        return self.environment == "production"

    @property
    def sandbox(self) -> bool:
        """True when the embedded sandbox stands in for Sendy."""
        return self.sendy_base_url is None


ENV_NAMES = ("SENDY_BASE_URL", "SENDY_API_KEYS", "SENDY_API_KEYS_FILE", "STORE_DOMAINS",
             "STORE_FULFILLMENT", "SECRET_KEY", "SECRET_KEY_FILE", "REDIS_URL", "SANDBOX_DATA",
             "SENDY_TIMEOUT", "STOREFRONT_ENV", "PLATFORM_HOST", "TRUSTED_PROXIES", "LOG_FORMAT",
             "OTP_PREFIX_HOURLY", "OTP_STORE_HOURLY", "OTP_STORE_DAILY", "OTP_BUDGETS", "OTP_PLATFORM_HOURLY",
             "METRICS_TOKEN", "METRICS_TOKEN_FILE", "IMAGE_HOSTS", "IMAGE_CACHE_DIR", "IMAGE_CACHE_MB",
             "PLATFORM_NAME", "LOG_LEVEL", "SENDY_WEBHOOK_SECRETS", "SENDY_WEBHOOK_SECRETS_FILE", "CDN_PURGE",
             "CDN_PURGE_TOKEN", "CDN_PURGE_TOKEN_FILE")


def load_settings(env: Mapping[str, Any]) -> Settings:
    """Parse and validate the settings from environment-like values."""
    base_url = _text(env.get("SENDY_BASE_URL"))
    if base_url and not re.match(r"^https?://[^/\s]+", base_url):
        raise ConfigError(f"SENDY_BASE_URL must be an http(s) URL, e.g. https://api.sendyiq.com (got {base_url!r}).")
    environment = _environment(env.get("STOREFRONT_ENV"), default="production" if base_url else "development")
    secret = _secret(env, "SECRET_KEY")
    keys = _api_keys(_secret(env, "SENDY_API_KEYS"))
    store_domains = _store_domains(env.get("STORE_DOMAINS"))
    platform_hosts = _platform_hosts(env.get("PLATFORM_HOST"))
    cdn_purge = _cdn_purge(env.get("CDN_PURGE"))
    if environment == "production":
        _require_production_secrets(secret, keys, keys_file=_keys_file(env))
        _require_production_hosts(platform_hosts, store_domains)
    return Settings(
        sendy_base_url=base_url.rstrip("/") if base_url else None,
        api_keys=keys,
        api_keys_file=_keys_file(env),
        store_domains=store_domains,
        fulfillment=_fulfillment(env.get("STORE_FULFILLMENT")),
        secret_key=secret or secrets.token_hex(32),  # development: carts last as long as the process
        redis_url=_text(env.get("REDIS_URL")) or None,
        sandbox_data=_text(env.get("SANDBOX_DATA")) or None,
        sendy_timeout=_timeout(env.get("SENDY_TIMEOUT")),
        environment=environment,
        platform_hosts=platform_hosts,
        trusted_proxies=_proxies(env.get("TRUSTED_PROXIES")),
        json_logs=_log_format(env.get("LOG_FORMAT"), environment) == "json",
        log_level=_log_level(env.get("LOG_LEVEL")),
        otp_budgets=_otp_budgets(env),
        metrics_token=_metrics_token(_secret(env, "METRICS_TOKEN")),
        image_hosts=_image_hosts(env.get("IMAGE_HOSTS")),
        image_cache_dir=_text(env.get("IMAGE_CACHE_DIR")) or os.path.join(tempfile.gettempdir(), "storefront-images"),
        image_cache_mb=_image_cache_mb(env.get("IMAGE_CACHE_MB")),
        platform_names=_platform_names(env.get("PLATFORM_NAME")),
        webhook_secrets=parse_webhook_secrets(_secret(env, "SENDY_WEBHOOK_SECRETS")),
        webhook_secrets_file=_text(env.get("SENDY_WEBHOOK_SECRETS_FILE")) or None,
        cdn_purge=cdn_purge,
        cdn_purge_token=_cdn_token(cdn_purge, _secret(env, "CDN_PURGE_TOKEN")),
    )


def _require_production_secrets(secret: str, keys: Mapping[str, str], *, keys_file: str | None = None) -> None:
    if not secret:
        raise ConfigError(
            "SECRET_KEY (or SECRET_KEY_FILE) is required in production (when SENDY_BASE_URL is set "
            "or STOREFRONT_ENV=production): set it to a long random string, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    if len(secret) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters long in production.")
    if not keys and not keys_file:  # a key file may start empty: it is re-read when a store's key is added
        raise ConfigError(
            "SENDY_API_KEYS (or SENDY_API_KEYS_FILE) is required in production: a JSON object "
            'mapping each store slug to its Sendy API key, e.g. {"my-store": "keyId.secret"}.'
        )


def _require_production_hosts(platform_hosts: tuple[str, ...], store_domains: Mapping[str, str]) -> None:
    if not platform_hosts and not store_domains:
        raise ConfigError(
            "PLATFORM_HOST (or STORE_DOMAINS) is required in production (when SENDY_BASE_URL is set or "
            "STOREFRONT_ENV=production): without it any Host header a client sends would end up in canonical "
            "links and the sitemap. Set PLATFORM_HOST to the host name(s) the shops are served on, e.g. "
            "PLATFORM_HOST=shops.example.com (add :port when it is not 80/443), and/or STORE_DOMAINS to the "
            'custom domains, e.g. {"shop.example.com": "my-store"}.'
        )


def _secret(env: Mapping[str, Any], name: str) -> Any:
    """A secret from the environment, or from the file named by ``<NAME>_FILE``."""
    value = env.get(name)
    path = _text(env.get(f"{name}_FILE"))
    if value not in (None, "") or not path:
        return value.strip() if isinstance(value, str) else value
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as exc:
        raise ConfigError(f"{name}_FILE: cannot read {path!r} ({exc.strerror}).") from None


def _environment(value: Any, default: str) -> str:
    name = _text(value).lower() or default
    if name not in ("development", "production"):
        raise ConfigError(f"STOREFRONT_ENV must be development or production (got {value!r}).")
    return name


def _platform_hosts(value: Any) -> tuple[str, ...]:
    """``PLATFORM_HOST``: comma-separated ``name[:port]``, normalized (lowercase, no final dot)."""
    return tuple(_platform_host(entry.strip()) for entry in _text(value).split(",") if entry.strip())


def _platform_host(entry: str) -> str:
    try:
        name, port = parse_host(entry)
    except ValueError:
        name, port = "", None
    known = _HOST.match(name) or name == "localhost" or _is_ip(name)
    if not known:
        raise ConfigError(f"PLATFORM_HOST: {entry!r} is not a host name with an optional port (1-65535), "
                          "e.g. shops.example.com,www.example.com or 127.0.0.1:8000 or [::1]:5000")
    return format_host(name, port)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _log_format(value: Any, environment: str) -> str:
    name = _text(value).lower() or ("json" if environment == "production" else "text")
    if name not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT must be json or text (got {value!r}).")
    return name


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(value: Any) -> str:
    name = _text(value).upper() or "INFO"
    if name not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)} (got {value!r}).")
    return name


def _keys_file(env: Mapping[str, Any]) -> str | None:
    """The key file to watch: only when the keys come from it (``SENDY_API_KEYS`` unset)."""
    if env.get("SENDY_API_KEYS") not in (None, ""):
        return None
    return _text(env.get("SENDY_API_KEYS_FILE")) or None


def _proxies(value: Any) -> int:
    text = _text(value) or "0"
    if not text.isdigit() or int(text) > 5:
        raise ConfigError(f"TRUSTED_PROXIES must be the number of proxies in front of the app, 0 to 5 (got {value!r}).")
    return int(text)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _json_object(name: str, value: Any, example: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if not _text(value):
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} is not valid JSON ({exc.msg}). Expected e.g. {example}") from None
    if not isinstance(parsed, dict):
        raise ConfigError(f"{name} must be a JSON object, e.g. {example}")
    return parsed


def parse_api_keys(value: Any) -> dict[str, str]:
    """``SENDY_API_KEYS`` (or its file's text): slug → key; ConfigError (never echoing a key) when malformed."""
    return _api_keys(value)


def _api_keys(value: Any) -> dict[str, str]:
    example = '{"my-store": "keyId.secret"}'
    keys = _json_object("SENDY_API_KEYS", value, example)
    for slug, key in keys.items():
        if not SLUG.match(str(slug)):
            raise ConfigError(f"SENDY_API_KEYS: {slug!r} is not a store slug (lowercase letters, digits, dashes).")
        if not isinstance(key, str) or not _API_KEY.match(key):
            # never echo the key itself
            raise ConfigError(f"SENDY_API_KEYS: the key for {slug!r} must look like <keyId>.<secret>.")
    return keys


def _store_domains(value: Any) -> dict[str, str]:
    example = '{"shop.example.com": "my-store"}'
    domains: dict[str, str] = {}
    for host, slug in _json_object("STORE_DOMAINS", value, example).items():
        name = str(host).strip().lower().rstrip(".")
        if not _HOST.match(name):
            raise ConfigError(f"STORE_DOMAINS: {host!r} is not a host name (no scheme, port or path), e.g. {example}")
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise ConfigError(f"STORE_DOMAINS: {host!r} must map to a store slug, e.g. {example}")
        domains[name] = slug
    return domains


def _fulfillment(value: Any) -> dict[str, str]:
    example = '{"my-store": "warehouse"}'
    types = _json_object("STORE_FULFILLMENT", value, example)
    for slug, kind in types.items():
        if kind not in FULFILLMENT_TYPES:
            raise ConfigError(f"STORE_FULFILLMENT: {slug!r} must be one of {', '.join(FULFILLMENT_TYPES)}.")
    return types


def _timeout(value: Any) -> float:
    if value in (None, ""):
        return 5.0
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"SENDY_TIMEOUT must be a number of seconds (got {value!r}).") from None
    if not 0 < seconds <= 60:
        raise ConfigError("SENDY_TIMEOUT must be between 0 and 60 seconds.")
    return seconds


def _count(name: str, value: Any, default: int) -> int:
    text = _text(value) if not isinstance(value, int) else str(value)
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= 1_000_000:
        raise ConfigError(f"{name} must be a whole number of codes from 1 to 1000000 (got {value!r}).")
    return int(text)


def _otp_budgets(env: Mapping[str, Any]) -> OtpBudgets:
    """OTP_PREFIX_HOURLY, OTP_STORE_HOURLY, OTP_STORE_DAILY, OTP_PLATFORM_HOURLY and OTP_BUDGETS."""
    defaults = OtpBudgets()
    hourly = _count("OTP_STORE_HOURLY", env.get("OTP_STORE_HOURLY"), defaults.store_hourly)
    daily = _count("OTP_STORE_DAILY", env.get("OTP_STORE_DAILY"), defaults.store_daily)
    example = '{"my-store": {"hourly": 100, "daily": 500}}'
    stores: dict[str, tuple[int, int]] = {}
    for slug, budget in _json_object("OTP_BUDGETS", env.get("OTP_BUDGETS"), example).items():
        if not SLUG.match(str(slug)) or not isinstance(budget, Mapping) or not set(budget) <= {"hourly", "daily"}:
            raise ConfigError(f"OTP_BUDGETS: {slug!r} must map a store slug to hourly and/or daily counts, "
                              f"e.g. {example}")
        stores[slug] = (_count(f"OTP_BUDGETS[{slug}].hourly", budget.get("hourly"), hourly),
                        _count(f"OTP_BUDGETS[{slug}].daily", budget.get("daily"), daily))
    return OtpBudgets(
        prefix_hourly=_count("OTP_PREFIX_HOURLY", env.get("OTP_PREFIX_HOURLY"), defaults.prefix_hourly),
        store_hourly=hourly, store_daily=daily,
        platform_hourly=_count("OTP_PLATFORM_HOURLY", env.get("OTP_PLATFORM_HOURLY"), defaults.platform_hourly),
        stores=stores)


def _metrics_token(value: Any) -> str:
    token = _text(value)
    if token and (len(token) < 16 or any(ch.isspace() for ch in token)):
        raise ConfigError("METRICS_TOKEN must be at least 16 characters without spaces (or unset: no /metrics).")
    return token


def _image_hosts(value: Any) -> tuple[str, ...]:
    """``IMAGE_HOSTS``: comma-separated ``host[:port]`` the image endpoint may fetch from (http or https)."""
    hosts = []
    for entry in (e.strip() for e in _text(value).split(",")):
        if not entry:
            continue
        try:
            name, port = parse_host(entry.lower())
        except ValueError:
            name, port = "", None
        if not (_HOST.match(name) or name == "localhost" or _is_ip(name)):
            raise ConfigError(f"IMAGE_HOSTS: {entry!r} is not a host name with an optional port, "
                              "e.g. cdn.sendyiq.com or 127.0.0.1:8080 (no scheme, no path)")
        hosts.append(format_host(name, port))
    return tuple(hosts)


def _image_cache_mb(value: Any) -> int:
    text = _text(value) if not isinstance(value, int) else str(value)
    if not text:
        return 512
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise ConfigError(f"IMAGE_CACHE_MB must be the image cache's size cap in megabytes, 1 or more (got {value!r}).")
    return int(text)


_NAMED_LANGUAGE = re.compile(r"^([A-Za-z*][A-Za-z-]*)\s*=(.*)$", re.S)
_PLATFORM_EXAMPLE = "PLATFORM_NAME=Souq Iraq, or per language: PLATFORM_NAME=ar=سوق العراق;en=Souq Iraq"


def _platform_names(value: Any) -> dict[str, str]:
    """``PLATFORM_NAME``: one name for every language, or ``<lang>=<name>`` pairs separated by ``;``
    (``*=<name>`` for the languages not listed; unlisted without it: the translated default)."""
    text = _text(value)
    if not text:
        return {}
    if "=" not in text:
        if ";" in text:
            raise ConfigError(f"PLATFORM_NAME: {text!r} has a ';' but no '<language>=': write one name, "
                              f"or <language>=<name> pairs separated by ';', e.g. {_PLATFORM_EXAMPLE}")
        return {"*": _brand_name("PLATFORM_NAME", text)}
    names: dict[str, str] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue  # a trailing ';'
        match = _NAMED_LANGUAGE.match(part)
        if not match:
            raise ConfigError(f"PLATFORM_NAME: {part!r} is not <language>=<name>, e.g. {_PLATFORM_EXAMPLE}")
        code = match.group(1).lower()
        if code != "*" and code not in LANGUAGES:
            raise ConfigError(f"PLATFORM_NAME: {match.group(1)!r} is not a language of the storefront "
                              f"({', '.join(LANGUAGES)}, or * for the others).")
        if code in names:
            raise ConfigError(f"PLATFORM_NAME: the name for {code!r} is given twice.")
        names[code] = _brand_name(f"PLATFORM_NAME ({code})", match.group(2).strip())
    return names


def _brand_name(where: str, name: str) -> str:
    if not name:
        raise ConfigError(f"{where}: the name is empty, e.g. {_PLATFORM_EXAMPLE}")
    if len(name) > 60:
        raise ConfigError(f"{where}: {name[:20]!r}… is longer than 60 characters; a brand fits in a header.")
    if any(ch in "=;<>" or unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in name):
        raise ConfigError(f"{where}: {name!r} holds a character a name can't have (=, ;, <, >, a line "
                          "break or another control character).")
    return name


_WEBHOOK_EXAMPLE = '{"my-store": "whsec_…"} or, during a rotation, {"my-store": ["new secret", "old secret"]}'
_CDN_PURGE = re.compile(r"^(?:varnish\+https?://[^/\s?#]+/?|fastly:[A-Za-z0-9]{1,64}|cloudflare:[A-Fa-f0-9]{32})$")


def parse_webhook_secrets(value: Any) -> dict[str, tuple[str, ...]]:
    """``SENDY_WEBHOOK_SECRETS``: store slug → secret, or → a list of secrets (a rotation). Never echoes one."""
    secrets_by_slug: dict[str, tuple[str, ...]] = {}
    for slug, given in _json_object("SENDY_WEBHOOK_SECRETS", value, _WEBHOOK_EXAMPLE).items():
        if not SLUG.match(str(slug)):
            raise ConfigError(f"SENDY_WEBHOOK_SECRETS: {slug!r} is not a store slug (lowercase letters, digits, "
                              "dashes).")
        listed = [given] if isinstance(given, str) else given
        if not isinstance(listed, list) or not 1 <= len(listed) <= 2 or not all(
                isinstance(s, str) and len(s.strip()) >= 16 and not any(ch.isspace() for ch in s.strip())
                for s in listed):
            raise ConfigError(f"SENDY_WEBHOOK_SECRETS: the secret for {slug!r} must be a string of at least 16 "
                              f"characters without spaces, or a list of one or two of them, e.g. {_WEBHOOK_EXAMPLE}")
        secrets_by_slug[str(slug)] = tuple(s.strip() for s in listed)
    return secrets_by_slug


def _cdn_purge(value: Any) -> str:
    text = _text(value)
    if text and not _CDN_PURGE.match(text):
        raise ConfigError(f"CDN_PURGE must be varnish+http://HOST:PORT, fastly:SERVICE_ID or cloudflare:ZONE_ID "
                          f"(a 32-character hex zone id), or unset for no CDN (got {text!r}).")
    return text.rstrip("/")


def _cdn_token(cdn_purge: str, value: Any) -> str:
    token = _text(value)
    if cdn_purge.startswith(("fastly:", "cloudflare:")) and not token:
        raise ConfigError("CDN_PURGE_TOKEN (or CDN_PURGE_TOKEN_FILE) is required with a Fastly or Cloudflare "
                          "CDN_PURGE: the API token allowed to purge by tag.")
    if token and any(ch.isspace() for ch in token):
        raise ConfigError("CDN_PURGE_TOKEN must not contain spaces.")
    return token
