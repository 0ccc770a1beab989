"""Xero item sales prices → Amazon listings (`purchasable_offer`), only where the price changed.

The Xero item code is the Amazon SKU (compared case-insensitively, as Xero does). Each priced item is
looked up in every marketplace of the flow: a marketplace whose currency is not the price's currency is
skipped (a price is never converted), a SKU Amazon does not list there is reported as unknown, an equal
price is left alone, and a different one is patched. A patch Amazon refuses (status INVALID) is
reported with the listing's issues. A dry run reads everything and patches nothing: the changes are
the diff. Amounts are `Decimal`; a price is compared after rounding to the currency's cents.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sellerledger.amazon.errors import FatalError
from sellerledger.amazon.listings import ListingsApi

log = logging.getLogger(__name__)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ItemPrice:
    code: str
    price: Decimal
    currency: str


@dataclass(frozen=True)
class PriceChange:
    """One SKU × marketplace outcome: pushed, unchanged, would_push (dry run), rejected, unknown_sku,
    other_currency or no_price (Amazon shows no price to compare with)."""

    sku: str
    marketplace_id: str
    currency: str
    old: Decimal | None
    new: Decimal
    status: str
    detail: str = ""

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["old"] = None if self.old is None else str(self.old)
        row["new"] = str(self.new)
        return row


def xero_item_prices(http: Any, currency: str) -> list[ItemPrice]:
    """Sold Xero items with a sales unit price (the organisation's `currency`), through the client's
    `LedgerHttp` (`GET /Items`)."""
    body = http.json("getItems", "GET", "/Items")
    out = []
    for item in body.get("Items") or []:
        details = item.get("SalesDetails") or {}
        price = details.get("UnitPrice")
        if not item.get("Code") or price in (None, "") or item.get("IsSold") is False:
            continue
        amount = price if isinstance(price, Decimal) else Decimal(str(price))
        out.append(ItemPrice(str(item["Code"]), amount, currency))
    return sorted(out, key=lambda p: p.code.lower())


def sync_prices(prices: Sequence[ItemPrice], listings: ListingsApi, marketplaces: Mapping[str, str], *,
                dry_run: bool = False) -> list[PriceChange]:
    """Push `prices` to the listings of `marketplaces` (marketplace id → currency) where they differ."""
    changes: list[PriceChange] = []
    for item in prices:
        new = item.price.quantize(CENT)
        for marketplace_id, currency in sorted(marketplaces.items()):
            if currency != item.currency:
                changes.append(PriceChange(item.code, marketplace_id, currency, None, new, "other_currency",
                                           f"price is in {item.currency}; prices are never converted"))
                continue
            try:
                listing = listings.get_listing(item.code, marketplace_id)
            except FatalError as exc:
                if exc.status == 404:
                    changes.append(PriceChange(item.code, marketplace_id, currency, None, new, "unknown_sku",
                                               "no listing with this SKU"))
                    continue
                raise
            old = listing.price.quantize(CENT) if listing.price is not None else None
            if listing.currency and listing.currency != currency:
                changes.append(PriceChange(item.code, marketplace_id, currency, old, new, "other_currency",
                                           f"listing is priced in {listing.currency}"))
                continue
            if old == new:
                changes.append(PriceChange(item.code, marketplace_id, currency, old, new, "unchanged"))
                continue
            if dry_run:
                changes.append(PriceChange(item.code, marketplace_id, currency, old, new, "would_push"))
                continue
            result = listings.patch_price(item.code, marketplace_id, listing.product_type or "PRODUCT", new, currency)
            if result.accepted:
                log.info("price %s %s: %s → %s %s (submission %s)", item.code, marketplace_id, old, new, currency,
                         result.submission_id)
                changes.append(PriceChange(item.code, marketplace_id, currency, old, new, "pushed"))
            else:
                changes.append(PriceChange(item.code, marketplace_id, currency, old, new, "rejected",
                                           result.describe_issues()))
    return changes


def counts(changes: Sequence[PriceChange]) -> dict[str, int]:
    out: dict[str, int] = {}
    for change in changes:
        out[change.status] = out.get(change.status, 0) + 1
    return dict(sorted(out.items()))
