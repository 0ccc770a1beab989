"""V2 flat-file settlement reports (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2), written as Amazon does.

Layout (reference/notes/amazon.md §9): one header line of 24 tab-separated columns, then the summary row
(settlement-id, settlement-start-date, settlement-end-date, deposit-date, total-amount, currency; every
other cell empty), then one detail row per amount (total-amount empty, currency repeated). Lines end
with LF. Σ detail `amount` == summary `total-amount`, exactly.

Per-marketplace conventions (see `marketplaces`):
- amounts: `1234.56`, or `1234,56` where the marketplace writes decimal commas (DE); JPY has no decimals;
- header dates: `2026-06-16T22:07:18+00:00` (US, CA), `2026-06-16 22:07:18 UTC` (UK, JP, AU) or
  `16.06.2026 22:07:18 UTC` (DE);
- posted-date: the locale's short date (`06/17/2026` US/CA, `17/06/2026` UK/AU, `17.06.2026` DE,
  `2026/06/17` JP); posted-date-time is always `2026-06-17 08:14:22 UTC`;
- encoding: UTF-8, except JP (cp932, declared as Windows-31J) and the one DE file in ISO-8859-1;
  CA files end with an extra blank line.

`write_settlement_file(settlement, target)` writes a generated settlement; `write_large_settlement(path,
lines=...)` streams a synthetic one of any size to disk without holding it in memory (benchmarks).
"""

from __future__ import annotations

import io
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from sellerledger.sandbox.amazon.marketplaces import MARKETPLACES, Marketplace
from sellerledger.sandbox.amazon.model import Line, Settlement

COLUMNS: tuple[str, ...] = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount",
    "currency", "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id",
    "marketplace-name", "amount-type", "amount-description", "amount", "fulfillment-id", "posted-date",
    "posted-date-time", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
    "quantity-purchased", "promotion-id",
)
HEADER = "\t".join(COLUMNS) + "\n"
_HEADER_STYLES = {"iso_offset": "%Y-%m-%dT%H:%M:%S+00:00", "utc": "%Y-%m-%d %H:%M:%S UTC",
                  "eu": "%d.%m.%Y %H:%M:%S UTC"}
_POSTED_STYLES = {"mdy": "%m/%d/%Y", "dmy": "%d/%m/%Y", "dmy_dot": "%d.%m.%Y", "ymd": "%Y/%m/%d"}


def format_amount(amount: Decimal, decimal_comma: bool = False) -> str:
    """`amount` as the file writes it: plain digits, `-` for negatives, `.` or `,` before the decimals."""
    text = format(amount, "f")
    return text.replace(".", ",") if decimal_comma else text


def header_date(value: datetime, mp: Marketplace) -> str:
    return value.astimezone(UTC).strftime(_HEADER_STYLES[mp.header_date_style])


def _detail_cells(settlement: Settlement, line: Line) -> list[str]:
    mp = settlement.marketplace
    posted = line.posted_at.astimezone(UTC)
    return [
        settlement.settlement_id, "", "", "", "", settlement.currency, line.transaction_type, line.order_id,
        line.merchant_order_id, line.adjustment_id, line.shipment_id, line.marketplace_name, line.amount_type,
        line.amount_description, format_amount(line.amount, settlement.decimal_comma), line.fulfillment_id,
        posted.strftime(_POSTED_STYLES[mp.posted_date_style]), posted.strftime("%Y-%m-%d %H:%M:%S UTC"),
        line.order_item_code, line.merchant_order_item_id, line.merchant_adjustment_item_id, line.sku,
        "" if line.quantity is None else str(line.quantity), line.promotion_id,
    ]


def settlement_rows(settlement: Settlement) -> Iterator[list[str]]:
    """The summary row then every detail row, as lists of 24 cells (header not included)."""
    mp = settlement.marketplace
    yield [settlement.settlement_id, header_date(settlement.start, mp), header_date(settlement.end, mp),
           header_date(settlement.deposit_date, mp), format_amount(settlement.total_amount, settlement.decimal_comma),
           settlement.currency] + [""] * (len(COLUMNS) - 6)
    for line in settlement.iter_lines():
        yield _detail_cells(settlement, line)


def write_settlement_file(settlement: Settlement, target: str | os.PathLike[str] | BinaryIO) -> int:
    """Write `settlement` as its V2 flat file (in its own encoding) to a path or binary stream.

    Returns the number of bytes written. Rows are encoded one at a time, so a 50,000-order settlement
    never exists as one string.
    """
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as stream:
            return write_settlement_file(settlement, stream)
    written = target.write(HEADER.encode(settlement.encoding))
    for cells in settlement_rows(settlement):
        written += target.write(("\t".join(cells) + "\n").encode(settlement.encoding))
    if settlement.trailing_blank_line:
        written += target.write(b"\n")
    return written


def settlement_file_bytes(settlement: Settlement) -> bytes:
    """The whole file in memory (for the sandbox's report documents and for tests)."""
    buffer = io.BytesIO()
    write_settlement_file(settlement, buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------- large files
@dataclass(frozen=True)
class LargeSettlement:
    """What `write_large_settlement` wrote."""

    path: Path
    settlement_id: str
    currency: str
    start: datetime
    end: datetime
    deposit_date: datetime
    total_amount: Decimal
    lines: int
    bytes: int


_LARGE_SKUS = tuple(f"SL-BENCH-{n:03d}" for n in range(1, 61))


def write_large_settlement(
    path: str | os.PathLike[str], lines: int = 1_000_000, seed: int = 0, currency: str = "USD",
    decimal_comma: bool = False, *, settlement_id: str | None = None, start: datetime | None = None,
) -> LargeSettlement:
    """Stream a synthetic V2 settlement file of exactly `lines` detail rows to `path`.

    Order rows (Principal, Tax, Commission, FBA fee, withheld tax), refunds and fees are drawn from
    `seed`; amounts are summed as integer minor units and never held as a list, the detail rows go to
    a temporary file first, and the final file is the header, the summary row (whose total is then
    known) and a copy of the rows. The same arguments give the same bytes.
    """
    if lines < 1:
        raise ValueError("a settlement file needs at least one detail line")
    mp = next((m for m in MARKETPLACES.values() if m.currency == currency), None)
    exponent = mp.exponent if mp is not None else 2
    rng = random.Random(f"sellerledger/large-settlement/{seed}/{currency}")
    settlement_id = settlement_id or str(rng.randrange(20_000_000_000, 30_000_000_000))
    start = (start or datetime(2026, 6, 2, tzinfo=UTC)).astimezone(UTC)
    end = start + timedelta(days=14)
    deposit = end + timedelta(days=3)
    domain = mp.domain if mp is not None else "Amazon.com"
    path = Path(path)
    total = 0
    written_lines = 0
    sep = "," if decimal_comma else "."

    def amount_text(minor: int) -> str:
        if exponent == 0:
            return str(minor)
        sign = "-" if minor < 0 else ""
        whole, frac = divmod(abs(minor), 10**exponent)
        return f"{sign}{whole}{sep}{frac:0{exponent}d}"

    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent, delete=False,
                                     prefix=path.name, suffix=".rows") as rows:
        buffer: list[str] = []
        span = int((end - start).total_seconds())
        posted_cache: dict[int, tuple[str, str]] = {}
        order_seq = 0
        while written_lines < lines:
            order_seq += 1
            offset = span * written_lines // lines
            day = offset // 86_400
            if day not in posted_cache:
                d = start + timedelta(days=day)
                posted_cache[day] = (d.strftime("%m/%d/%Y"), d.strftime("%Y-%m-%d"))
            posted_date, posted_day = posted_cache[day]
            second = offset % 86_400
            posted_time = f"{posted_day} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d} UTC"
            sku = _LARGE_SKUS[rng.randrange(len(_LARGE_SKUS))]
            order_id = f"11{rng.randrange(1, 5)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"
            item_code = str(rng.randrange(10**13, 10**14))
            quantity = 1 if rng.random() < 0.85 else 2
            principal = rng.randrange(999, 7999) * quantity  # minor units
            roll = rng.random()
            if roll < 0.03:
                kind = "Refund"
                parts = [("ItemPrice", "Principal", -principal), ("ItemFees", "Commission", principal * 15 // 100),
                         ("ItemFees", "RefundCommission", -min(principal * 3 // 100, 500))]
            elif roll < 0.035:
                kind = "ServiceFee"
                parts = [("other-transaction", "Storage Fee", -rng.randrange(2_000, 20_000))]
            else:
                kind = "Order"
                tax = principal * rng.choice((0, 475, 625, 725, 825, 1025)) // 10_000
                parts = [("ItemPrice", "Principal", principal)]
                if tax:
                    parts.append(("ItemPrice", "Tax", tax))
                parts.append(("ItemFees", "Commission", -(principal * 15 // 100)))
                parts.append(("ItemFees", "FBAPerUnitFulfillmentFee", -rng.randrange(322, 750) * quantity))
                if tax:
                    parts.append(("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", -tax))
            for amount_type, description, minor in parts:
                if written_lines >= lines:
                    break
                total += minor
                written_lines += 1
                if kind == "ServiceFee":
                    buffer.append(f"{settlement_id}\t\t\t\t\t{currency}\tServiceFee\t\t\t\t\t{domain}\t{amount_type}\t"
                                  f"{description}\t{amount_text(minor)}\t\t{posted_date}\t{posted_time}\t\t\t\t\t\t\n")
                else:
                    buffer.append(f"{settlement_id}\t\t\t\t\t{currency}\t{kind}\t{order_id}\t{order_id}\t\t"
                                  f"{'BvX' + item_code[-6:] if kind == 'Order' else ''}\t{domain}\t{amount_type}\t"
                                  f"{description}\t{amount_text(minor)}\tAFN\t{posted_date}\t{posted_time}\t"
                                  f"{item_code}\t\t\t{sku}\t{quantity}\t\n")
            if len(buffer) >= 4_000:
                rows.write("".join(buffer))
                buffer.clear()
        rows.write("".join(buffer))
        rows_name = rows.name
    total_amount = Decimal(total).scaleb(-exponent)
    head_mp = mp or MARKETPLACES["US"]
    try:
        with open(path, "wb") as out, open(rows_name, "rb") as source:
            summary = [settlement_id, header_date(start, head_mp), header_date(end, head_mp),
                       header_date(deposit, head_mp), amount_text(total), currency] + [""] * (len(COLUMNS) - 6)
            out.write(HEADER.encode("utf-8"))
            out.write(("\t".join(summary) + "\n").encode("utf-8"))
            shutil.copyfileobj(source, out, 1 << 20)
            size = out.tell()
    finally:
        os.unlink(rows_name)
    return LargeSettlement(path, settlement_id, currency, start, end, deposit, total_amount, written_lines, size)
