"""Finances v0: financial event groups, their events, and the flattening of every event into amount rows.

`FinancesApi.list_event_groups` walks groups started in a period (in windows under the 180-day limit,
ending more than 2 minutes ago). `FinancesApi.group_events` collects all pages of one group's events.

`flatten_events` turns the ~35 event lists into one row per amount component: charges, fees, promotions,
taxes withheld, direct payments, and the plain amounts of the simpler events (AdjustmentAmount,
TransactionAmount, ...). Each row keeps the event type, order id, SKU, posted date, currency and a
`Decimal` amount, and a `counts_toward_net` flag: False for amounts that only restate others (a per-unit
price, an item breakdown next to the event total, a base value next to its total), so the sum of the
counted rows is what the events move in the seller's balance. Unknown event lists are flattened the same
way, so a new list Amazon adds is staged rather than lost.

Row keys are content-derived (event type, hash of the event, occurrence, component path): v0 events
carry no id, and a re-collection of a group must find the same keys for the same events.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sellerledger.amazon.errors import FatalError
from sellerledger.amazon.http import SpApiHttp, parse_time
from sellerledger.amazon.paging import PAYLOAD_NEXT_TOKEN

BASE = "/finances/v0"
MAX_SPAN = timedelta(days=179)
BEFORE_MARGIN = timedelta(minutes=3)

# (event type, field path without list indices) of amounts that restate other amounts of the same event
RESTATEMENTS = frozenset({
    ("AdjustmentEvent", "AdjustmentItemList.PerUnitAmount"),
    ("AdjustmentEvent", "AdjustmentItemList.TotalAmount"),
    ("DebtRecoveryEvent", "DebtRecoveryItemList.RecoveryAmount"),
    ("DebtRecoveryEvent", "DebtRecoveryItemList.OriginalAmount"),
    ("DebtRecoveryEvent", "ChargeInstrumentList.Amount"),
    ("ProductAdsPaymentEvent", "baseValue"),
    ("ProductAdsPaymentEvent", "taxValue"),
    ("SellerDealPaymentEvent", "feeAmount"),
    ("SellerDealPaymentEvent", "taxAmount"),
    ("SellerReviewEnrollmentPaymentEvent", "FeeComponent.FeeAmount"),
    ("SellerReviewEnrollmentPaymentEvent", "ChargeComponent.ChargeAmount"),
    ("CouponPaymentEvent", "FeeComponent.FeeAmount"),
    ("CouponPaymentEvent", "ChargeComponent.ChargeAmount"),
    ("AffordabilityExpenseEvent", "BaseExpense"),
    ("AffordabilityExpenseEvent", "TaxTypeCGST"),
    ("AffordabilityExpenseEvent", "TaxTypeSGST"),
    ("AffordabilityExpenseEvent", "TaxTypeIGST"),
    ("AffordabilityExpenseReversalEvent", "BaseExpense"),
    ("AffordabilityExpenseReversalEvent", "TaxTypeCGST"),
    ("AffordabilityExpenseReversalEvent", "TaxTypeSGST"),
    ("AffordabilityExpenseReversalEvent", "TaxTypeIGST"),
    ("RentalTransactionEvent", "RentalInitialValue"),
    ("TaxWithholdingEvent", "BaseAmount"),
    ("SAFETReimbursementEvent", "SAFETReimbursementItemList.itemChargeList.ChargeAmount"),
})
_COMPONENTS = (  # (type key, amount key, kind)
    ("ChargeType", "ChargeAmount", "charge"),
    ("FeeType", "FeeAmount", "fee"),
    ("PromotionType", "PromotionAmount", "promotion"),
    ("DirectPaymentType", "DirectPaymentAmount", "direct_payment"),
)
_DESCRIPTION_KEYS = ("AdjustmentType", "TransactionType", "transactionType", "EventType", "eventType",
                     "RetrochargeEventType", "RentalEventType", "DebtRecoveryType", "SourceBusinessEventType",
                     "ProviderTransactionType", "FeeReason", "ReasonCode", "feeType", "dealDescription",
                     "SellerCouponDescription", "SwapReason", "ChargeType")
_SKU_KEYS = ("SellerSKU", "sellerSku", "FulfillmentNetworkSKU", "FnSKU", "ParentASIN", "ASIN")
_QUANTITY_KEYS = ("QuantityShipped", "Quantity", "AdjustedQuantity", "quantity")


@dataclass(frozen=True)
class EventGroup:
    group_id: str
    processing_status: str | None
    fund_transfer_status: str | None
    fund_transfer_date: datetime | None
    original_total: Decimal | None
    original_currency: str | None
    converted_total: Decimal | None
    converted_currency: str | None
    beginning_balance: Decimal | None
    beginning_balance_currency: str | None
    trace_id: str | None
    account_tail: str | None
    group_start: datetime | None
    group_end: datetime | None
    raw: dict[str, Any]

    @property
    def closed(self) -> bool:
        return (self.processing_status or "").lower() == "closed"


@dataclass(frozen=True)
class EventRow:
    row_key: str
    event_type: str
    event_seq: int
    component_path: str
    component_kind: str
    amount_type: str
    amount: Decimal
    currency: str
    counts_toward_net: bool
    amazon_order_id: str | None
    seller_order_id: str | None
    marketplace: str | None
    posted_date: datetime | None
    sku: str | None
    order_item_id: str | None
    order_adjustment_item_id: str | None
    quantity: int | None
    promotion_id: str | None
    description: str | None


def to_decimal(value: Any, where: str) -> Decimal:
    """An amount as Decimal; a float (the JSON was parsed without `parse_float=Decimal`) is refused."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise FatalError(f"{where}: amount {value!r} is not a Decimal; parse JSON with parse_float=Decimal")
    if isinstance(value, (int, str)):
        return Decimal(str(value).strip())
    raise FatalError(f"{where}: amount {value!r} is not a number")


def _money(node: Any, where: str) -> tuple[Decimal | None, str | None]:
    if not isinstance(node, dict):
        return None, None
    amount = node.get("CurrencyAmount", node.get("currencyAmount"))
    currency = node.get("CurrencyCode", node.get("currencyCode"))
    if amount is None:
        return None, currency
    return to_decimal(amount, where), currency


def _is_money(node: Any) -> bool:
    return isinstance(node, dict) and ("CurrencyAmount" in node or "currencyAmount" in node)


def group_from_json(group: dict[str, Any]) -> EventGroup:
    gid = str(group["FinancialEventGroupId"])
    original, original_ccy = _money(group.get("OriginalTotal"), f"group {gid} OriginalTotal")
    converted, converted_ccy = _money(group.get("ConvertedTotal"), f"group {gid} ConvertedTotal")
    beginning, beginning_ccy = _money(group.get("BeginningBalance"), f"group {gid} BeginningBalance")
    return EventGroup(
        group_id=gid,
        processing_status=group.get("ProcessingStatus"),
        fund_transfer_status=group.get("FundTransferStatus"),
        fund_transfer_date=parse_time(group.get("FundTransferDate")),
        original_total=original, original_currency=original_ccy,
        converted_total=converted, converted_currency=converted_ccy,
        beginning_balance=beginning, beginning_balance_currency=beginning_ccy,
        trace_id=group.get("TraceId"), account_tail=group.get("AccountTail"),
        group_start=parse_time(group.get("FinancialEventGroupStart")),
        group_end=parse_time(group.get("FinancialEventGroupEnd")),
        raw=group,
    )


def _first(node: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = node.get(key)
        if value not in (None, ""):
            return value
    return None


def _digest(event: Any) -> str:
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def flatten_events(events: dict[str, Any]) -> list[EventRow]:
    """One row per amount in a `FinancialEvents` object (all pages of one group merged)."""
    rows: list[EventRow] = []
    occurrences: Counter[tuple[str, str]] = Counter()
    for list_name in sorted(events):
        items = events[list_name]
        if not list_name.endswith("List") or not isinstance(items, list):
            continue
        event_type = list_name[: -len("List")]
        for seq, event in enumerate(items):
            if not isinstance(event, dict):
                continue
            digest = _digest(event)
            occurrences[(event_type, digest)] += 1
            prefix = f"{event_type}:{digest}:{occurrences[(event_type, digest)]}"
            order_id = _first(event, ("AmazonOrderId", "OrderId", "amazonOrderId", "OriginalRemovalOrderId",
                                      "TDSOrderId"))
            context = {
                "event_type": event_type,
                "seq": seq,
                "prefix": prefix,
                "amazon_order_id": order_id,
                "seller_order_id": event.get("SellerOrderId"),
                "marketplace": _first(event, ("MarketplaceName", "MarketplaceId", "StoreName", "marketplaceName")),
                "posted_date": parse_time(_first(event, ("PostedDate", "postedDate"))),
                "description": _first(event, _DESCRIPTION_KEYS),
                "sku": _first(event, _SKU_KEYS),
                "order_item_id": None,
                "order_adjustment_item_id": None,
                "quantity": _first(event, _QUANTITY_KEYS),
                "promotion_id": None,
                "withheld": False,
            }
            _walk(event, "", "", context, rows)
    return rows


def _walk(node: Any, path: str, field_path: str, ctx: dict[str, Any], rows: list[EventRow]) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            _walk(item, f"{path}[{index}]", field_path, ctx, rows)
        return
    if not isinstance(node, dict):
        return
    if path:  # an item inside the event: its identifiers apply to the amounts below it
        ctx = dict(ctx)
        ctx["sku"] = _first(node, _SKU_KEYS) or ctx["sku"]
        ctx["order_item_id"] = node.get("OrderItemId") or ctx["order_item_id"]
        ctx["order_adjustment_item_id"] = node.get("OrderAdjustmentItemId") or ctx["order_adjustment_item_id"]
        quantity = _first(node, _QUANTITY_KEYS)
        ctx["quantity"] = quantity if quantity is not None else ctx["quantity"]
    for type_key, amount_key, kind in _COMPONENTS:
        if type_key in node and amount_key in node:
            component_kind = "withheld_tax" if kind == "charge" and ctx["withheld"] else kind
            promo = node.get("PromotionId") if kind == "promotion" else None
            _emit(node[amount_key], f"{path}.{amount_key}".lstrip("."), _join(field_path, amount_key),
                  component_kind, str(node[type_key]), dict(ctx, promotion_id=promo), rows)
            return
    for key, value in node.items():
        if _is_money(value):
            _emit(value, f"{path}.{key}".lstrip("."), _join(field_path, key), "amount", key, ctx, rows)
        elif isinstance(value, (dict, list)):
            child = dict(ctx, withheld=ctx["withheld"] or key in ("TaxesWithheld",))
            _walk(value, f"{path}.{key}".lstrip("."), _join(field_path, key), child, rows)


def _join(field_path: str, key: str) -> str:
    return f"{field_path}.{key}" if field_path else key


def _emit(money: Any, path: str, field_path: str, kind: str, amount_type: str, ctx: dict[str, Any],
          rows: list[EventRow]) -> None:
    where = f"{ctx['event_type']} #{ctx['seq']} {path}"
    amount, currency = _money(money, where)
    if amount is None:
        return
    if not currency:
        raise FatalError(f"{where}: amount {amount} without a currency")
    quantity = ctx["quantity"]
    rows.append(EventRow(
        row_key=f"{ctx['prefix']}:{path}",
        event_type=ctx["event_type"],
        event_seq=ctx["seq"],
        component_path=path,
        component_kind=kind,
        amount_type=amount_type,
        amount=amount,
        currency=str(currency),
        counts_toward_net=(ctx["event_type"], field_path) not in RESTATEMENTS,
        amazon_order_id=ctx["amazon_order_id"],
        seller_order_id=ctx["seller_order_id"],
        marketplace=ctx["marketplace"],
        posted_date=ctx["posted_date"],
        sku=ctx["sku"],
        order_item_id=ctx["order_item_id"],
        order_adjustment_item_id=ctx["order_adjustment_item_id"],
        quantity=int(quantity) if quantity not in (None, "") else None,
        promotion_id=ctx["promotion_id"],
        description=ctx["description"],
    ))


def merge_pages(pages: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The `FinancialEvents` of several pages as one object (lists concatenated in page order)."""
    merged: dict[str, list[Any]] = {}
    for page in pages:
        events = (page.get("payload") or {}).get("FinancialEvents") or {}
        for name, items in events.items():
            if isinstance(items, list):
                merged.setdefault(name, []).extend(items)
    return merged


class FinancesApi:
    """Finances v0 operations of one client."""

    def __init__(self, http: SpApiHttp) -> None:
        self.http = http

    def list_event_groups(
        self, started_after: datetime, started_before: datetime | None = None, *, now: datetime | None = None
    ) -> Iterator[EventGroup]:
        """Groups started in [started_after, started_before), in windows of less than 180 days."""
        now = now or datetime.now(UTC)
        end = min(started_before or now, now - BEFORE_MARGIN)
        lo = started_after
        while lo < end:
            hi = min(end, lo + MAX_SPAN)
            params = {"FinancialEventGroupStartedAfter": lo, "FinancialEventGroupStartedBefore": hi,
                      "MaxResultsPerPage": 100}

            def fetch(call: dict[str, Any]) -> Any:
                return self.http.request("listFinancialEventGroups", "GET", f"{BASE}/financialEventGroups",
                                         params=call)

            for page in PAYLOAD_NEXT_TOKEN.pages(fetch, params):
                for group in (page.get("payload") or {}).get("FinancialEventGroupList") or []:
                    yield group_from_json(group)
            lo = hi

    def group_event_pages(self, group_id: str) -> list[dict[str, Any]]:
        """Every page of listFinancialEventsByGroupId for one group (pages may be empty)."""

        def fetch(call: dict[str, Any]) -> Any:
            return self.http.request("listFinancialEventsByGroupId", "GET",
                                     f"{BASE}/financialEventGroups/{group_id}/financialEvents", params=call)

        return list(PAYLOAD_NEXT_TOKEN.pages(fetch, {"MaxResultsPerPage": 100}))
