"""The all-orders flat file: GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL (and ..._BY_ORDER_DATE_GENERAL).

This is how the pipeline gets line items without one getOrderItems call per order (0.5 req/s). One row
per order item, tab-separated, UTF-8, LF line ends, header line first. Rows are the orders whose
last-updated-date (BY_LAST_UPDATE) or purchase-date (BY_ORDER_DATE) lies within
[dataStartTime, dataEndTime], as they stood when the report was processed, in the report's marketplaces,
sorted by that date then order id.

Columns (33, as Amazon's files have them):
  amazon-order-id, merchant-order-id, purchase-date, last-updated-date (ISO 8601 with +00:00),
  order-status (Pending | Unshipped | Shipped | Cancelled), fulfillment-channel (Amazon | Merchant),
  sales-channel (Amazon.com ...), order-channel (empty), url (empty), ship-service-level (Standard | Expedited),
  product-name, sku, asin, item-status (Pending | Unshipped | Shipped | Cancelled), quantity (0 when
  cancelled), currency, item-price (unit price × quantity; VAT-inclusive in UK/DE/JP/AU), item-tax (US/CA
  sales tax; elsewhere the VAT inside item-price), shipping-price, shipping-tax, gift-wrap-price (empty),
  gift-wrap-tax (empty), item-promotion-discount (negative, e.g. -2.50, or 0.00),
  ship-promotion-discount (negative or 0.00), ship-city, ship-state, ship-postal-code, ship-country,
  promotion-ids, is-business-order (true | false), purchase-order-number (empty),
  price-designation (BusinessPrice or empty), is-iba (false).
Amounts use a dot as decimal separator in every marketplace; cancelled items have empty amounts.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

from sellerledger.sandbox.amazon.model import Order

COLUMNS: tuple[str, ...] = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level", "product-name", "sku",
    "asin", "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order", "purchase-order-number",
    "price-designation", "is-iba",
)
LAST_UPDATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
ORDER_DATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
REPORT_TYPES = (LAST_UPDATE, ORDER_DATE)
_STATUS = {"Pending": "Pending", "Unshipped": "Unshipped", "Shipped": "Shipped", "Canceled": "Cancelled"}


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _amount(value: Decimal) -> str:
    return format(value, "f")


def order_rows(orders: Iterable[Order], marketplace_ids: set[str], start: datetime, end: datetime, at: datetime,
               report_type: str = LAST_UPDATE) -> Iterator[list[str]]:
    """Rows (lists of 33 cells) of the report processed at `at` for [start, end]."""
    chosen = []
    for order in orders:
        if order.marketplace.id not in marketplace_ids or order.purchase_date > at:
            continue
        key = order.last_update_at(at) if report_type == LAST_UPDATE else order.purchase_date
        if start <= key <= end:
            chosen.append((key, order.amazon_order_id, order))
    chosen.sort(key=lambda entry: (entry[0], entry[1]))
    for _, _, order in chosen:
        status = _STATUS[order.status_at(at) or "Pending"]
        cancelled = status == "Cancelled"
        for item in order.items:
            amounts = ["", "", "", "", "", "", "", ""] if cancelled else [
                _amount(item.principal), _amount(item.tax), _amount(item.shipping), _amount(item.shipping_tax),
                "", "", _amount(item.promo_principal), _amount(item.promo_shipping)]
            yield [
                order.amazon_order_id, order.seller_order_id, _stamp(order.purchase_date),
                _stamp(order.last_update_at(at)), status, "Amazon" if order.channel == "AFN" else "Merchant",
                order.marketplace.domain, "", "", order.ship_service_level, item.title, item.sku, item.asin, status,
                "0" if cancelled else str(item.quantity), order.currency, *amounts,
                order.address["City"], order.address["StateOrRegion"], order.address["PostalCode"],
                order.address["CountryCode"], item.promotion_id, "true" if order.is_business else "false", "",
                "BusinessPrice" if order.is_business else "", "false",
            ]


def order_report_bytes(orders: Iterable[Order], marketplace_ids: set[str], start: datetime, end: datetime,
                       at: datetime, report_type: str = LAST_UPDATE) -> bytes:
    """The report document (UTF-8, before compression)."""
    out = io.StringIO()
    out.write("\t".join(COLUMNS) + "\n")
    for cells in order_rows(orders, marketplace_ids, start, end, at, report_type):
        out.write("\t".join(cells) + "\n")
    return out.getvalue().encode("utf-8")
