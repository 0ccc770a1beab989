"""Finances API v0 events and event groups, built from a posting's settlement lines.

Because an event is built from exactly the lines its settlement file shows, Σ CurrencyAmount of the
events in a closed group == the group's OriginalTotal == the file's total-amount. Amounts are Decimal
(serialised as JSON numbers by `jsonio`). Mapping:
- Order lines → ShipmentEventList: ItemPrice → ItemChargeList (Principal, Tax, ShippingCharge,
  ShippingTax), ItemFees → ItemFeeList, Promotion → PromotionList, ItemWithheldTax →
  ItemTaxWithheldList (TaxCollectionModel MarketplaceFacilitator);
- Refund lines → RefundEventList with ShipmentItemAdjustmentList and the *AdjustmentList fields;
- fees → ServiceFeeEventList (FeeList[FeeType]); reimbursements, reserves (ReserveEvent) and shipping
  labels (PostageBilling) → AdjustmentEventList.
Groups: a closed group's OriginalTotal and ConvertedTotal are its settlement's total-amount (one closed
group omits OriginalTotal); an open group's OriginalTotal is the balance of its events visible so far.
BeginningBalance is the reserve carried in from the previous settlement; it is also the group's
"Previous Reserve Amount Balance" ReserveEvent, so Σ events == OriginalTotal without adding it again.
FundTransferStatus is Processing until the deposit date, then Succeeded (with a TraceId).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.amazon.model import ZERO, EventGroup, Line, Posting
from sellerledger.sandbox.amazon.timefmt import iso_ms

_CHARGE_TYPES = {"Principal": "Principal", "Tax": "Tax", "Shipping": "ShippingCharge", "ShippingTax": "ShippingTax"}
EVENT_LISTS = ("ShipmentEventList", "RefundEventList", "ServiceFeeEventList", "AdjustmentEventList")


def currency(code: str, amount: Decimal) -> dict[str, Any]:
    return {"CurrencyCode": code, "CurrencyAmount": amount}


def event_of(posting: Posting) -> tuple[str, dict[str, Any]]:
    """(FinancialEvents list name, event JSON) of one posting."""
    code = posting.marketplace.currency
    lines = posting.lines()
    if posting.kind in ("Order", "Refund"):
        order = posting.order
        assert order is not None
        refund = posting.kind == "Refund"
        items = []
        by_item: dict[str, list[Line]] = {}
        for line in lines:
            by_item.setdefault(line.order_item_code, []).append(line)
        for item_code, item_lines in by_item.items():
            first = item_lines[0]
            charges, fees, promotions, withheld = [], [], [], []
            for line in item_lines:
                amount = currency(code, line.amount)
                if line.amount_type == "ItemPrice":
                    charges.append({"ChargeType": _CHARGE_TYPES[line.amount_description], "ChargeAmount": amount})
                elif line.amount_type == "ItemFees":
                    fees.append({"FeeType": line.amount_description, "FeeAmount": amount})
                elif line.amount_type == "Promotion":
                    promotions.append({"PromotionType": "PromotionMetaDataDefinitionValue",
                                       "PromotionId": line.promotion_id, "PromotionAmount": amount})
                elif line.amount_type == "ItemWithheldTax":
                    withheld.append({"ChargeType": line.amount_description, "ChargeAmount": amount})
            item: dict[str, Any] = {"SellerSKU": first.sku, "OrderItemId": item_code}
            if refund:
                item["OrderAdjustmentItemId"] = first.merchant_adjustment_item_id
            item["QuantityShipped"] = first.quantity
            suffix = "AdjustmentList" if refund else "List"
            item[f"ItemCharge{suffix}"] = charges
            item[f"ItemFee{suffix}"] = fees
            if withheld:
                item["ItemTaxWithheldList"] = [{"TaxCollectionModel": "MarketplaceFacilitator",
                                                "TaxesWithheld": withheld}]
            if promotions:
                item[f"Promotion{suffix}"] = promotions
            items.append(item)
        event = {"AmazonOrderId": order.amazon_order_id, "SellerOrderId": order.seller_order_id,
                 "MarketplaceName": order.marketplace.domain, "PostedDate": iso_ms(posting.posted_at),
                 ("ShipmentItemAdjustmentList" if refund else "ShipmentItemList"): items}
        return ("RefundEventList" if refund else "ShipmentEventList"), event
    charge = posting.charge
    assert charge is not None
    if charge.event_list == "ServiceFeeEventList":
        event = {"FeeReason": charge.description, "FeeList": [{"FeeType": charge.event_type,
                                                               "FeeAmount": currency(code, charge.amount)}],
                 "FeeDescription": charge.description}
        if charge.sku:
            event["SellerSKU"] = charge.sku
        return "ServiceFeeEventList", event
    event = {"AdjustmentType": charge.event_type, "PostedDate": iso_ms(posting.posted_at),
             "AdjustmentAmount": currency(code, charge.amount)}
    if charge.sku:
        quantity = charge.quantity or 1
        event["AdjustmentItemList"] = [{
            "Quantity": str(quantity), "PerUnitAmount": currency(code, charge.amount / quantity),
            "TotalAmount": currency(code, charge.amount), "SellerSKU": charge.sku, "FnSKU": charge.fnsku,
            "ProductDescription": charge.title, "ASIN": charge.asin, "TransactionNumber": charge.adjustment_id,
        }]
    elif charge.order_id:
        event["AdjustmentItemList"] = [{"Quantity": "1", "TotalAmount": currency(code, charge.amount),
                                        "TransactionNumber": charge.order_id}]
    return "AdjustmentEventList", event


def financial_events(postings: list[Posting]) -> dict[str, list[dict[str, Any]]]:
    """The `FinancialEvents` object of a page of postings (every list present, possibly empty)."""
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name in EVENT_LISTS}
    for posting in postings:
        name, event = event_of(posting)
        lists[name].append(event)
    return lists


def group_json(group: EventGroup, now: datetime) -> dict[str, Any]:
    """A FinancialEventGroup as seen at `now` (an open group's total is its visible balance)."""
    code = group.currency
    data: dict[str, Any] = {"FinancialEventGroupId": group.group_id}
    if group.settlement is not None:
        settlement = group.settlement
        transferred = settlement.deposit_date <= now
        data["ProcessingStatus"] = "Closed"
        data["FundTransferStatus"] = "Succeeded" if transferred else "Processing"
        if not group.omit_original_total:
            data["OriginalTotal"] = currency(code, settlement.total_amount)
        data["ConvertedTotal"] = currency(code, settlement.total_amount)
        data["FundTransferDate"] = iso_ms(settlement.deposit_date)
        if transferred:
            data["TraceId"] = group.trace_id
    else:
        balance = sum((p.total() for p in group.postings if p.visible_at <= now), ZERO)
        data["ProcessingStatus"] = "Open"
        data["FundTransferStatus"] = "Unknown"
        data["OriginalTotal"] = currency(code, balance)
    data["AccountTail"] = group.account_tail
    data["BeginningBalance"] = currency(code, group.beginning_balance)
    data["FinancialEventGroupStart"] = iso_ms(group.start)
    if group.end is not None:
        data["FinancialEventGroupEnd"] = iso_ms(group.end)
    return data
