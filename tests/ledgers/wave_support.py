"""Shared set-up of the Wave posting tests: a generated quarter of the `tiny` US seller staged through the
real path (V2 file → staging → accounting), a sandbox serving only Wave on loopback, connections and
clients, and the truth the ledger must end with.

The truth of a posting comes from the accounting documents alone: the sum of their journal lines per
account, with per_order links (receivable and clearing lines) on Wave's accounts receivable account
(`1200`, where Wave invoices post), and for a line under a tax code the tax it includes (half-up) moved
to the sales tax's account (VAT to 2110, other taxes to 2100, as the stand-in seeds them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import psycopg
import pytest

from sellerledger.accounting.build import build_documents
from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.model import Document, DocumentKind, LineRole
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.source import Settlement
from sellerledger.accounting.staged import load_settlement
from sellerledger.amazon.ratelimit import MemoryBucketStore
from sellerledger.ledgers.base import LedgerDocument
from sellerledger.ledgers.connection import LedgerConnection
from sellerledger.ledgers.errors import RetriableError
from sellerledger.ledgers.poster import PostingIncomplete, PostingSummary, post_documents
from sellerledger.ledgers.wave import WaveClient, client_from_connection
from sellerledger.sandbox.amazon.generator import generate
from sellerledger.sandbox.amazon.settlement_writer import settlement_file_bytes
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from sellerledger.staging.posting_log import PostingLog
from sellerledger.staging.settlements import stage_settlement_document
from sellerledger.staging.token_store import TokenStore

TODAY = date(2026, 11, 20)
TIME_SCALE = 200.0
SEED = 7
PROFILE = "tiny"
RECEIVABLE = "1200"
CLEARING = "1100"
TAX_RATES = {"VAT20": Decimal(20), "VAT19": Decimal(19), "GST10": Decimal(10), "GST5": Decimal(5),
             "JCT10": Decimal(10)}


# ------------------------------------------------------------------------------------------- the seller
def generated(marketplace: str = "US", profile: str = PROFILE, orders_per_day: float | None = None) -> list[Any]:
    options = {"orders_per_day": orders_per_day} if orders_per_day else None
    seller = generate(seed=SEED, profile=profile, today=TODAY, days=90, options=options)
    return sorted((s for s in seller.settlements if s.marketplace.code == marketplace), key=lambda s: s.end)


def stage(db_url: str, marketplace: str = "US", flow_id: str = "wave-us", *, profile: str = PROFILE,
          orders_per_day: float | None = None) -> list[Settlement]:
    """The marketplace's closed settlements, staged from their V2 files and loaded back, oldest first."""
    settlements = generated(marketplace, profile, orders_per_day)
    with psycopg.connect(db_url) as conn:
        for settlement in settlements:
            stage_settlement_document(conn, settlement_file_bytes(settlement), seller=f"{profile}-{marketplace}",
                                      source={"file_name": f"{settlement.settlement_id}.txt"}, flow_id=flow_id)
        return [load_settlement(conn, s.settlement_id) for s in settlements]


def build(settlement: Settlement, mode: str, flow_id: str) -> list[Document]:
    result = build_documents(settlement, load_mapping("wave"), AccountingPolicy(mode=mode, ledger="wave"), flow_id)
    assert not result.held, result.unmapped_report
    return list(result.documents)


def orders_in(settlements: Iterable[Settlement]) -> int:
    return len({ln.order_id for s in settlements for ln in s.lines if ln.order_id and ln.transaction_type == "Order"})


# ------------------------------------------------------------------------------------------- the truth
def _tax_account(code: str) -> str:
    return "2110" if code.upper().startswith("VAT") else "2100"


def expected_balances(documents: Iterable[Document]) -> dict[tuple[str, str], Decimal]:
    """The trial balance the documents should leave (see the module docstring), debit positive."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for doc in documents:
        for line in doc.lines:
            account = RECEIVABLE if line.role in (LineRole.RECEIVABLE, LineRole.CLEARING) else line.account
            rate = TAX_RATES.get(line.tax_code or "")
            tax = Decimal(0)
            if rate:
                step = Decimal(1) if doc.currency == "JPY" else Decimal("0.01")
                tax = (abs(line.amount) * rate / (100 + rate)).quantize(step, rounding=ROUND_HALF_UP)
                tax = tax if line.amount > 0 else -tax
                totals[(_tax_account(line.tax_code or ""), doc.currency)] += tax
            totals[(account, doc.currency)] += line.amount - tax
    return {key: value for key, value in sorted(totals.items()) if value != 0}


# ------------------------------------------------------------------------------------------- sandbox
def start_server(time_scale: float = TIME_SCALE, **wave_options: Any) -> SandboxServer:
    config = SandboxConfig(seed=SEED, profile=PROFILE, today=TODAY, time_scale=time_scale,
                           options={"wave": wave_options} if wave_options else {})
    return SandboxServer(config, only=("wave",)).start()


@dataclass
class Sandbox:
    server: SandboxServer
    http: httpx.Client

    def connection(self, conn_id: str = "wave_test", *, secret: str | None = None, tenant: int = 0,
                   **extra: Any) -> LedgerConnection:
        creds = self.http.get("/_sandbox/credentials").json()["wave"]
        row = creds["tenants"][tenant]
        return LedgerConnection(
            ledger="wave", conn_id=conn_id, client_id=creds["client_id"],
            client_secret=secret if secret is not None else creds["client_secret"],
            refresh_token=row["refresh_token"], tenant_id=row["business_id"], base_url=creds["graphql_url"],
            token_url=creds["token_url"], extra={"time_scale": TIME_SCALE, **extra})

    def client(self, db_url: str, conn_id: str = "wave_test", *, tenant: int = 0, **extra: Any) -> WaveClient:
        return client_from_connection(self.connection(conn_id, tenant=tenant, **extra), token_store=TokenStore(db_url),
                                      buckets=MemoryBucketStore())

    def faults(self, *rules: dict[str, Any], seed: int = 11) -> None:
        self.http.post("/_sandbox/faults", json={"rules": list(rules), "seed": seed}).raise_for_status()

    def advance(self, seconds: float) -> None:
        self.http.post("/_sandbox/clock", json={"advance_seconds": seconds}).raise_for_status()

    def tenant_key(self, tenant: int = 0) -> str:
        return self.http.get("/_sandbox/credentials").json()["wave"]["tenants"][tenant]["key"]

    def trial_balance(self, tenant: int = 0) -> dict[tuple[str, str], Decimal]:
        body = self.http.get("/_sandbox/wave/trial-balance", params={"tenant": self.tenant_key(tenant)}).json()
        return {(r["account"], r["currency"]): Decimal(r["balance"]) for r in body["accounts"]
                if Decimal(r["balance"]) != 0}

    def documents(self, tenant: int = 0) -> list[dict[str, Any]]:
        return self.http.get("/_sandbox/wave/documents", params={"tenant": self.tenant_key(tenant)}).json()["documents"]

    def live(self, tenant: int = 0) -> list[tuple[str, str, str, str]]:
        """(type, reference, status, total) of every document that is in the books, sorted."""
        return sorted((d["type"], d["reference"], d["status"], d["total"]) for d in self.documents(tenant)
                      if d["status"] != "DELETED")

    def stats(self) -> dict[tuple[str, int], int]:
        rows = self.http.get("/_sandbox/stats").json()["calls"]
        return {(r["operation"], r["status"]): r["count"] for r in rows if r["api"] == "wave"}

    def business(self, tenant: int = 0) -> Any:
        api = self.server.state.apis["wave"]
        return api.businesses[tenant]


@pytest.fixture(scope="module")
def wave_server() -> Iterator[SandboxServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def wave(wave_server: SandboxServer) -> Iterator[Sandbox]:
    with httpx.Client(base_url=wave_server.url, timeout=30) as http:
        http.post("/_sandbox/reset").raise_for_status()
        yield Sandbox(wave_server, http)


# ------------------------------------------------------------------------------------------- posting
def post_all(client: WaveClient, log: PostingLog, batches: Sequence[Sequence[Document]], *, conn_id: str = "wave_test",
             runs: int = 1) -> list[PostingSummary]:
    """Render and post each settlement's documents in order; with `runs` > 1 a settlement whose posting
    came back incomplete is run again, as the scheduler would."""
    summaries = []
    for documents in batches:
        rendered: list[LedgerDocument] = client.render(documents)
        for run in range(1, runs + 1):
            try:
                summaries.append(post_documents(client, log, rendered, conn_id=conn_id))
                break
            except (PostingIncomplete, RetriableError):
                if run == runs:
                    raise
    return summaries


def counted(summaries: Sequence[PostingSummary]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for summary in summaries:
        for name, value in summary.as_dict().items():
            if isinstance(value, int):
                totals[name] += value
    return dict(totals)


def kinds(documents: Sequence[Document]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for doc in documents:
        out[DocumentKind(doc.kind).value] += 1
    return dict(out)
