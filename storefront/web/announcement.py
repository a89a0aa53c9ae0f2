"""The announcement line at the top of every store page: what the store's own data makes true.

Today one statement: free delivery, from the store's FreeShipping rules
(services/shipping.free_delivery_offer). Nothing true to say: no line at all. The line is part
of the store's data, so it is cached with it: the page cache is per store generation, and a
change to the store's rules forgets both.
"""

from __future__ import annotations

from babel.lists import format_list
from flask import g
from flask_babel import gettext as _

from storefront.sendy import SendyError
from storefront.services import addresses, shipping
from storefront.web.i18n import current_locale
from storefront.web.templating import money


def announcement() -> str:
    """The line's text for this page's store and language, or "" when there is nothing true to say."""
    store = g.get("store")
    offer = shipping.free_delivery_offer(store.shipping_rules) if store is not None else None
    if offer is None:
        return ""
    if offer.provinces is None:
        if offer.minimum is None:
            return _("Free delivery on every order")
        return _("Free delivery on orders from %(amount)s", amount=money(offer.minimum))
    try:
        names = {p.code: p.name(g.lang) for p in addresses.provinces()}
    except SendyError:
        return ""  # the governorates cannot be named: say nothing rather than something vague
    if any(code not in names for code in offer.provinces):
        return ""  # a rule naming a governorate the reference does not know: nothing to promise
    places = format_list([names[code] for code in offer.provinces], locale=current_locale().babel)
    if offer.minimum is None:
        return _("Free delivery to %(places)s", places=places)
    return _("Free delivery to %(places)s on orders from %(amount)s", places=places,
             amount=money(offer.minimum))
