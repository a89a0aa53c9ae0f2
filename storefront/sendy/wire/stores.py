"""The published storefront's shape (contract §1) → ``models.Store``, tolerantly.

A broken product, variant, category, FAQ, policy or link is logged and skipped; the store stands.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from storefront.sendy.errors import SendyUnavailable
from storefront.sendy.models import (
    FAQ,
    Category,
    Option,
    Policy,
    Product,
    Seo,
    ShippingRule,
    SocialLink,
    Store,
    Variant,
    language_code,
)
from storefront.sendy.wire.values import (
    LOG_ID_CHARS,
    Broken,
    each,
    guarded,
    image,
    is_http_url,
    label,
    listed,
    log,
    mapping,
    price_of,
    safe_url,
    text,
)

POLICY_TYPES = ("shipping", "returns", "privacy", "terms")


SOCIAL_NETWORKS = ("instagram", "facebook", "tiktok", "snapchat", "telegram", "website")


def parse_store(d: Mapping[str, Any]) -> Store:
    """A Store from the storefront payload; unknown fields are ignored, broken items skipped and logged."""
    slug, name = text(d.get("slug")), text(d.get("name"))
    if not slug or not name:
        raise SendyUnavailable("Sendy sent a storefront without slug or name")
    seo = mapping(d.get("seo"))
    return Store(
        slug=slug,
        name=name,
        products=_unique_skus(slug, each(slug, "product", d.get("products"), lambda raw: _product(raw, slug))),
        description=text(d.get("description")),
        logo_url=image(d.get("logoUrl")),
        cover_image_url=image(d.get("coverImageUrl")) or image(d.get("bannerImageUrl")),
        language=language_code(d.get("language")) or "ar",
        contact_email=text(d.get("contactEmail")),
        contact_phone=text(d.get("contactPhone")),
        whatsapp_phone=text(d.get("whatsappPhone")),
        social_links=_social_links(slug, d.get("socialLinks")),
        seo=Seo(
            title=text(seo.get("title")),
            description=text(seo.get("description")),
            og_image_url=image(seo.get("ogImageUrl")),
        ),
        faqs=each(slug, "FAQ", d.get("faqs"), _faq),
        policies=_policies(slug, d.get("policies")),
        categories=each(slug, "category", d.get("categories"), _category),
        shipping_rules=_shipping_rules(slug, d.get("shippingRules")),
        custom_domain=custom_domain(slug, d.get("customDomain")),
        niche=text(d.get("niche")),
        **branding(slug, d.get("branding")),
    )


_HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")


def branding(slug: str, raw: Any) -> dict[str, str]:
    """``branding``'s two colours (contract §1 "Branding") as lowercase "#rrggbb"; a missing one is "",
    a malformed one is logged and ignored (the storefront falls back to its own colour)."""
    d = mapping(raw)
    colours = {}
    for wire, name in (("primaryColor", "primary_color"), ("accentColor", "accent_color")):
        value = d.get(wire)
        found = text(value).lower() if isinstance(value, str) else ""
        if not _HEX_COLOUR.fullmatch(found):
            if value not in (None, ""):
                log.warning("store %s: ignored branding.%s %r: not #RRGGBB", slug, wire, str(value)[:LOG_ID_CHARS])
            found = ""
        colours[name] = found
    return colours


_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")


def custom_domain(slug: str, value: Any) -> str:
    """``customDomain`` as a host name: lowercase, no final dot; "" when absent or not a plain host name
    (a URL, a port, a path or an address is logged and ignored: the store is still served on the platform)."""
    raw = text(value)
    if not raw:
        return ""
    host = raw.lower().removesuffix(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        host = ""
    if not _DOMAIN.match(host):
        log.warning("store %s: ignored customDomain %r: not a host name", slug, raw[:LOG_ID_CHARS])
        return ""
    return host


def _product(raw: Any, slug: str = "") -> Product | None:
    d = mapping(raw)
    sku, name = text(d.get("sku")), text(d.get("name"))
    if not sku or not name:
        raise Broken("no sku or no name")
    price = price_of(d.get("price"), "price")
    if price is None:
        return None  # the contract: products without a price are not shown
    compare = price_of(d.get("compareAtPrice"), "compareAtPrice")
    product = Product(
        id=text(d.get("id")) or sku,
        sku=sku,
        name=name,
        price=price,
        description=text(d.get("description")),
        compare_at_price=compare if compare is not None and compare > price else None,
        image_urls=tuple(u for u in (text(x) for x in listed(d.get("imageUrls"))) if safe_url(u)),
        category_id=text(d.get("categoryId")) or None,
        in_stock=d.get("inStock") is not False,
    )
    if d.get("variants") is not None and not isinstance(d.get("variants"), list):
        raise Broken("variants is not a list")
    return _with_variants(slug, product, d) if listed(d.get("variants")) else product


#: The most options a product, values an option and variants a product may have; the rest is dropped.
MAX_OPTIONS, MAX_VALUES, MAX_VARIANTS = 5, 100, 500


#: The longest SKU the storefront accepts (the cart's limit): longer variant SKUs are skipped.
MAX_SKU_CHARS = 64


def _with_variants(slug: str, product: Product, d: Mapping[str, Any]) -> Product | None:
    """The product with its options and the variants it can sell (contract: "Variants").

    A broken option or variant is skipped and logged; a product left with nothing to sell, or
    whose variants can no longer be told apart, is not shown.
    """
    where = f"product {product.sku[:LOG_ID_CHARS]!r}"
    raw_options = listed(d.get("options"))
    options, kept = _options(slug, where, raw_options)
    if raw_options and not options:
        log.warning("store %s: skipped %s: no usable option", slug, where)
        return None
    variants: dict[str, Variant] = {}
    combos: set[tuple[str, ...]] = set()
    raw_variants = listed(d.get("variants"))
    if len(raw_variants) > MAX_VARIANTS:
        log.warning("store %s: %s: only the first %d variants kept", slug, where, MAX_VARIANTS)
    for index, raw in enumerate(raw_variants[:MAX_VARIANTS]):
        parse = lambda item: _variant(item, options, kept, len(raw_options), variants, combos)  # noqa: E731
        variant = guarded(slug, f"variant {label(raw, index)} of {where}", parse, raw)
        if variant is not None:
            variants[variant.sku] = variant
            combos.add(variant.values)
    if not variants:
        log.warning("store %s: skipped %s: no variant for sale", slug, where)
        return None
    return _priced_by_variants(product, tuple(options), tuple(variants.values()))


def _options(slug: str, where: str, raw_options: list[Any]) -> tuple[list[Option], list[int]]:
    """The usable options and their positions in the list as sent (variants' values follow it)."""
    options: list[Option] = []
    kept: list[int] = []
    for index, raw in enumerate(raw_options[:MAX_OPTIONS]):
        option = guarded(slug, f"option #{index} of {where}", _option, raw)
        if option is not None and any(o.name == option.name for o in options):
            log.warning("store %s: skipped option #%d of %s: repeats %r", slug, index, where, option.name)
        elif option is not None:
            options.append(option)
            kept.append(index)
    return options, kept


def _option(raw: Any) -> Option:
    d = mapping(raw)
    name = text(d.get("name"))
    if not name:
        raise Broken("no name")
    values: list[str] = []
    for value in (text(v) for v in listed(d.get("values"))):
        if value and value not in values:  # blank and repeated values say nothing
            values.append(value)
    if not values:
        raise Broken("no values")
    return Option(name, tuple(values[:MAX_VALUES]))


def _variant(raw: Any, options: list[Option], kept: list[int], width: int,
             skus: Mapping[str, Variant], combos: set[tuple[str, ...]]) -> Variant | None:
    d = mapping(raw)
    sku = text(d.get("sku"))
    if not sku or len(sku) > MAX_SKU_CHARS:
        raise Broken(f"no sku, or a sku over {MAX_SKU_CHARS} characters")
    sent = d.get("optionValues")
    if not isinstance(sent, list) or len(sent) != width:
        raise Broken(f"optionValues must hold one value per option ({width})")
    values = tuple(text(sent[i]) for i in kept)
    for option, value in zip(options, values, strict=True):
        if value not in option.values:
            raise Broken(f"option {option.name[:LOG_ID_CHARS]!r} has no such value")
    if sku in skus:
        raise Broken("repeats the sku of another variant")
    if values in combos:
        raise Broken("repeats the option values of another variant")
    price = price_of(d.get("price"), "price")
    if price is None:
        return None  # the contract: a variant without a price is not sold
    compare = price_of(d.get("compareAtPrice"), "compareAtPrice")
    return Variant(sku, values, price, compare if compare is not None and compare > price else None,
                   in_stock=d.get("inStock") is not False, image_url=image(d.get("imageUrl")))


def _priced_by_variants(product: Product, options: tuple[Option, ...], variants: tuple[Variant, ...]) -> Product:
    """The product standing for its variants: their lowest price, in stock if any of them is."""
    if not product.in_stock:  # the product itself is off sale: so is every variant
        variants = tuple(replace(v, in_stock=False) for v in variants)
    price = min(v.price for v in variants)
    compares = {v.compare_at_price for v in variants}
    single = len({v.price for v in variants}) == 1 and len(compares) == 1
    return replace(product, price=price, compare_at_price=compares.pop() if single else None,
                   in_stock=any(v.in_stock for v in variants), options=options, variants=variants)


def _unique_skus(slug: str, products: tuple[Product, ...]) -> tuple[Product, ...]:
    """Every SKU names one thing in a store: a repeated product or variant SKU is skipped and logged."""
    seen = {p.sku for p in products}
    if len(seen) == len(products) and not any(p.variants for p in products):
        return products
    kept: list[Product] = []
    owners: set[str] = set()
    for product in products:
        if product.sku in owners:
            log.warning("store %s: skipped product %r: repeats the sku of another product", slug,
                        product.sku[:LOG_ID_CHARS])
            continue
        owners.add(product.sku)
        fresh = _fresh_variants(slug, product, seen)
        if fresh is not None:
            kept.append(fresh)
    return tuple(kept)


def _fresh_variants(slug: str, product: Product, seen: set[str]) -> Product | None:
    """The product without variants whose SKU another product or variant already uses."""
    if not product.variants:
        return product
    variants = []
    for variant in product.variants:
        if variant.sku in seen:
            log.warning("store %s: skipped variant %r of product %r: its sku is taken", slug,
                        variant.sku[:LOG_ID_CHARS], product.sku[:LOG_ID_CHARS])
            continue
        seen.add(variant.sku)
        variants.append(variant)
    if not variants:
        log.warning("store %s: skipped product %r: no variant for sale", slug, product.sku[:LOG_ID_CHARS])
        return None
    if len(variants) == len(product.variants):
        return product
    return _priced_by_variants(replace(product, in_stock=True), product.options, tuple(variants))


def _category(raw: Any) -> Category:
    d = mapping(raw)
    cid, name = text(d.get("id")), text(d.get("name"))
    if not cid or not name:
        raise Broken("no id or no name")
    return Category(cid, name, text(d.get("parentId")) or None)


def _faq(raw: Any) -> FAQ:
    d = mapping(raw)
    question = text(d.get("question"))
    if not question:
        raise Broken("no question")
    return FAQ(question, text(d.get("answer")))


def _policies(slug: str, raw: Any) -> tuple[Policy, ...]:
    found: dict[str, Policy] = {}
    for policy in each(slug, "policy", raw, _policy):
        found.setdefault(policy.type, policy)  # the first good policy of a type wins
    return tuple(found[k] for k in POLICY_TYPES if k in found)


def _policy(raw: Any) -> Policy:
    d = mapping(raw)
    kind, content = text(d.get("type")), text(d.get("content"))
    if kind not in POLICY_TYPES:
        raise Broken("unknown policy type")
    if not content:
        raise Broken("no content")
    return Policy(kind, text(d.get("title")), content)


#: Sendy's shipping rule types, mapped onto models.SHIPPING_KINDS; any other type is ignored.
RULE_TYPES = {"FlatRate": "flat", "FreeShipping": "free", "WeightBased": "weight", "OrderValueBased": "order_value"}
#: The most shipping rules read from a store; the rest are dropped (logged).
MAX_RULES = 50


def _shipping_rules(slug: str, raw: Any) -> tuple[ShippingRule, ...]:
    """The store's active shipping rules: a broken rule is skipped and logged, an unknown type ignored."""
    rules = listed(raw)
    if len(rules) > MAX_RULES:
        log.warning("store %s: only the first %d shipping rules kept", slug, MAX_RULES)
    return each(slug, "shipping rule", rules[:MAX_RULES], _shipping_rule)


def _shipping_rule(raw: Any) -> ShippingRule | None:
    if not isinstance(raw, Mapping):
        raise Broken("not an object")
    kind = RULE_TYPES.get(text(raw.get("ruleType")))
    if kind is None or raw.get("isActive") is False:
        return None  # a type the storefront does not know, or a rule switched off: ignored
    cost = price_of(raw.get("cost"), "cost") if kind in ("flat", "order_value") else 0
    if cost is None:
        raise Broken("no cost")
    low, high = price_of(raw.get("minOrderValue"), "minOrderValue"), price_of(raw.get("maxOrderValue"), "maxOrderValue")
    if low is not None and high is not None and low > high:
        raise Broken("minOrderValue is above maxOrderValue")
    return ShippingRule(kind, cost, low, high, _province_codes(raw.get("provinceCodes")),
                        id=text(raw.get("id")), name=text(raw.get("name")))


def _province_codes(raw: Any) -> frozenset[str] | None:
    """The governorates a rule is limited to; None (absent) for all of them.

    An empty list is refused rather than guessed at: read as "everywhere", a free-delivery rule
    would promise what the store may not give; read as "nowhere", the rule means nothing.
    """
    if raw is None:
        return None
    codes = [text(code) for code in raw] if isinstance(raw, list) else []
    if not codes or not all(codes):
        raise Broken("provinceCodes is not a list of governorate codes")
    return frozenset(codes)


def _social_links(slug: str, raw: Any) -> tuple[SocialLink, ...]:
    d = mapping(raw)
    links = (guarded(slug, f"social link {n}", _social_link, (n, d)) for n in SOCIAL_NETWORKS)
    return tuple(link for link in links if link is not None)


def _social_link(entry: tuple[str, Mapping[str, Any]]) -> SocialLink | None:
    network, links = entry
    value = links.get(network)
    if value is None or value == "":
        return None  # the store has no profile there
    url = text(value)
    if not is_http_url(url):
        raise Broken("not an http(s) URL")
    return SocialLink(network, url)
