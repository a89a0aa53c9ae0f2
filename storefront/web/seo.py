"""Presentation: structured data (JSON-LD) and the store's page list for the sitemap."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from flask import Flask, g, url_for
from flask_babel import lazy_gettext as _l

from storefront.images.pictures import shared_image
from storefront.sendy.models import Product, Store, Variant
from storefront.web.i18n import LOCALES
from storefront.web.picker import option_kind
from storefront.web.templating import absolute

#: Products per child sitemap: one URL per language each (three), far within the protocol's
#: 50,000 URLs and 50 MB per file.
SITEMAP_PRODUCTS = 1_000
_PART = re.compile(r"products-([1-9][0-9]{0,5})")


def _urls(store: Store, endpoint: str, **args: Any) -> dict[str, str]:
    """Absolute URLs of one page in every language."""
    return {code: absolute(url_for(endpoint, slug=store.slug, lang=code, **args))
            for code in LOCALES}


def store_pages(store: Store) -> list[dict[str, str]]:
    """The store's own pages (home, categories, about, FAQ, policies), each as {lang: absolute URL}."""
    pages = [_urls(store, "store.home"), _urls(store, "store.about")]
    if store.faqs:
        pages.append(_urls(store, "store.faq"))
    pages += [_urls(store, "store.policy", kind=p.type) for p in store.policies]
    pages += [_urls(store, "store.home", category=c.id) for c in store.categories]
    return pages


def sitemap_parts(store: Store) -> list[str]:
    """The names of the store's child sitemaps: its pages, then its products a thousand at a time."""
    count = -(-len(store.products) // SITEMAP_PRODUCTS)
    return ["pages", *(f"products-{n}" for n in range(1, count + 1))]


def sitemap_urls(store: Store, part: str) -> list[dict[str, str]] | None:
    """The pages of one child sitemap (None when the store has no such part)."""
    if part == "pages":
        return store_pages(store)
    match = _PART.fullmatch(part)
    start = (int(match.group(1)) - 1) * SITEMAP_PRODUCTS if match else -1
    if not 0 <= start < len(store.products):
        return None
    chunk = store.products[start:start + SITEMAP_PRODUCTS]
    return [_urls(store, "store.product", sku=p.sku) for p in chunk]


def store_ld(store: Store) -> dict[str, Any]:
    """The store as a schema.org Store."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Store",
        "name": store.name,
        "url": absolute(url_for("store.home", slug=store.slug)),
        "currenciesAccepted": "IQD",
        "paymentAccepted": "Cash",
        "address": {"@type": "PostalAddress", "addressCountry": "IQ"},
    }
    if store.description:
        data["description"] = store.description
    if store.logo_url:
        data["logo"] = shared_image(store.logo_url, 480)
    if store.cover_image_url:
        data["image"] = shared_image(store.cover_image_url)
    if store.contact_phone:
        data["telephone"] = f"+{store.contact_phone}"
    if store.contact_email:
        data["email"] = store.contact_email
    if store.social_links:
        data["sameAs"] = [link.url for link in store.social_links]
    return data


def product_ld(store: Store, product: Product, url: str) -> dict[str, Any]:
    """A schema.org Product with its Offer (a ProductGroup of them for a product with variants)."""
    if product.variants:
        return product_group_ld(store, product, url)
    stock = "InStock" if product.in_stock else "OutOfStock"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "sku": product.sku,
        "url": url,
        "brand": {"@type": "Brand", "name": store.name},
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": str(product.price),
            "priceCurrency": "IQD",
            "availability": f"https://schema.org/{stock}",
            "seller": {"@type": "Organization", "name": store.name},
        },
    }
    if product.description:
        data["description"] = product.description
    if product.image_urls:
        data["image"] = [shared_image(u) for u in product.image_urls]
    return data


def product_group_ld(store: Store, product: Product, url: str) -> dict[str, Any]:
    """A product with variants in Google's variant markup: a ProductGroup with hasVariant and variesBy."""
    kinds = [option_kind(o.name) for o in product.options]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ProductGroup",
        "name": product.name,
        "productGroupID": product.sku,
        "url": url,
        "brand": {"@type": "Brand", "name": store.name},
        "variesBy": [f"https://schema.org/{kind}" for kind in kinds if kind],
        "hasVariant": [_variant_ld(store, product, v, kinds, url) for v in product.variants],
    }
    if product.description:
        data["description"] = product.description
    if product.image_urls:
        data["image"] = [shared_image(u) for u in product.image_urls]
    return data


def _variant_ld(store: Store, product: Product, variant: Variant, kinds: list[str], url: str) -> dict[str, Any]:
    link = f"{url}?variant={quote(variant.sku, safe='')}"
    stock = "InStock" if variant.in_stock else "OutOfStock"
    data: dict[str, Any] = {
        "@type": "Product",
        "name": " — ".join([product.name, " / ".join(variant.values)]) if variant.values else product.name,
        "sku": variant.sku,
        "url": link,
        "inProductGroupWithID": product.sku,
        "offers": {
            "@type": "Offer",
            "url": link,
            "price": str(variant.price),
            "priceCurrency": "IQD",
            "availability": f"https://schema.org/{stock}",
            "seller": {"@type": "Organization", "name": store.name},
        },
    }
    data.update({kind: value for kind, value in zip(kinds, variant.values, strict=False) if kind})
    image = variant.image_url or (product.image_urls[0] if product.image_urls else "")
    if image:
        data["image"] = shared_image(image)
    return data


def faq_ld(store: Store) -> dict[str, Any]:
    """The store's FAQ as a schema.org FAQPage."""
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {"@type": "Question", "name": f.question,
             "acceptedAnswer": {"@type": "Answer", "text": f.answer}}
            for f in store.faqs
        ],
    }


def breadcrumbs_ld(crumbs: list[tuple[str, str]]) -> dict[str, Any]:
    """A schema.org BreadcrumbList from (name, absolute URL) pairs."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": url}
            for i, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def crumbs_for(store: Store, product: Product, category: Any) -> list[tuple[str, str]]:
    """Breadcrumb trail of a product page: store, category, product."""
    crumbs = [(store.name, absolute(url_for("store.home")))]
    if category:
        crumbs.append((category.name, absolute(url_for("store.home", category=category.id))))
    crumbs.append((product.name, absolute(url_for("store.product", sku=product.sku))))
    return crumbs


POLICY_NAMES = {
    "shipping": _l("Shipping policy"),
    "returns": _l("Returns policy"),
    "privacy": _l("Privacy policy"),
    "terms": _l("Terms of service"),
}
NETWORK_NAMES = {
    "instagram": "Instagram", "facebook": "Facebook", "tiktok": "TikTok",
    "snapchat": "Snapchat", "telegram": "Telegram", "website": _l("Website"),
}


def init_app(app: Flask) -> None:
    """Expose the structured-data builders and names to templates."""
    for fn in (store_ld, product_ld, faq_ld, breadcrumbs_ld):
        app.add_template_global(fn)
    app.add_template_global(lambda product, category: crumbs_for(g.store, product, category),
                            "crumbs_for")
    app.jinja_env.globals.update(policy_names=POLICY_NAMES, network_names=NETWORK_NAMES)
