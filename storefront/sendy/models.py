"""Sendy client layer: frozen dataclasses the rest of the app sees instead of JSON.

Money is always an int of whole Iraqi dinars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

#: The languages a store (and the storefront) may speak: Arabic, English, Central Kurdish (Sorani).
LANGUAGES = ("ar", "en", "ckb")
#: Language tags and names as people and systems write them, by primary subtag, mapped to ours.
_LANGUAGE_ALIASES = {
    "ar": "ar", "ara": "ar", "arabic": "ar", "عربي": "ar", "العربية": "ar",
    "en": "en", "eng": "en", "english": "en",
    "ckb": "ckb", "sorani": "ckb", "kurdish": "ckb", "کوردی": "ckb",
    "ku": "ckb", "kur": "ckb",  # "Kurdish" in Iraq is read in Arabic script: Sorani, unless tagged Latin
}
_TAG_SEPARATORS = re.compile(r"[-_\s]+")


def language_code(value: object) -> str | None:
    """One of LANGUAGES for a language tag written loosely, or None.

    Case, ``-``/``_`` and region or script subtags do not matter: ``"EN"``, ``"ar-IQ"``, ``"ckb_IQ"``,
    ``"ku-Arab"`` and ``"Sorani"`` are all understood. Kurdish tagged in Latin script (``ku-Latn``,
    Kurmanji as written in Turkey and Syria) is not Sorani: None.
    """
    if not isinstance(value, str):
        return None
    parts = _TAG_SEPARATORS.split(value.strip().lower())
    code = _LANGUAGE_ALIASES.get(parts[0])
    if code == "ckb" and "latn" in parts[1:]:
        return None
    return code


@dataclass(frozen=True)
class Category:
    """A product category; parent_id links a sub-category to its parent."""

    id: str
    name: str
    parent_id: str | None = None


@dataclass(frozen=True)
class Option:
    """One choice a shopper makes on a product (e.g. size), with its values in the merchant's order."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    """A purchasable combination of option values, ordered by its own SKU."""

    sku: str
    values: tuple[str, ...]  # one per option, in the options' order
    price: int
    compare_at_price: int | None = None
    in_stock: bool = True
    image_url: str = ""

    @property
    def on_sale(self) -> bool:
        """Whether a higher compare-at price should be shown struck through."""
        return self.compare_at_price is not None and self.compare_at_price > self.price


@dataclass(frozen=True)
class Product:
    """A priced, active product of a published store.

    A product with variants is ordered only through one of them; its ``price`` is then the
    lowest variant price and ``in_stock`` says whether any variant is in stock.
    """

    id: str
    sku: str
    name: str
    price: int
    description: str = ""
    compare_at_price: int | None = None
    image_urls: tuple[str, ...] = ()
    category_id: str | None = None
    in_stock: bool = True
    options: tuple[Option, ...] = ()
    variants: tuple[Variant, ...] = ()

    @property
    def on_sale(self) -> bool:
        """Whether a higher compare-at price should be shown struck through."""
        return self.compare_at_price is not None and self.compare_at_price > self.price

    @property
    def price_varies(self) -> bool:
        """Whether its variants differ in price (the card then says "from")."""
        return any(v.price != self.price for v in self.variants)

    def variant(self, sku: str) -> Variant | None:
        """The variant with this SKU, if the product has it."""
        return next((v for v in self.variants if v.sku == sku), None)

    def variant_for(self, values: tuple[str, ...]) -> Variant | None:
        """The variant of this combination of option values, if it exists."""
        return next((v for v in self.variants if v.values == values), None)


@dataclass(frozen=True)
class FAQ:
    """A question the store answers up front."""

    question: str
    answer: str


@dataclass(frozen=True)
class Policy:
    """One of the store's policies: shipping, returns, privacy or terms."""

    type: str
    title: str
    content: str


@dataclass(frozen=True)
class SocialLink:
    """A link to the store's profile on a network (only http(s) URLs survive parsing)."""

    network: str
    url: str


@dataclass(frozen=True)
class Seo:
    """Owner-set search and link-preview fields."""

    title: str = ""
    description: str = ""
    og_image_url: str = ""


#: The kinds of shipping rule the storefront understands (client.py maps Sendy's ``ruleType`` onto them).
SHIPPING_KINDS = ("flat", "free", "weight", "order_value")


@dataclass(frozen=True)
class ShippingRule:
    """One of the store's active shipping rules (contract §1 "Shipping rules"), money in IQD.

    ``provinces`` None: the rule applies in every governorate. Bounds are inclusive; None is open.
    """

    kind: str  # one of SHIPPING_KINDS
    cost: int = 0
    min_value: int | None = None
    max_value: int | None = None
    provinces: frozenset[str] | None = None
    id: str = ""
    name: str = ""

    def applies_in(self, province: str) -> bool:
        """Whether the rule covers this governorate."""
        return self.provinces is None or province in self.provinces

    def holds(self, value: int) -> bool:
        """Whether an order value lies within the rule's bounds."""
        return (self.min_value is None or self.min_value <= value) and \
            (self.max_value is None or value <= self.max_value)


@dataclass(frozen=True)
class Store:
    """A published store with its catalog."""

    slug: str
    name: str
    products: tuple[Product, ...]
    description: str = ""
    logo_url: str = ""
    cover_image_url: str = ""
    language: str = "ar"
    contact_email: str = ""
    contact_phone: str = ""
    whatsapp_phone: str = ""
    social_links: tuple[SocialLink, ...] = ()
    seo: Seo = field(default_factory=Seo)
    faqs: tuple[FAQ, ...] = ()
    policies: tuple[Policy, ...] = ()
    categories: tuple[Category, ...] = ()
    shipping_rules: tuple[ShippingRule, ...] = ()
    #: the host name the merchant set as the store's own domain ("" when none, or not a host name)
    custom_domain: str = ""
    #: what the store sells, in the merchant's words (free text; may choose a layout preset)
    niche: str = ""
    #: the merchant's colours as "#rrggbb" ("" when not set or malformed)
    primary_color: str = ""
    accent_color: str = ""

    def product_by_sku(self, sku: str) -> Product | None:
        """The product with this SKU, if the store still sells it."""
        return next((p for p in self.products if p.sku == sku), None)

    def policy(self, type_: str) -> Policy | None:
        """The policy of this type, if the store has one."""
        return next((p for p in self.policies if p.type == type_), None)


class _Bilingual:
    """A place named in Arabic and in English."""

    name_ar: str
    name_en: str

    def name(self, lang: str) -> str:
        """The name in the shopper's language; Kurdish pages show the Arabic-script name (the reference
        has no Kurdish names, and Sorani readers read Arabic script, not the Latin transliteration)."""
        return self.name_en if lang == "en" else self.name_ar


#: The governorates' Sorani names by ISO 3166-2:IQ code (Sendy's reference has Arabic and English
#: only). Areas have no such list: they keep their Arabic-script names on Kurdish pages.
SORANI_GOVERNORATES = {
    "AN": "ئەنبار", "AR": "هەولێر", "BA": "بەسرە", "BB": "بابل", "BG": "بەغدا", "DA": "دهۆک",
    "DI": "دیالە", "DQ": "زیقار", "KA": "کەربەلا", "KI": "کەرکووک", "MA": "مەیسان", "MU": "موسەننا",
    "NA": "نەجەف", "NI": "نەینەوا", "QA": "قادسییە", "SD": "سەڵاحەدین", "SU": "سلێمانی", "WA": "واسیت",
}


@dataclass(frozen=True)
class Province(_Bilingual):
    """An Iraqi governorate from the address reference."""

    code: str
    name_ar: str
    name_en: str

    def name(self, lang: str) -> str:
        """As for any place, but in Kurdish the governorate's Sorani name when it is a known one."""
        return SORANI_GOVERNORATES.get(self.code, self.name_ar) if lang == "ckb" else super().name(lang)


@dataclass(frozen=True)
class Area(_Bilingual):
    """An area (district or neighbourhood) inside a governorate."""

    id: str
    name_ar: str
    name_en: str


@dataclass(frozen=True)
class OtpTicket:
    """What Sendy says after sending a one-time code (never the code itself)."""

    expires_in: int = 300
    resend_after: int = 60


@dataclass(frozen=True)
class OrderLine:
    """One line of an order: a SKU and how many."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class OrderRequest:
    """Everything the storefront sends to place an OTP-verified order."""

    external_ref: str
    otp_code: str
    customer_name: str
    customer_phone: str
    customer_address: str
    province_code: str
    area_id: str
    lines: tuple[OrderLine, ...]
    order_value: int
    fulfillment_type: str = "from_to"
    notes: str = ""
    #: the fee the storefront computed from the store's shipping rules; None: not known (not sent)
    delivery_fee: int | None = None


@dataclass(frozen=True)
class PlacedOrder:
    """Sendy's answer to a placed order."""

    id: str
    public_id: str
    status: str = "pending"
    order_value: int = 0
    delivery_fee: int = 0
    total_amount: int = 0
    created_at: str = ""


#: The stages of an order as the storefront shows them, in our own words (client.py maps
#: Sendy's status values onto these; a value it does not know becomes "in_progress").
ORDER_FLOW = ("placed", "confirmed", "shipped", "out_for_delivery", "delivered")
ORDER_STAGES = (*ORDER_FLOW, "cancelled", "returned", "in_progress")


@dataclass(frozen=True)
class StatusChange:
    """One step of an order's history: the stage it reached, and when (None when not said)."""

    stage: str
    at: datetime | None = None


@dataclass(frozen=True)
class OrderItem:
    """One line of an order read back from Sendy."""

    sku: str
    name: str
    quantity: int
    line_total: int | None = None


@dataclass(frozen=True)
class Courier:
    """The delivery company carrying an order."""

    name: str
    phone: str = ""


@dataclass(frozen=True)
class Order:
    """One order read back from Sendy.

    It carries the customer's personal data (name, phone, address): it stays on our server,
    and what a page shows of it is decided above this layer.
    """

    id: str
    public_id: str
    stage: str = "in_progress"
    history: tuple[StatusChange, ...] = ()
    items: tuple[OrderItem, ...] = ()
    order_value: int | None = None
    delivery_fee: int | None = None
    total_amount: int | None = None
    paid: bool = False
    customer_name: str = ""
    customer_phone: str = ""
    customer_address: str = ""
    courier: Courier | None = None
    tracking_number: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class WebhookSubscription:
    """A webhook endpoint Sendy registered for a store: its id, and the secret its deliveries are signed with."""

    id: str
    url: str
    secret: str = field(repr=False)
