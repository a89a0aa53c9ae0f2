"""Service layer: what a product page may promise about delivery, from the store's own shipping rules.

Only true statements: a fee is promised when every governorate's fee for one item of this price is
known (the same rules as the cart, services/shipping.py); free delivery over a minimum when a
free-delivery rule covers every governorate. Nothing when the rules say nothing certain.
"""

from __future__ import annotations

from dataclasses import dataclass

from storefront.sendy.models import Store
from storefront.services import shipping


@dataclass(frozen=True)
class DeliveryPromise:
    """The delivery lines of a product page (all None: say nothing about delivery)."""

    #: the fee everywhere in Iraq for this item alone (0: free everywhere)
    fee: int | None = None
    #: the cheapest governorate's fee when it varies
    low: int | None = None
    #: free delivery in every governorate for orders of at least this value (above the item's price)
    free_over: int | None = None


def delivery_promise(store: Store, price: int) -> DeliveryPromise:
    """What the page may say about delivering one item worth ``price``."""
    rules = store.shipping_rules
    if not rules:
        return DeliveryPromise()
    known = shipping.delivery(store, price)
    minimums = [r.min_value for r in rules
                if r.kind == "free" and r.provinces is None and r.min_value is not None and r.min_value > price]
    free_over = min(minimums) if minimums and known.fee != 0 else None
    if known.fee is not None:
        return DeliveryPromise(fee=known.fee, free_over=free_over)
    return DeliveryPromise(low=known.low or None, free_over=free_over)  # ("from 0": free somewhere, said nowhere)
