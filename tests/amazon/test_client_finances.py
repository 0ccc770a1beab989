"""Finances v0: flattening every event type into amount rows, row keys, group windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest

from sellerledger.amazon.errors import FatalError
from sellerledger.amazon.finances import flatten_events, merge_pages, to_decimal
from sellerledger.amazon.http import loads
from tests.amazon._spapi_fakes import FakeSpApi, json_response, make_client


def money(amount: str, currency: str = "USD") -> dict[str, object]:
    return {"CurrencyCode": currency, "CurrencyAmount": Decimal(amount)}


SHIPMENT = {
    "AmazonOrderId": "111-1234567-1234567", "SellerOrderId": "S1", "MarketplaceName": "Amazon.com",
    "PostedDate": "2026-10-01T10:00:00Z",
    "ShipmentItemList": [{
        "SellerSKU": "SKU-1", "OrderItemId": "OI1", "QuantityShipped": 2,
        "ItemChargeList": [{"ChargeType": "Principal", "ChargeAmount": money("20.00")},
                           {"ChargeType": "Tax", "ChargeAmount": money("1.60")}],
        "ItemFeeList": [{"FeeType": "Commission", "FeeAmount": money("-3.00")}],
        "ItemTaxWithheldList": [{"TaxCollectionModel": "MarketplaceFacilitator", "TaxesWithheld": [
            {"ChargeType": "MarketplaceFacilitatorTax-Principal", "ChargeAmount": money("-1.60")}]}],
        "PromotionList": [{"PromotionType": "PromotionMetaDataDefinitionValue", "PromotionId": "P1",
                           "PromotionAmount": money("-2.00")}],
    }],
}
ADJUSTMENT = {
    "AdjustmentType": "FBAInventoryReimbursement", "PostedDate": "2026-10-02T00:00:00Z",
    "AdjustmentAmount": money("5.00"),
    "AdjustmentItemList": [{"Quantity": "2", "SellerSKU": "SKU-2", "PerUnitAmount": money("2.50"),
                            "TotalAmount": money("5.00")}],
}
ADS = {"postedDate": "2026-10-03T00:00:00Z", "transactionType": "charge",
       "baseValue": money("-10.00"), "taxValue": money("-2.00"), "transactionValue": money("-12.00")}


def events() -> dict[str, object]:
    return {"ShipmentEventList": [SHIPMENT], "AdjustmentEventList": [ADJUSTMENT],
            "ProductAdsPaymentEventList": [ADS], "ServiceFeeEventList": [
                {"FeeReason": "Subscription", "FeeList": [{"FeeType": "Subscription",
                                                           "FeeAmount": money("-39.99")}]}]}


def test_every_amount_component_becomes_a_row_with_its_context() -> None:
    rows = flatten_events(events())
    shipment = {r.amount_type: r for r in rows if r.event_type == "ShipmentEvent"}
    assert {k: (r.component_kind, r.amount) for k, r in shipment.items()} == {
        "Principal": ("charge", Decimal("20.00")), "Tax": ("charge", Decimal("1.60")),
        "Commission": ("fee", Decimal("-3.00")),
        "MarketplaceFacilitatorTax-Principal": ("withheld_tax", Decimal("-1.60")),
        "PromotionMetaDataDefinitionValue": ("promotion", Decimal("-2.00")),
    }
    fee = shipment["Commission"]
    assert (fee.amazon_order_id, fee.seller_order_id, fee.sku, fee.order_item_id, fee.quantity, fee.currency) == (
        "111-1234567-1234567", "S1", "SKU-1", "OI1", 2, "USD")
    assert fee.posted_date == datetime(2026, 10, 1, 10, tzinfo=UTC)
    assert fee.component_path == "ShipmentItemList[0].ItemFeeList[0].FeeAmount"
    assert shipment["PromotionMetaDataDefinitionValue"].promotion_id == "P1"


def test_restating_amounts_are_kept_but_do_not_count_toward_net() -> None:
    rows = flatten_events(events())
    net = {}
    for row in rows:
        if row.counts_toward_net:
            net[row.event_type] = net.get(row.event_type, Decimal(0)) + row.amount
    assert net == {"ShipmentEvent": Decimal("15.00"), "AdjustmentEvent": Decimal("5.00"),
                   "ProductAdsPaymentEvent": Decimal("-12.00"), "ServiceFeeEvent": Decimal("-39.99")}
    per_unit = [r for r in rows if r.amount_type == "PerUnitAmount"]
    assert len(per_unit) == 1 and per_unit[0].sku == "SKU-2" and per_unit[0].quantity == 2
    assert len(rows) == 5 + 3 + 3 + 1


def test_unknown_event_lists_are_flattened_not_dropped() -> None:
    rows = flatten_events({"BrandNewThingEventList": [{"PostedDate": "2026-10-05T00:00:00Z",
                                                       "OrderId": "X-1", "Amount": money("3.21", "EUR")}]})
    assert [(r.event_type, r.amount_type, r.amount, r.currency, r.amazon_order_id, r.counts_toward_net)
            for r in rows] == [("BrandNewThingEvent", "Amount", Decimal("3.21"), "EUR", "X-1", True)]


def test_row_keys_are_stable_unique_and_independent_of_event_order() -> None:
    twice = {"ServiceFeeEventList": [events()["ServiceFeeEventList"][0]] * 2, "ShipmentEventList": [SHIPMENT]}
    first = flatten_events(twice)
    keys = [r.row_key for r in first]
    assert len(set(keys)) == len(keys)  # identical events are told apart by occurrence
    again = flatten_events(json.loads(json.dumps(twice, default=str), parse_float=Decimal))
    assert sorted(keys) == sorted(r.row_key for r in again)
    late = {"ShipmentEventList": [dict(SHIPMENT, AmazonOrderId="999-0000000-0000000"), SHIPMENT]}
    assert {r.row_key for r in flatten_events({"ShipmentEventList": [SHIPMENT]})} <= {
        r.row_key for r in flatten_events(late)}


def test_floats_never_become_amounts() -> None:
    with pytest.raises(FatalError, match="parse_float=Decimal"):
        to_decimal(10.34, "x")
    parsed = loads(b'{"CurrencyAmount": 10.34, "n": 7}')
    assert parsed["CurrencyAmount"] == Decimal("10.34")
    assert to_decimal(parsed["n"], "x") == Decimal(7)


def test_pages_merge_list_by_list() -> None:
    pages = [{"payload": {"FinancialEvents": {"ShipmentEventList": [1], "RefundEventList": []}}},
             {"payload": {"FinancialEvents": {"ShipmentEventList": [2], "RefundEventList": [3]}}},
             {"payload": {}}]
    assert merge_pages(pages) == {"ShipmentEventList": [1, 2], "RefundEventList": [3]}


def test_group_listing_stays_under_180_days_and_2_minutes_before_now() -> None:
    fake = FakeSpApi()
    fake.route("GET", "/finances/v0/financialEventGroups", lambda r: json_response(200, {"payload": {
        "FinancialEventGroupList": []}}))
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with make_client(fake) as client:
        assert list(client.finances.list_event_groups(now - timedelta(days=400), now=now)) == []
    spans = []
    for request in fake.api_requests():
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        after = datetime.fromisoformat(query["FinancialEventGroupStartedAfter"].replace("Z", "+00:00"))
        before = datetime.fromisoformat(query["FinancialEventGroupStartedBefore"].replace("Z", "+00:00"))
        spans.append((after, before))
        assert before - after < timedelta(days=180)
        assert before <= now - timedelta(minutes=2)
    assert spans[0][0] == now - timedelta(days=400)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert len(spans) == 3


def test_group_events_walk_every_page() -> None:
    fake = FakeSpApi()
    pages = iter([
        {"payload": {"NextToken": "a", "FinancialEvents": {"ShipmentEventList": [SHIPMENT]}}},
        {"payload": {"NextToken": "b", "FinancialEvents": {}}},
        {"payload": {"FinancialEvents": {"AdjustmentEventList": [ADJUSTMENT]}}},
    ])
    fake.route("GET", "/finances/v0/financialEventGroups/G1/financialEvents",
               lambda r: httpx.Response(200, content=json.dumps(next(pages), default=str).encode()))
    with make_client(fake) as client:
        merged = merge_pages(client.finances.group_event_pages("G1"))
    assert set(merged) == {"ShipmentEventList", "AdjustmentEventList"}
    assert [r.url.params.get("NextToken") for r in fake.api_requests()] == [None, "a", "b"]
