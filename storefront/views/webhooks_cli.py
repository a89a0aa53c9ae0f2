"""``flask --app storefront webhooks register BASE_URL``: register each store's webhook endpoint with Sendy.

For every store with an API key, ``POST /store/integrations/webhooks`` with that key and the URL
``BASE_URL/-/webhooks/sendy/<slug>``; the signing secrets Sendy answers with are written to a file
readable by its owner only (``SENDY_WEBHOOK_SECRETS_FILE``, which the app re-reads when it
changes). A store registered again keeps its previous secret beside the new one (a rotation).
Secrets are never printed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from storefront.sendy import SendyError

webhooks_cli = AppGroup("webhooks", help="Sendy's webhooks: change notices that refresh pages and purge the CDN.")


@webhooks_cli.command("register")
@click.argument("base_url")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Where to keep the secrets (default: $SENDY_WEBHOOK_SECRETS_FILE, else "
                   "./sendy-webhook-secrets.json).")
def register(base_url: str, out: str | None) -> None:
    """Register BASE_URL/-/webhooks/sendy/<slug> for every store with an API key."""
    if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise click.ClickException("BASE_URL must be the storefront's public https URL, e.g. https://shops.example.com")
    path = Path(out or current_app.extensions["settings"].webhook_secrets_file or "sendy-webhook-secrets.json")
    kept = _read(path)
    client = current_app.extensions["sendy"]
    failed = 0
    for slug, key in sorted(current_app.extensions["api_keys"].items()):
        url = f"{base_url.rstrip('/')}/-/webhooks/sendy/{slug}"
        try:
            sub = client.register_webhook(key, url)
        except SendyError as exc:
            failed += 1
            click.echo(f"{slug}: not registered ({type(exc).__name__}: {exc.message})", err=True)
            continue
        previous = kept.get(slug)
        old = previous[0] if isinstance(previous, list) and previous else previous
        kept[slug] = [sub.secret, old] if isinstance(old, str) and old != sub.secret else sub.secret
        click.echo(f"{slug}: registered {url} (subscription {sub.id})")
    _write(path, kept)
    click.echo(f"Secrets kept in {path.resolve()} (mode 0600). Give it to the app: "
               f"SENDY_WEBHOOK_SECRETS_FILE={path.resolve()}")
    if failed:
        raise click.ClickException(f"{failed} store(s) not registered")


def _read(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{path} is not a JSON object of secrets ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{path} is not a JSON object of secrets")
    return data


def _write(path: Path, secrets: dict[str, object]) -> None:
    """Replace the file atomically, readable by its owner only."""
    folder = path.resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".secrets-", dir=folder)  # created 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(secrets, file, indent=2, sort_keys=True)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
