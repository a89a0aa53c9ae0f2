"""Service layer: the one vocabulary of refusals — why a limit, a cart change or a phone number was refused.

Services raise errors carrying one of these kinds and never word them; the view boundary
(``storefront.views.messages``) holds the one table of what the shopper reads for each. They are
``StrEnum``s, so a kind is also its plain name in metrics labels and logs.
"""

from __future__ import annotations

from enum import StrEnum


class Limit(StrEnum):
    """A one-time-code limit or budget that refused."""

    COOLDOWN = "cooldown"  # one code a minute per phone
    PHONE = "phone"  # codes per phone in 10 minutes
    PHONE_DAY = "phone_day"  # codes per phone in a day
    IP = "ip"  # codes per connection in an hour
    WRONG = "wrong"  # wrong tries of one code
    PREFIX = "prefix"  # budget: codes per number prefix
    STORE_HOURLY = "store_hourly"  # budget: codes per store in an hour
    STORE_DAILY = "store_daily"  # budget: codes per store in a day
    PLATFORM = "platform"  # budget: codes for the whole platform in an hour

    @property
    def budget(self) -> bool:
        """A budget (not a per-shopper limit): codes are paused for everyone it covers."""
        return self in BUDGETS


#: The limits whose refusal means "codes are paused": the shopper is offered WhatsApp instead.
BUDGETS = frozenset({Limit.PREFIX, Limit.STORE_HOURLY, Limit.STORE_DAILY, Limit.PLATFORM})


class CartRefusal(StrEnum):
    """Why a product could not be put in the cart."""

    UNAVAILABLE = "unavailable"  # no such product (any more)
    CHOOSE = "choose"  # its options are not all chosen: back to the product page
    OUT_OF_STOCK = "out_of_stock"
    TOO_MANY_LINES = "too_many_lines"  # too many different products
    FULL = "full"  # the cart no longer fits its cookie


class PhoneRefusal(StrEnum):
    """Why a typed number is not an Iraqi mobile."""

    EMPTY = "empty"
    FORMAT = "format"
    NOT_IRAQI = "not_iraqi"
    NOT_MOBILE = "not_mobile"
