"""Shared set-up of the Xero and QuickBooks Online posting tests: a generated quarter of a US seller as
accounting inputs, documents per settlement and mode, sandbox connections, and the truth to compare with.

The seller is the generator's US-only profile at a few orders a day over 90 days: seven settlements, one
of them negative, several crossing a month end (up to three parts), refunds of orders settled earlier.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from sellerledger.accounting.build import build_documents
from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.model import Document, DocumentKind, LineRole
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.source import Settlement, SettlementLine
from sellerledger.amazon.ratelimit import MemoryBucketStore
from sellerledger.ledgers.base import LedgerClient
from sellerledger.ledgers.connection import LedgerConnection
from sellerledger.ledgers.errors import RetriableError
from sellerledger.ledgers.poster import PostingIncomplete, PostingSummary, post_documents
from sellerledger.sandbox.amazon.generator import generate
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from sellerledger.staging.posting_log import PostingLog
from tests.accounting.factories import settlement_from_tsv
from tests.conftest import SANDBOX_TODAY
from tests.sandbox.ledgers.helpers import documents as sandbox_documents
from tests.sandbox.ledgers.helpers import tb

TIME_SCALE = 60.0
ORDERS_PER_DAY = 3
DOC = Path(__file__).resolve().parents[2] / "docs" / "accounting.md"


# ------------------------------------------------------------------------------------------- the seller
@lru_cache(maxsize=1)
def quarter() -> tuple[Settlement, ...]:
    """The seller's closed settlements, oldest first, as accounting inputs."""
    seller = generate(seed=7, profile="large", today=SANDBOX_TODAY, days=90,
                      options={"orders_per_day": ORDERS_PER_DAY})
    return tuple(_settlement(s) for s in sorted(seller.settlements, key=lambda s: s.end))


def quarter_orders() -> int:
    """Orders in the quarter's settlements (distinct order ids with a sale line)."""
    return len({line.order_id for s in quarter() for line in s.lines
                if line.order_id and line.transaction_type == "Order"})


def _settlement(s: Any) -> Settlement:
    lines = tuple(
        SettlementLine(
            settlement_id=s.settlement_id, line_number=number, transaction_type=line.transaction_type,
            amount_type=line.amount_type, amount_description=line.amount_description, amount=line.amount,
            currency=s.currency, posted_at=line.posted_at, marketplace=line.marketplace_name,
            order_id=line.order_id, merchant_order_id=line.merchant_order_id, adjustment_id=line.adjustment_id,
            shipment_id=line.shipment_id, fulfillment_id=line.fulfillment_id, order_item_code=line.order_item_code,
            merchant_order_item_id=line.merchant_order_item_id,
            merchant_adjustment_item_id=line.merchant_adjustment_item_id, sku=line.sku, quantity=line.quantity,
            promotion_id=line.promotion_id,
        )
        for number, line in enumerate(s.iter_lines(), start=1)
    )
    return Settlement(settlement_id=s.settlement_id, start=s.start, end=s.end, deposit_date=s.deposit_date,
                      total=s.total_amount, currency=s.currency, lines=lines, marketplace=s.marketplace.code)


def worked_example() -> Settlement:
    """The settlement of docs/accounting.md (a month-end split, a refund, reserves, US facilitator tax)."""
    match = re.search(r"```tsv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, "docs/accounting.md lost its settlement block"
    return settlement_from_tsv(match.group(1))


def documents_for(settlement: Settlement, ledger: str, mode: str, flow_id: str) -> list[Document]:
    result = build_documents(settlement, load_mapping(ledger), AccountingPolicy(mode=mode, ledger=ledger), flow_id)
    assert not result.held, result.unmapped_report
    return list(result.documents)


def model_balances(documents: Sequence[Document]) -> dict[tuple[str, str], Decimal]:
    """What the documents say every account should hold (debit positive), zero balances left out."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for doc in documents:
        for line in doc.lines:
            totals[(line.account, line.currency)] += line.amount
    return {key: value for key, value in sorted(totals.items()) if value != 0}


def order_sales(settlements: Sequence[Settlement]) -> dict[str, Decimal]:
    """Per order, what the buyer paid net of refunds as the settlements say (item price, tax, shipping and
    promotions of orders and refunds): the income the ledger should hold for it, before Amazon's fees."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for settlement in settlements:
        for line in settlement.lines:
            if line.order_id and line.amount_type in ("ItemPrice", "Promotion"):
                totals[line.order_id] += line.amount
    return dict(totals)


def refunded_later(settlements: Sequence[Settlement]) -> set[str]:
    """Orders sold in one settlement and refunded in a later one."""
    sold: dict[str, int] = {}
    later: set[str] = set()
    for index, settlement in enumerate(settlements):
        for line in settlement.lines:
            if line.transaction_type == "Order" and line.order_id:
                sold.setdefault(line.order_id, index)
            elif line.transaction_type == "Refund" and sold.get(line.order_id, index) < index:
                later.add(line.order_id)
    return later


# ------------------------------------------------------------------------------------------- sandbox
@pytest.fixture(scope="module")
def ledger_server(request: pytest.FixtureRequest) -> Iterator[SandboxServer]:
    only = tuple(getattr(request.module, "SANDBOX_APIS", ("xero", "qbo")))
    with SandboxServer(SandboxConfig(today=SANDBOX_TODAY, time_scale=TIME_SCALE), only=only) as server:
        yield server


@dataclass
class Sandbox:
    server: SandboxServer
    http: httpx.Client
    ledger: str

    def connection(self, conn_id: str, *, secret: str | None = None, tenant: int = 0) -> LedgerConnection:
        creds = self.http.get("/_sandbox/credentials").json()[self.ledger]
        row = creds["tenants"][tenant]
        base = row["api_base_url"] if self.ledger == "xero" else f"{self.server.url}/qbo"
        return LedgerConnection(
            ledger=self.ledger, conn_id=conn_id, client_id=row["client_id"],
            client_secret=secret if secret is not None else row["client_secret"],
            refresh_token=row["refresh_token"], tenant_id=row.get("tenant_id") or row["realm_id"], base_url=base,
            token_url=row["token_url"], extra={"time_scale": TIME_SCALE},
        )

    def faults(self, *rules: dict[str, Any], seed: int = 11) -> None:
        self.http.post("/_sandbox/faults", json={"rules": list(rules), "seed": seed}).raise_for_status()

    def trial_balance(self) -> dict[tuple[str, str], Decimal]:
        return tb(self.http, self.ledger)

    def documents(self) -> list[dict[str, Any]]:
        return sandbox_documents(self.http, self.ledger)

    def stats(self, operation: str | None = None) -> int:
        rows = self.http.get("/_sandbox/stats").json()["calls"]
        return sum(r["count"] for r in rows if r["api"] == self.ledger and operation in (None, r["operation"]))


def sandbox_for(server: SandboxServer, ledger: str) -> Iterator[Sandbox]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        http.post("/_sandbox/reset").raise_for_status()
        http.post("/_sandbox/clock", json={"time_scale": TIME_SCALE, "rate_limits": True}).raise_for_status()
        yield Sandbox(server, http, ledger)


def memory_buckets() -> MemoryBucketStore:
    return MemoryBucketStore()


# ------------------------------------------------------------------------------------------- posting
def post_settlements(client: LedgerClient, log: PostingLog, batches: Sequence[Sequence[Document]], *,
                     conn_id: str, max_runs: int = 1) -> list[PostingSummary]:
    """Render and post each settlement's documents in order; with `max_runs` > 1, rerun a settlement whose
    posting came back incomplete (transient trouble outlasting the retries) as a scheduler would."""
    summaries = []
    for documents in batches:
        rendered = client.render(documents)
        for run in range(1, max_runs + 1):
            try:
                summaries.append(post_documents(client, log, rendered, conn_id=conn_id))
                break
            except (PostingIncomplete, RetriableError):
                if run == max_runs:
                    raise
    return summaries


def counted(summaries: Sequence[PostingSummary]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for summary in summaries:
        for name, value in summary.as_dict().items():
            totals[name] += value if isinstance(value, int) else len(value)  # type: ignore[arg-type]
    return dict(totals)


def kinds(documents: Sequence[Document]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for doc in documents:
        counts[DocumentKind(doc.kind).value] += 1
    return dict(counts)


def reprice(document: Document, delta: Decimal) -> Document:
    """The same document (same key) with its first invoice line changed by `delta`: the receivable and
    the matching income line move with it, so it still balances. What a changed source looks like."""
    first = document.invoice_lines[0]
    lines, moved = [], False
    for line in document.lines:
        if line.role == LineRole.RECEIVABLE:
            line = dataclasses.replace(line, amount=line.amount + delta)
        elif not moved and line.account == first.account and line.category == first.category:
            line, moved = dataclasses.replace(line, amount=line.amount - delta), True
        lines.append(line)
    assert moved, "no income line matches the first invoice line"
    invoice_lines = (dataclasses.replace(first, amount=first.amount + delta), *document.invoice_lines[1:])
    return dataclasses.replace(document, lines=tuple(lines), invoice_lines=invoice_lines)
