"""Views: ``flask --app storefront domains …`` — the operator's commands for the live domain registry."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from storefront.services import domains
from storefront.services.domains import DomainRefused
from storefront.wsgi.hosts import parse_host

domains_cli = AppGroup("domains", help="Custom domains: which host serves which store (the live registry).")


def _host(value: str) -> str:
    try:
        name, port = parse_host(value.strip())
    except ValueError:
        name, port = "", None
    if not name or port is not None or "." not in name:
        raise click.BadParameter(f"{value!r} is not a host name (no scheme, port or path), e.g. shop.example.iq")
    return name


@domains_cli.command("add")
@click.argument("host")
@click.argument("slug")
def add(host: str, slug: str) -> None:
    """Serve HOST for the store SLUG (Sendy must publish HOST as the store's customDomain)."""
    name = _host(host)
    try:
        domains.add(name, slug)
    except DomainRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{name} → {slug}: served by every worker within seconds (HTTPS: on the first visit)")


@domains_cli.command("remove")
@click.argument("host")
def remove(host: str) -> None:
    """Stop serving HOST (blocked until `domains add` again)."""
    name = _host(host)
    try:
        claimants = domains.remove(name)
    except DomainRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{name}: no longer served" + (f" (claimed by {', '.join(claimants)})" if claimants else ""))


@domains_cli.command("list")
def list_() -> None:
    """Every host the registry knows: its store, where it comes from, whether it is served."""
    try:
        rows = domains.rows(domains.registry())
    except DomainRefused as exc:
        raise click.ClickException(str(exc)) from None
    now = time.time()
    for row in rows:
        seen = f"confirmed {int(now - row.confirmed)} s ago" if row.confirmed else ""
        click.echo(f"{row.host:40} {row.slug:24} {row.source:9} {row.state:20} {seen}".rstrip())
    if not rows:
        click.echo("no custom domains")


@domains_cli.command("sync")
def sync() -> None:
    """Re-read every known store from Sendy and update the claims."""
    try:
        said = domains.sync()
    except DomainRefused as exc:
        raise click.ClickException(str(exc)) from None
    for slug, what in said.items():
        click.echo(f"{slug:24} {what}")
