"""The page's colours and layout preset for the store being shown (services/brand.py decides them)."""

from __future__ import annotations

import base64
import hashlib

from flask import g
from markupsafe import Markup

from storefront.images.pictures import photo_colour
from storefront.services import brand


def store_theme() -> brand.Theme:
    """The current store's theme: its branding colour, else its logo's colour once the image pipeline
    knows it (a page never waits for it: the house teal until then), else the house teal."""
    store = g.get("store")
    if store is None:
        return brand.theme()
    logo = ""
    if not store.primary_color and store.logo_url:
        logo = photo_colour(store.logo_url)
        if not logo and not store.logo_url.endswith(".svg"):  # an SVG logo is never made: teal is final
            # teal for now: a CDN keeps this page a minute, not a day (views.common), so the brand
            # colour shows there soon after the image pipeline first makes the logo (a logo that
            # cannot be made keeps its store's pages at a minute there: a cost, never a wrong colour)
            g.theme_provisional = True
    return brand.theme(store.primary_color, logo, store.niche)


def theme_style(theme: brand.Theme) -> Markup:
    """The inline ``<style>`` of a store's colours; its hash is allowed by the page's CSP (security.py)."""
    css = theme.css()
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    g.style_hashes = (*g.get("style_hashes", ()), f"'sha256-{digest}'")
    return Markup(f"<style>{css}</style>")  # noqa: S704 (validated #rrggbb values only: brand.Theme)
