"""Writers of settlement flat files for tests (V2 and V1), independent of the parser's own column lists.

    text = v2_file([order_line("12.34"), fee_line("-1.50")], total="10.84")
    data = text.encode("utf-8")
"""

from __future__ import annotations

from decimal import Decimal

V2_HEADER = [
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency",
    "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id", "marketplace-name",
    "amount-type", "amount-description", "amount", "fulfillment-id", "posted-date", "posted-date-time",
    "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
    "promotion-id",
]
V1_HEADER = [
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency",
    "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id", "marketplace-name",
    "shipment-fee-type", "shipment-fee-amount", "order-fee-type", "order-fee-amount", "fulfillment-id",
    "posted-date", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
    "quantity-purchased", "price-type", "price-amount", "item-related-fee-type", "item-related-fee-amount",
    "misc-fee-amount", "other-fee-amount", "other-fee-reason-description", "promotion-id", "promotion-type",
    "promotion-amount", "direct-payment-type", "direct-payment-amount", "other-amount",
]

SETTLEMENT_ID = "90000000001"
START = "2026-06-16 00:00:00 UTC"
END = "2026-06-30 00:00:00 UTC"
DEPOSIT = "2026-07-02 00:00:00 UTC"


def order_line(amount: str, description: str = "Principal", *, amount_type: str = "ItemPrice",
               order_id: str = "114-0000001-0000001", sku: str = "SKU-A", when: str = "2026-06-17 08:14:22 UTC",
               **cells: str) -> dict[str, str]:
    """A V2 detail row of an order (override any column with keyword cells, dashes as underscores)."""
    row = {
        "transaction-type": "Order", "order-id": order_id, "shipment-id": "DS1", "marketplace-name": "Amazon.com",
        "amount-type": amount_type, "amount-description": description, "amount": amount, "fulfillment-id": "AFN",
        "posted-date": when[:10], "posted-date-time": when, "order-item-code": "55182930114", "sku": sku,
        "quantity-purchased": "1",
    }
    row.update({key.replace("_", "-"): value for key, value in cells.items()})
    return row


def fee_line(amount: str, description: str = "Commission", **cells: str) -> dict[str, str]:
    """An ItemFees row of the same order."""
    return order_line(amount, description, amount_type="ItemFees", **cells)


def service_line(amount: str, description: str = "Storage Fee", *, when: str = "2026-06-29 04:12:00 UTC",
                 **cells: str) -> dict[str, str]:
    """An other-transaction service fee (no order, no SKU)."""
    row = {
        "transaction-type": "ServiceFee", "marketplace-name": "Amazon.com", "amount-type": "other-transaction",
        "amount-description": description, "amount": amount, "posted-date": when[:10], "posted-date-time": when,
    }
    row.update({key.replace("_", "-"): value for key, value in cells.items()})
    return row


def _total(rows: list[dict[str, str]], amount_column: str = "amount") -> str:
    total = sum((Decimal(r[amount_column].strip().replace(",", ".")) for r in rows if r.get(amount_column)),
                Decimal(0))
    return f"{total:.2f}"


def v2_file(
    rows: list[dict[str, str]],
    *,
    total: str | None = None,
    settlement_id: str = SETTLEMENT_ID,
    currency: str = "USD",
    start: str = START,
    end: str = END,
    deposit: str = DEPOSIT,
    header: list[str] | None = None,
    newline: str = "\n",
    repeat_currency: bool = True,
) -> str:
    """A V2 file: header, summary row, then `rows` (total = sum of amounts unless given)."""
    columns = header or V2_HEADER
    summary = {
        "settlement-id": settlement_id, "settlement-start-date": start, "settlement-end-date": end,
        "deposit-date": deposit, "total-amount": total if total is not None else _total(rows), "currency": currency,
    }
    lines = ["\t".join(columns), "\t".join(summary.get(c, "") for c in columns)]
    for row in rows:
        cells = {"settlement-id": settlement_id, **({"currency": currency} if repeat_currency else {}), **row}
        lines.append("\t".join(cells.get(c, "") for c in columns))
    return newline.join(lines) + newline


def v1_file(rows: list[dict[str, str]], *, total: str, settlement_id: str = "23874397121", currency: str = "CAD",
            start: str = "2025-07-31T22:07:18+00:00", end: str = "2025-08-14T22:07:18+00:00",
            deposit: str = "2025-08-16T22:07:18+00:00", header: list[str] | None = None) -> str:
    """A V1 file (36 columns unless `header` says otherwise)."""
    columns = header or V1_HEADER
    summary = {
        "settlement-id": settlement_id, "settlement-start-date": start, "settlement-end-date": end,
        "deposit-date": deposit, "total-amount": total, "currency": currency,
    }
    lines = ["\t".join(columns), "\t".join(summary.get(c, "") for c in columns)]
    for row in rows:
        cells = {"settlement-id": settlement_id, **row}
        lines.append("\t".join(cells.get(c, "") for c in columns))
    return "\n".join(lines) + "\n"


def big_v2_lines(count: int, *, settlement_id: str = SETTLEMENT_ID) -> tuple[str, Decimal]:
    """(file text, total) of a V2 file with `count` detail lines (4 per order), quickly."""
    parts = []
    total_cents = 0
    for i in range(count):
        order, kind = divmod(i, 4)
        cents = (order * 37 % 9000 + 100) * (1 if kind < 2 else -1) // (1 if kind < 2 else 7)
        total_cents += cents
        amount = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
        day = 16 + order % 14
        when = f"2026-06-{day:02d} {order % 24:02d}:{order % 60:02d}:{(order * 7) % 60:02d} UTC"
        description = ("Principal", "Tax", "Commission", "FBAPerUnitFulfillmentFee")[kind]
        amount_type = "ItemPrice" if kind < 2 else "ItemFees"
        parts.append(
            f"{settlement_id}\t\t\t\t\tUSD\tOrder\t114-{order:07d}-0000001\t\t\tDS{order}\tAmazon.com\t{amount_type}"
            f"\t{description}\t{amount}\tAFN\t{when[:10]}\t{when}\t{order:011d}\t\t\tSKU-{order % 50}\t1\t\n"
        )
    total = Decimal(total_cents) / 100
    summary = f"{settlement_id}\t{START}\t{END}\t{DEPOSIT}\t{total:.2f}\tUSD" + "\t" * 18 + "\n"
    return "\t".join(V2_HEADER) + "\n" + summary + "".join(parts), total
