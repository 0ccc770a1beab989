"""Posting a generated quarter to the Xero stand-in over HTTP, exactly once, in both modes: the trial
balance equals the documents to the cent, reruns and injected faults change nothing, a refund of an
earlier order nets the order's income, a revoked grant blocks the flow, changed documents are updated."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest

from sellerledger.accounting.categorize import categorize
from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.model import DocumentKind
from sellerledger.ledgers.poster import SyncBlocked, post_documents
from sellerledger.ledgers.xero import XeroClient, client_from_connection
from sellerledger.staging.posting_log import PostingLog
from tests.ledgers.xq_support import (
    Sandbox,
    counted,
    documents_for,
    ledger_server,  # noqa: F401  (module-scoped sandbox fixture)
    memory_buckets,
    model_balances,
    post_settlements,
    quarter,
    quarter_orders,
    refunded_later,
    reprice,
    sandbox_for,
    worked_example,
)

SANDBOX_APIS = ("xero",)
FLOW = "demo-us-xero"


@pytest.fixture
def xsb(ledger_server) -> Iterator[Sandbox]:  # noqa: F811
    yield from sandbox_for(ledger_server, "xero")


def new_client(xsb: Sandbox, conn_id: str = "xero_test") -> XeroClient:
    return client_from_connection(xsb.connection(conn_id), bucket_store=memory_buckets())


def posting_log(db: str, client: XeroClient, flow: str = FLOW) -> PostingLog:
    return PostingLog(db, flow, "xero", client.tenant, run_id="test")


def quarter_documents(mode: str) -> list[list]:
    return [documents_for(s, "xero", mode, FLOW) for s in quarter()]


def per_1000_orders(client: XeroClient) -> Decimal:
    return (Decimal(sum(client.calls.values())) * 1000 / quarter_orders()).quantize(Decimal("0.1"))


def live(documents: list[dict]) -> Counter:
    return Counter((d["type"], d["reference"], d["status"], d["total"]) for d in documents)


def test_summary_quarter_balances_to_the_cent_and_a_rerun_posts_nothing(xsb: Sandbox, fresh_db: str) -> None:
    batches = quarter_documents("summary")
    everything = [d for batch in batches for d in batch]
    truth = model_balances(everything)
    assert truth[("2200", "USD")] < 0, "the quarter must hold a negative settlement (owed to Amazon)"
    assert max(Counter(d.settlement_id for d in everything).values()) >= 2, "a settlement split at a month end"
    client = new_client(xsb)
    log = posting_log(fresh_db, client)
    first = counted(post_settlements(client, log, batches, conn_id="xero_test"))
    assert first["created"] == len(everything) and first["failed"] == 0
    assert xsb.trial_balance() == truth
    assert ("1100", "USD") not in xsb.trial_balance()  # clearing / carried forward back at zero
    assert client.http.count(429) == 0  # paced under the limits: a steady run is never throttled
    print(f"\nxero summary: {sum(client.calls.values())} calls for {quarter_orders()} orders = "
          f"{per_1000_orders(client)} per 1,000 orders; {client.calls}")
    before, calls = xsb.documents(), sum(client.calls.values())
    again = counted(post_settlements(new_client(xsb), log, batches, conn_id="xero_test"))
    assert again["skipped"] == len(everything) and again["created"] == 0
    assert xsb.documents() == before and xsb.trial_balance() == truth
    assert all(d["attempts"] <= 1 for d in before)
    assert calls > 0


def test_per_order_quarter_in_two_runs_clears_every_order_and_nets_refunds(xsb: Sandbox, fresh_db: str) -> None:
    batches = quarter_documents("per_order")
    everything = [d for batch in batches for d in batch]
    client = new_client(xsb)
    log = posting_log(fresh_db, client)
    first = counted(post_settlements(client, log, batches[:4], conn_id="xero_test"))
    second = counted(post_settlements(client, log, batches, conn_id="xero_test"))
    assert first["created"] + second["created"] == len(everything) and second["skipped"] == first["created"]
    balances = xsb.trial_balance()
    assert balances == model_balances(everything)
    assert ("1100", "USD") not in balances and ("1200", "USD") not in balances  # clearing and receivables at zero
    assert client.http.count(429) == 0
    print(f"\nxero per_order: {sum(client.calls.values())} calls for {quarter_orders()} orders = "
          f"{per_1000_orders(client)} per 1,000 orders; {client.calls}")

    mapping = load_mapping("xero")
    sales: dict[str, Decimal] = Counter()
    for settlement in quarter():
        for p in categorize(settlement, mapping, unmapped="hold").postings:
            if p.line.order_id and p.route.document in ("invoice", "credit_note"):
                sales[p.line.order_id] += p.line.amount
    refunded = sorted(refunded_later(quarter()))
    assert len(refunded) >= 3
    for order in refunded:
        held = Decimal("0")
        for collection, sign in (("Invoices", 1), ("CreditNotes", -1)):
            rows = client._list(collection, f'Reference.StartsWith("{order}")')
            held += sum((sign * Decimal(str(r["Total"])) for r in rows), Decimal("0"))
        assert held == sales[order], order

    before = xsb.documents()
    third = counted(post_settlements(new_client(xsb), log, batches, conn_id="xero_test"))
    assert third["created"] == 0 and third["skipped"] == len(everything)
    assert xsb.documents() == before


def test_faults_on_a_fifth_of_calls_end_in_the_same_books_as_a_clean_run(xsb: Sandbox, fresh_db: str) -> None:
    batches = quarter_documents("per_order")
    everything = [d for batch in batches for d in batch]
    clean = new_client(xsb, "xero_clean")
    post_settlements(clean, posting_log(fresh_db, clean, "clean"), batches, conn_id="xero_clean")
    clean_books, clean_docs = xsb.trial_balance(), live(xsb.documents())
    xsb.http.post("/_sandbox/reset").raise_for_status()
    # 5% of each kind: the quarter takes few calls (one per collection batch), and every kind must fire
    xsb.faults({"api": "xero", "kind": "429", "rate": 0.05}, {"api": "xero", "kind": "500", "rate": 0.05},
               {"api": "xero", "kind": "503", "rate": 0.05}, {"api": "xero", "kind": "lost_response", "rate": 0.05})
    faulty = new_client(xsb, "xero_faulty")
    summaries = post_settlements(faulty, posting_log(fresh_db, faulty, "faulty"), batches, conn_id="xero_faulty",
                                 max_runs=6)
    fired = {r["kind"]: r["fired"] for r in xsb.http.get("/_sandbox/faults").json()["rules"]}
    assert all(count > 0 for count in fired.values()), fired
    assert sum(s.as_dict()["created"] + s.as_dict()["found"] for s in summaries) == len(everything)
    assert xsb.trial_balance() == clean_books == model_balances(everything)
    assert live(xsb.documents()) == clean_docs


def test_a_revoked_grant_blocks_the_flow_naming_the_connection_without_a_retry_storm(
        xsb: Sandbox, fresh_db: str) -> None:
    client = new_client(xsb, "xero_revoked")
    rendered = client.render(documents_for(worked_example(), "xero", "summary", FLOW))
    xsb.faults({"api": "xero", "kind": "invalid_grant", "operation": "token", "count": 1})
    xsb.http.post("/_sandbox/clock", json={"advance_seconds": 3600}).raise_for_status()  # the access token expires
    log = posting_log(fresh_db, client)
    tokens_before = xsb.stats("token")
    with pytest.raises(SyncBlocked, match="xero_revoked") as blocked:
        post_documents(client, log, rendered, conn_id="xero_revoked")
    assert "re-authorise" in str(blocked.value).lower()
    calls = xsb.stats()
    with pytest.raises(SyncBlocked):
        post_documents(client, log, rendered, conn_id="xero_revoked")
    assert xsb.stats() == calls  # blocked: nothing sent at all
    assert xsb.stats("token") == tokens_before + 1
    assert xsb.documents() == []


def test_a_changed_invoice_is_updated_while_unpaid_and_adjusted_once_paid(xsb: Sandbox, fresh_db: str) -> None:
    docs = documents_for(worked_example(), "xero", "per_order", FLOW)
    client = new_client(xsb)
    log = posting_log(fresh_db, client)
    june_invoice, july_invoice = [d for d in docs if d.kind == DocumentKind.ORDER_INVOICE]
    post_documents(client, log, client.render([june_invoice]), conn_id="xero_test")
    summary = post_documents(client, log, client.render([reprice(june_invoice, Decimal("-1.50"))]),
                             conn_id="xero_test")
    assert summary.updated == [june_invoice.key]
    june = client._list("Invoices", 'Reference.StartsWith("111-0000001-0000001")')
    assert [(r["Total"], r["Status"]) for r in june] == [(Decimal("41.70"), "AUTHORISED")]  # updated in place

    july = [d for d in docs if d.part == "2026-07"]  # invoice, credit note, clearing (pays the invoice)
    post_documents(client, log, client.render(july), conn_id="xero_test")
    july_id = log.get_many([july_invoice.key])[july_invoice.key].ledger_id
    assert client.get_one("Invoices", july_id)["Status"] == "PAID"
    cheaper = client.render([reprice(july_invoice, Decimal("-2.00"))])
    assert post_documents(client, log, cheaper, conn_id="xero_test").updated == [july_invoice.key]
    credits = client._list("CreditNotes", 'CreditNoteNumber.StartsWith("AMZ-111-0000002-0000002")')
    assert [(r["Total"], r["Type"]) for r in credits] == [(Decimal("2.00"), "ACCRECCREDIT")]  # the difference
    assert post_documents(client, log, cheaper, conn_id="xero_test").skipped == [july_invoice.key]
    entry = log.get_many([july_invoice.key])[july_invoice.key]
    assert client.read(entry.ledger_id, "order_invoice").total == Decimal("23.00") == cheaper[0].total
    june_entry = log.get_many([june_invoice.key])[june_invoice.key]
    assert client.read(june_entry.ledger_id, "order_invoice").total == Decimal("41.70")
    assert xsb.trial_balance()[("4000", "USD")] == Decimal("-38.50") - Decimal("25.00") + Decimal("2.00")


def test_a_lost_answer_is_replayed_by_idempotency_key_not_posted_twice(xsb: Sandbox, fresh_db: str) -> None:
    docs = documents_for(worked_example(), "xero", "summary", FLOW)  # journals: Xero has no unique number
    client = new_client(xsb)
    rendered = client.render(docs)
    xsb.faults({"api": "xero", "kind": "lost_response", "operation": "createManualJournals", "count": 1},
               {"api": "xero", "kind": "lost_response", "operation": "createBankTransactions", "count": 1})
    summary = post_documents(client, posting_log(fresh_db, client), rendered, conn_id="xero_test")
    assert len(summary.created) == len(docs) and client.http.count(500) == 2
    types = Counter(d["type"] for d in xsb.documents())
    assert types == {"ManualJournal": 2, "BankTransaction": 1}
    assert xsb.trial_balance() == model_balances(docs)


def test_a_document_interrupted_between_its_parts_is_completed_not_duplicated(xsb: Sandbox, fresh_db: str) -> None:
    docs = documents_for(worked_example(), "xero", "per_order", FLOW)
    client = new_client(xsb)
    log = posting_log(fresh_db, client)
    rendered = client.render(docs)
    # the bank transaction of the July clearing cannot go through: payments and journal are in, the rest not
    xsb.faults({"api": "xero", "kind": "503", "operation": "createBankTransactions", "count": 8})
    with pytest.raises(Exception, match="503"):
        post_documents(client, log, rendered, conn_id="xero_test")
    assert Counter(d["type"] for d in xsb.documents())["BankTransaction"] == 0
    summary = post_documents(new_client(xsb), log, rendered, conn_id="xero_test")
    july_clearing = [d.key for d in docs if d.kind == DocumentKind.SETTLEMENT_CLEARING and d.part == "2026-07"]
    assert summary.created == july_clearing  # only its missing bank transaction was sent
    # the documents the failed call finished kept their ids: recorded as posted then, not looked up now
    assert summary.found == []
    assert sorted(summary.skipped) == sorted(d.key for d in docs if d.key not in july_clearing)
    assert Counter(d["type"] for d in xsb.documents()) == {"Invoice": 2, "CreditNote": 1, "Payment": 3,
                                                           "ManualJournal": 2, "BankTransaction": 1}
    assert xsb.trial_balance() == model_balances(docs)
