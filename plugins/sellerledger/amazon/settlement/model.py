"""What a settlement file holds: its header (the summary row), its lines, the parse result, and the error type.

Amounts are `Decimal` with the currency beside them; times are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


class SettlementFileError(ValueError):
    """A settlement file that cannot be read; names the file, line (1 = header) and column, and what was expected."""

    def __init__(
        self,
        file: str,
        line: int | None,
        column: str | None,
        expected: str,
        found: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
        super().__init__(self.describe(with_file=True))

    def describe(self, *, with_file: bool = False) -> str:
        """`file: line 7, column amount: expected ..., found '12x'` (the file part optional)."""
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        text = ", ".join(where)
        if with_file:
            text = f"{self.file}: {text}" if text else self.file
        message = f"expected {self.expected}"
        if self.found is not None:
            message += f", found {self.found!r}"
        return f"{text}: {message}" if text else message


@dataclass(frozen=True, slots=True)
class SettlementHeader:
    """The summary row: the settlement's identity, period and net payout (`total_amount`, can be negative)."""

    settlement_id: str
    start: datetime
    end: datetime
    deposit_date: datetime | None
    total_amount: Decimal
    currency: str
    layout: str  # "v2" or "v1"
    encoding: str
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """One amount of a settlement in the V2 model (a V1 row gives one line per non-empty amount column).

    `line_number` counts the settlement's lines from 1; `source_line` is the line of the file it came from
    (1 = header, 2 = summary row). `marketplace` is derived from `marketplace_name` (`Amazon.de` → `DE`).
    `posted_date_time` is UTC; `posted_date` is the file's posted-date read as a date.
    """

    settlement_id: str
    line_number: int
    source_line: int
    transaction_type: str | None
    order_id: str | None
    merchant_order_id: str | None
    adjustment_id: str | None
    shipment_id: str | None
    marketplace_name: str | None
    marketplace: str | None
    amount_type: str | None
    amount_description: str | None
    amount: Decimal
    currency: str
    fulfillment_id: str | None
    posted_date: date | None
    posted_date_time: datetime | None
    order_item_code: str | None
    merchant_order_item_id: str | None
    merchant_adjustment_item_id: str | None
    sku: str | None
    quantity_purchased: int | None
    promotion_id: str | None


@dataclass
class ParseResult:
    """The outcome of reading a whole file: counts, the sum of the lines, problems and warnings.

    `problems` make a settlement invalid (the `check` command exits 1, accounting holds it); `warnings` are
    worth a look but do not (unknown extra columns, lines posted in the deferral period before the start).
    """

    header: SettlementHeader | None
    layout: str | None
    encoding: str | None
    line_count: int = 0
    lines_sum: Decimal = Decimal(0)
    problems: list[str] = field(default_factory=list)
    marketplaces: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.header is not None and not self.problems

    @property
    def marketplace(self) -> str | None:
        """The marketplace code most lines carry (None when no line names an Amazon store)."""
        if not self.marketplaces:
            return None
        return max(sorted(self.marketplaces), key=lambda code: self.marketplaces[code])

    @property
    def difference(self) -> Decimal | None:
        """total-amount minus the sum of the lines (0 when the settlement balances)."""
        return None if self.header is None else self.header.total_amount - self.lines_sum
