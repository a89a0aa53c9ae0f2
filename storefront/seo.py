"""Presentation: structured data (JSON-LD) and the store's page list for the sitemap."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, url_for
from flask_babel import lazy_gettext as _l

from storefront.i18n import LOCALES
from storefront.sendy.models import Product, Store
from storefront.templating import absolute


def _urls(store: Store, endpoint: str, **args: Any) -> dict[str, str]:
    """Absolute URLs of one page in every language."""
    return {code: absolute(url_for(endpoint, slug=store.slug, lang=code, **args))
            for code in LOCALES}


def store_pages(store: Store) -> list[dict[str, str]]:
    """Every page of the store, each as {lang: absolute URL}."""
    pages = [_urls(store, "store.home"), _urls(store, "store.about")]
    if store.faqs:
        pages.append(_urls(store, "store.faq"))
    pages += [_urls(store, "store.policy", kind=p.type) for p in store.policies]
    pages += [_urls(store, "store.product", sku=p.sku) for p in store.products]
    return pages


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
        data["logo"] = absolute(store.logo_url)
    if store.cover_image_url:
        data["image"] = absolute(store.cover_image_url)
    if store.contact_phone:
        data["telephone"] = f"+{store.contact_phone}"
    if store.contact_email:
        data["email"] = store.contact_email
    if store.social_links:
        data["sameAs"] = [link.url for link in store.social_links]
    return data


def product_ld(store: Store, product: Product, url: str) -> dict[str, Any]:
    """A schema.org Product with its Offer."""
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
        data["image"] = [absolute(u) for u in product.image_urls]
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
