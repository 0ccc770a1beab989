"""Posting a generated quarter to the QuickBooks Online stand-in over HTTP, exactly once, in both modes:
the trial balance equals the documents to the cent, reruns and injected faults (lost responses, 429,
5xx, stale SyncTokens) change nothing, a refund of an earlier order nets the order's income, a revoked
grant blocks the flow, changed documents are updated with the current SyncToken, Faults in a 200 fail."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest

from sellerledger.accounting.categorize import categorize
from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.model import DocumentKind
from sellerledger.ledgers.poster import SyncBlocked, post_documents
from sellerledger.ledgers.qbo import QboClient, client_from_connection
from sellerledger.ledgers.qbo.refdata import select
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

SANDBOX_APIS = ("qbo",)
FLOW = "demo-us-qbo"
DATA_OPERATIONS = ("batch", "query", "Customer", "readCompanyInfo", "Invoice", "readInvoice")


@pytest.fixture
def qsb(ledger_server) -> Iterator[Sandbox]:  # noqa: F811
    yield from sandbox_for(ledger_server, "qbo")


def new_client(qsb: Sandbox, conn_id: str = "qbo_test") -> QboClient:
    return client_from_connection(qsb.connection(conn_id), bucket_store=memory_buckets())


def posting_log(db: str, client: QboClient, flow: str = FLOW) -> PostingLog:
    return PostingLog(db, flow, "qbo", client.tenant, run_id="test")


def quarter_documents(mode: str) -> list[list]:
    return [documents_for(s, "qbo", mode, FLOW) for s in quarter()]


def per_1000_orders(client: QboClient) -> Decimal:
    return (Decimal(sum(client.calls.values())) * 1000 / quarter_orders()).quantize(Decimal("0.1"))


def live(documents: list[dict]) -> Counter:
    return Counter((d["type"], d["reference"], d["status"], d["total"]) for d in documents)


def entities(client: QboClient, entity: str, **where: str) -> list[dict]:
    return client.query(select(entity, "MAXRESULTS 1000", **where)).get(entity, [])


def test_summary_quarter_is_one_deposit_per_paying_part_and_balances_to_the_cent(qsb: Sandbox, fresh_db: str) -> None:
    batches = quarter_documents("summary")
    everything = [d for batch in batches for d in batch]
    truth = model_balances(everything)
    assert truth[("2200", "USD")] < 0, "the quarter must hold a negative settlement (owed to Amazon)"
    client = new_client(qsb)
    log = posting_log(fresh_db, client)
    first = counted(post_settlements(client, log, batches, conn_id="qbo_test"))
    assert first["created"] == len(everything) and first["failed"] == 0
    # company info, accounts and tax codes came in one batch of queries, not a request each
    assert set(client.calls) == {"batch"} and client.calls["batch"] == len(batches) + 1
    assert qsb.trial_balance() == truth and ("1100", "USD") not in truth
    deposits = entities(client, "Deposit")
    paying = [d for d in everything if d.anchor is not None and d.anchor.account == "1000"]
    assert sorted(Decimal(str(d["TotalAmt"])) for d in deposits) == sorted(d.net.amount for d in paying)
    assert {d.settlement_id for d in paying} == {s.settlement_id for s in quarter() if s.total > 0}
    journals = entities(client, "JournalEntry")
    assert len(journals) == len(everything) - len(paying)  # carried-forward parts and the negative settlement
    assert client.http.count(429) == 0  # paced under the limits: a steady run is never throttled
    print(f"\nqbo summary: {sum(client.calls.values())} calls for {quarter_orders()} orders = "
          f"{per_1000_orders(client)} per 1,000 orders; {client.calls}")
    before = qsb.documents()
    again = counted(post_settlements(new_client(qsb), log, batches, conn_id="qbo_test"))
    assert again["skipped"] == len(everything) and again["created"] == 0
    assert qsb.documents() == before and qsb.trial_balance() == truth


def test_per_order_quarter_in_two_runs_clears_every_order_and_nets_refunds(qsb: Sandbox, fresh_db: str) -> None:
    batches = quarter_documents("per_order")
    everything = [d for batch in batches for d in batch]
    client = new_client(qsb)
    log = posting_log(fresh_db, client)
    first = counted(post_settlements(client, log, batches[:4], conn_id="qbo_test"))
    second = counted(post_settlements(client, log, batches, conn_id="qbo_test"))
    assert first["created"] + second["created"] == len(everything) and second["skipped"] == first["created"]
    balances = qsb.trial_balance()
    assert balances == model_balances(everything)
    assert ("1100", "USD") not in balances and ("1200", "USD") not in balances  # clearing and receivables at zero
    assert client.http.count(429) == 0
    print(f"\nqbo per_order: {sum(client.calls.values())} calls for {quarter_orders()} orders = "
          f"{per_1000_orders(client)} per 1,000 orders; {client.calls}")

    mapping = load_mapping("qbo")
    sales: dict[str, Decimal] = Counter()
    for settlement in quarter():
        for p in categorize(settlement, mapping, unmapped="hold").postings:
            if p.line.order_id and p.route.document in ("invoice", "credit_note"):
                sales[p.line.order_id] += p.line.amount
    refunded = sorted(refunded_later(quarter()))
    assert len(refunded) >= 3
    invoices, memos = entities(client, "Invoice"), entities(client, "CreditMemo")
    for order in refunded:
        held = sum((Decimal(str(i["TotalAmt"])) for i in invoices if f"order {order} " in i["PrivateNote"]),
                   Decimal("0"))
        held -= sum((Decimal(str(m["TotalAmt"])) for m in memos if f"order {order} " in m["PrivateNote"]),
                    Decimal("0"))
        assert held == sales[order], order

    before = qsb.documents()
    third = counted(post_settlements(new_client(qsb), log, batches, conn_id="qbo_test"))
    assert third["created"] == 0 and third["skipped"] == len(everything)
    assert qsb.documents() == before


def _rules(rate: float) -> list[dict]:
    return [{"api": "qbo", "kind": kind, "operation": op, "rate": rate}
            for op in DATA_OPERATIONS for kind in ("429", "500", "503", "lost_response")]


def _post_and_update(qsb: Sandbox, client: QboClient, log: PostingLog, batches: list[list], conn_id: str) -> list:
    summaries = post_settlements(client, log, batches, conn_id=conn_id, max_runs=6)
    changed = [reprice(d, Decimal("-0.25")) for d in batches[-1] if d.kind == DocumentKind.ORDER_INVOICE][:5]
    for _ in range(6):
        summary = post_documents(client, log, client.render(changed), conn_id=conn_id)
        if not summary.failed:
            break
    return summaries


def test_faults_at_ten_percent_end_in_the_same_books_as_a_clean_run(qsb: Sandbox, fresh_db: str) -> None:
    batches = quarter_documents("per_order")
    clean = new_client(qsb, "qbo_clean")
    _post_and_update(qsb, clean, posting_log(fresh_db, clean, "clean"), batches, "qbo_clean")
    clean_books, clean_docs = qsb.trial_balance(), live(qsb.documents())
    qsb.http.post("/_sandbox/reset").raise_for_status()
    qsb.faults(*_rules(0.025),
               {"api": "qbo", "kind": "conflict", "operation": "updateInvoice", "rate": 0.3})
    faulty = new_client(qsb, "qbo_faulty")
    _post_and_update(qsb, faulty, posting_log(fresh_db, faulty, "faulty"), batches, "qbo_faulty")
    fired = Counter()
    for rule in qsb.http.get("/_sandbox/faults").json()["rules"]:
        fired[rule["kind"]] += rule["fired"]
    assert all(fired[kind] > 0 for kind in ("429", "500", "503", "lost_response", "conflict")), fired
    assert qsb.trial_balance() == clean_books
    assert live(qsb.documents()) == clean_docs


def test_a_revoked_grant_blocks_the_flow_naming_the_connection_without_a_retry_storm(
        qsb: Sandbox, fresh_db: str) -> None:
    client = new_client(qsb, "qbo_revoked")
    rendered = client.render(documents_for(worked_example(), "qbo", "summary", FLOW))
    qsb.faults({"api": "qbo", "kind": "invalid_grant", "operation": "token", "count": 1})
    qsb.http.post("/_sandbox/clock", json={"advance_seconds": 7200}).raise_for_status()  # the access token expires
    log = posting_log(fresh_db, client)
    tokens_before = qsb.stats("token")
    with pytest.raises(SyncBlocked, match="qbo_revoked") as blocked:
        post_documents(client, log, rendered, conn_id="qbo_revoked")
    assert "re-authorise" in str(blocked.value).lower()
    calls = qsb.stats()
    with pytest.raises(SyncBlocked):
        post_documents(client, log, rendered, conn_id="qbo_revoked")
    assert qsb.stats() == calls and qsb.stats("token") == tokens_before + 1
    assert qsb.documents() == []


def test_an_update_survives_a_stale_sync_token_and_a_fault_inside_a_200(qsb: Sandbox, fresh_db: str) -> None:
    docs = documents_for(worked_example(), "qbo", "per_order", FLOW)
    client = new_client(qsb)
    log = posting_log(fresh_db, client)
    post_documents(client, log, client.render(docs), conn_id="qbo_test")
    invoice = docs[0]
    assert invoice.kind == DocumentKind.ORDER_INVOICE
    invoice_id = log.get_many([invoice.key])[invoice.key].ledger_id
    qsb.faults({"api": "qbo", "kind": "conflict", "operation": "updateInvoice", "count": 1},
               {"api": "qbo", "kind": "fault_in_200", "operation": "Invoice", "count": 1})
    cheaper = client.render([reprice(invoice, Decimal("-1.50"))])
    failed = post_documents(client, log, cheaper, conn_id="qbo_test")  # the Fault in the 200 is a failure
    assert "6000" in failed.failed[invoice.key] and failed.updated == []
    held = client.get("readInvoice", f"invoice/{invoice_id}")["Invoice"]
    assert held["TotalAmt"] == Decimal("43.20") and held["SyncToken"] == "0"  # nothing was saved
    updated = post_documents(client, log, cheaper, conn_id="qbo_test")  # meets a stale SyncToken, refetches
    assert updated.updated == [invoice.key]
    held = client.get("readInvoice", f"invoice/{invoice_id}")["Invoice"]
    assert (held["TotalAmt"], held["SyncToken"]) == (Decimal("41.70"), "2")
    assert log.get_many([invoice.key])[invoice.key].ledger_version == "2"
    assert client.read(invoice_id, "order_invoice").total == Decimal("41.70")
    assert post_documents(client, log, cheaper, conn_id="qbo_test").skipped == [invoice.key]
    assert qsb.trial_balance()[("4000", "USD")] == Decimal("-63.50")


def test_a_lost_batch_answer_is_replayed_by_requestid_not_run_again(qsb: Sandbox, fresh_db: str) -> None:
    docs = documents_for(worked_example(), "qbo", "per_order", FLOW)
    client = new_client(qsb)
    rendered = client.render(docs)
    qsb.faults({"api": "qbo", "kind": "lost_response", "operation": "batch", "count": 1})
    summary = post_documents(client, posting_log(fresh_db, client), rendered, conn_id="qbo_test")
    assert len(summary.created) == len(docs) and client.http.count(500) == 1
    held = qsb.documents()
    assert len(held) == len(docs) and all(d["attempts"] == 1 for d in held)  # the retry ran nothing twice
    assert qsb.trial_balance() == model_balances(docs)


def test_the_duplicate_doc_number_guard_finds_what_an_earlier_run_posted(qsb: Sandbox, fresh_db: str) -> None:
    docs = documents_for(worked_example(), "qbo", "summary", FLOW)
    first = new_client(qsb, "qbo_first")
    post_documents(first, posting_log(fresh_db, first, "lost-log"), first.render(docs), conn_id="qbo_first")
    again = new_client(qsb, "qbo_first")  # the posting log was lost: a fresh flow posts the same documents
    summary = post_documents(again, posting_log(fresh_db, again, "other-log"), again.render(docs),
                             conn_id="qbo_first")
    assert summary.created == [d.key for d in docs]  # ... and QBO's 6140 answer led to the existing ones
    assert len(qsb.documents()) == len(docs) and qsb.trial_balance() == model_balances(docs)
