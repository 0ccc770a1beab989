"""Orders: windows (lag, two-year cap, 2-minute rule), both API versions, PII stripping, order-report lines."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from sellerledger.amazon.errors import FatalError
from sellerledger.amazon.orders import (
    ORDER_REPORT_TYPE,
    header_from_2026,
    header_from_v0,
    order_windows,
    parse_order_report,
    read_order_report,
    report_status,
)
from tests.amazon._spapi_fakes import FakeSpApi, json_response, make_client

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ORDER_2026 = {
    "orderId": "111-0000001-0000001", "createdTime": "2026-11-01T10:00:00Z",
    "lastUpdatedTime": "2026-11-02T10:00:00Z", "programs": ["AMAZON_BUSINESS"],
    "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER", "marketplaceName": "Amazon.com"},
    "buyer": {"buyerName": "Jane Buyer", "buyerEmail": "jane@example.com"},
    "recipient": {"deliveryAddress": {"name": "Jane", "addressLine1": "1 Main St"}},
    "proceeds": {"grandTotal": {"amount": "31.98", "currencyCode": "USD"}},
    "fulfillment": {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "AMAZON"},
    "orderItems": [{"orderItemId": "1", "quantityOrdered": 2, "product": {"sellerSku": "SKU-1"}}],
}
ORDER_V0 = {
    "AmazonOrderId": "302-0000002-0000002", "PurchaseDate": "2026-11-01T10:00:00Z",
    "LastUpdateDate": "2026-11-03T10:00:00Z", "OrderStatus": "Pending", "FulfillmentChannel": "MFN",
    "SalesChannel": "Amazon.de", "MarketplaceId": "A1PA6795UKMFR9", "NumberOfItemsShipped": 0,
    "NumberOfItemsUnshipped": 1, "BuyerInfo": {"BuyerEmail": "x@marketplace.amazon.de"},
    "ShippingAddress": {"Name": "Max", "City": "Berlin"},
}
REPORT = (
    "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\t"
    "sales-channel\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\titem-tax\t"
    "shipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\t"
    "ship-promotion-discount\tship-city\tship-state\tship-postal-code\tship-country\tpromotion-ids\t"
    "is-business-order\n"
    "111-0000001-0000001\t\t2026-11-01T10:00:00+00:00\t2026-11-02T10:00:00+00:00\tShipped\tAmazon\tAmazon.com\t"
    "Widget\tSKU-1\tB000000001\tShipped\t2\tUSD\t31.98\t2.56\t0.00\t0.00\t\t\t-1.00\t\tSeattle\tWA\t98101\tUS\tP1\t"
    "true\n"
    "111-0000001-0000001\t\t2026-11-01T10:00:00+00:00\t2026-11-02T10:00:00+00:00\tShipped\tAmazon\tAmazon.com\t"
    "Widget\tSKU-1\tB000000001\tShipped\t1\tUSD\t15.99\t1.28\t\t\t\t\t\t\tSeattle\tWA\t98101\tUS\t\ttrue\n"
    "302-0000002-0000002\t\t2026-11-01T10:00:00+00:00\t2026-11-03T10:00:00+00:00\tPending\tMerchant\tAmazon.de\t"
    "Ding\tSKU-9\tB000000009\tUnshipped\t1\tEUR\t1.234,50\t197,10\t4,99\t0,95\t\t\t\t\tBerlin\t\t10115\tDE\t\t"
    "false\n"
)


def test_windows_apply_lag_cap_history_and_stay_two_minutes_in_the_past() -> None:
    windows = order_windows(NOW - timedelta(days=45), NOW, now=NOW, lag=timedelta(hours=2))
    assert windows[0].start == NOW - timedelta(days=45, hours=2)
    assert windows[-1].end <= NOW - timedelta(minutes=2)
    assert all(w.end - w.start <= timedelta(days=30) for w in windows)
    assert all(a.end == b.start for a, b in zip(windows, windows[1:], strict=False))
    old = order_windows(NOW - timedelta(days=3 * 365), NOW - timedelta(days=700), now=NOW)
    assert old[0].start > NOW - timedelta(days=730)
    assert order_windows(NOW - timedelta(days=800), NOW - timedelta(days=740), now=NOW) == []
    assert order_windows(NOW - timedelta(minutes=1), NOW, now=NOW, lag=timedelta(0)) == []


def test_v2026_header_maps_to_the_common_shape_without_pii() -> None:
    header = header_from_2026(ORDER_2026)
    assert (header.amazon_order_id, header.marketplace_id, header.order_status, header.fulfillment_channel,
            header.order_total, header.currency, header.is_business_order, header.number_of_items) == (
        "111-0000001-0000001", "ATVPDKIKX0DER", "Shipped", "AFN", Decimal("31.98"), "USD", True, 2)
    text = json.dumps(header.raw)
    assert "Jane" not in text and "jane@" not in text and "Main St" not in text
    assert header.raw["orderItems"][0]["product"]["sellerSku"] == "SKU-1"


def test_v0_header_maps_to_the_common_shape_without_pii() -> None:
    header = header_from_v0(ORDER_V0)
    assert (header.order_status, header.fulfillment_channel, header.order_total, header.number_of_items,
            header.api_version) == ("Pending", "MFN", None, 1, "v0")
    assert "BuyerInfo" not in header.raw and "ShippingAddress" not in header.raw


def test_order_report_lines_read_by_header_name_with_locale_amounts_and_no_ship_to() -> None:
    lines = parse_order_report(REPORT)
    assert [(ln.amazon_order_id, ln.sku, ln.sku_seq, ln.quantity) for ln in lines] == [
        ("111-0000001-0000001", "SKU-1", 1, 2), ("111-0000001-0000001", "SKU-1", 2, 1),
        ("302-0000002-0000002", "SKU-9", 1, 1)]
    first, _, eu = lines
    assert (first.item_price, first.item_tax, first.item_promotion_discount, first.gift_wrap_price) == (
        Decimal("31.98"), Decimal("2.56"), Decimal("-1.00"), None)
    assert (eu.item_price, eu.item_tax, eu.shipping_price, eu.currency) == (
        Decimal("1234.50"), Decimal("197.10"), Decimal("4.99"), "EUR")
    assert first.fulfillment_channel == "AFN" and eu.fulfillment_channel == "MFN"
    assert first.is_business_order is True and eu.is_business_order is False
    assert not any("Seattle" in str(value) or "98101" in str(value) for value in vars(first).values())


def test_order_report_errors_name_the_line() -> None:
    with pytest.raises(FatalError, match="header lacks"):
        parse_order_report("order-id\tsku\n1\tx\n")
    bad = REPORT.splitlines()[0] + "\n" + REPORT.splitlines()[1].replace("31.98", "3x.98") + "\n"
    with pytest.raises(FatalError, match="line 2"):
        parse_order_report(bad, source="R1")


def test_order_report_gives_headers_as_the_api_would_without_ship_to() -> None:
    lines, headers = read_order_report(REPORT, source="R1")
    assert len(lines) == 3
    us, de = headers
    # US: sales tax on top; promotions subtract: 31.98 + 2.56 - 1.00 + 15.99 + 1.28
    assert (us.amazon_order_id, us.marketplace_id, us.sales_channel, us.order_status, us.fulfillment_channel,
            us.order_total, us.currency, us.is_business_order, us.number_of_items, us.api_version) == (
        "111-0000001-0000001", "ATVPDKIKX0DER", "Amazon.com", "Shipped", "AFN", Decimal("50.81"), "USD", True, 3,
        "report")
    assert (us.purchase_date, us.last_update_date) == (datetime(2026, 11, 1, 10, tzinfo=UTC),
                                                       datetime(2026, 11, 2, 10, tzinfo=UTC))
    # a Pending order carries no total (and so no currency), as the API's OrderTotal
    assert (de.marketplace_id, de.order_status, de.fulfillment_channel, de.order_total, de.currency) == (
        "A1PA6795UKMFR9", "Pending", "MFN", None, None)
    raw = json.dumps([us.raw, de.raw])
    assert "Seattle" not in raw and "98101" not in raw and "Berlin" not in raw and "ship-city" not in raw
    assert us.raw["order-status"] == "Shipped" and us.raw["sales-channel"] == "Amazon.com"


def test_report_totals_leave_vat_inside_the_price_and_cancelled_orders_without_total() -> None:
    rows = REPORT.splitlines()
    shipped_de = rows[3].replace("\tPending\t", "\tShipped\t")
    cancelled_us = "\t".join(
        "" if i in range(13, 21) else ("0" if i == 11 else ("Cancelled" if i in (4, 10) else cell))
        for i, cell in enumerate(rows[2].split("\t")))
    _, (us, de) = read_order_report("\n".join([rows[0], cancelled_us, shipped_de]) + "\n")
    assert (de.order_status, de.order_total, de.currency) == ("Shipped", Decimal("1239.49"), "EUR")  # 1234.50 + 4.99
    assert (us.order_status, us.order_total, us.currency, us.number_of_items) == ("Canceled", None, None, 0)


def test_report_statuses_map_to_the_v0_vocabulary() -> None:
    assert [report_status(s) for s in ("Cancelled", "Shipped - Delivered to Buyer", "Pending - Waiting for Pick Up",
                                       "Unshipped", "Shipping")] == [
        "Canceled", "Shipped", "Pending", "Unshipped", "Shipping"]


def test_a_header_without_a_purchase_date_names_the_report_line() -> None:
    rows = REPORT.splitlines()
    with pytest.raises(FatalError, match="R1 line 2: 111-0000001-0000001: missing purchase-date"):
        read_order_report(rows[0] + "\n" + rows[1].replace("2026-11-01T10:00:00+00:00", "", 1) + "\n", source="R1")


def test_order_lines_cost_a_few_report_calls_whatever_the_number_of_orders() -> None:
    fake = FakeSpApi()
    statuses = iter(["IN_QUEUE", "IN_PROGRESS", "DONE"])
    created = []

    def create(request: httpx.Request) -> httpx.Response:
        created.append(json.loads(request.content))
        return json_response(202, {"reportId": "R1"})

    fake.route("POST", "/reports/2021-06-30/reports", create)
    fake.route("GET", "/reports/2021-06-30/reports/R1", lambda r: json_response(
        200, {"reportId": "R1", "processingStatus": next(statuses), "reportDocumentId": "D1"}))
    fake.route("GET", "/reports/2021-06-30/documents/D1", lambda r: json_response(
        200, {"reportDocumentId": "D1", "url": "https://s3.test/d1", "compressionAlgorithm": "GZIP"}))
    fake.route("GET", "/d1", lambda r: httpx.Response(200, content=gzip.compress(REPORT.encode())))
    with make_client(fake) as client:
        report = client.orders.order_report(["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"], NOW - timedelta(days=30),
                                            NOW - timedelta(minutes=3))
        calls = client.calls()
    assert len(report.lines) == 3 and [h.amazon_order_id for h in report.headers] == [
        "111-0000001-0000001", "302-0000002-0000002"]
    assert created == [{"reportType": ORDER_REPORT_TYPE, "marketplaceIds": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
                        "dataStartTime": "2026-10-21T12:00:00Z", "dataEndTime": "2026-11-20T11:57:00Z"}]
    assert calls == {"createReport": 1, "downloadReportDocument": 1, "getReport": 3, "getReportDocument": 1}


@pytest.mark.parametrize("version", ["2026-01-01", "v0"])
def test_search_pages_through_either_version(version: str) -> None:
    fake = FakeSpApi()
    if version == "v0":
        other = dict(ORDER_V0, AmazonOrderId="302-0000003-0000003")
        pages = iter([{"payload": {"Orders": [ORDER_V0], "NextToken": "n1"}}, {"payload": {"Orders": [other]}}])
        fake.route("GET", "/orders/v0/orders", lambda r: json_response(200, next(pages)))
    else:
        other = dict(ORDER_2026, orderId="111-0000003-0000003")
        pages = iter([{"orders": [ORDER_2026], "pagination": {"nextToken": "n1"}}, {"orders": [other]}])
        fake.route("GET", "/orders/2026-01-01/orders", lambda r: json_response(200, next(pages)))
    with make_client(fake, orders_api_version=version) as client:
        found = [h for page in client.orders.search(["ATVPDKIKX0DER"], NOW - timedelta(days=1),
                                                    NOW - timedelta(minutes=3)) for h in page]
    assert len(found) == 2 and {h.api_version for h in found} == {version}
    first = fake.api_requests()[0].url.params
    key = "LastUpdatedAfter" if version == "v0" else "lastUpdatedAfter"
    assert first[key] == "2026-11-19T12:00:00Z"
