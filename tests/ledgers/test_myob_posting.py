"""Posting a generated quarter to the MYOB stand-in over HTTP, in both modes: the trial balance equals the
documents' truth to the cent, reruns create nothing, a refund after the invoice nets the order's income,
faults leave the same end state as a clean run, a revoked grant blocks the flow, updates carry RowVersion."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sellerledger.accounting.model import Document, Money
from sellerledger.accounting.source import Settlement
from sellerledger.ledgers import myob
from sellerledger.ledgers.myob.render import TARGETS
from sellerledger.ledgers.poster import SyncBlocked, post_documents
from sellerledger.sandbox.server import SandboxServer
from tests.ledgers import mz_support as mz

D = Decimal
TENANT = "demo"
READS = ("Sale/Invoice.list", "Banking/ReceiveMoneyTxn.list", "GeneralLedger/GeneralJournal.list",
         "Contact/Customer.list", "Contact/Customer.get", "Inventory/Item.list", "GeneralLedger/Account.list",
         "GeneralLedger/TaxCode.list", "GeneralLedger/Currency.list")
WRITES = ("Sale/Invoice/Item.post", "Sale/Invoice/Service.post", "Banking/ReceiveMoneyTxn.post",
          "GeneralLedger/GeneralJournal.post", "Contact/Customer.post", "Contact/Customer.put", "Inventory/Item.post")


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    server = mz.start_sandbox("myob")
    yield server
    server.stop()


@pytest.fixture
def settlements(fresh_db: str) -> list[Settlement]:
    return mz.stage(fresh_db)


def fresh_client(server: SandboxServer, db: str, **extra: Any) -> myob.MyobClient:
    return mz.client(myob, mz.myob_connection(server, TENANT, **extra), db)


def book_code(display_id: str) -> str:
    return display_id.split("-", 1)[1]


def assert_exactly_once(server: SandboxServer) -> list[dict[str, Any]]:
    live = [d for d in mz.ledger_documents(server, "myob", TENANT) if d["status"] != "Deleted"]
    assert len({d["reference"] for d in live}) == len(live), "a document was posted twice"
    assert {d["attempts"] for d in live} == {1}, "a committed document was sent again"
    return live


def run(server: SandboxServer, db: str, docs: list[Document], flow: str) -> tuple[myob.MyobClient, Any]:
    client = fresh_client(server, db)
    log = mz.posting_log(db, "myob", client.tenant, flow)
    summaries = mz.post(client, log, client.render(docs), "myob_demo")
    return client, summaries[-1]


@pytest.mark.parametrize("mode", ["summary", "per_order"])
def test_a_quarter_posts_to_the_cent_and_a_rerun_creates_nothing(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement], mode: str) -> None:
    mz.reset(server)
    docs = mz.build(settlements, "myob", mode, f"tiny-us-myob-{mode}")
    assert any(s.total < 0 for s in settlements) and any(len({d.part for d in docs if d.settlement_id == s.settlement_id})
                                                         > 1 for s in settlements)
    client, summary = run(server, fresh_db, docs, "quarter")
    assert len(summary.created) == len(docs) and not summary.failed

    balances = mz.trial_balance(server, "myob", TENANT)
    assert balances == mz.expected_balances(docs, book_code)
    for account in ("1000", "4000", "6000", "6010", "2200"):  # bank, income, fees, payable (negative settlement)
        assert (account, "USD") in balances
    assert ("1100", "USD") not in balances and ("1200", "USD") not in balances  # clearing and receivable at 0
    assert balances[("1000", "USD")] == sum((s.total for s in settlements if s.total > 0), D(0))
    live = assert_exactly_once(server)

    calls = sum(client.calls.values()) + client.tokens.refreshes
    orders = mz.order_count(settlements)
    print(f"\nMYOB {mode}: {calls} API calls for {len(docs)} documents, {orders} orders = "
          f"{calls * 1000 / orders:.0f} calls per 1,000 orders (incl. {client.tokens.refreshes} token refreshes; "
          f"{client.calls})")
    rendered = client.render(docs)
    for doc in rendered:  # what MYOB reports for each object is what we meant to post
        back = client.read(client.find(doc).ledger_id, doc.kind)
        assert (back.total, back.currency, back.reference) == (doc.total, "USD", doc.reference)

    again = fresh_client(server, fresh_db)  # a new process: nothing cached
    second = post_documents(again, mz.posting_log(fresh_db, "myob", again.tenant, "quarter"), again.render(docs),
                            conn_id="myob_demo")
    assert len(second.skipped) == len(docs) and not second.created
    assert not [op for op in again.calls if op.startswith("POST")]  # customers and items were found, not made
    assert mz.trial_balance(server, "myob", TENANT) == balances
    assert mz.ledger_documents(server, "myob", TENANT) == live


def ledger_order_income(client: myob.MyobClient, order_id: str) -> Decimal:
    items = {i["UID"]: i for i in client.api.list("Inventory/Item")}
    total = D(0)
    for invoice in client.api.list("Sale/Invoice", filter=f"CustomerPurchaseOrderNumber eq '{order_id}'"):
        for line in invoice["Lines"]:
            account = line.get("Account") or items[line["Item"]["UID"]]["IncomeAccount"]
            if account["DisplayID"].startswith(("4-", "8-")):
                total += line["Total"]
    return total


def test_an_order_refunded_after_its_invoice_posted_nets_to_what_the_settlements_say(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement]) -> None:
    mz.reset(server)
    docs = mz.build(settlements, "myob", "per_order", "tiny-us-myob-refund")
    order_id, invoiced_in, refunded_in = mz.refunded_later(docs)
    ids = [s.settlement_id for s in settlements]
    first = settlements[:ids.index(invoiced_in) + 1]
    client, _ = run(server, fresh_db, [d for d in docs if d.settlement_id in {s.settlement_id for s in first}],
                    "refund")
    assert ledger_order_income(client, order_id) == mz.order_income(first, order_id) > 0

    client, summary = run(server, fresh_db, docs, "refund")  # the next runs bring the refund
    assert summary.created and len(summary.skipped) == len([d for d in docs if d.settlement_id in {s.settlement_id
                                                                                                    for s in first}])
    net = ledger_order_income(client, order_id)
    assert net == mz.order_income(settlements, order_id) < mz.order_income(first, order_id)
    assert mz.trial_balance(server, "myob", TENANT) == mz.expected_balances(docs, book_code)


def inactive_customer(server: SandboxServer, db: str) -> None:
    """The Amazon.com customer exists but was made inactive and re-described by someone in MYOB."""
    client = fresh_client(server, db)
    no_tax = {"UID": client.refs.tax(None)["UID"]}
    client.api.post_once("Contact/Customer", {"CompanyName": "Amazon.com", "IsIndividual": False, "IsActive": False,
                                              "Notes": "old", "SellingDetails": {"TaxCode": no_tax,
                                                                                 "FreightTaxCode": no_tax}})


def test_faults_at_ten_percent_leave_the_same_end_state_as_a_clean_run(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement]) -> None:
    docs = mz.build(settlements, "myob", "per_order", "tiny-us-myob-faults")
    mz.reset(server)
    inactive_customer(server, fresh_db)
    run(server, fresh_db, docs, "clean")
    clean = (mz.document_state(server, "myob", TENANT), mz.trial_balance(server, "myob", TENANT))

    mz.reset(server)
    inactive_customer(server, fresh_db)
    rules = [{"api": "myob", "operation": op, "kind": kind, "rate": rate}
             for op in READS + WRITES for kind, rate in (("lost_response", 0.03), ("429", 0.03), ("500", 0.02),
                                                         ("503", 0.01), ("drop", 0.01))]
    rules += [{"api": "myob", "operation": "Contact/Customer.put", "kind": "conflict", "count": 1},
              {"api": "myob", "operation": "*", "kind": "conflict", "rate": 0.1}]
    mz.set_faults(server, rules)
    try:
        run(server, fresh_db, docs, "faulty")
        fired = {r["kind"]: r["fired"] for r in httpx.get(f"{server.url}/_sandbox/faults").json()["rules"]
                 if r["fired"]}
    finally:
        mz.set_faults(server, [])
    assert {"lost_response", "429", "conflict"} <= set(fired) and {"500", "503", "drop"} & set(fired)
    assert (mz.document_state(server, "myob", TENANT), mz.trial_balance(server, "myob", TENANT)) == clean
    assert_exactly_once(server)
    customer = fresh_client(server, fresh_db).refs.customer("Amazon.com")
    assert customer["IsActive"] is True  # updated with its RowVersion despite the conflict


def test_a_lost_answer_or_dropped_connection_is_found_not_posted_twice(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement]) -> None:
    mz.reset(server)
    docs = mz.build(settlements[:2], "myob", "summary", "tiny-us-myob-lost")
    mz.set_faults(server, [
        {"api": "myob", "operation": "Banking/ReceiveMoneyTxn.post", "kind": "lost_response", "count": 1},
        {"api": "myob", "operation": "GeneralLedger/GeneralJournal.post", "kind": "drop", "count": 1}])
    try:
        client, summary = run(server, fresh_db, docs, "lost")
    finally:
        mz.set_faults(server, [])
    assert len(summary.created) == len(docs)
    assert client.calls["GET Banking/ReceiveMoneyTxn"] >= 1 and client.calls["GET GeneralLedger/GeneralJournal"] >= 1
    assert_exactly_once(server)
    assert mz.trial_balance(server, "myob", TENANT) == mz.expected_balances(docs, book_code)


def test_a_changed_document_is_updated_with_its_rowversion_through_conflicts(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement]) -> None:
    mz.reset(server)
    docs = mz.build(settlements[:1], "myob", "summary", "tiny-us-myob-update")
    client, _ = run(server, fresh_db, docs, "update")
    before = mz.trial_balance(server, "myob", TENANT)
    rendered = client.render(docs)
    fees = str(client.refs.account("6-6000")["UID"])
    other = str(client.refs.account("6-6050")["UID"])
    changed = []
    for doc in rendered:
        lines = [{**line, "Account": {"UID": other}} if line["Account"]["UID"] == fees else line
                 for line in doc.payload["Lines"]]
        changed.append(replace(doc, payload={**doc.payload, "Lines": lines, "Memo": "re-mapped fees"}))
    moved = before.get(("6000", "USD"), D(0))
    assert moved
    mz.set_faults(server, [{"api": "myob", "operation": f"{doc.kind}.put", "kind": "conflict", "count": 2}
                           for doc in changed])
    try:
        summary = post_documents(client, mz.posting_log(fresh_db, "myob", client.tenant, "update"), changed,
                                 conn_id="myob_demo")
    finally:
        mz.set_faults(server, [])
    assert len(summary.updated) == len(changed)
    after = mz.trial_balance(server, "myob", TENANT)
    assert ("6000", "USD") not in after and after[("6050", "USD")] == before.get(("6050", "USD"), D(0)) + moved
    assert client.read(client.find(changed[-1]).ledger_id, changed[-1].kind).total == changed[-1].total
    assert len(assert_exactly_once(server)) == len(docs)


def test_a_revoked_grant_blocks_the_flow_without_a_retry_storm(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement]) -> None:
    mz.reset(server)
    docs = mz.build(settlements[:2], "myob", "summary", "tiny-us-myob-revoked")
    client = fresh_client(server, fresh_db)
    rendered = client.render(docs)
    log = mz.posting_log(fresh_db, "myob", client.tenant, "revoked")
    mz.set_faults(server, [{"api": "myob", "operation": "oauth2.token", "kind": "invalid_grant", "count": 1}])
    httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 1300}).raise_for_status()  # token expired
    before = mz.stats(server, "myob")
    try:
        with pytest.raises(SyncBlocked, match="myob_demo"):
            post_documents(client, log, rendered, conn_id="myob_demo")
        with pytest.raises(SyncBlocked):
            post_documents(client, log, rendered, conn_id="myob_demo")  # blocked: nothing is sent
    finally:
        mz.set_faults(server, [])
    after = mz.stats(server, "myob")
    sent = {key: n - before.get(key, 0) for key, n in after.items() if n != before.get(key, 0)}
    refused = [op for (op, status) in sent if status == 401]
    assert sent[("oauth2.token", 400)] == 1 and len(refused) == 1 and len(sent) == 2, sent  # one try, one refresh
    assert mz.ledger_documents(server, "myob", TENANT) == []


def test_a_euro_marketplace_posts_with_its_exchange_rate_and_vat_extracted(server: SandboxServer,
                                                                          fresh_db: str) -> None:
    mz.reset(server)
    euro = [s for s in mz.stage(fresh_db, "DE", "tiny-de") if s.total > 0][:2]
    converted = [replace(s, deposit=Money((s.total * D("1.0850")).quantize(D("0.01")), "USD")) for s in euro]
    docs = mz.build(converted, "myob", "per_order", "tiny-de-myob")
    assert {d.currency for d in docs} == {"EUR"}
    client, summary = run(server, fresh_db, docs, "euro")
    assert len(summary.created) == len(docs)
    for doc, rendered in zip(docs, client.render(docs), strict=True):
        entity = client.api.get(f"{TARGETS[rendered.kind].lookup}/{client.find(rendered).ledger_id}")
        assert (entity["ForeignCurrency"]["Code"], entity["CurrencyExchangeRate"]) == ("EUR", doc.fx.rate)
    balances = mz.trial_balance(server, "myob", TENANT)
    assert balances == mz.expected_balances(docs, book_code)
    assert balances[("2110", "EUR")] < 0 and balances[("1000", "EUR")] == sum((s.total for s in euro), D(0))


def test_pacing_keeps_a_steady_run_under_eight_calls_a_second(fresh_db: str) -> None:
    slow = mz.start_sandbox("myob", time_scale=4.0)  # the stand-in's limit: 8 a virtual second, 32 a real one
    try:
        client = mz.client(myob, mz.myob_connection(slow, TENANT, time_scale=4.0), fresh_db)
        for _ in range(80):  # as fast as the client may: far more than the stand-in's burst of 8
            client.ping()
        assert {status for (_, status) in mz.stats(slow, "myob")} == {200}  # never a 403 RateLimitError
        assert client.api.reads.limiter.waited  # the client waited instead of being throttled
    finally:
        slow.stop()
