"""Service layer: Iraq's governorates and areas from Sendy's address reference."""

from __future__ import annotations

from storefront.sendy.models import Area, Province
from storefront.services.sendy import cached, client

DAY = 24 * 3600


def provinces() -> list[Province]:
    """All governorates (cached for a day)."""
    return cached("provinces", DAY, lambda: client().list_provinces())


def areas(province_code: str) -> list[Area]:
    """The areas of one governorate (cached for a day); empty for an unknown code."""
    if not any(p.code == province_code for p in provinces()):
        return []
    return cached(f"areas:{province_code}", DAY, lambda: client().list_areas(province_code))


def sorted_by_name(items: list[Area], lang: str) -> list[Area]:
    """Areas in the alphabetical order of the shopper's language."""
    return sorted(items, key=lambda a: a.name(lang))
