"""The storefront application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from storefront import images
from storefront.config import ENV_NAMES, Settings, load_settings
from storefront.extensions import babel, cache, compress, csrf
from storefront.runtime import observability, session, state
from storefront.runtime.clock import Clock
from storefront.sendy import SendyClient
from storefront.services import cdn, limits, webhooks
from storefront.services import sendy as sendy_service
from storefront.services.api_keys import KeyFile
from storefront.web import i18n, security
from storefront.wsgi import hosts, page_cache
from storefront.wsgi.hosts import StorefrontFlask
from storefront.wsgi.registry import LiveDomains

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``config`` overrides."""
    overrides = dict(config or {})
    env = {name: os.environ.get(name) for name in ENV_NAMES}
    env.update({k: v for k, v in overrides.items() if k in ENV_NAMES})
    settings = load_settings(env)

    app = StorefrontFlask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), static_url_path="/static")
    app.config.from_mapping(_flask_config(settings))
    app.config.update({k: v for k, v in overrides.items() if k not in ENV_NAMES})
    app.extensions["settings"] = settings
    app.extensions["clock"] = app.config.get("CLOCK") or Clock()

    webhooks.init_app(app, settings.webhook_secrets, settings.webhook_secrets_file)
    cdn.init_app(app, settings.cdn_purge, settings.cdn_purge_token)
    _init_sendy(app, settings)
    i18n.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    observability.init_app(app, json_logs=settings.json_logs, level=settings.log_level)  # request ids before CSRF runs
    cache.init_app(app)
    csrf.init_app(app)
    session.init_app(app)
    state.init_app(app, settings.redis_url)
    limits.init_app(app, settings.redis_url)
    sendy_service.init_app(app)
    _register_views(app)
    security.init_app(app)
    compress.init_app(app)
    app.after_request(_close_streamed_body)
    _wrap(app, settings)
    if settings.sandbox:
        from storefront import demo

        demo.mount_hooks(app)
    return app


def _wrap(app: Flask, settings: Settings) -> None:
    """The WSGI layers, innermost first (docs/architecture.md): a request meets them in reverse order."""
    from storefront import views

    page_cache.init_app(app, shared=bool(settings.redis_url))  # public catalog pages replayed from memory
    images.init_app(app, settings.image_hosts, settings.image_cache_dir,  # made images served from disk
                    settings.image_cache_mb)
    platform_names = {hosts.parse_host(host)[0] for host in settings.platform_hosts}
    domain_map = LiveDomains(settings.store_domains, platform_names, settings.redis_url,
                             now=app.extensions["clock"].time)  # shared with Redis
    hosts.init_app(app, domain_map, settings.platform_hosts,  # hosts and domains
                   any_host=views.ANY_HOST, site_wide=views.SITE_WIDE)
    if settings.trusted_proxies:  # the client's address, scheme and host as the proxy saw them
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]


def _flask_config(settings: Settings) -> dict[str, Any]:
    cache_config: dict[str, Any] = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    if settings.redis_url:
        # Redis, or this process's memory while Redis cannot be reached (storefront.runtime.datacache)
        cache_config = {"CACHE_TYPE": "storefront.runtime.datacache.shared_cache",
                        "CACHE_REDIS_URL": settings.redis_url, "CACHE_KEY_PREFIX": "storefront:"}
    return {
        "SECRET_KEY": settings.secret_key,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": settings.production,
        "PREFERRED_URL_SCHEME": "https" if settings.production else "http",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": 6 * 3600,
        "CACHE_DEFAULT_TIMEOUT": 60,
        "SANDBOX_DEMO": settings.sandbox,
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/plain", "application/javascript", "text/javascript",
                               "application/json", "application/xml", "image/svg+xml"],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        **cache_config,
    }


def _init_sendy(app: Flask, settings: Settings) -> None:
    transport = app.config.get("SENDY_TRANSPORT")
    base_url = settings.sendy_base_url or ""
    api_keys = dict(settings.api_keys)
    if settings.sandbox:  # the demo: the sandbox stands in for Sendy
        from storefront import demo

        sandbox_transport, demo_keys = demo.init_app(app, settings.sandbox_data)
        transport = transport or sandbox_transport
        base_url = demo.SANDBOX_URL
        api_keys = {**demo_keys, **api_keys}
    if settings.api_keys_file:  # re-read when the file changes: a new store's key without a restart
        extra = {slug: key for slug, key in api_keys.items() if slug not in settings.api_keys}
        app.extensions["api_keys"] = KeyFile(settings.api_keys_file, settings.api_keys, extra=extra,
                                            now=app.extensions["clock"].time)
    else:
        app.extensions["api_keys"] = api_keys
    app.extensions["sendy"] = SendyClient(
        base_url, transport=transport, timeout=settings.sendy_timeout,
        retries=app.config.get("SENDY_RETRIES", 2), backoff=app.config.get("SENDY_BACKOFF", 0.2),
        read_budget=app.config.get("SENDY_READ_BUDGET", 3.0),
        concurrency=app.config.get("SENDY_CONCURRENCY", 2),
    )


def _register_views(app: Flask) -> None:
    from storefront import demo, views
    from storefront.views import errors, site
    from storefront.views.cli import domains_cli
    from storefront.views.webhooks_cli import webhooks_cli

    errors.init_app(app)
    site.init_app(app)
    for bp in views.BLUEPRINTS:
        app.register_blueprint(bp)
    demo.init_cli(app)
    app.cli.add_command(domains_cli)
    app.cli.add_command(webhooks_cli)


def _close_streamed_body(response: Response) -> Response:
    """Flask-Compress wraps a streamed file without closing it: close it when the response ends."""
    body = response.response
    if response.is_streamed and hasattr(body, "close"):
        response.call_on_close(body.close)
    return response
