"""The canonical categories every Amazon amount is classified into, and what each one is.

Mapping files route categories to accounts; this catalogue says which group a category belongs to and,
in per_order mode, which document carries it by default (`invoice` for what the buyer paid, `credit_note`
for what a refund gave back, `settlement` for everything Amazon charged, withheld or moved).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DocumentRoute = Literal["invoice", "credit_note", "settlement"]
Group = Literal["sale", "refund", "fee", "tax", "reserve", "other"]

UNMAPPED = "unmapped"  # pseudo-category of amounts routed to the suspense account


@dataclass(frozen=True)
class Category:
    name: str
    group: Group
    document: DocumentRoute
    label: str
    balance_sheet: bool = False  # must map to an asset or liability account (reserves, loans, transfers)


_CATALOGUE = (
    Category("principal", "sale", "invoice", "Product sales"),
    Category("shipping", "sale", "invoice", "Shipping income"),
    Category("gift_wrap", "sale", "invoice", "Gift wrap income"),
    Category("tax_collected", "sale", "invoice", "Tax collected from buyers"),
    Category("promotion", "sale", "invoice", "Promotions and discounts"),
    Category("marketplace_facilitator_tax", "tax", "settlement", "Tax withheld by Amazon (marketplace facilitator)"),
    Category("referral_fee", "fee", "settlement", "Referral fees (commission)"),
    Category("fba_fee", "fee", "settlement", "FBA fulfilment fees"),
    Category("storage_fee", "fee", "settlement", "FBA storage fees"),
    Category("subscription", "fee", "settlement", "Seller subscription"),
    Category("advertising", "fee", "settlement", "Advertising"),
    Category("other_fee", "fee", "settlement", "Other Amazon fees"),
    Category("refund_principal", "refund", "credit_note", "Refunded product sales"),
    Category("refund_shipping", "refund", "credit_note", "Refunded shipping"),
    Category("refund_tax", "refund", "credit_note", "Refunded tax"),
    Category("refund_promotion", "refund", "credit_note", "Refunded promotions"),
    Category("refund_other", "refund", "credit_note", "Other refund amounts (goodwill, restocking)"),
    Category("refund_commission", "fee", "settlement", "Commission on refunds (fee reversed / refund fee)"),
    Category("reimbursement", "other", "settlement", "FBA reimbursements"),
    Category("reserve_current", "reserve", "settlement", "Reserve held this settlement", balance_sheet=True),
    Category("reserve_previous", "reserve", "settlement", "Reserve released from the previous settlement",
             balance_sheet=True),
    Category("adjustment", "other", "settlement", "Amazon adjustments"),
    Category("transfer", "other", "settlement", "Transfers and disbursements", balance_sheet=True),
    Category("loan", "other", "settlement", "Amazon lending repayments", balance_sheet=True),
)

CATEGORIES: dict[str, Category] = {c.name: c for c in _CATALOGUE}


def category(name: str) -> Category:
    """The catalogue entry; KeyError names the unknown category."""
    try:
        return CATEGORIES[name]
    except KeyError:
        raise KeyError(f"unknown category {name!r}; known: {', '.join(sorted(CATEGORIES))}") from None
