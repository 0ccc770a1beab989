"""Orders: headers and lines from one order report per window; searchOrders (v2026-01-01; v0 getOrders
behind a switch) only when asked for.

Windows run on last-update time, start `lag` earlier than asked (late updates), never reach back past the
two years the API serves, and end at least 2 minutes (here 3) before now, as the API requires.

One `GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL` report per window (createReport → getReport …
→ getReportDocument → download) answers both: its rows are the order lines, and the order-level cells of
an order's rows (order id, dates, status, channels, currency, business flag) plus the sum of its amounts
give the header (`headers_from_report`). A handful of calls whatever the number of orders, instead of a
searchOrders page per 100 orders at 0.0056 req/s (50,000 orders: ~24 hours of rate limit) and one
0.5 req/s getOrderItems call per order.

When searchOrders is still called: never by default. The report covers its whole window (it is
processed after the window ends, as the orders stood then); an order whose update reaches the report
late, or lands between the window's end and the report's processing, is in the next run's window,
which starts `lag` (2 h) before the watermark. `search` stays for a caller that asks for API headers
(`extract_orders(headers_from="api")`), e.g. to compare them with the report's.

Headers from the report mean what the API's meant: status in the v0 vocabulary, order_total what the
buyer paid (item + shipping + gift wrap − promotions, plus tax where it is charged on top: US, CA), and
NULL with its currency for Pending and cancelled orders as the API gives none. One difference: a
cancelled order counts 0 items (the report zeroes its quantities; v0 does the same, v2026 counts the
ordered ones).

Buyer PII is never kept: names, e-mails, addresses and tax ids are removed from the raw order before
it leaves this module, and the report's ship-to and purchase-order-number columns are not read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sellerledger.amazon.errors import FatalError
from sellerledger.amazon.http import SpApiHttp, parse_time
from sellerledger.amazon.paging import ORDERS_2026_TOKEN, PAYLOAD_NEXT_TOKEN
from sellerledger.amazon.regions import BY_COUNTRY
from sellerledger.amazon.reports import ORDER_REPORT_TYPE, ReportsApi
from sellerledger.amazon.settlement.values import marketplace_code

HISTORY = timedelta(days=730)
BEFORE_MARGIN = timedelta(minutes=3)
DEFAULT_LAG = timedelta(hours=2)
MAX_WINDOW = timedelta(days=30)
VERSIONS = ("2026-01-01", "v0")
INCLUDED_DATA = ("PROCEEDS", "FULFILLMENT")  # totals and status; never BUYER or RECIPIENT (PII)

PII_KEYS = frozenset({
    "BuyerInfo", "BuyerEmail", "BuyerName", "BuyerCounty", "BuyerTaxInfo", "ShippingAddress",
    "DefaultShipFromLocationAddress", "MarketplaceTaxInfo", "buyer", "recipient", "deliveryAddress",
    "buyerName", "buyerEmail", "buyerCompanyName", "shippingAddress", "BuyerCompanyName",
})
_STATUS_2026 = {
    "PENDING_AVAILABILITY": "PendingAvailability", "PENDING": "Pending", "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped", "SHIPPED": "Shipped", "CANCELLED": "Canceled",
    "UNFULFILLABLE": "Unfulfillable",
}
REPORT_SOURCE = "report"  # api_version of a header read from the order report
TAX_ON_TOP = frozenset({"US", "CA"})  # item-tax is charged on top of item-price; elsewhere it is VAT inside it
# order-level cells of the report kept as a header's raw (no ship-* address cells, no purchase-order-number)
REPORT_HEADER_CELLS = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level", "currency",
    "is-business-order", "price-designation", "is-iba",
)
_REPORT_STATUS = {"Pending": "Pending", "Unshipped": "Unshipped", "PartiallyShipped": "PartiallyShipped",
                  "Shipped": "Shipped", "Cancelled": "Canceled", "Canceled": "Canceled", "Complete": "Shipped"}
_CHANNEL = {"AMAZON": "AFN", "MERCHANT": "MFN", "Amazon": "AFN", "Merchant": "MFN", "AFN": "AFN", "MFN": "MFN"}


@dataclass(frozen=True)
class Window:
    """A half-open last-update window [start, end)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class OrderHeader:
    amazon_order_id: str
    marketplace_id: str | None
    sales_channel: str | None
    order_status: str
    fulfillment_channel: str | None
    purchase_date: datetime
    last_update_date: datetime
    order_total: Decimal | None
    currency: str | None
    is_business_order: bool | None
    number_of_items: int | None
    api_version: str
    raw: dict[str, Any]


@dataclass(frozen=True)
class OrderLine:
    amazon_order_id: str
    sku: str
    sku_seq: int
    asin: str | None
    product_name: str | None
    item_status: str | None
    quantity: int
    currency: str | None
    item_price: Decimal | None
    item_tax: Decimal | None
    shipping_price: Decimal | None
    shipping_tax: Decimal | None
    gift_wrap_price: Decimal | None
    gift_wrap_tax: Decimal | None
    item_promotion_discount: Decimal | None
    ship_promotion_discount: Decimal | None
    promotion_ids: str | None
    order_status: str | None
    fulfillment_channel: str | None
    sales_channel: str | None
    purchase_date: datetime | None
    last_update_date: datetime | None
    is_business_order: bool | None


@dataclass(frozen=True)
class OrderReport:
    report_id: str
    status: str
    lines: list[OrderLine]
    headers: list[OrderHeader] = field(default_factory=list)


def order_windows(
    start: datetime, end: datetime, *, now: datetime | None = None, lag: timedelta = DEFAULT_LAG,
    max_window: timedelta = MAX_WINDOW,
) -> list[Window]:
    """Windows covering [start - lag, end), clamped to the API's history and its 2-minute rule."""
    now = now or datetime.now(UTC)
    lo = max(start - lag, now - HISTORY + timedelta(hours=1))
    hi = min(end, now - BEFORE_MARGIN)
    windows = []
    while lo < hi:
        upper = min(hi, lo + max_window)
        windows.append(Window(lo, upper))
        lo = upper
    return windows


def strip_pii(value: Any) -> Any:
    """A copy of `value` without any buyer or recipient field, at any depth."""
    if isinstance(value, dict):
        return {k: strip_pii(v) for k, v in value.items() if k not in PII_KEYS}
    if isinstance(value, list):
        return [strip_pii(item) for item in value]
    return value


def _money(node: Any, amount_key: str, currency_key: str) -> tuple[Decimal | None, str | None]:
    if not isinstance(node, dict) or node.get(amount_key) in (None, ""):
        return None, None
    return Decimal(str(node[amount_key])), node.get(currency_key)


def _required_time(value: Any, field: str, order_id: str) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise FatalError(f"order {order_id}: missing {field}")
    return parsed


def header_from_v0(order: dict[str, Any]) -> OrderHeader:
    order_id = str(order["AmazonOrderId"])
    total, currency = _money(order.get("OrderTotal"), "Amount", "CurrencyCode")
    shipped, unshipped = order.get("NumberOfItemsShipped"), order.get("NumberOfItemsUnshipped")
    items = int(shipped or 0) + int(unshipped or 0) if shipped is not None or unshipped is not None else None
    return OrderHeader(
        amazon_order_id=order_id,
        marketplace_id=order.get("MarketplaceId"),
        sales_channel=order.get("SalesChannel"),
        order_status=str(order.get("OrderStatus")),
        fulfillment_channel=_CHANNEL.get(order.get("FulfillmentChannel") or "", order.get("FulfillmentChannel")),
        purchase_date=_required_time(order.get("PurchaseDate"), "PurchaseDate", order_id),
        last_update_date=_required_time(order.get("LastUpdateDate"), "LastUpdateDate", order_id),
        order_total=total,
        currency=currency,
        is_business_order=order.get("IsBusinessOrder"),
        number_of_items=items,
        api_version="v0",
        raw=strip_pii(order),
    )


def header_from_2026(order: dict[str, Any]) -> OrderHeader:
    order_id = str(order["orderId"])
    channel = order.get("salesChannel") or {}
    fulfillment = order.get("fulfillment") or {}
    total, currency = _money((order.get("proceeds") or {}).get("grandTotal"), "amount", "currencyCode")
    items = order.get("orderItems")
    status = str(fulfillment.get("fulfillmentStatus") or "")
    return OrderHeader(
        amazon_order_id=order_id,
        marketplace_id=channel.get("marketplaceId"),
        sales_channel=channel.get("marketplaceName") or channel.get("channelName"),
        order_status=_STATUS_2026.get(status, status),
        fulfillment_channel=_CHANNEL.get(fulfillment.get("fulfilledBy") or "", fulfillment.get("fulfilledBy")),
        purchase_date=_required_time(order.get("createdTime"), "createdTime", order_id),
        last_update_date=_required_time(order.get("lastUpdatedTime"), "lastUpdatedTime", order_id),
        order_total=total,
        currency=currency,
        is_business_order="AMAZON_BUSINESS" in (order.get("programs") or []),
        number_of_items=sum(int(i.get("quantityOrdered") or 0) for i in items) if isinstance(items, list) else None,
        api_version="2026-01-01",
        raw=strip_pii(order),
    )


class OrdersApi:
    """Order headers and the order-lines report for one client."""

    def __init__(self, http: SpApiHttp, reports: ReportsApi, *, version: str = "2026-01-01") -> None:
        if version not in VERSIONS:
            raise ValueError(f"orders API version {version!r}: expected one of {VERSIONS}")
        self.http = http
        self.reports = reports
        self.version = version

    def search(
        self, marketplace_ids: Sequence[str], updated_after: datetime, updated_before: datetime
    ) -> Iterator[list[OrderHeader]]:
        """Pages of orders last updated in [updated_after, updated_before)."""
        if self.version == "v0":
            params = {"MarketplaceIds": list(marketplace_ids), "LastUpdatedAfter": updated_after,
                      "LastUpdatedBefore": updated_before, "MaxResultsPerPage": 100}

            def fetch_v0(call: dict[str, Any]) -> Any:
                return self.http.request("getOrders", "GET", "/orders/v0/orders", params=call)

            for page in PAYLOAD_NEXT_TOKEN.pages(fetch_v0, params):
                yield [header_from_v0(o) for o in (page.get("payload") or {}).get("Orders") or []]
            return
        params = {"marketplaceIds": list(marketplace_ids), "lastUpdatedAfter": updated_after,
                  "lastUpdatedBefore": updated_before, "maxResultsPerPage": 100,
                  "includedData": list(INCLUDED_DATA)}

        def fetch(call: dict[str, Any]) -> Any:
            return self.http.request("searchOrders", "GET", "/orders/2026-01-01/orders", params=call)

        for page in ORDERS_2026_TOKEN.pages(fetch, params):
            yield [header_from_2026(o) for o in page.get("orders") or []]

    def order_report(
        self, marketplace_ids: Sequence[str], start: datetime, end: datetime, *, attempts: int = 2
    ) -> OrderReport:
        """Request the all-orders-by-last-update report for the window, wait for it, and read its lines and
        the headers of its orders."""
        for _ in range(attempts):
            report_id = self.reports.create_report(ORDER_REPORT_TYPE, marketplace_ids, start, end)
            report = self.reports.wait_for_report(report_id)
            status = str(report.get("processingStatus"))
            if status == "CANCELLED":  # Amazon cancels a report that has no data
                return OrderReport(report_id, status, [])
            if status == "DONE":
                doc_id = report.get("reportDocumentId")
                if not doc_id:
                    return OrderReport(report_id, status, [])
                document = self.reports.download(str(doc_id))
                lines, headers = read_order_report(document.text(), source=report_id,
                                                   marketplace_ids=marketplace_ids)
                return OrderReport(report_id, status, lines, headers)
        raise FatalError(f"order report for {start:%Y-%m-%d}..{end:%Y-%m-%d} ended FATAL {attempts} times",
                         operation="createReport")


def _amount(value: str | None, where: str) -> Decimal | None:
    text = (value or "").strip()
    if not text:
        return None
    if "," in text:  # "1,234.56" or the EU forms "12,34" and "1.234,56"
        if "." in text and text.rfind(",") < text.rfind("."):
            text = text.replace(",", "")
        else:
            text = text.replace(".", "").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise FatalError(f"{where}: {value!r} is not an amount") from None


def _bool(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    return None if not text else text in ("true", "yes", "1")


def parse_order_report(text: str, *, source: str = "order report") -> list[OrderLine]:
    """Lines of an order flat file (tab-separated, read by header name; ship-to columns ignored)."""
    return read_order_report(text, source=source)[0]


def read_order_report(
    text: str, *, source: str = "order report", marketplace_ids: Sequence[str] = ()
) -> tuple[list[OrderLine], list[OrderHeader]]:
    """Lines and order headers of an order flat file (tab-separated, read by header name).

    `marketplace_ids`: the report's marketplaces; names the marketplace of an order whose sales-channel
    is not an Amazon store domain when the report has only one."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter="\t", quoting=csv.QUOTE_NONE)
    if reader.fieldnames is None:
        return [], []
    missing = {"amazon-order-id", "sku", "quantity"} - {name.strip() for name in reader.fieldnames}
    if missing:
        raise FatalError(f"{source}: header lacks {sorted(missing)} (has {reader.fieldnames})")
    seq: dict[tuple[str, str], int] = {}
    lines: list[OrderLine] = []
    firsts: dict[str, tuple[int, dict[str, str]]] = {}  # order id → (line number, its first row)
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        order_id = row.get("amazon-order-id", "")
        if not order_id:
            continue
        where = f"{source} line {number}"
        sku = row.get("sku", "")
        key = (order_id, sku)
        seq[key] = seq.get(key, 0) + 1
        firsts.setdefault(order_id, (number, row))
        status = row.get("order-status") or None
        try:
            quantity = int(row.get("quantity") or 0)
        except ValueError:
            raise FatalError(f"{where}: quantity {row.get('quantity')!r} is not a whole number") from None
        lines.append(OrderLine(
            amazon_order_id=order_id, sku=sku, sku_seq=seq[key], asin=row.get("asin") or None,
            product_name=row.get("product-name") or None, item_status=row.get("item-status") or None,
            quantity=quantity, currency=row.get("currency") or None,
            item_price=_amount(row.get("item-price"), where), item_tax=_amount(row.get("item-tax"), where),
            shipping_price=_amount(row.get("shipping-price"), where),
            shipping_tax=_amount(row.get("shipping-tax"), where),
            gift_wrap_price=_amount(row.get("gift-wrap-price"), where),
            gift_wrap_tax=_amount(row.get("gift-wrap-tax"), where),
            item_promotion_discount=_amount(row.get("item-promotion-discount"), where),
            ship_promotion_discount=_amount(row.get("ship-promotion-discount"), where),
            promotion_ids=row.get("promotion-ids") or None, order_status=status,
            fulfillment_channel=_CHANNEL.get(row.get("fulfillment-channel", ""), row.get("fulfillment-channel") or None),
            sales_channel=row.get("sales-channel") or None,
            purchase_date=parse_time(row.get("purchase-date")),
            last_update_date=parse_time(row.get("last-updated-date")),
            is_business_order=_bool(row.get("is-business-order")),
        ))
    by_order: dict[str, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.amazon_order_id, []).append(line)
    only = marketplace_ids[0] if len(marketplace_ids) == 1 else None
    headers = [headers_from_report(firsts[order_id][1], order_lines, where=f"{source} line {firsts[order_id][0]}",
                                   default_marketplace=only)
               for order_id, order_lines in by_order.items()]
    return lines, headers


def report_status(text: str) -> str:
    """The report's order-status in the v0 vocabulary (`Cancelled` → `Canceled`, `Shipped - Delivered to
    Buyer` → `Shipped`, `Pending - Waiting for Pick Up` → `Pending`); other values as written."""
    if text in _REPORT_STATUS:
        return _REPORT_STATUS[text]
    head = text.split(" - ", 1)[0].strip()
    return _REPORT_STATUS.get(head, text) if head in ("Shipped", "Pending") else text


def headers_from_report(
    row: dict[str, str], lines: Sequence[OrderLine], *, where: str, default_marketplace: str | None = None
) -> OrderHeader:
    """The header of one order from its first report row (order-level cells) and all its lines (amounts)."""
    order_id = row["amazon-order-id"]
    status = report_status(row.get("order-status") or "")
    if not status:
        raise FatalError(f"{where}: order {order_id} has no order-status")
    channel = row.get("sales-channel") or None
    country = marketplace_code(channel) if channel else None
    marketplace = BY_COUNTRY.get(country) if country else None
    currency = row.get("currency") or None
    total = None if status in ("Pending", "Canceled") else _report_total(lines, country)
    if total is not None and currency is None:
        raise FatalError(f"{where}: order {order_id} has amounts but no currency")
    return OrderHeader(
        amazon_order_id=order_id,
        marketplace_id=marketplace.id if marketplace else default_marketplace,
        sales_channel=channel,
        order_status=status,
        fulfillment_channel=_CHANNEL.get(row.get("fulfillment-channel", ""), row.get("fulfillment-channel") or None),
        purchase_date=_required_time(row.get("purchase-date"), "purchase-date", f"{where}: {order_id}"),
        last_update_date=_required_time(row.get("last-updated-date"), "last-updated-date", f"{where}: {order_id}"),
        order_total=total,
        currency=currency if total is not None else None,
        is_business_order=_bool(row.get("is-business-order")),
        number_of_items=sum(line.quantity for line in lines),
        api_version=REPORT_SOURCE,
        raw={cell: row[cell] for cell in REPORT_HEADER_CELLS if cell in row},
    )


def _report_total(lines: Sequence[OrderLine], country: str | None) -> Decimal | None:
    """What the buyer paid: item + shipping + gift wrap, less promotions, plus tax where charged on top.
    None when no line carries an amount."""
    on_top = country in TAX_ON_TOP
    total: Decimal | None = None
    for line in lines:
        parts = [line.item_price, line.shipping_price, line.gift_wrap_price]
        if on_top:
            parts += [line.item_tax, line.shipping_tax, line.gift_wrap_tax]
        # promotions reduce the total whichever sign the file writes them with
        parts += [-abs(d) if d is not None else None for d in (line.item_promotion_discount,
                                                               line.ship_promotion_discount)]
        for part in parts:
            if part is not None:
                total = part if total is None else total + part
    return total
