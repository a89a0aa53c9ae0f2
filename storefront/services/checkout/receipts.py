"""Service layer: checkout — placed orders as the shopper sees them, and what the state store keeps of them.

- ``receipt:<ref>`` — the placed order of a checkout; ``order:<store>:<public id>`` — the same, by order;
- ``sent:<ref>`` — the lines and value of the last order request, so a retry after a lost answer
  repeats exactly that (deleted with the receipt);
- ``uncertain:<ref>`` — an attempt whose answer was lost (``SPENT`` once Sendy then refused the code).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flask import session

from storefront.runtime.state import state
from storefront.services import shipping

RECEIPT_TTL = 61 * 24 * 3600  # outlives the 60-day order-status link (services.orders)


SPENT = 2  # the value of ``uncertain:<ref>`` once the code was refused as used


@dataclass(frozen=True)
class ReceiptLine:
    """One ordered line, as shown on the confirmation page."""

    sku: str
    name: str
    quantity: int
    total: int
    #: the chosen option values of a variant ("M / Navy"), shown apart from the name ("" when none;
    #: receipts kept before this field carry them inside ``name``)
    values: str = ""

    @property
    def title(self) -> str:
        """The product's name (as ``CartLine.title``)."""
        return self.name


@dataclass(frozen=True)
class Receipt:
    """A placed order as the shopper sees it."""

    public_id: str
    store: str
    lines: tuple[ReceiptLine, ...]
    order_value: int
    delivery_fee: int
    total: int
    phone: str
    #: Sendy's own id of the order (not the public one): what reading it back needs.
    sendy_id: str = ""
    #: the delivery fee the storefront computed and sent (None: not known, none sent); the fee
    #: and total above are Sendy's answer, which wins when the two differ
    quoted_fee: int | None = None

    @property
    def fee_known(self) -> bool:
        """Whether the total is the sum to pay (a fee was computed or Sendy set one), not just the goods."""
        return self.quoted_fee is not None or bool(self.delivery_fee) or self.total != self.order_value

    @property
    def delivery(self) -> shipping.Delivery | None:
        """The fee and the total to pay as Sendy answered them, for the summary (None: not known yet)."""
        if not self.fee_known:
            return None
        fee = self.delivery_fee if self.delivery_fee or self.quoted_fee is not None else None
        return shipping.Delivery(self.order_value, fee, ruled=True, charged=self.total)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Receipt:
        """Rebuild a receipt kept as JSON in the state store."""
        lines = tuple(ReceiptLine(**line) for line in data["lines"])
        return cls(**{**data, "lines": lines})


def maybe_placed(ref: str) -> bool:
    """Whether an attempt of this checkout may have created its order."""
    return state().get(f"uncertain:{ref}") is not None


def code_spent(ref: str) -> bool:
    """Whether, after a lost answer, Sendy refused the code as used: most likely by our own order."""
    return state().get(f"uncertain:{ref}") == SPENT


def what_was_sent(ref: str) -> tuple[tuple[ReceiptLine, ...] | None, int]:
    """The lines and value of the last order request under this reference, if still known."""
    data = state().get(f"sent:{ref}")
    if not isinstance(data, dict):
        return None, 0
    return tuple(ReceiptLine(**x) for x in data["lines"]), int(data["value"])


def sent_fee(ref: str) -> int | None:
    """The delivery fee of the last order request under this reference (None: none was sent)."""
    data = state().get(f"sent:{ref}")
    fee = data.get("fee") if isinstance(data, dict) else None
    return fee if isinstance(fee, int) else None


def keep(ref: str, receipt: Receipt) -> None:
    state().delete(f"sent:{ref}")  # the receipt says it all now
    data = asdict(receipt)
    state().set(f"receipt:{ref}", data, RECEIPT_TTL)
    state().set(f"order:{receipt.store}:{receipt.public_id}", data, RECEIPT_TTL)


def receipt_of(ref: str) -> Receipt | None:
    data = state().get(f"receipt:{ref}")
    return Receipt.from_dict(data) if data else None


def last_order(slug: str) -> str | None:
    """The public id of the last order this session placed in this store, if it can be shown."""
    placed = session.get("orders", [])
    return placed[-1] if placed and receipt(slug, placed[-1]) else None


def receipt(slug: str, public_id: str) -> Receipt | None:
    """A confirmation this shopper may see: only orders placed from this session."""
    if public_id not in session.get("orders", []):
        return None
    data = state().get(f"order:{slug}:{public_id}")
    return Receipt.from_dict(data) if data else None


def placed_here(public_id: str) -> bool:
    """Whether this session placed the order (its shopper may see the order's full details)."""
    return public_id in session.get("orders", [])


def kept_receipt(slug: str, public_id: str) -> Receipt | None:
    """The receipt kept when the order was placed, whoever asks (the status link is signed)."""
    data = state().get(f"order:{slug}:{public_id}")
    return Receipt.from_dict(data) if data else None


def keep_receipt(receipt: Receipt) -> None:
    """Keep a receipt rebuilt from Sendy (the state store lost it: a restart without Redis)."""
    state().set(f"order:{receipt.store}:{receipt.public_id}", asdict(receipt), RECEIPT_TTL)
