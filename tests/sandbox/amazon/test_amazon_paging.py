"""NextToken paging, the documented date rules, and the paging faults, checked against the truth."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerledger.sandbox.amazon.timefmt import iso_z
from tests.sandbox.amazon.conftest import Sp, body

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"


def _all_pages(sp: Sp, path: str, params: dict, token_field: str, send_as: str, keep: bool = True,
               max_pages: int = 200) -> tuple[list[dict], int]:
    pages, items = 0, []
    query = dict(params)
    while True:
        response = sp.get(path, query)
        assert response.status_code == 200, response.text
        data = body(response)
        payload = data.get("payload", data)
        pages += 1
        yield_items = payload.get("Orders") or payload.get("orders") or payload.get("FinancialEventGroupList") or []
        items.extend(yield_items)
        token = payload.get(token_field) or (data.get("pagination") or {}).get("nextToken")
        if not token:
            return items, pages
        query = {**(params if keep else {}), send_as: token}
        assert pages < max_pages


def test_get_orders_pages_through_exactly_the_truth(shared_sp: Sp):
    sp = shared_sp
    now = sp.now()
    after = now - timedelta(days=9)
    orders, pages = _all_pages(sp, "/orders/v0/orders",
                               {"MarketplaceIds": US, "CreatedAfter": iso_z(after), "MaxResultsPerPage": 40},
                               "NextToken", "NextToken")
    expected = sorted((o.purchase_date, o.amazon_order_id) for o in sp.seller.orders
                      if o.marketplace.id == US and after <= o.purchase_date <= now - timedelta(minutes=2))
    assert [o["AmazonOrderId"] for o in orders] == [order_id for _, order_id in expected]
    assert pages == -(-len(expected) // 40) and pages > 2
    statuses = {o["OrderStatus"] for o in orders}
    assert {"Shipped", "Unshipped"} <= statuses


def test_order_filters_and_last_updated_ordering(shared_sp: Sp):
    sp = shared_sp
    after = sp.now() - timedelta(days=5)
    mfn = body(sp.get("/orders/v0/orders", {"MarketplaceIds": US, "LastUpdatedAfter": iso_z(after),
                                            "FulfillmentChannels": "MFN", "OrderStatuses": "Shipped,Unshipped"}))
    orders = mfn["payload"]["Orders"]
    assert orders and {o["FulfillmentChannel"] for o in orders} == {"MFN"}
    assert [o["LastUpdateDate"] for o in orders] == sorted(o["LastUpdateDate"] for o in orders)
    assert all(o["LastUpdateDate"] >= iso_z(after) for o in orders)
    assert "LastUpdatedBefore" in mfn["payload"] and "CreatedBefore" not in mfn["payload"]


@pytest.mark.parametrize("params, fragment", [
    ({"MarketplaceIds": US}, "Either CreatedAfter or LastUpdatedAfter"),
    ({"CreatedAfter": "2026-11-10T00:00:00Z"}, "MarketplaceIds is required"),
    ({"MarketplaceIds": US, "CreatedAfter": "2026-11-10T00:00:00Z", "LastUpdatedAfter": "2026-11-10T00:00:00Z"},
     "cannot be set"),
    ({"MarketplaceIds": US, "LastUpdatedAfter": "2026-11-10T00:00:00Z", "CreatedBefore": "2026-11-12T00:00:00Z"},
     "cannot be set"),
    ({"MarketplaceIds": US, "CreatedAfter": "2026-11-20T05:59:00Z"}, "two minutes before"),
    ({"MarketplaceIds": US, "CreatedAfter": "2026-11-10T00:00:00Z", "CreatedBefore": "2026-11-20T05:59:00Z"},
     "two minutes before"),
    ({"MarketplaceIds": US, "CreatedAfter": "2026-11-10T00:00:00Z", "CreatedBefore": "2026-11-09T00:00:00Z"},
     "equal to or after"),
    ({"MarketplaceIds": US, "CreatedAfter": "yesterday"}, "ISO 8601"),
    ({"MarketplaceIds": US, "CreatedAfter": "2026-11-10T00:00:00Z", "MaxResultsPerPage": 101}, "between 1 and 100"),
])
def test_orders_date_rules(shared_sp: Sp, params, fragment):
    response = shared_sp.get("/orders/v0/orders", params)
    assert response.status_code == 400
    error = body(response)["errors"][0]
    assert error["code"] == "InvalidInput" and fragment in error["message"]
    assert response.headers["x-amzn-ratelimit-limit"] == "0.0167"


def test_two_year_window_and_pending_orders(make_sp):
    sp: Sp = make_sp(profile="tiny", days=730, options={"orders_per_day": 5, "amazon_start": "2026-11-22T00:00:00Z"})
    seller = sp.seller
    floor = sp.now() - timedelta(days=730)
    hidden = [o for o in seller.orders if o.marketplace.id == US and o.purchase_date < floor]
    assert len(hidden) == 10, "two days of orders are now older than two years"
    orders, _ = _all_pages(sp, "/orders/v0/orders", {"MarketplaceIds": US, "CreatedAfter": "2023-01-01T00:00:00Z",
                                                    "CreatedBefore": iso_z(seller.horizon - timedelta(days=700))},
                           "NextToken", "NextToken")
    returned = {o["AmazonOrderId"] for o in orders}
    assert returned and not returned & {o.amazon_order_id for o in hidden}
    assert min(o["PurchaseDate"] for o in orders) >= iso_z(floor)

    last = max((o for o in seller.orders if o.marketplace.id == US), key=lambda o: o.purchase_date)
    pending = make_sp(profile="tiny", days=730, options={
        "orders_per_day": 5, "amazon_start": iso_z(last.purchase_date + timedelta(seconds=50))})
    order = body(pending.get(f"/orders/v0/orders/{last.amazon_order_id}"))["payload"]
    assert order["OrderStatus"] == "Pending" and "OrderTotal" not in order and "ShippingAddress" not in order
    items = body(pending.get(f"/orders/v0/orders/{last.amazon_order_id}/orderItems"))["payload"]["OrderItems"]
    assert items and all("ItemPrice" not in item for item in items)


def test_search_orders_2026_paging_and_parameter_check(shared_sp: Sp):
    sp = shared_sp
    params = {"createdAfter": iso_z(sp.now() - timedelta(days=4)), "marketplaceIds": US, "maxResultsPerPage": 30,
              "includedData": "FULFILLMENT"}
    orders, pages = _all_pages(sp, "/orders/2026-01-01/orders", params, "nextToken", "paginationToken")
    assert pages > 1 and len({o["orderId"] for o in orders}) == len(orders)
    assert all(o["fulfillment"]["fulfillmentStatus"] for o in orders)
    first = body(sp.get("/orders/2026-01-01/orders", params))
    token = first["pagination"]["nextToken"]
    changed = sp.get("/orders/2026-01-01/orders", {**params, "marketplaceIds": DE, "paginationToken": token})
    assert changed.status_code == 400
    fine = sp.get("/orders/2026-01-01/orders", {**params, "maxResultsPerPage": 5, "includedData": "",
                                                "paginationToken": token})
    assert fine.status_code == 200 and len(body(fine)["orders"]) == 5


def test_finances_paging_with_an_empty_page_and_the_180_day_rule(shared_sp: Sp):
    sp = shared_sp
    now = sp.now()
    params = {"PostedAfter": iso_z(now - timedelta(days=20)), "MaxResultsPerPage": 50}
    empty_pages, count, query = 0, 0, dict(params)
    while True:
        data = body(sp.get("/finances/v0/financialEvents", query))["payload"]
        events = data["FinancialEvents"]
        size = sum(len(events[name]) for name in events)
        empty_pages += size == 0 and "NextToken" in data
        count += size
        if not data.get("NextToken"):
            break
        query = {**params, "NextToken": data["NextToken"]}
    expected = [p for p in sp.seller.postings if p.visible_at <= now and p.marketplace.code == "US"
                and now - timedelta(days=20) <= p.posted_at < now - timedelta(minutes=2)]
    assert count == len(expected) > 100
    assert empty_pages == 1
    token = body(sp.get("/finances/v0/financialEvents", params))["payload"]["NextToken"]
    other = sp.get("/finances/v0/financialEvents", {**params, "MaxResultsPerPage": 10, "NextToken": token})
    assert other.status_code == 400
    wide = body(sp.get("/finances/v0/financialEvents", {"PostedAfter": iso_z(now - timedelta(days=200)),
                                                        "PostedBefore": iso_z(now - timedelta(days=10))}))
    assert all(not events for events in wide["payload"]["FinancialEvents"].values())
    groups = body(sp.get("/finances/v0/financialEventGroups", {
        "FinancialEventGroupStartedAfter": iso_z(now - timedelta(days=190))}))
    assert groups["payload"]["FinancialEventGroupList"] == []
    bad = sp.get("/finances/v0/financialEvents", {"PostedBefore": iso_z(now - timedelta(days=1))})
    assert bad.status_code == 400 and body(bad)["errors"][0]["message"] == "Date range is invalid."


def test_event_groups_page_by_ten(shared_sp: Sp):
    sp = shared_sp
    groups, pages = _all_pages(sp, "/finances/v0/financialEventGroups", {"MaxResultsPerPage": 2}, "NextToken",
                               "NextToken")
    truth = [g.group_id for g in sp.seller.event_groups if g.marketplace.code == "US"]
    assert [g["FinancialEventGroupId"] for g in groups] == truth
    assert pages == -(-len(truth) // 2) + 1  # plus the empty page


def test_get_reports_next_token_goes_alone(shared_sp: Sp):
    sp = shared_sp
    params = {"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "pageSize": 1}
    seen, query = [], dict(params)
    while True:
        data = body(sp.get("/reports/2021-06-30/reports", query))
        seen.extend(r["reportId"] for r in data["reports"])
        if "nextToken" not in data:
            break
        query = {"nextToken": data["nextToken"]}
    now = sp.now()
    truth = sorted((s for s in sp.seller.settlements if s.marketplace.code == "US"
                    and now - timedelta(days=90) <= s.report_created_at <= now),
                   key=lambda s: s.report_created_at, reverse=True)
    assert seen == [s.report_id for s in truth] and len(seen) >= 3
    token = body(sp.get("/reports/2021-06-30/reports", params))["nextToken"]
    mixed = sp.get("/reports/2021-06-30/reports", {**params, "nextToken": token})
    assert mixed.status_code == 400 and "nextToken" in body(mixed)["errors"][0]["message"]
    assert sp.get("/reports/2021-06-30/reports", {"pageSize": 5}).status_code == 400


def test_paging_faults(make_sp):
    sp: Sp = make_sp(profile="demo")
    params = {"MarketplaceIds": US, "CreatedAfter": iso_z(sp.now() - timedelta(days=10)), "MaxResultsPerPage": 20}
    token = body(sp.get("/orders/v0/orders", params))["payload"]["NextToken"]
    sp.faults({"operation": "getOrders", "kind": "repeated_next_token", "count": 1})
    again = body(sp.get("/orders/v0/orders", {"MarketplaceIds": US, "NextToken": token}))["payload"]
    assert again["NextToken"] == token
    sp.faults({"operation": "getOrders", "kind": "expired_next_token", "count": 1})
    expired = sp.get("/orders/v0/orders", {"MarketplaceIds": US, "NextToken": token})
    assert expired.status_code == 400 and body(expired)["errors"][0]["code"] == "InvalidInput"
    assert "NextToken" in body(expired)["errors"][0]["message"]
    assert sp.get("/orders/v0/orders", {"MarketplaceIds": US, "NextToken": token}).status_code == 400, "token dropped"

    fin = {"PostedAfter": iso_z(sp.now() - timedelta(days=30))}
    fin_token = body(sp.get("/finances/v0/financialEvents", fin))["payload"]["NextToken"]
    sp.faults({"operation": "listFinancialEvents", "kind": "expired_next_token", "count": 1})
    gone = sp.get("/finances/v0/financialEvents", {**fin, "NextToken": fin_token})
    assert body(gone)["errors"][0] == {"code": "InvalidInput", "details": "",
                                       "message": "Token is not valid, token duration is 25 minutes."}


def test_inventory_pages_by_fifty_and_its_token_expires_after_thirty_seconds(make_sp):
    sp: Sp = make_sp(profile="tiny", options={"sku_count": 80})
    afn = sorted(s.sku for s in sp.seller.skus if s.channel == "AFN" and "US" in s.prices)
    assert len(afn) > 50
    params = {"granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US, "details": "true"}
    first = body(sp.get("/fba/inventory/v1/summaries", params))
    token = first["pagination"]["nextToken"]
    assert "NextToken" not in first["payload"] and len(first["payload"]["inventorySummaries"]) == 50
    second = body(sp.get("/fba/inventory/v1/summaries", {**params, "nextToken": token}))
    skus = [s["sellerSku"] for s in first["payload"]["inventorySummaries"] + second["payload"]["inventorySummaries"]]
    assert skus == afn and "pagination" not in second
    sp.advance(31)
    late = sp.get("/fba/inventory/v1/summaries", {**params, "nextToken": token})
    assert late.status_code == 400 and body(late)["errors"][0]["message"] == "Next token is invalid or expired"
    one = body(sp.get("/fba/inventory/v1/summaries", {**params, "sellerSkus": afn[3]}))["payload"]["inventorySummaries"]
    assert [s["sellerSku"] for s in one] == [afn[3]]
