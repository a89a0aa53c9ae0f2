"""View boundary: what the shopper reads for each refusal — the one table of their wording.

Services refuse with a kind (``services.refusals``); views look the words up here. Each message is
a whole translated sentence; limits say when to try again (``%(when)s``, Babel's relative time).
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from storefront.services import cart
from storefront.services.refusals import CartRefusal, Limit, PhoneRefusal

PHONE_MESSAGES: dict[PhoneRefusal, LazyString] = {
    PhoneRefusal.EMPTY: _l("Enter your mobile number."),
    PhoneRefusal.FORMAT: _l("Enter a mobile number like 0770 123 4567."),
    PhoneRefusal.NOT_IRAQI: _l("Enter an Iraqi mobile number (starting with 07 or +964 7)."),
    PhoneRefusal.NOT_MOBILE: _l("This is not a mobile number. Enter a mobile like 0770 123 4567."),
}

#: The per-shopper limits (budgets pause codes instead: the page offers WhatsApp, see ``Limit.budget``).
LIMIT_MESSAGES: dict[Limit, LazyString] = {
    Limit.COOLDOWN: _l("Please wait before asking for another code. You can ask again %(when)s."),
    Limit.IP: _l("Too many codes were requested from this connection. Try again %(when)s."),
    Limit.WRONG: _l("Too many wrong codes. Ask for a new code %(when)s."),
    Limit.PHONE: _l("Too many codes were sent to this number. Try again %(when)s."),
    Limit.PHONE_DAY: _l("Too many codes were sent to this number. Try again %(when)s."),
}

#: Cart refusals shown as a message (``CHOOSE`` goes back to the product page to choose instead).
CART_MESSAGES: dict[CartRefusal, LazyString] = {
    CartRefusal.UNAVAILABLE: _l("This product is no longer available."),
    CartRefusal.OUT_OF_STOCK: _l("This product is out of stock."),
    CartRefusal.TOO_MANY_LINES: _l("Your cart is full (%(max)d different products). Remove something first."),
    CartRefusal.FULL: _l("Your cart is full. Remove something first."),
}


def limit_message(kind: Limit, retry_after: int) -> str:
    """A translated 'try again in …' for a per-shopper limit."""
    when = format_timedelta(timedelta(seconds=retry_after), threshold=1.1, add_direction=True)
    return str(LIMIT_MESSAGES[kind]) % {"when": when}


def cart_message(kind: CartRefusal) -> str:
    """Why a product could not be added, in the shopper's language."""
    return str(CART_MESSAGES[kind]) % {"max": cart.MAX_LINES}
