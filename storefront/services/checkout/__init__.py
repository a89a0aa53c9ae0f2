"""Service layer: checkout — send a one-time code, then place the order exactly once.

A small package: ``progress`` (the checkout in progress and its code), ``placing`` (the order,
exactly once), ``receipts`` (placed orders and what the state store keeps of them), ``errors``.

The checkout in progress (its ``externalRef``, the shopper's details, the code sent) lives in
the signed session, so any worker can continue it. Everything that must hold across requests
and workers lives in the state store (``storefront.runtime.state``), never in a cache or a cookie:

- ``placing:<ref>`` — a lock: one request at a time sends this checkout's order; whoever comes
  second waits for the first one's receipt instead of sending again;
- ``receipt:<ref>`` — the placed order, re-read after the lock is taken;
- ``uncertain:<ref>`` — an attempt whose answer was lost: the order may exist, so no new code
  is sent for this checkout and no second order is risked, whichever browser asks (``SPENT``
  once Sendy then refused the code as used: only the store can tell);
- ``sent:<ref>`` — the lines and value of the last order request, so a retry after a lost
  answer repeats exactly that, whatever the cart holds now (deleted with the receipt, or once
  Sendy's answer says no order was made);
- ``otp:code:<store>:<phone>`` — which code was sent last, so every session counts its wrong
  tries against the same five.
Exactly once does not rest on Sendy replaying an ``externalRef`` (it documents no such thing):
while ``uncertain:<ref>`` or ``sent:<ref>`` says an earlier request may have made the order, Sendy
is asked for the orders under that reference first (contract §4b) and the one found is adopted;
the order is sent again only when Sendy says there is none. When it cannot tell (the key lacks
``orders:read``, or Sendy fails), nothing is sent.

Without Redis nothing here can be checked or recorded, so nothing is sent: ``StateUnavailable``
reaches the view before Sendy is asked. Bookkeeping after Sendy did its work (the code sent, the
order kept) never turns that work into an error page.
"""

from storefront.services.checkout.errors import (
    CartChanged,
    CheckoutError,
    CodeMaybeSent,
    DetailsTooLong,
    EmptyCart,
    NoCheckout,
    OrderInFlight,
    OrderingUnavailable,
    OrderMaybePlaced,
)
from storefront.services.checkout.placing import place_order
from storefront.services.checkout.progress import (
    DETAIL_FIELDS,
    CodeStep,
    Details,
    Pending,
    abandon,
    api_key,
    chosen_province,
    code_step,
    pending,
    request_code,
    save_details,
    saved_details,
)
from storefront.services.checkout.receipts import (
    RECEIPT_TTL,
    Receipt,
    ReceiptLine,
    code_spent,
    keep_receipt,
    kept_receipt,
    last_order,
    maybe_placed,
    placed_here,
    receipt,
    sent_fee,
)

__all__ = [
    "DETAIL_FIELDS", "RECEIPT_TTL", "CartChanged", "CheckoutError", "CodeMaybeSent", "CodeStep", "Details",
    "DetailsTooLong", "EmptyCart", "NoCheckout", "OrderInFlight", "OrderMaybePlaced", "OrderingUnavailable",
    "Pending", "Receipt", "ReceiptLine", "abandon", "api_key", "chosen_province", "code_spent", "code_step",
    "keep_receipt", "kept_receipt", "last_order", "maybe_placed", "pending", "place_order", "placed_here",
    "receipt", "request_code", "save_details", "saved_details", "sent_fee",
]
