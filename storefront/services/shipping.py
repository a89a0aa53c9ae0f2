"""Service layer: the delivery fee, from the store's shipping rules (contract §1 "Shipping rules").

For an order value V (the goods, in IQD) and a governorate G, only the rules limited to G or to
no governorate apply. An applying free-delivery rule whose minimum is absent or at most V makes the
fee 0; otherwise the lowest of the applying flat rates and of the order-value rules whose bounds
hold V is the fee. Weight-based rules need weights the storefront does not have: with nothing
else, as with no rule at all, the fee is not known (None) and the pages say the store confirms it.
Sendy evaluates its rules again when the order is placed; its answer is what the shopper pays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from storefront.sendy import SendyError
from storefront.sendy.models import ShippingRule, Store
from storefront.services import addresses

log = logging.getLogger("storefront.shipping")


@dataclass(frozen=True)
class Delivery:
    """What a page says about delivery for one cart value (and governorate, when one is chosen)."""

    value: int
    #: the fee (0: free), or None when not known yet (no governorate, or no rule gives one)
    fee: int | None = None
    #: no governorate chosen and the fee varies: the cheapest and the dearest governorate's
    low: int | None = None
    high: int | None = None
    #: how much more the goods must be worth for free delivery, when a rule offers it
    to_free: int | None = None
    #: whether the store has rules at all (without, the pages read as before fees existed)
    ruled: bool = False
    #: a placed order: Sendy's total, which is what the shopper pays whatever we computed
    charged: int | None = None

    @property
    def total(self) -> int | None:
        """What the shopper pays at the door: Sendy's total, else the goods and the fee (None while unknown)."""
        if self.charged is not None:
            return self.charged
        return None if self.fee is None else self.value + self.fee


def fee(rules: Iterable[ShippingRule], value: int, province: str) -> int | None:
    """The delivery fee of goods worth ``value`` to ``province``; None when no rule gives one."""
    applying = [r for r in rules if r.applies_in(province)]
    if any(r.kind == "free" and (r.min_value is None or r.min_value <= value) for r in applying):
        return 0
    candidates = [r.cost for r in applying if r.kind == "flat" or (r.kind == "order_value" and r.holds(value))]
    return min(candidates, default=None)


def to_free(rules: Iterable[ShippingRule], value: int, province: str | None) -> int | None:
    """What is missing to reach a free-delivery minimum in ``province`` (None: in every governorate)."""
    minimums = [r.min_value for r in rules if r.kind == "free" and r.min_value is not None
                and r.min_value > value and (r.provinces is None or (province and r.applies_in(province)))]
    return min(minimums) - value if minimums else None


def each_province(store: Store, value: int) -> dict[str, Delivery]:
    """Governorate code → its delivery at this value, over the address reference (empty without rules)."""
    if not store.shipping_rules:
        return {}
    try:
        codes = [p.code for p in addresses.provinces()]
    except SendyError:
        return {}  # without the list of governorates no range is claimed
    return {code: delivery(store, value, code) for code in codes}


def delivery(store: Store, value: int, province: str = "") -> Delivery:
    """The delivery of goods worth ``value``: to ``province``, or over every governorate when none is chosen."""
    rules = store.shipping_rules
    if not rules:
        return Delivery(value)
    if province:
        known = fee(rules, value, province)
        return Delivery(value, known, to_free=None if known == 0 else to_free(rules, value, province), ruled=True)
    fees = {d.fee for d in each_province(store, value).values()}
    if not fees or None in fees:  # some governorate's fee is unknown: no "from" to promise
        return Delivery(value, to_free=to_free(rules, value, None), ruled=True)
    low, high = min(f for f in fees if f is not None), max(f for f in fees if f is not None)
    nudge = to_free(rules, value, None) if high else None
    return Delivery(value, low if low == high else None, low, high, nudge, ruled=True)


def note_difference(slug: str, public_id: str, value: int, quoted: int | None, fee_: int, total: int) -> bool:
    """Log (no personal data) when Sendy's fee or total differs from the fee we sent; whether it did."""
    if quoted is None or (fee_ == quoted and total == value + quoted):
        return False
    log.warning("store %s, order %s: Sendy's delivery fee %d and total %d differ from ours (%d and %d)",
                slug, public_id, fee_, total, quoted, value + quoted)
    return True


@dataclass(frozen=True)
class FreeDelivery:
    """A free-delivery offer the store's rules make true: every order worth ``minimum`` or more
    (any order when None) is delivered free to ``provinces`` (every governorate when None)."""

    minimum: int | None = None
    provinces: tuple[str, ...] | None = None


#: A limited offer names its governorates: more than this many would not fit one short line.
MAX_NAMED_PROVINCES = 2


def free_delivery_offer(rules: Iterable[ShippingRule]) -> FreeDelivery | None:
    """The one free-delivery statement worth announcing, or None when the rules make none true.

    Each active FreeShipping rule is a true statement by itself (contract §1: an applying one whose
    minimum the order reaches makes the fee 0). An offer to every governorate wins over a limited one;
    among those, the lowest minimum (none is lowest), then the one naming fewer governorates. A limited
    offer is announced only when it names at most MAX_NAMED_PROVINCES governorates (limited rules with
    one minimum count as one offer).
    """
    free = [r for r in rules if r.kind == "free"]
    everywhere = [FreeDelivery(r.min_value or None) for r in free if r.provinces is None]
    places: dict[int | None, set[str]] = {}  # limited offers with one minimum read as one
    for r in free:
        if r.provinces is not None:
            places.setdefault(r.min_value or None, set()).update(r.provinces)
    limited = [FreeDelivery(minimum, tuple(sorted(codes))) for minimum, codes in places.items()
               if len(codes) <= MAX_NAMED_PROVINCES]
    candidates = everywhere or limited
    if not candidates:
        return None
    return min(candidates, key=lambda o: (o.minimum or 0, len(o.provinces or ())))
