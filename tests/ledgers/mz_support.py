"""Shared set-up for the MYOB and Zoho Books posting tests: a generated seller staged through the real
path (V2 file → staging → accounting), a sandbox serving one ledger on loopback, and the ledger's truth.

The truth of a posting is computed from the documents alone: the sum of their journal lines per account
and currency, with per_order links (receivable / clearing lines) on the ledger's receivable account and,
for lines under a non-zero tax code, the tax the ledger extracts from the tax-inclusive amount moved to
the tax account (rate from the demo chart, half-up per line).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg

from sellerledger.accounting.build import build_documents
from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.model import Document, DocumentKind, LineRole
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.source import Settlement
from sellerledger.accounting.staged import load_settlement
from sellerledger.amazon.ratelimit import MemoryBucketStore
from sellerledger.ledgers.base import LedgerClient, LedgerDocument
from sellerledger.ledgers.connection import LedgerConnection
from sellerledger.ledgers.poster import PostingIncomplete, PostingSummary, post_documents
from sellerledger.sandbox.amazon.generator import generate
from sellerledger.sandbox.amazon.settlement_writer import settlement_file_bytes
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from sellerledger.staging.posting_log import PostingLog
from sellerledger.staging.settlements import stage_settlement_document
from sellerledger.staging.token_store import TokenStore

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 20)
TIME_SCALE = 200.0
SEED = 7
PROFILE = "tiny"
SELLER = "tiny-us"
TAX_RATES = {"VAT20": Decimal(20), "VAT19": Decimal(19), "GST10": Decimal(10), "GST5": Decimal(5),
             "JCT10": Decimal(10)}
RECEIVABLE = "1200"


def generated_settlements(marketplace: str, profile: str = PROFILE, options: dict[str, Any] | None = None
                          ) -> list[Any]:
    seller = generate(seed=SEED, profile=profile, today=TODAY, days=90, options=options or {})
    return sorted((s for s in seller.settlements if s.marketplace.code == marketplace), key=lambda s: s.end)


def stage(db_url: str, marketplace: str = "US", flow_id: str = "tiny-us", profile: str = PROFILE,
          options: dict[str, Any] | None = None) -> list[Settlement]:
    """The marketplace's generated settlements (oldest first), staged from their V2 files and loaded back."""
    generated = generated_settlements(marketplace, profile, options)
    with psycopg.connect(db_url) as conn:
        for settlement in generated:
            stage_settlement_document(conn, settlement_file_bytes(settlement), seller=SELLER,
                                      source={"file_name": f"{settlement.settlement_id}.txt"}, flow_id=flow_id)
        return [load_settlement(conn, settlement.settlement_id) for settlement in generated]


def worked_example(db_url: str, flow_id: str, *, storage_fee: str | None = None) -> Settlement:
    """The settlement of docs/accounting.md (staged through the real path); with `storage_fee`, another
    settlement (id ...002) charging that fee on 7 July, its total lowered to match (e.g. negative)."""
    text = (ROOT / "docs" / "accounting.md").read_text(encoding="utf-8")
    match = re.search(r"```tsv\n(.*?)```", text, re.S)
    assert match, "docs/accounting.md lost its worked example"
    rows = match.group(1).rstrip("\n").split("\n")
    if storage_fee is not None:
        rows = [row.replace("90000000001", "90000000002") for row in rows]
        summary = rows[1].split("\t")
        summary[4] = str(Decimal(summary[4]) + Decimal(storage_fee))
        rows[1] = "\t".join(summary)
        rows.append("\t".join(["90000000002", "", "", "", "", "USD", "ServiceFee", "", "", "", "", "Amazon.com",
                               "other-transaction", "Storage Fee", storage_fee, "", "2026-07-07",
                               "2026-07-07 12:00:00 UTC", "", "", "", "", "", ""]))
    with psycopg.connect(db_url) as conn:
        staged = stage_settlement_document(conn, ("\n".join(rows) + "\n").encode(), seller="worked-example",
                                           source={"file_name": "worked-example.txt"}, flow_id=flow_id)
        return load_settlement(conn, staged.settlement_id)


def order_count(settlements: Iterable[Settlement]) -> int:
    return len({line.order_id for s in settlements for line in s.lines if line.order_id})


def order_income(settlements: Iterable[Settlement], order_id: str) -> Decimal:
    """What the settlement lines say an order earned: item prices and promotions, tax excluded."""
    return sum((line.amount for s in settlements for line in s.lines
                if line.order_id == order_id and line.amount_type in ("ItemPrice", "Promotion")
                and "tax" not in line.amount_description.lower()), Decimal(0))


def refunded_later(documents: list[Document]) -> tuple[str, str, str]:
    """(order id, settlement invoicing it, later settlement refunding it) of the first such order."""
    invoiced = {d.ref: d.settlement_id for d in documents if d.kind == DocumentKind.ORDER_INVOICE}
    for doc in documents:
        if doc.kind == DocumentKind.CREDIT_NOTE:
            order_id = doc.ref.split("~")[0]
            if order_id in invoiced and invoiced[order_id] != doc.settlement_id:
                return order_id, invoiced[order_id], doc.settlement_id
    raise AssertionError("the generated seller has no order refunded in a later settlement")


def build(settlements: Iterable[Settlement], ledger: str, mode: str, flow_id: str) -> list[Document]:
    mapping = load_mapping(ledger)
    policy = AccountingPolicy(mode=mode, ledger=ledger)  # type: ignore[arg-type]
    documents: list[Document] = []
    for settlement in settlements:
        result = build_documents(settlement, mapping, policy, flow_id)
        assert not result.held, result.unmapped_report
        documents.extend(result.documents)
    return documents


def start_sandbox(ledger: str, time_scale: float = TIME_SCALE, **options: Any) -> SandboxServer:
    config = SandboxConfig(seed=SEED, profile=PROFILE, today=TODAY, time_scale=time_scale,
                           options={ledger: options} if options else {})
    return SandboxServer(config, only=(ledger,)).start()


def credentials(server: SandboxServer, ledger: str) -> dict[str, Any]:
    return httpx.get(f"{server.url}/_sandbox/credentials", timeout=10).json()[ledger]


def myob_connection(server: SandboxServer, tenant: str = "demo", **extra: Any) -> LedgerConnection:
    creds = credentials(server, "myob")
    cf = next(t for t in creds["tenants"] if t["key"] == tenant)
    return LedgerConnection(
        ledger="myob", conn_id=f"myob_{tenant}", client_id=creds["client_id"], client_secret=creds["client_secret"],
        refresh_token=cf["refresh_token"], tenant_id=cf["company_file_uid"], base_url=creds["api_base_url"],
        token_url=creds["token_url"],
        extra={"api_key": creds["api_key"], "cf_username": cf["company_file_username"],
               "cf_password": cf["company_file_password"], "time_scale": TIME_SCALE, **extra})


def zoho_connection(server: SandboxServer, tenant: str = "demo", **extra: Any) -> LedgerConnection:
    creds = credentials(server, "zoho")
    org = next(t for t in creds["tenants"] if t["key"] == tenant)
    return LedgerConnection(
        ledger="zoho", conn_id=f"zoho_{tenant}", client_id=creds["client_id"], client_secret=creds["client_secret"],
        refresh_token=org["refresh_token"], tenant_id=org["organization_id"], base_url=f"{server.url}/zoho",
        token_url="", extra={"region": org["dc"], "time_scale": TIME_SCALE, **extra})


def client(module: Any, conn: LedgerConnection, db_url: str) -> Any:
    """A ledger client with its tokens in the test database and its own pacing buckets."""
    return module.client_from_connection(conn, token_store=TokenStore(db_url), buckets=MemoryBucketStore())


def posting_log(db_url: str, ledger: str, tenant: str, flow_id: str | None = None) -> PostingLog:
    return PostingLog(db_url, flow_id or f"flow-{uuid.uuid4().hex[:8]}", ledger, tenant)


def reset(server: SandboxServer) -> None:
    httpx.post(f"{server.url}/_sandbox/reset", timeout=10).raise_for_status()


def set_faults(server: SandboxServer, rules: list[dict[str, Any]], seed: int = 11) -> None:
    httpx.post(f"{server.url}/_sandbox/faults", json={"rules": rules, "seed": seed}, timeout=10).raise_for_status()


def stats(server: SandboxServer, ledger: str) -> dict[tuple[str, int], int]:
    rows = httpx.get(f"{server.url}/_sandbox/stats", timeout=10).json()
    rows = rows.get("calls", rows) if isinstance(rows, dict) else rows
    return {(r["operation"], r["status"]): r["count"] for r in rows if r["api"] == ledger}


def trial_balance(server: SandboxServer, ledger: str, tenant: str) -> dict[tuple[str, str], Decimal]:
    body = httpx.get(f"{server.url}/_sandbox/{ledger}/trial-balance", params={"tenant": tenant}, timeout=10).json()
    return {(row["account"], row["currency"]): Decimal(row["balance"]) for row in body["accounts"]}


def ledger_documents(server: SandboxServer, ledger: str, tenant: str) -> list[dict[str, Any]]:
    body = httpx.get(f"{server.url}/_sandbox/{ledger}/documents", params={"tenant": tenant}, timeout=10).json()
    return body["documents"]


def document_state(server: SandboxServer, ledger: str, tenant: str) -> list[tuple[str, str, str, str]]:
    """What a bookkeeper sees: (type, reference, status, total) of every live document, sorted."""
    return sorted((d["type"], d["reference"], d["status"], d["total"])
                  for d in ledger_documents(server, ledger, tenant) if d["status"].lower() != "deleted")


def _tax_account(code: str) -> str:
    return "2110" if code.upper().startswith("VAT") else "2100"


def inclusive_tax(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """Tax a ledger extracts from a tax-inclusive amount (MYOB lines, Zoho invoices)."""
    step = Decimal("1") if currency == "JPY" else Decimal("0.01")
    return (amount * rate / (100 + rate)).quantize(step, rounding=ROUND_HALF_UP)


def added_tax(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """Tax of a Zoho journal line worth `amount` with tax added on top of its net: the tax of the largest
    net (in cents) whose net plus tax does not exceed the amount (the rest is an untaxed cent)."""
    step = Decimal("1") if currency == "JPY" else Decimal("0.01")
    magnitude = abs(amount)
    best = Decimal(0)
    net = (magnitude * 100 / (100 + rate)).quantize(step) - 3 * step
    while net <= magnitude:
        tax = (net * rate / 100).quantize(step, rounding=ROUND_HALF_UP)
        if net + tax <= magnitude:
            best = tax
        net += step
    return best if amount >= 0 else -best


def _split(totals: dict[tuple[str, str], Decimal], account: str, currency: str, amount: Decimal,
           tax_code: str | None, tax_of: Callable[[Decimal, Decimal, str], Decimal] = inclusive_tax) -> None:
    rate = TAX_RATES.get(tax_code or "")
    tax = tax_of(amount, rate, currency) if rate else Decimal(0)
    if tax:
        totals[(_tax_account(tax_code or ""), currency)] += tax
    totals[(account, currency)] += amount - tax


def expected_balances(documents: Iterable[Document], code: Callable[[str], str] = lambda c: c, *,
                      journal_tax: Callable[[Decimal, Decimal, str], Decimal] = inclusive_tax
                      ) -> dict[tuple[str, str], Decimal]:
    """The trial balance the documents should leave (see the module docstring); `journal_tax` is how the
    ledger taxes a journal line (`added_tax` for Zoho)."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for doc in documents:
        if doc.kind in (DocumentKind.ORDER_INVOICE, DocumentKind.CREDIT_NOTE):
            sign = Decimal(1) if doc.kind == DocumentKind.ORDER_INVOICE else Decimal(-1)
            totals[(RECEIVABLE, doc.currency)] += sign * doc.invoice_total
            for line in doc.invoice_lines:
                _split(totals, code(line.account), doc.currency, -sign * line.amount, line.tax_code)
            continue
        for line in doc.lines:
            if line.role in (LineRole.CLEARING, LineRole.RECEIVABLE):
                totals[(RECEIVABLE, doc.currency)] += line.amount
            else:
                _split(totals, code(line.account), doc.currency, line.amount, line.tax_code, journal_tax)
    return {key: value for key, value in sorted(totals.items()) if value != 0}


def post(client: LedgerClient, log: PostingLog, documents: list[LedgerDocument], conn_id: str,
         rounds: int = 6) -> list[PostingSummary]:
    """Post until nothing is left to do (a scheduler retries an incomplete run the same way)."""
    summaries = []
    for _ in range(rounds):
        try:
            summaries.append(post_documents(client, log, documents, conn_id=conn_id))
            return summaries
        except PostingIncomplete:
            continue
    raise AssertionError("posting did not complete")
