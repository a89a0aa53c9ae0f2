"""Sandbox layer: the delivery fee Sendy works out from a store's active shipping rules.

The contract (section 1, "Shipping rules"): for the goods' value V and the governorate G, the rules
without ``provinceCodes`` or listing G apply; an applying ``FreeShipping`` rule whose
``minOrderValue`` is absent or at most V makes the fee 0; otherwise the lowest ``cost`` of the
applying ``FlatRate`` rules and of the ``OrderValueBased`` rules whose bounds (inclusive, a missing
one open) hold V. ``WeightBased`` needs weights the sandbox's catalog does not have: like no
applying rule, it gives no fee (None). A rule the sandbox cannot read is left out.
"""

from __future__ import annotations

from typing import Any

from storefront.sendy.sandbox.validation import is_int


def delivery_fee(storefront: dict[str, Any], value: int, province: str) -> int | None:
    """The fee of an order of ``value`` IQD to ``province`` by the store's rules, or None."""
    raw = storefront.get("shippingRules")
    rules = [r for r in raw if _readable(r) and _covers(r, province)] if isinstance(raw, list) else []
    if any(r["ruleType"] == "FreeShipping" and _bound(r, "minOrderValue", 0) <= value for r in rules):
        return 0
    costs = [r["cost"] for r in rules if r["ruleType"] == "FlatRate" or (
        r["ruleType"] == "OrderValueBased"
        and _bound(r, "minOrderValue", 0) <= value <= _bound(r, "maxOrderValue", value))]
    return min(costs, default=None)


def _readable(rule: Any) -> bool:
    """An active rule with whole, non-negative amounts (and a cost where the type needs one)."""
    if not isinstance(rule, dict) or rule.get("isActive") is False:
        return False
    amounts: list[Any] = [rule[k] for k in ("cost", "minOrderValue", "maxOrderValue") if rule.get(k) is not None]
    if not all(is_int(a) and a >= 0 for a in amounts):
        return False
    return rule.get("ruleType") not in ("FlatRate", "OrderValueBased") or is_int(rule.get("cost"))


def _covers(rule: dict[str, Any], province: str) -> bool:
    codes = rule.get("provinceCodes")
    return codes is None or (isinstance(codes, list) and province in codes)


def _bound(rule: dict[str, Any], key: str, default: int) -> int:
    bound: Any = rule.get(key)
    return bound if is_int(bound) else default
