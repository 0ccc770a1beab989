"""Helpers for check tests: the worked-example settlement as file bytes, variants of it, staging via the real path."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from sellerledger.staging.settlements import StagedSettlement, stage_settlement_document

DOC = Path(__file__).resolve().parents[2] / "docs" / "accounting.md"
FLOW = "acme-us-xero"
SELLER = "acme-us"
SETTLEMENT = "90000000001"


def example_text() -> str:
    match = re.search(r"```tsv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match
    return match.group(1)


def edit(text: str, *, drop_line: int | None = None, add: list[str] | None = None,
         total: Callable[[Decimal], Decimal] | None = None) -> str:
    """Drop detail line n (1-based), append raw TSV detail rows, and/or rewrite total-amount."""
    rows = text.rstrip("\n").split("\n")
    header, summary, details = rows[0], rows[1].split("\t"), rows[2:]
    if drop_line is not None:
        del details[drop_line - 1]
    details += add or []
    if total is not None:
        summary[4] = str(total(Decimal(summary[4])))
    return "\n".join([header, "\t".join(summary), *details]) + "\n"


def fee_row(description: str, amount: str, *, settlement: str = SETTLEMENT) -> str:
    """A detail row (24 V2 columns) for an order fee of order 111-0000002-0000002 on 2 July 2026."""
    cells = [settlement, "", "", "", "", "USD", "Order", "111-0000002-0000002", "", "", "S2", "Amazon.com",
             "ItemFees", description, amount, "AFN", "2026-07-02", "2026-07-02 09:30:00 UTC", "70002", "", "",
             "TEE-02", "1", ""]
    return "\t".join(cells)


def stage(url: str, text: str, *, flow_id: str = FLOW) -> StagedSettlement:
    with psycopg.connect(url) as conn:
        return stage_settlement_document(conn, text.encode("utf-8"), seller=SELLER,
                                         source={"file_name": "settlement.txt"}, flow_id=flow_id)


def rows(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
