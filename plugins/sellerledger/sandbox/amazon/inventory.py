"""FBA Inventory v1: getInventorySummaries for the generated FBA (AFN) SKUs.

`granularityType=Marketplace&granularityId=<id>&marketplaceIds=<id>` (exactly one marketplace, the same
as granularityId), optional `details=true`, `sellerSkus` (<= 50) or `sellerSku`, `startDateTime` (at most
18 months back) and `nextToken`. Pages of 50; the token sits in the top-level `pagination` (not in
`payload`), expires 30 virtual seconds after it was issued, and must be sent with the same parameters.
Fulfillable stock is the SKU's generated stock; reserved units are those of AFN orders not yet shipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sellerledger.sandbox.amazon.common import Auth, BadRequest, Http, csv_list, date_param, json_response
from sellerledger.sandbox.amazon.timefmt import iso_z

PAGE = 50
BAD_TOKEN = "Next token is invalid or expired"


def routes(http: Http, region: str | None) -> list[Route]:
    state = http.state

    async def summaries(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        q = request.query_params
        if q.get("granularityType") != "Marketplace":
            raise BadRequest("granularityType must be Marketplace.")
        granularity_id = q.get("granularityId", "")
        mp_ids = csv_list(request, "marketplaceIds")
        if len(mp_ids) != 1 or mp_ids[0] != granularity_id:
            raise BadRequest("marketplaceIds must name exactly one marketplace, the granularityId.")
        http.marketplaces(auth, mp_ids)
        details = q.get("details", "false").lower() == "true"
        skus = set(csv_list(request, "sellerSkus"))
        if len(skus) > 50:
            raise BadRequest("sellerSkus accepts at most 50 SKUs.")
        if q.get("sellerSku"):
            skus.add(q["sellerSku"])
        sig = {name: q.get(name) for name in ("granularityId", "marketplaceIds", "sellerSkus", "sellerSku",
                                               "startDateTime", "details")}
        mp = state.seller.marketplace(granularity_id)
        assert mp is not None

        def updated_at(index: int) -> datetime:
            return state.seller.horizon - timedelta(hours=3 + 7 * index)

        def compute(now: datetime) -> tuple[dict[str, Any], list[str]]:
            start = date_param(request, "startDateTime")
            if start is not None and start < now - timedelta(days=548):
                raise BadRequest("startDateTime cannot be more than 18 months in the past.")
            chosen = []
            for index, sku in enumerate(s for s in state.seller.skus if s.channel == "AFN" and mp.code in s.prices):
                if skus and sku.sku not in skus:
                    continue
                if start is not None and updated_at(index) < start:
                    continue
                chosen.append(sku.sku)
            return sig, sorted(chosen)

        page_ids, next_token, pt = http.page("getInventorySummaries", q.get("nextToken"), PAGE, compute,
                                             invalid_message=BAD_TOKEN, same_params=lambda p: p.params == sig,
                                             expiry=timedelta(seconds=30))
        now = pt.snapshot
        reserved: dict[str, int] = {}
        for order in state.seller.orders:
            if order.marketplace.code == mp.code and order.channel == "AFN" and order.status_at(now) in ("Pending", "Unshipped"):
                for item in order.items:
                    reserved[item.sku] = reserved.get(item.sku, 0) + item.quantity
        afn = [s for s in state.seller.skus if s.channel == "AFN" and mp.code in s.prices]
        rows = []
        for sku_code in page_ids:
            index, sku = next((i, s) for i, s in enumerate(afn) if s.sku == sku_code)
            fulfillable = sku.stock[mp.code]
            unfulfillable = fulfillable // 40
            held = reserved.get(sku.sku, 0)
            row: dict[str, Any] = {"asin": sku.asin, "fnSku": sku.fnsku, "sellerSku": sku.sku, "condition": "NewItem",
                                   "lastUpdatedTime": iso_z(updated_at(index)), "productName": sku.title,
                                   "totalQuantity": fulfillable + held + unfulfillable}
            if details:
                row["inventoryDetails"] = {
                    "fulfillableQuantity": fulfillable, "inboundWorkingQuantity": 0, "inboundShippedQuantity": 0,
                    "inboundReceivingQuantity": 0,
                    "reservedQuantity": {"totalReservedQuantity": held, "pendingCustomerOrderQuantity": held,
                                         "pendingTransshipmentQuantity": 0, "fcProcessingQuantity": 0},
                    "researchingQuantity": {"totalResearchingQuantity": 0, "researchingQuantityBreakdown": []},
                    "unfulfillableQuantity": {"totalUnfulfillableQuantity": unfulfillable,
                                              "customerDamagedQuantity": unfulfillable, "warehouseDamagedQuantity": 0,
                                              "distributorDamagedQuantity": 0, "carrierDamagedQuantity": 0,
                                              "defectiveQuantity": 0, "expiredQuantity": 0},
                }
            rows.append(row)
        body: dict[str, Any] = {"payload": {"granularity": {"granularityType": "Marketplace",
                                                            "granularityId": granularity_id},
                                            "inventorySummaries": rows}}
        if next_token:
            body["pagination"] = {"nextToken": next_token}
        return json_response(body)

    return [Route("/fba/inventory/v1/summaries", http.endpoint("getInventorySummaries", summaries, region=region))]
