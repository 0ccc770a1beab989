"""Orders API v0 and v2026-01-01 over the generated orders.

v0: getOrders (`payload.NextToken` paging; MarketplaceIds required; exactly one of CreatedAfter or
LastUpdatedAfter; Created* and LastUpdated* never mixed; *After and *Before at least two minutes before
now, *Before defaulting to now minus two minutes and never before *After; MaxResultsPerPage 1-100,
default 100; a follow-up call sends NextToken plus MarketplaceIds, other filters are ignored), getOrder,
getOrderItems, getOrderBuyerInfo, getOrderAddress, getOrderItemsBuyerInfo.
v2026-01-01: searchOrders (camelCase, `pagination.nextToken` sent back as `paginationToken` with the same
parameters except maxResultsPerPage and includedData; tokens expire after 24 hours) and getOrder.
Orders older than two years never show. Orders are sorted by PurchaseDate (Created* queries) or
LastUpdateDate (LastUpdated* queries).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sellerledger.sandbox.amazon.common import (
    Auth,
    BadRequest,
    Http,
    csv_list,
    date_param,
    int_param,
    json_response,
)
from sellerledger.sandbox.amazon.model import Order
from sellerledger.sandbox.amazon.orders_views import (
    ADDRESS_STATUSES,
    STATUS_2026,
    address_v0,
    order_2026,
    order_item_v0,
    order_v0,
)
from sellerledger.sandbox.amazon.timefmt import iso_z

TWO_MINUTES = timedelta(minutes=2)
TWO_YEARS = timedelta(days=730)
ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
BAD_TOKEN = ("We could not decode your NextToken. Possible reasons include: a transmission error, improper "
             "quoting or a truncation problem.")
V0_STATUSES = {"PendingAvailability", "Pending", "Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed",
               "Canceled", "Unfulfillable"}
INCLUDED_2026 = {"BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION", "FULFILLMENT", "PACKAGES",
                 "TAX", "PAYMENT", "FULFILLMENT_ORDERS"}


def window(request: Request, now: datetime, created: tuple[str, str], updated: tuple[str, str]
           ) -> tuple[str, datetime, datetime]:
    """(mode, after, before) of an order search, or BadRequest by the documented date rules."""
    created_after, created_before = date_param(request, created[0]), date_param(request, created[1])
    updated_after, updated_before = date_param(request, updated[0]), date_param(request, updated[1])
    if created_after is not None and (updated_after is not None or updated_before is not None):
        raise BadRequest(f"{updated[0]} and {updated[1]} cannot be set when {created[0]} is set.")
    if updated_after is not None and created_before is not None:
        raise BadRequest(f"{created[1]} cannot be set when {updated[0]} is set.")
    if created_after is None and updated_after is None:
        raise BadRequest(f"Either {created[0]} or {updated[0]} must be specified.")
    mode, names = ("created", created) if created_after is not None else ("updated", updated)
    after = created_after if created_after is not None else updated_after
    before = created_before if mode == "created" else updated_before
    assert after is not None
    latest = now - TWO_MINUTES
    if after > latest:
        raise BadRequest(f"{names[0]} must be at least two minutes before the time of the request.")
    if before is None:
        before = latest
    elif before > latest:
        raise BadRequest(f"{names[1]} must be at least two minutes before the time of the request.")
    elif before < after:
        raise BadRequest(f"{names[1]} must be equal to or after {names[0]}.")
    return mode, after, before


def select(orders: list[Order], mp_ids: set[str], mode: str, after: datetime, before: datetime, snapshot: datetime,
           statuses: set[str] | None = None, channels: set[str] | None = None,
           order_ids: set[str] | None = None) -> list[str]:
    """Ids of the matching orders at `snapshot`, in the API's order."""
    floor = snapshot - TWO_YEARS
    found: list[tuple[datetime, str]] = []
    for order in orders:
        if order.purchase_date > snapshot or order.purchase_date < floor or order.marketplace.id not in mp_ids:
            continue
        key = order.purchase_date if mode == "created" else order.last_update_at(snapshot)
        if not after <= key <= before:
            continue
        if statuses is not None and order.status_at(snapshot) not in statuses:
            continue
        if channels is not None and order.channel not in channels:
            continue
        if order_ids is not None and order.amazon_order_id not in order_ids:
            continue
        found.append((key, order.amazon_order_id))
    found.sort()
    return [order_id for _, order_id in found]


def routes(http: Http, region: str | None) -> list[Route]:
    state = http.state

    def find(auth: Auth, order_id: str) -> Order:
        if not ORDER_ID.match(order_id):
            raise BadRequest("Invalid Input", details=f"'{order_id}' is not an Amazon order id (3-7-7 digits).")
        order = state.seller.order(order_id)
        now = state.now()
        if (order is None or order.marketplace.region != auth.region or order.purchase_date > now
                or order.purchase_date < now - TWO_YEARS):
            raise BadRequest(f"Order {order_id} was not found.", code="NotFound", status=404)
        return order

    # ----------------------------------------------------------------------------------------- v0
    async def get_orders(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        mp_ids = set(http.marketplaces(auth, csv_list(request, "MarketplaceIds")))
        size = int_param(request, "MaxResultsPerPage", 100, 1, 100)
        token = request.query_params.get("NextToken")

        def compute(now: datetime) -> tuple[dict[str, Any], list[str]]:
            mode, after, before = window(request, now, ("CreatedAfter", "CreatedBefore"),
                                         ("LastUpdatedAfter", "LastUpdatedBefore"))
            statuses = set(csv_list(request, "OrderStatuses")) or None
            if statuses and not statuses <= V0_STATUSES:
                raise BadRequest(f"Invalid OrderStatuses: {sorted(statuses - V0_STATUSES)}.")
            channels = set(csv_list(request, "FulfillmentChannels")) or None
            if channels and not channels <= {"AFN", "MFN"}:
                raise BadRequest("FulfillmentChannels must be AFN or MFN.")
            order_ids = set(csv_list(request, "AmazonOrderIds")) or None
            if order_ids and len(order_ids) > 50:
                raise BadRequest("AmazonOrderIds accepts at most 50 ids.")
            ids = select(state.seller.orders, mp_ids, mode, after, before, now, statuses, channels, order_ids)
            return {"mode": mode, "before": before.isoformat()}, ids

        page_ids, next_token, pt = http.page("getOrders", token, size, compute, invalid_message=BAD_TOKEN)
        seller = state.seller
        payload: dict[str, Any] = {
            "Orders": [order_v0(seller.order(i), pt.snapshot, auth.data_elements) for i in page_ids]  # type: ignore[arg-type]
        }
        if next_token:
            payload["NextToken"] = next_token
        before = datetime.fromisoformat(pt.params["before"])
        payload["CreatedBefore" if pt.params["mode"] == "created" else "LastUpdatedBefore"] = iso_z(before)
        return json_response({"payload": payload})

    async def get_order(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        order = find(auth, request.path_params["orderId"])
        return json_response({"payload": order_v0(order, state.now(), auth.data_elements)})

    async def get_order_items(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        order = find(auth, request.path_params["orderId"])
        if request.query_params.get("NextToken"):
            raise BadRequest(BAD_TOKEN)
        now = state.now()
        return json_response({"payload": {"AmazonOrderId": order.amazon_order_id,
                                          "OrderItems": [order_item_v0(order, item, now) for item in order.items]}})

    async def get_buyer_info(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        order = find(auth, request.path_params["orderId"])
        payload: dict[str, Any] = {"AmazonOrderId": order.amazon_order_id}
        if auth.rdt:
            payload.update({"BuyerEmail": order.buyer_email, "BuyerName": order.buyer_name})
        return json_response({"payload": payload})

    async def get_address(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        order = find(auth, request.path_params["orderId"])
        payload: dict[str, Any] = {"AmazonOrderId": order.amazon_order_id}
        if order.status_at(state.now()) in ADDRESS_STATUSES:
            payload["ShippingAddress"] = address_v0(order, full=auth.rdt)
        return json_response({"payload": payload})

    async def get_items_buyer_info(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        order = find(auth, request.path_params["orderId"])
        return json_response({"payload": {"AmazonOrderId": order.amazon_order_id,
                                          "OrderItems": [{"OrderItemId": i.order_item_id} for i in order.items]}})

    # ---------------------------------------------------------------------------------- v2026-01-01
    def signature(request: Request) -> dict[str, Any]:
        keys = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore", "fulfillmentStatuses",
                "marketplaceIds", "fulfilledBy")
        return {key: sorted(csv_list(request, key)) for key in keys}

    def included(request: Request) -> set[str]:
        values = set(csv_list(request, "includedData"))
        if not values <= INCLUDED_2026:
            raise BadRequest(f"Invalid includedData value(s): {sorted(values - INCLUDED_2026)}.")
        return values

    async def search_orders(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        size = int_param(request, "maxResultsPerPage", 100, 1, 100)
        datasets = included(request)
        token = request.query_params.get("paginationToken")
        sig = signature(request)

        def compute(now: datetime) -> tuple[dict[str, Any], list[str]]:
            mode, after, before = window(request, now, ("createdAfter", "createdBefore"),
                                         ("lastUpdatedAfter", "lastUpdatedBefore"))
            mp_ids = set(http.marketplaces(auth, csv_list(request, "marketplaceIds"), required=False))
            wanted = set(csv_list(request, "fulfillmentStatuses")) or None
            if wanted and not wanted <= set(STATUS_2026.values()) | {"PENDING_AVAILABILITY", "UNFULFILLABLE"}:
                raise BadRequest(f"Invalid fulfillmentStatuses: {sorted(wanted)}.")
            statuses = {k for k, v in STATUS_2026.items() if v in wanted} if wanted else None
            by = set(csv_list(request, "fulfilledBy")) or None
            if by and not by <= {"MERCHANT", "AMAZON"}:
                raise BadRequest("fulfilledBy must be MERCHANT or AMAZON.")
            channels = {"MERCHANT": "MFN", "AMAZON": "AFN"}
            ids = select(state.seller.orders, mp_ids, mode, after, before, now, statuses,
                         {channels[b] for b in by} if by else None)
            return {**sig, "mode": mode, "before": before.isoformat()}, ids

        def same(pt: Any) -> bool:
            return all(pt.params.get(key) == value for key, value in sig.items())

        page_ids, next_token, pt = http.page("searchOrders", token, size, compute, invalid_message=BAD_TOKEN,
                                             same_params=same, expiry=timedelta(hours=24))
        seller = state.seller
        body: dict[str, Any] = {"orders": [order_2026(seller.order(i), pt.snapshot, datasets)  # type: ignore[arg-type]
                                           for i in page_ids]}
        if next_token:
            body["pagination"] = {"nextToken": next_token}
        before = datetime.fromisoformat(pt.params["before"])
        body["createdBefore" if pt.params["mode"] == "created" else "lastUpdatedBefore"] = iso_z(before)
        return json_response(body)

    async def get_order_2026(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        order = find(auth, request.path_params["orderId"])
        return json_response({"order": order_2026(order, state.now(), included(request))})

    ep = http.endpoint
    return [
        Route("/orders/v0/orders", ep("getOrders", get_orders, restricted=True, region=region)),
        Route("/orders/v0/orders/{orderId}", ep("getOrder", get_order, restricted=True, region=region)),
        Route("/orders/v0/orders/{orderId}/orderItems",
              ep("getOrderItems", get_order_items, restricted=True, region=region)),
        Route("/orders/v0/orders/{orderId}/buyerInfo",
              ep("getOrderBuyerInfo", get_buyer_info, restricted=True, region=region)),
        Route("/orders/v0/orders/{orderId}/address",
              ep("getOrderAddress", get_address, restricted=True, region=region)),
        Route("/orders/v0/orders/{orderId}/orderItems/buyerInfo",
              ep("getOrderItemsBuyerInfo", get_items_buyer_info, restricted=True, region=region)),
        Route("/orders/2026-01-01/orders", ep("searchOrders", search_orders, region=region)),
        Route("/orders/2026-01-01/orders/{orderId}", ep("getOrder2026", get_order_2026, region=region)),
    ]
