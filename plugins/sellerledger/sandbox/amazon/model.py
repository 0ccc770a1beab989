"""The generated seller, as plain objects: the one truth the three views (orders, finance events,
settlement files) are rendered from.

Money is `Decimal`, quantised to the marketplace currency (JPY has no decimals); the currency is the
marketplace's. Every financial movement is a `Posting`; a posting's `lines()` are its settlement detail
rows, and its finance event is built from the same lines, so the views agree to the cent by construction.

Times: `posted_at` is the PostedDate / posted-date-time; `released_at` decides the settlement (equal to
posted_at, except for deferred orders, released 7 days after delivery, or 30 days for B2B invoiced
orders); `visible_at` (released_at plus up to 48 h) is when the Finances API starts returning it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sellerledger.sandbox.amazon.marketplaces import Marketplace

ZERO = Decimal(0)


class Line(NamedTuple):
    """One detail row of a V2 settlement file (the summary row is `Settlement`'s)."""

    transaction_type: str
    order_id: str
    merchant_order_id: str
    adjustment_id: str
    shipment_id: str
    marketplace_name: str
    amount_type: str
    amount_description: str
    amount: Decimal
    fulfillment_id: str
    posted_at: datetime
    order_item_code: str
    merchant_order_item_id: str
    merchant_adjustment_item_id: str
    sku: str
    quantity: int | None
    promotion_id: str


@dataclass(frozen=True)
class Sku:
    """A catalogue item: price, FBA fee and stock per marketplace code."""

    sku: str
    asin: str
    fnsku: str
    title: str
    product_type: str
    referral_rate: Decimal
    channel: str                      # "AFN" (FBA) or "MFN" (merchant fulfilled)
    prices: dict[str, Decimal]        # listing price per marketplace code (VAT-inclusive where VAT applies)
    fba_fees: dict[str, Decimal]      # per-unit fulfilment fee (positive), AFN only
    stock: dict[str, int]             # units available per marketplace code
    weight: float = 1.0               # popularity


@dataclass(slots=True)
class OrderItem:
    order_item_id: str
    sku: str
    asin: str
    title: str
    quantity: int
    unit_price: Decimal
    principal: Decimal                # unit_price × quantity (VAT-inclusive in UK/DE/JP/AU)
    tax: Decimal                      # US/CA: sales tax charged on top; elsewhere the VAT inside principal
    shipping: Decimal
    shipping_tax: Decimal
    promo_principal: Decimal          # <= 0
    promo_shipping: Decimal           # <= 0
    promotion_id: str
    commission: Decimal               # <= 0, referral fee
    fba_fee: Decimal                  # <= 0, AFN only
    withheld_tax: Decimal             # <= 0, US marketplace-facilitator tax withheld (= -tax)
    withheld_shipping_tax: Decimal    # <= 0


@dataclass(slots=True)
class Refund:
    refund_at: datetime
    adjustment_id: str
    items: list[tuple[OrderItem, str, Decimal]]  # (item, merchant-adjustment-item-id, RefundCommission <= 0)


@dataclass(slots=True)
class Order:
    amazon_order_id: str
    seller_order_id: str
    marketplace: Marketplace
    channel: str                      # AFN | MFN
    purchase_date: datetime
    paid_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    canceled_at: datetime | None
    released_at: datetime | None      # deferred orders: when the shipment's money is released
    ship_service_level: str
    items: list[OrderItem]
    tax_rate: Decimal
    is_business: bool
    is_prime: bool
    buyer_name: str
    buyer_email: str
    address: dict[str, str]
    shipment_id: str = ""
    carrier: str = ""
    tracking_number: str = ""
    refund: Refund | None = None

    @property
    def currency(self) -> str:
        return self.marketplace.currency

    @property
    def deferred(self) -> bool:
        return self.released_at is not None

    def status_at(self, now: datetime) -> str | None:
        """OrderStatus (Orders v0 spelling) at `now`; None before the order exists."""
        if now < self.purchase_date:
            return None
        if self.canceled_at is not None and now >= self.canceled_at:
            return "Canceled"
        if now < self.paid_at:
            return "Pending"
        if self.shipped_at is not None and now >= self.shipped_at:
            return "Shipped"
        return "Unshipped"

    def last_update_at(self, now: datetime) -> datetime:
        """LastUpdateDate at `now`: the latest status change that has happened."""
        times = [t for t in (self.purchase_date, self.paid_at, self.shipped_at, self.canceled_at)
                 if t is not None and t <= now]
        return max(times)

    def total(self) -> Decimal:
        """OrderTotal: what the buyer paid (tax on top in US/CA, inside the price elsewhere)."""
        on_top = self.marketplace.tax_model != "inclusive"
        return sum(
            (i.principal + i.shipping + i.promo_principal + i.promo_shipping
             + ((i.tax + i.shipping_tax) if on_top else ZERO) for i in self.items),
            ZERO,
        )


class Charge(NamedTuple):
    """A movement that is not an order or refund: fees, reimbursements, reserves, shipping labels."""

    transaction_type: str
    amount_type: str
    description: str
    amount: Decimal
    event_list: str                   # FinancialEvents list it appears in
    event_type: str                   # FeeType (ServiceFeeEventList) or AdjustmentType (AdjustmentEventList)
    sku: str = ""
    quantity: int | None = None
    adjustment_id: str = ""
    order_id: str = ""
    asin: str = ""
    fnsku: str = ""
    title: str = ""


@dataclass(slots=True)
class Posting:
    """One financial transaction: the single source of its settlement lines and its finance event."""

    posting_id: str
    kind: str                         # Order | Refund | Charge
    marketplace: Marketplace
    posted_at: datetime
    released_at: datetime
    visible_at: datetime
    order: Order | None = None
    charge: Charge | None = None
    group_id: str = ""

    def lines(self) -> list[Line]:
        if self.kind == "Order":
            return list(_order_lines(self))
        if self.kind == "Refund":
            return list(_refund_lines(self))
        return [_charge_line(self)]

    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines()), ZERO)


def _order_lines(posting: Posting) -> Iterator[Line]:
    order = posting.order
    assert order is not None
    mp = order.marketplace
    tax_lines = mp.tax_model != "inclusive"
    for item in order.items:
        parts: list[tuple[str, str, Decimal, str]] = [("ItemPrice", "Principal", item.principal, "")]
        if tax_lines and item.tax:
            parts.append(("ItemPrice", "Tax", item.tax, ""))
        if item.shipping:
            parts.append(("ItemPrice", "Shipping", item.shipping, ""))
        if tax_lines and item.shipping_tax:
            parts.append(("ItemPrice", "ShippingTax", item.shipping_tax, ""))
        if item.promo_principal:
            parts.append(("Promotion", "Principal", item.promo_principal, item.promotion_id))
        if item.promo_shipping:
            parts.append(("Promotion", "Shipping", item.promo_shipping, item.promotion_id))
        parts.append(("ItemFees", "Commission", item.commission, ""))
        if item.fba_fee:
            parts.append(("ItemFees", "FBAPerUnitFulfillmentFee", item.fba_fee, ""))
        if item.withheld_tax:
            parts.append(("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", item.withheld_tax, ""))
        if item.withheld_shipping_tax:
            parts.append(("ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", item.withheld_shipping_tax, ""))
        for amount_type, description, amount, promotion_id in parts:
            yield Line("Order", order.amazon_order_id, order.seller_order_id, "", order.shipment_id, mp.domain,
                       amount_type, description, amount, order.channel, posting.posted_at, item.order_item_id,
                       "", "", item.sku, item.quantity, promotion_id)


def _refund_lines(posting: Posting) -> Iterator[Line]:
    order = posting.order
    assert order is not None and order.refund is not None
    mp = order.marketplace
    tax_lines = mp.tax_model != "inclusive"
    for item, adjustment_item_id, refund_commission in order.refund.items:
        parts: list[tuple[str, str, Decimal, str]] = [("ItemPrice", "Principal", -item.principal, "")]
        if tax_lines and item.tax:
            parts.append(("ItemPrice", "Tax", -item.tax, ""))
        if item.shipping:
            parts.append(("ItemPrice", "Shipping", -item.shipping, ""))
        if tax_lines and item.shipping_tax:
            parts.append(("ItemPrice", "ShippingTax", -item.shipping_tax, ""))
        if item.promo_principal:
            parts.append(("Promotion", "Principal", -item.promo_principal, item.promotion_id))
        if item.promo_shipping:
            parts.append(("Promotion", "Shipping", -item.promo_shipping, item.promotion_id))
        parts.append(("ItemFees", "Commission", -item.commission, ""))
        parts.append(("ItemFees", "RefundCommission", refund_commission, ""))
        if item.withheld_tax:
            parts.append(("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", -item.withheld_tax, ""))
        if item.withheld_shipping_tax:
            parts.append(("ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", -item.withheld_shipping_tax, ""))
        for amount_type, description, amount, promotion_id in parts:
            yield Line("Refund", order.amazon_order_id, order.seller_order_id, order.refund.adjustment_id, "",
                       mp.domain, amount_type, description, amount, order.channel, posting.posted_at,
                       item.order_item_id, "", adjustment_item_id, item.sku, item.quantity, promotion_id)


def _charge_line(posting: Posting) -> Line:
    charge = posting.charge
    assert charge is not None
    return Line(charge.transaction_type, charge.order_id, charge.order_id, charge.adjustment_id, "",
                posting.marketplace.domain, charge.amount_type, charge.description, charge.amount, "",
                posting.posted_at, "", "", "", charge.sku, charge.quantity, "")


@dataclass
class Settlement:
    """A closed settlement period of one marketplace: what its V2 flat file says."""

    settlement_id: str
    marketplace: Marketplace
    start: datetime
    end: datetime
    deposit_date: datetime
    postings: list[Posting]
    total_amount: Decimal
    event_group_id: str
    report_id: str
    report_document_id: str
    report_created_at: datetime
    encoding: str
    decimal_comma: bool
    reserve_previous: Decimal = ZERO  # "Previous Reserve Amount Balance" (>= 0)
    reserve_current: Decimal = ZERO   # "Current Reserve Amount" (<= 0)
    trailing_blank_line: bool = False

    @property
    def id(self) -> str:
        """The settlement id (a numeric string), as the file's settlement-id column has it."""
        return self.settlement_id

    @property
    def currency(self) -> str:
        return self.marketplace.currency

    @property
    def lines(self) -> list[Line]:
        """The detail rows, in file order (built on demand; large settlements are not kept as lines)."""
        return [line for posting in self.postings for line in posting.lines()]

    def iter_lines(self) -> Iterator[Line]:
        for posting in self.postings:
            yield from posting.lines()


@dataclass
class EventGroup:
    """A Finances API financial event group: one per settlement period and marketplace."""

    group_id: str
    marketplace: Marketplace
    start: datetime
    end: datetime | None              # None while open
    postings: list[Posting]
    settlement: Settlement | None     # the closed settlement it pays out
    beginning_balance: Decimal
    account_tail: str
    trace_id: str = ""
    omit_original_total: bool = False  # the irregular closed group whose OriginalTotal is missing

    @property
    def closed(self) -> bool:
        return self.settlement is not None

    @property
    def currency(self) -> str:
        return self.marketplace.currency


@dataclass
class Seller:
    """Everything generated for one (seed, profile, today, days)."""

    seed: int
    profile: str
    today: date
    days: int
    horizon: datetime                 # today 00:00 UTC: nothing happens at or after it
    seller_id: str
    marketplaces: list[Marketplace]
    skus: list[Sku]
    orders: list[Order]
    postings: list[Posting]
    settlements: list[Settlement]     # closed settlements, by end then marketplace
    event_groups: list[EventGroup]    # closed and open groups, by start then marketplace
    _orders_by_id: dict[str, Order] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._orders_by_id = {order.amazon_order_id: order for order in self.orders}

    def order(self, amazon_order_id: str) -> Order | None:
        return self._orders_by_id.get(amazon_order_id)

    def settlement(self, settlement_id: str) -> Settlement | None:
        return next((s for s in self.settlements if s.settlement_id == settlement_id), None)

    def event_group(self, group_id: str) -> EventGroup | None:
        return next((g for g in self.event_groups if g.group_id == group_id), None)

    def marketplace(self, code_or_id: str) -> Marketplace | None:
        return next((m for m in self.marketplaces if code_or_id in (m.code, m.id)), None)

    def sku(self, sku: str) -> Sku | None:
        return next((s for s in self.skus if s.sku == sku), None)
