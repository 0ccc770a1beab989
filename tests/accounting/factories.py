"""Test helpers: settlements from a V2 TSV text (a minimal reader, not the project parser) and by hand."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from sellerledger.accounting.model import Money
from sellerledger.accounting.source import Settlement, SettlementLine


def parse_when(text: str) -> datetime:
    text = text.strip()
    if text.endswith(" UTC"):
        return datetime.strptime(text[:-4], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return datetime.fromisoformat(text)


def settlement_from_tsv(text: str, *, deposit: Money | None = None, event_group_total: Money | None = None) -> Settlement:
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    head, details = rows[0], rows[1:]
    lines = []
    for number, row in enumerate(details, start=1):
        qty = (row.get("quantity-purchased") or "").strip()
        lines.append(
            SettlementLine(
                settlement_id=head["settlement-id"],
                line_number=number,
                transaction_type=row["transaction-type"],
                amount_type=row["amount-type"],
                amount_description=row["amount-description"],
                amount=Decimal(row["amount"].strip().replace(",", ".")),
                currency=row["currency"] or head["currency"],
                posted_at=parse_when(row["posted-date-time"]) if row.get("posted-date-time") else None,
                marketplace=row.get("marketplace-name") or "",
                order_id=row.get("order-id") or "",
                merchant_order_id=row.get("merchant-order-id") or "",
                adjustment_id=row.get("adjustment-id") or "",
                shipment_id=row.get("shipment-id") or "",
                fulfillment_id=row.get("fulfillment-id") or "",
                order_item_code=row.get("order-item-code") or "",
                merchant_order_item_id=row.get("merchant-order-item-id") or "",
                merchant_adjustment_item_id=row.get("merchant-adjustment-item-id") or "",
                sku=row.get("sku") or "",
                quantity=int(qty) if qty else None,
                promotion_id=row.get("promotion-id") or "",
            )
        )
    return Settlement(
        settlement_id=head["settlement-id"],
        start=parse_when(head["settlement-start-date"]),
        end=parse_when(head["settlement-end-date"]),
        deposit_date=parse_when(head["deposit-date"]) if head.get("deposit-date") else None,
        total=Decimal(head["total-amount"].strip().replace(",", ".")),
        currency=head["currency"],
        lines=tuple(lines),
        deposit=deposit,
        event_group_total=event_group_total,
    )
