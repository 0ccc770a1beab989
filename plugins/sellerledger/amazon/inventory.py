"""FBA Inventory v1: getInventorySummaries, read only (Amazon manages FBA stock; it is never written).

`fba_quantities` walks every page (token in the top-level `pagination`, sent back with the same
parameters) of one marketplace and returns the fulfillable quantity per seller SKU.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sellerledger.amazon.http import SpApiHttp
from sellerledger.amazon.paging import NextTokenPaginator

PATH = "/fba/inventory/v1/summaries"
INVENTORY_TOKEN = NextTokenPaginator(("pagination", "nextToken"), "nextToken")
MAX_SKUS = 50


@dataclass(frozen=True)
class FbaStock:
    sku: str
    fulfillable: int
    total: int


class FbaInventoryApi:
    def __init__(self, http: SpApiHttp) -> None:
        self.http = http

    def summaries(self, marketplace_id: str, skus: Sequence[str] = ()) -> list[FbaStock]:
        """FBA stock of the marketplace (of `skus` only, when given: 50 per call)."""
        chunks = [list(skus[i:i + MAX_SKUS]) for i in range(0, len(skus), MAX_SKUS)] if skus else [[]]
        out: list[FbaStock] = []
        for chunk in chunks:
            params: dict[str, Any] = {"granularityType": "Marketplace", "granularityId": marketplace_id,
                                      "marketplaceIds": marketplace_id, "details": "true"}
            if chunk:
                params["sellerSkus"] = chunk

            def fetch(call: dict[str, Any]) -> Any:
                return self.http.request("getInventorySummaries", "GET", PATH, params=call)

            for page in INVENTORY_TOKEN.pages(fetch, params):
                for row in (page.get("payload") or {}).get("inventorySummaries") or []:
                    details = row.get("inventoryDetails") or {}
                    out.append(FbaStock(str(row["sellerSku"]), int(details.get("fulfillableQuantity") or 0),
                                        int(row.get("totalQuantity") or 0)))
        return out

    def fba_quantities(self, marketplace_id: str, skus: Sequence[str] = ()) -> dict[str, int]:
        return {s.sku: s.fulfillable for s in self.summaries(marketplace_id, skus)}
