"""Every response of the stand-in validates against the official model's schema for its operation and status.

Validation is strict: besides the model's own rules, an object may not carry a property its definition
does not declare (so a misspelt field fails), and money in Finances must be a JSON number.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.sandbox.amazon.conftest import Sp, validate

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
ORDERS = "ordersV0.json"
ORDERS26 = "orders_2026-01-01.json"
FIN = "financesV0.json"
REP = "reports_2021-06-30.json"
LIST = "listingsItems_2021-08-01.json"
INV = "fbaInventory.json"
TOK = "tokens_2021-03-01.json"


def _iso(sp: Sp, days: float) -> str:
    return (sp.now() - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_orders_v0(shared_sp: Sp):
    sp = shared_sp
    path = "/orders/v0/orders"
    data = validate(ORDERS, path, "get", sp.get(path, {"MarketplaceIds": US, "CreatedAfter": _iso(sp, 3)}))
    orders = data["payload"]["Orders"]
    assert orders and {o["OrderStatus"] for o in orders} >= {"Shipped"}
    statuses = {o["OrderStatus"] for o in data["payload"]["Orders"]}
    validate(ORDERS, path, "get", sp.get(path, {"MarketplaceIds": US, "LastUpdatedAfter": _iso(sp, 1),
                                                "MaxResultsPerPage": 5}))
    for bad in ({"CreatedAfter": _iso(sp, 1)}, {"MarketplaceIds": US},
                {"MarketplaceIds": US, "CreatedAfter": _iso(sp, 1), "MaxResultsPerPage": 0}):
        response = sp.get(path, bad)
        assert response.status_code == 400
        validate(ORDERS, path, "get", response)
    assert validate(ORDERS, path, "get", sp.get(path, {"MarketplaceIds": US}, token=""))["errors"]
    assert validate(ORDERS, path, "get", sp.get(path, {"MarketplaceIds": US}, token="Atza|nope"))["errors"]

    seller = sp.seller
    now = sp.now()
    picks = {}
    for order in seller.orders:
        status = order.status_at(now)
        if order.marketplace.id == US and status and status not in picks:
            picks[status] = order
    assert {"Unshipped", "Shipped", "Canceled"} <= set(picks) | statuses  # Pending: see test_pending_orders
    for order in picks.values():
        oid = order.amazon_order_id
        for template, suffix in (("/orders/v0/orders/{orderId}", ""), ("/orders/v0/orders/{orderId}/orderItems", "/orderItems"),
                                 ("/orders/v0/orders/{orderId}/address", "/address"),
                                 ("/orders/v0/orders/{orderId}/buyerInfo", "/buyerInfo"),
                                 ("/orders/v0/orders/{orderId}/orderItems/buyerInfo", "/orderItems/buyerInfo")):
            response = sp.get(f"/orders/v0/orders/{oid}{suffix}")
            assert response.status_code == 200, response.text
            validate(ORDERS, template, "get", response)
    assert sp.get("/orders/v0/orders/111-0000000-0000000").status_code == 404
    validate(ORDERS, "/orders/v0/orders/{orderId}", "get", sp.get("/orders/v0/orders/111-0000000-0000000"))
    validate(ORDERS, "/orders/v0/orders/{orderId}", "get", sp.get("/orders/v0/orders/not-an-order"))


def test_orders_v0_with_restricted_data_token(shared_sp: Sp):
    sp = shared_sp
    order = next(o for o in sp.seller.orders if o.marketplace.id == US and o.status_at(sp.now()) == "Shipped")
    response = sp.call("POST", "/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": [
        {"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo", "shippingAddress"]},
        {"method": "GET", "path": "/orders/v0/orders/{orderId}", "dataElements": ["buyerInfo", "shippingAddress"]},
        {"method": "GET", "path": f"/orders/v0/orders/{order.amazon_order_id}/address"},
        {"method": "GET", "path": "/orders/v0/orders/{orderId}/buyerInfo"},
    ]})
    rdt = validate(TOK, "/tokens/2021-03-01/restrictedDataToken", "post", response)["restrictedDataToken"]
    full = validate(ORDERS, "/orders/v0/orders/{orderId}", "get",
                    sp.get(f"/orders/v0/orders/{order.amazon_order_id}", token=rdt))["payload"]
    assert full["BuyerInfo"]["BuyerName"] == order.buyer_name and full["ShippingAddress"]["AddressLine1"]
    validate(ORDERS, "/orders/v0/orders", "get",
             sp.get("/orders/v0/orders", {"MarketplaceIds": US, "CreatedAfter": _iso(sp, 2)}, token=rdt))
    validate(ORDERS, "/orders/v0/orders/{orderId}/address", "get",
             sp.get(f"/orders/v0/orders/{order.amazon_order_id}/address", token=rdt))
    validate(ORDERS, "/orders/v0/orders/{orderId}/buyerInfo", "get",
             sp.get(f"/orders/v0/orders/{order.amazon_order_id}/buyerInfo", token=rdt))
    bad = sp.call("POST", "/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": []})
    assert bad.status_code == 400
    validate(TOK, "/tokens/2021-03-01/restrictedDataToken", "post", bad)


def test_orders_2026(shared_sp: Sp):
    sp = shared_sp
    everything = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT"
    path = "/orders/2026-01-01/orders"
    data = validate(ORDERS26, path, "get", sp.get(path, {"createdAfter": _iso(sp, 6), "includedData": everything,
                                                        "maxResultsPerPage": 100}))
    assert data["orders"] and any("packages" in o for o in data["orders"])
    validate(ORDERS26, path, "get", sp.get(path, {"lastUpdatedAfter": _iso(sp, 1), "marketplaceIds": f"{US},{DE}"},
                                           region="NA"))
    bad = sp.get(path, {"createdAfter": _iso(sp, 1), "lastUpdatedAfter": _iso(sp, 1)})
    assert bad.status_code == 400
    validate(ORDERS26, path, "get", bad)
    order_id = data["orders"][0]["orderId"]
    validate(ORDERS26, "/orders/2026-01-01/orders/{orderId}", "get",
             sp.get(f"/orders/2026-01-01/orders/{order_id}", {"includedData": everything}))
    validate(ORDERS26, "/orders/2026-01-01/orders/{orderId}", "get", sp.get("/orders/2026-01-01/orders/111-0000000-0000001"))


def test_finances(shared_sp: Sp):
    sp = shared_sp
    path = "/finances/v0/financialEventGroups"
    groups = validate(FIN, path, "get", sp.get(path, {"FinancialEventGroupStartedAfter": _iso(sp, 100),
                                                      "MaxResultsPerPage": 100}))["payload"]["FinancialEventGroupList"]
    assert {g["ProcessingStatus"] for g in groups} == {"Open", "Closed"}
    assert all(isinstance(g["ConvertedTotal"]["CurrencyAmount"], Decimal) for g in groups if "ConvertedTotal" in g)
    for region in ("NA", "EU"):
        group_list = validate(FIN, path, "get", sp.get(path, {"MaxResultsPerPage": 100}, region=region))
        for group in group_list["payload"]["FinancialEventGroupList"]:
            events_path = "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents"
            validate(FIN, events_path, "get", sp.get(f"/finances/v0/financialEventGroups/"
                                                     f"{group['FinancialEventGroupId']}/financialEvents",
                                                     {"MaxResultsPerPage": 100}, region=region))
    validate(FIN, "/finances/v0/financialEvents", "get", sp.get("/finances/v0/financialEvents",
                                                                {"PostedAfter": _iso(sp, 20)}))
    refunded = next(o for o in sp.seller.orders if o.refund and o.marketplace.id == US)
    data = validate(FIN, "/finances/v0/orders/{orderId}/financialEvents", "get",
                    sp.get(f"/finances/v0/orders/{refunded.amazon_order_id}/financialEvents"))
    assert data["payload"]["FinancialEvents"]["RefundEventList"]
    for bad in (sp.get(path, {"FinancialEventGroupStartedAfter": _iso(sp, 0)}),
                sp.get("/finances/v0/financialEventGroups/BADID/financialEvents")):
        assert bad.status_code == 400
        validate(FIN, path, "get", bad)


def test_reports(shared_sp: Sp):
    sp = shared_sp
    path = "/reports/2021-06-30/reports"
    reports = validate(REP, path, "get", sp.get(path, {"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
                                                       "pageSize": 2}))
    assert reports["nextToken"] and len(reports["reports"]) == 2
    validate(REP, path, "get", sp.get(path, {"nextToken": reports["nextToken"]}))
    created = sp.call("POST", path, json={"reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
                                          "marketplaceIds": [US], "dataStartTime": _iso(sp, 2)})
    assert created.status_code == 202
    report_id = validate(REP, path, "post", created)["reportId"]
    validate(REP, "/reports/2021-06-30/reports/{reportId}", "get", sp.get(f"/reports/2021-06-30/reports/{report_id}"))
    document_id = reports["reports"][0]["reportDocumentId"]
    validate(REP, "/reports/2021-06-30/documents/{reportDocumentId}", "get",
             sp.get(f"/reports/2021-06-30/documents/{document_id}"))
    for bad, bad_path, method in (
        (sp.get(path, {"nextToken": reports["nextToken"], "pageSize": 2}), path, "get"),
        (sp.call("POST", path, json={"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
                                     "marketplaceIds": [US]}), path, "post"),
        (sp.get("/reports/2021-06-30/reports/999"), "/reports/2021-06-30/reports/{reportId}", "get"),
    ):
        assert bad.status_code in (400, 404)
        validate(REP, bad_path, method, bad)


def test_listings_inventory_and_tokens(shared_sp: Sp):
    sp = shared_sp
    seller_id = sp.creds["seller_id"]
    sku = next(s for s in sp.seller.skus if s.channel == "MFN" and "US" in s.prices)
    template = "/listings/2021-08-01/items/{sellerId}/{sku}"
    path = f"/listings/2021-08-01/items/{seller_id}/{sku.sku}"
    data = validate(LIST, template, "get", sp.get(path, {
        "marketplaceIds": US, "includedData": "summaries,attributes,issues,offers,fulfillmentAvailability"}))
    assert data["offers"][0]["price"]["amount"] == format(sku.prices["US"], "f")
    price = {"productType": "PRODUCT", "patches": [{"op": "replace", "path": "/attributes/purchasable_offer", "value": [
        {"marketplace_id": US, "currency": "USD", "our_price": [{"schedule": [{"value_with_tax": -1}]}]}]}]}
    rejected = validate(LIST, template, "patch", sp.call("PATCH", path, params={"marketplaceIds": US}, json=price))
    assert rejected["status"] == "INVALID" and rejected["issues"][0]["severity"] == "ERROR"
    preview = validate(LIST, template, "patch", sp.call(
        "PATCH", path, params={"marketplaceIds": US, "mode": "VALIDATION_PREVIEW", "includedData": "identifiers,issues"},
        json={"productType": "PRODUCT", "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                                                     "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}]}]}))
    assert preview["status"] == "VALID"
    validate(LIST, template, "get", sp.get(f"/listings/2021-08-01/items/{seller_id}/NO-SUCH-SKU", {"marketplaceIds": US}))
    inventory = validate(INV, "/fba/inventory/v1/summaries", "get", sp.get("/fba/inventory/v1/summaries", {
        "granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US, "details": "true"}))
    assert inventory["payload"]["inventorySummaries"]
    validate(INV, "/fba/inventory/v1/summaries", "get", sp.get("/fba/inventory/v1/summaries", {
        "granularityType": "Marketplace", "granularityId": US, "marketplaceIds": DE}))
