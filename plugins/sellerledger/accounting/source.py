"""Input dataclasses: one settlement and its detail lines, as the accounting functions consume them.

`staged.py` fills them from `staging.settlements` / `staging.settlement_lines`; tests build them directly.
Amounts are `Decimal` in the settlement currency, Amazon's sign (positive = money to the seller).
`posted_at` is timezone-aware (the V2 `posted-date-time`, UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sellerledger.accounting.model import Money, SourceRef


@dataclass(frozen=True)
class SettlementLine:
    """One detail row of a V2 settlement report (the summary row is the `Settlement` itself)."""

    settlement_id: str
    line_number: int
    transaction_type: str
    amount_type: str
    amount_description: str
    amount: Decimal
    currency: str
    posted_at: datetime | None
    marketplace: str = ""  # normalised marketplace (lower-case host, e.g. "amazon.com"); "" when unknown
    order_id: str = ""
    merchant_order_id: str = ""
    adjustment_id: str = ""
    shipment_id: str = ""
    fulfillment_id: str = ""
    order_item_code: str = ""
    merchant_order_item_id: str = ""
    merchant_adjustment_item_id: str = ""
    sku: str = ""
    quantity: int | None = None
    promotion_id: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, Decimal):
            raise TypeError(
                f"settlement {self.settlement_id} line {self.line_number}: amount {self.amount!r} is not a Decimal"
            )
        if self.posted_at is not None and self.posted_at.tzinfo is None:
            raise ValueError(
                f"settlement {self.settlement_id} line {self.line_number}: posted_at must be timezone-aware"
            )

    @property
    def ref(self) -> SourceRef:
        return SourceRef(self.settlement_id, self.line_number)

    @property
    def type_key(self) -> tuple[str, str, str]:
        """(transaction-type, amount-type, amount-description) as Amazon wrote them."""
        return (self.transaction_type, self.amount_type, self.amount_description)


@dataclass(frozen=True)
class Settlement:
    """A settlement (the V2 summary row) with its detail lines.

    `deposit` is the converted payout when Amazon paid in another currency (Finances `ConvertedTotal`);
    `event_group_total` is the Finances event group's `OriginalTotal` when Amazon gives one.
    """

    settlement_id: str
    start: datetime
    end: datetime
    deposit_date: datetime | None
    total: Decimal
    currency: str
    lines: tuple[SettlementLine, ...]
    marketplace: str = ""  # the settlement's marketplace, used for lines that name none
    deposit: Money | None = None
    event_group_total: Money | None = None

    def __post_init__(self) -> None:
        if isinstance(self.total, bool) or not isinstance(self.total, Decimal):
            raise TypeError(f"settlement {self.settlement_id}: total {self.total!r} is not a Decimal")
        for moment in (self.start, self.end, self.deposit_date):
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"settlement {self.settlement_id}: dates must be timezone-aware")

    @property
    def total_money(self) -> Money:
        return Money(self.total, self.currency)

    @property
    def lines_sum(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))
