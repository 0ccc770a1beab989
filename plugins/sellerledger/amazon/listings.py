"""Listings Items 2021-08-01: read one listing's offer and quantity, patch its price or quantity.

`get_listing` returns a `Listing` (price with its currency, merchant-fulfilled quantity, fulfillment
channel, issues). `patch_price` replaces `purchasable_offer` (`our_price` with tax, the marketplace's
currency) and `patch_quantity` replaces `fulfillment_availability` for a merchant-fulfilled (DEFAULT
channel) listing. A change Amazon refuses answers 200 with status INVALID and `issues`: it is returned
as a `PatchResult`, not raised, so the caller reports it with the listing's issues. `preview=True` sends
`mode=VALIDATION_PREVIEW` (validated, not applied). Amounts are `Decimal` both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from sellerledger.amazon.errors import FatalError
from sellerledger.amazon.http import SpApiHttp

BASE = "/listings/2021-08-01/items"
MFN_CHANNEL = "DEFAULT"


@dataclass(frozen=True)
class Listing:
    """One SKU's listing in one marketplace."""

    sku: str
    marketplace_id: str
    product_type: str | None
    price: Decimal | None
    currency: str | None
    quantity: int | None
    channel: str | None  # DEFAULT (merchant-fulfilled) or AMAZON_<region> (FBA)
    issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fba(self) -> bool:
        return bool(self.channel) and self.channel != MFN_CHANNEL


@dataclass(frozen=True)
class PatchResult:
    sku: str
    marketplace_id: str
    status: str  # ACCEPTED, VALID (preview) or INVALID
    submission_id: str | None
    issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status in ("ACCEPTED", "VALID") and not any(
            str(i.get("severity", "")).upper() == "ERROR" for i in self.issues)

    def describe_issues(self) -> str:
        return "; ".join(f"{i.get('code')}: {i.get('message')}" for i in self.issues) or self.status


class ListingsApi:
    """The Listings Items operations of one client, for the seller `seller_id` (merchant token)."""

    def __init__(self, http: SpApiHttp, seller_id: str) -> None:
        if not seller_id:
            raise ValueError("Listings Items needs the seller id (merchant token): set extra seller_id")
        self.http = http
        self.seller_id = seller_id

    def _path(self, sku: str) -> str:
        return f"{BASE}/{quote(self.seller_id, safe='')}/{quote(sku, safe='')}"

    def get_listing(self, sku: str, marketplace_id: str) -> Listing:
        body = self.http.request("getListingsItem", "GET", self._path(sku), params={
            "marketplaceIds": marketplace_id, "includedData": ["summaries", "attributes", "issues"]})
        return parse_listing(body, sku, marketplace_id)

    def patch_price(self, sku: str, marketplace_id: str, product_type: str, price: Decimal, currency: str,
                    *, preview: bool = False) -> PatchResult:
        value = [{"marketplace_id": marketplace_id, "currency": currency,
                  "our_price": [{"schedule": [{"value_with_tax": price}]}]}]
        return self._patch(sku, marketplace_id, product_type, "purchasable_offer", value, preview)

    def patch_quantity(self, sku: str, marketplace_id: str, product_type: str, quantity: int,
                       *, preview: bool = False) -> PatchResult:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise ValueError(f"listing {sku}: quantity must be a whole number >= 0, got {quantity!r}")
        value = [{"fulfillment_channel_code": MFN_CHANNEL, "quantity": quantity}]
        return self._patch(sku, marketplace_id, product_type, "fulfillment_availability", value, preview)

    def _patch(self, sku: str, marketplace_id: str, product_type: str, attribute: str, value: list[Any],
               preview: bool) -> PatchResult:
        params: dict[str, Any] = {"marketplaceIds": marketplace_id, "includedData": "issues"}
        if preview:
            params["mode"] = "VALIDATION_PREVIEW"
        body = {"productType": product_type,
                "patches": [{"op": "replace", "path": f"/attributes/{attribute}", "value": value}]}
        answer = self.http.request("patchListingsItem", "PATCH", self._path(sku), params=params, json_body=body)
        if not isinstance(answer, dict) or "status" not in answer:
            raise FatalError(f"patchListingsItem {sku}: answer without a status", operation="patchListingsItem")
        return PatchResult(sku, marketplace_id, str(answer["status"]), answer.get("submissionId"),
                           list(answer.get("issues") or []))


def parse_listing(body: dict[str, Any], sku: str, marketplace_id: str) -> Listing:
    """A getListingsItem answer as a `Listing` (the entries of `marketplace_id` only)."""
    summaries = [s for s in body.get("summaries") or [] if s.get("marketplaceId") in (None, marketplace_id)]
    attributes = body.get("attributes") or {}
    offer = next((o for o in attributes.get("purchasable_offer") or []
                  if o.get("marketplace_id") in (None, marketplace_id)), None)
    price: Decimal | None = None
    currency: str | None = None
    if offer:
        currency = offer.get("currency")
        try:
            raw = offer["our_price"][0]["schedule"][0]["value_with_tax"]
            price = raw if isinstance(raw, Decimal) else Decimal(str(raw))
        except (KeyError, IndexError, TypeError):
            price = None
    availability = next(iter(attributes.get("fulfillment_availability") or []), None) or {}
    quantity = availability.get("quantity")
    return Listing(
        sku=str(body.get("sku") or sku), marketplace_id=marketplace_id,
        product_type=summaries[0].get("productType") if summaries else None,
        price=price, currency=currency,
        quantity=int(quantity) if isinstance(quantity, int) and not isinstance(quantity, bool) else None,
        channel=availability.get("fulfillment_channel_code"),
        issues=list(body.get("issues") or []),
    )
