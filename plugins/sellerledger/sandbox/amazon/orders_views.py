"""Orders API JSON of a generated order at a given time: v0 (PascalCase, `Amount` as a string) and
v2026-01-01 (camelCase, `includedData` datasets).

PII (buyer name and email, street address, phone) appears only when asked for as the real API allows:
v0 with a Restricted Data Token whose dataElements name `buyerInfo` / `shippingAddress` (or the
address/buyerInfo operations called with an RDT); v2026 with `includedData=BUYER,RECIPIENT`. Without,
ShippingAddress carries only City, StateOrRegion, PostalCode and CountryCode. Pending orders carry no
money; canceled orders carry no OrderTotal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.amazon.model import ZERO, Order, OrderItem
from sellerledger.sandbox.amazon.timefmt import iso_z

ADDRESS_STATUSES = ("Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed")
STATUS_2026 = {"Pending": "PENDING", "Unshipped": "UNSHIPPED", "Shipped": "SHIPPED", "Canceled": "CANCELLED",
               "PartiallyShipped": "PARTIALLY_SHIPPED"}
NON_PII_ADDRESS = ("City", "StateOrRegion", "PostalCode", "CountryCode")


def money_v0(order: Order, amount: Decimal) -> dict[str, str]:
    return {"CurrencyCode": order.currency, "Amount": format(amount, "f")}


def money_2026(order: Order, amount: Decimal) -> dict[str, str]:
    return {"amount": format(amount, "f"), "currencyCode": order.currency}


def address_v0(order: Order, full: bool) -> dict[str, Any]:
    if full:
        return {k: v for k, v in order.address.items() if v}
    return {k: order.address[k] for k in NON_PII_ADDRESS if order.address.get(k)}


def order_v0(order: Order, now: datetime, data_elements: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    status = order.status_at(now)
    assert status is not None
    quantity = sum(item.quantity for item in order.items)
    data: dict[str, Any] = {
        "AmazonOrderId": order.amazon_order_id,
        "SellerOrderId": order.seller_order_id,
        "PurchaseDate": iso_z(order.purchase_date),
        "LastUpdateDate": iso_z(order.last_update_at(now)),
        "OrderStatus": status,
        "FulfillmentChannel": order.channel,
        "SalesChannel": order.marketplace.domain,
        "ShipServiceLevel": order.ship_service_level,
    }
    if status not in ("Pending", "Canceled"):
        data["OrderTotal"] = money_v0(order, order.total())
    data["NumberOfItemsShipped"] = quantity if status == "Shipped" else 0
    data["NumberOfItemsUnshipped"] = quantity if status in ("Pending", "Unshipped") else 0
    if status != "Pending":
        data["PaymentMethod"] = "Other"
        data["PaymentMethodDetails"] = ["Standard"]
    data.update({
        "MarketplaceId": order.marketplace.id,
        "ShipmentServiceLevelCategory": order.ship_service_level,
        "OrderType": "StandardOrder",
        "EarliestShipDate": iso_z(order.purchase_date + timedelta(hours=4)),
        "LatestShipDate": iso_z(order.purchase_date + timedelta(days=2)),
        "EarliestDeliveryDate": iso_z(order.purchase_date + timedelta(days=2)),
        "LatestDeliveryDate": iso_z(order.purchase_date + timedelta(days=7)),
        "IsBusinessOrder": order.is_business,
        "IsPrime": order.is_prime,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
    })
    if order.channel == "MFN":
        data["AutomatedShippingSettings"] = {"HasAutomatedShippingSettings": False}
    if status in ADDRESS_STATUSES:
        data["ShippingAddress"] = address_v0(order, "shippingAddress" in data_elements)
    if "buyerInfo" in data_elements:
        data["BuyerInfo"] = {"BuyerEmail": order.buyer_email, "BuyerName": order.buyer_name}
    return data


def order_item_v0(order: Order, item: OrderItem, now: datetime) -> dict[str, Any]:
    status = order.status_at(now)
    data: dict[str, Any] = {
        "ASIN": item.asin, "SellerSKU": item.sku, "OrderItemId": item.order_item_id, "Title": item.title,
        "QuantityOrdered": item.quantity, "QuantityShipped": item.quantity if status == "Shipped" else 0,
        "ProductInfo": {"NumberOfItems": "1"},
    }
    if status not in ("Pending", "Canceled"):
        on_top = order.marketplace.tax_model != "inclusive"
        data.update({
            "ItemPrice": money_v0(order, item.principal),
            "ItemTax": money_v0(order, item.tax),
            "ShippingPrice": money_v0(order, item.shipping),
            "ShippingTax": money_v0(order, item.shipping_tax if on_top else ZERO),
            "ShippingDiscount": money_v0(order, -item.promo_shipping),
            "ShippingDiscountTax": money_v0(order, ZERO),
            "PromotionDiscount": money_v0(order, -item.promo_principal),
            "PromotionDiscountTax": money_v0(order, ZERO),
        })
        if item.promotion_id:
            data["PromotionIds"] = [item.promotion_id]
    data.update({"IsGift": "false", "ConditionId": "New", "ConditionSubtypeId": "New", "IsTransparency": False,
                 "SerialNumberRequired": False})
    if order.is_business:
        data["PriceDesignation"] = "BusinessPrice"
    if order.marketplace.tax_model == "facilitator" and status not in ("Pending", "Canceled"):
        data["TaxCollection"] = {"Model": "MarketplaceFacilitator", "ResponsibleParty": "Amazon Services, Inc."}
    return data


# ------------------------------------------------------------------------------------- v2026-01-01
def order_2026(order: Order, now: datetime, included: set[str]) -> dict[str, Any]:
    status = order.status_at(now)
    assert status is not None
    mp = order.marketplace
    programs = []
    if order.is_prime:
        programs.append("PRIME")
    if order.is_business:
        programs.append("AMAZON_BUSINESS")
    data: dict[str, Any] = {
        "orderId": order.amazon_order_id,
        "orderAliases": [{"aliasId": order.seller_order_id, "aliasType": "SELLER_ORDER_ID"}],
        "createdTime": iso_z(order.purchase_date),
        "lastUpdatedTime": iso_z(order.last_update_at(now)),
        "programs": programs,
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": mp.id, "marketplaceName": mp.domain},
    }
    priced = status not in ("Pending", "Canceled")
    if "BUYER" in included:
        data["buyer"] = {"buyerName": order.buyer_name, "buyerEmail": order.buyer_email}
    if "RECIPIENT" in included and status in ADDRESS_STATUSES:
        a = order.address
        data["recipient"] = {"deliveryAddress": {
            "name": a["Name"], "addressLine1": a["AddressLine1"], "city": a["City"], "stateOrRegion": a["StateOrRegion"],
            "postalCode": a["PostalCode"], "countryCode": a["CountryCode"], "phone": a["Phone"],
            "addressType": a["AddressType"].upper()}}
    if "PROCEEDS" in included and priced:
        data["proceeds"] = {"grandTotal": money_2026(order, order.total()),
                            "breakdowns": _breakdowns(order, order.items)}
    if "FULFILLMENT" in included:
        data["fulfillment"] = {"fulfillmentStatus": STATUS_2026[status],
                               "fulfilledBy": "AMAZON" if order.channel == "AFN" else "MERCHANT",
                               "fulfillmentServiceLevel": order.ship_service_level.upper()}
    items = []
    for item in order.items:
        entry: dict[str, Any] = {
            "orderItemId": item.order_item_id, "quantityOrdered": item.quantity,
            "product": {"asin": item.asin, "title": item.title, "sellerSku": item.sku,
                        "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"}},
        }
        if priced:
            entry["product"]["price"] = {"unitPrice": money_2026(order, item.unit_price)}
        if "PROCEEDS" in included and priced:
            item_total = (item.principal + item.shipping + item.promo_principal + item.promo_shipping
                          + ((item.tax + item.shipping_tax) if mp.tax_model != "inclusive" else ZERO))
            entry["proceeds"] = {"proceedsTotal": money_2026(order, item_total),
                                 "breakdowns": _breakdowns(order, [item])}
        if "PROMOTION" in included and item.promotion_id:
            entry["promotion"] = {"breakdowns": [{"promotionId": item.promotion_id}]}
        if "FULFILLMENT" in included:
            shipped = item.quantity if status == "Shipped" else 0
            entry["fulfillment"] = {"quantityFulfilled": shipped,
                                    "quantityUnfulfilled": 0 if status == "Canceled" else item.quantity - shipped}
        items.append(entry)
    data["orderItems"] = items
    if "PACKAGES" in included and order.channel == "MFN" and order.shipped_at is not None and status == "Shipped":
        delivered = order.delivered_at is not None and order.delivered_at <= now
        data["packages"] = [{
            "packageReferenceId": "1", "createdTime": iso_z(order.shipped_at),
            "packageStatus": {"status": "DELIVERED" if delivered else "IN_TRANSIT"},
            "carrier": order.carrier, "shipTime": iso_z(order.shipped_at),
            "shippingService": order.ship_service_level, "trackingNumber": order.tracking_number,
            "packageItems": [{"orderItemId": i.order_item_id, "quantity": i.quantity} for i in order.items],
        }]
    return data


def _breakdowns(order: Order, items: list[OrderItem]) -> list[dict[str, Any]]:
    on_top = order.marketplace.tax_model != "inclusive"
    sums = {
        "ITEM": sum((i.principal for i in items), ZERO),
        "SHIPPING": sum((i.shipping for i in items), ZERO),
        "TAX": sum((i.tax + i.shipping_tax for i in items), ZERO) if on_top else ZERO,
        "DISCOUNT": sum((i.promo_principal + i.promo_shipping for i in items), ZERO),
    }
    return [{"type": kind, "subtotal": money_2026(order, amount)} for kind, amount in sums.items()
            if amount or kind == "ITEM"]
