"""Posting a generated quarter to the Zoho Books stand-in over HTTP, in both modes: the trial balance equals
the documents' truth to the cent, reruns create nothing, a refund after the invoice nets the order's income,
faults leave the same end state as a clean run, a revoked grant blocks the flow, updates use PUT / upsert,
and a euro marketplace posts with its exchange rate."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sellerledger.accounting.model import Document, DocumentKind, Money
from sellerledger.accounting.source import Settlement
from sellerledger.ledgers import zoho
from sellerledger.ledgers.poster import SyncBlocked, post_documents
from sellerledger.sandbox.server import SandboxServer
from tests.ledgers import mz_support as mz

D = Decimal
TENANT = "demo"
OPERATIONS = ("list_organizations", "list_chart_of_accounts", "list_taxes", "list_currencies", "list_contacts",
              "create_contact", "update_invoice_using_custom_field", "mark_invoice_sent", "get_invoice",
              "list_invoices", "create_credit_note", "list_credit_notes", "create_journal", "list_journals")


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    server = mz.start_sandbox("zoho", daily_limit=1_000_000)
    yield server
    server.stop()


@pytest.fixture
def settlements(fresh_db: str) -> list[Settlement]:
    return mz.stage(fresh_db)


def fresh_client(server: SandboxServer, db: str, **extra: Any) -> zoho.ZohoClient:
    return mz.client(zoho, mz.zoho_connection(server, TENANT, **extra), db)


def assert_exactly_once(server: SandboxServer) -> list[dict[str, Any]]:
    live = [d for d in mz.ledger_documents(server, "zoho", TENANT) if d["status"] != "deleted"]
    assert len({(d["type"], d["reference"]) for d in live}) == len(live), "a document was posted twice"
    assert {d["attempts"] for d in live} == {1}, "a committed document was sent again"
    assert not [d for d in live if d["status"] == "draft"], "a draft is not in the books"
    return live


def run(server: SandboxServer, db: str, docs: list[Document], flow: str) -> tuple[zoho.ZohoClient, Any]:
    client = fresh_client(server, db)
    log = mz.posting_log(db, "zoho", client.tenant, flow)
    summaries = mz.post(client, log, client.render(docs), "zoho_demo")
    return client, summaries[-1]


@pytest.mark.parametrize("mode", ["summary", "per_order"])
def test_a_quarter_posts_to_the_cent_and_a_rerun_creates_nothing(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement], mode: str) -> None:
    mz.reset(server)
    docs = mz.build(settlements, "zoho", mode, f"tiny-us-zoho-{mode}")
    client, summary = run(server, fresh_db, docs, "quarter")
    assert len(summary.created) == len(docs) and not summary.failed

    balances = mz.trial_balance(server, "zoho", TENANT)
    assert balances == mz.expected_balances(docs)
    for account in ("1000", "4000", "6000", "6010", "2200"):
        assert (account, "USD") in balances
    assert ("1100", "USD") not in balances and ("1200", "USD") not in balances  # clearing and receivable at 0
    live = assert_exactly_once(server)

    calls = sum(client.calls.values()) + client.tokens.refreshes
    orders = mz.order_count(settlements)
    print(f"\nZoho {mode}: {calls} API calls for {len(docs)} documents, {orders} orders = "
          f"{calls * 1000 / orders:.0f} calls per 1,000 orders (incl. {client.tokens.refreshes} token refreshes; "
          f"{client.calls})")
    for doc in client.render(docs):  # what Zoho reports for each object is what we meant to post
        back = client.read(client.find(doc).ledger_id, doc.kind)
        assert (back.total, back.currency, back.status) == (doc.total, "USD", "published" if doc.kind == "journal"
                                                            else "open" if doc.kind == "creditnote" else "sent")

    again = fresh_client(server, fresh_db)
    second = post_documents(again, mz.posting_log(fresh_db, "zoho", again.tenant, "quarter"), again.render(docs),
                            conn_id="zoho_demo")
    assert len(second.skipped) == len(docs) and not second.created
    assert not [op for op in again.calls if not op.startswith("GET")]
    assert mz.trial_balance(server, "zoho", TENANT) == balances
    assert mz.ledger_documents(server, "zoho", TENANT) == live


def ledger_order_income(client: zoho.ZohoClient, order_id: str) -> Decimal:
    income = {a["account_id"] for a in client.refs.accounts().values() if a["account_type"] in ("income",
                                                                                                   "other_income")}
    total = D(0)
    for kind, sign in (("invoice", 1), ("creditnote", -1)):
        for row in client.api.call("GET", f"/{kind}s", params={"reference_number": order_id})[f"{kind}s"]:
            record = client.api.call("GET", f"/{kind}s/{row[f'{kind}_id']}")[kind]
            total += sign * sum((i["item_total"] for i in record["line_items"] if i["account_id"] in income), D(0))
    return total


def test_an_order_refunded_after_its_invoice_posted_nets_to_what_the_settlements_say(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement]) -> None:
    mz.reset(server)
    docs = mz.build(settlements, "zoho", "per_order", "tiny-us-zoho-refund")
    order_id, invoiced_in, _ = mz.refunded_later(docs)
    ids = [s.settlement_id for s in settlements]
    first = settlements[:ids.index(invoiced_in) + 1]
    first_ids = {s.settlement_id for s in first}
    client, _ = run(server, fresh_db, [d for d in docs if d.settlement_id in first_ids], "refund")
    assert ledger_order_income(client, order_id) == mz.order_income(first, order_id) > 0

    client, summary = run(server, fresh_db, docs, "refund")
    assert len(summary.skipped) == len([d for d in docs if d.settlement_id in first_ids])
    assert ledger_order_income(client, order_id) == mz.order_income(settlements, order_id) < mz.order_income(
        first, order_id)
    assert mz.trial_balance(server, "zoho", TENANT) == mz.expected_balances(docs)


def test_faults_at_ten_percent_leave_the_same_end_state_as_a_clean_run(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement]) -> None:
    docs = mz.build(settlements, "zoho", "per_order", "tiny-us-zoho-faults")
    mz.reset(server)
    run(server, fresh_db, docs, "clean")
    clean = (mz.document_state(server, "zoho", TENANT), mz.trial_balance(server, "zoho", TENANT))

    mz.reset(server)
    mz.set_faults(server, [{"api": "zoho", "operation": op, "kind": kind, "rate": rate}
                           for op in OPERATIONS for kind, rate in (("lost_response", 0.03), ("429", 0.03),
                                                                   ("500", 0.02), ("503", 0.01), ("drop", 0.01))])
    try:
        run(server, fresh_db, docs, "faulty")
        fired = {r["kind"] for r in httpx.get(f"{server.url}/_sandbox/faults").json()["rules"] if r["fired"]}
    finally:
        mz.set_faults(server, [])
    assert {"lost_response", "429"} <= fired and {"500", "503", "drop"} & fired
    assert (mz.document_state(server, "zoho", TENANT), mz.trial_balance(server, "zoho", TENANT)) == clean
    assert_exactly_once(server)


def test_lost_answers_are_found_not_posted_twice(server: SandboxServer, fresh_db: str,
                                                 settlements: list[Settlement]) -> None:
    mz.reset(server)
    docs = mz.build(settlements[:2], "zoho", "per_order", "tiny-us-zoho-lost")
    mz.set_faults(server, [{"api": "zoho", "operation": op, "kind": kind, "count": 1}
                           for op, kind in (("create_journal", "lost_response"), ("create_credit_note", "drop"),
                                            ("update_invoice_using_custom_field", "lost_response"),
                                            ("mark_invoice_sent", "lost_response"), ("create_contact", "drop"))])
    try:
        client, summary = run(server, fresh_db, docs, "lost")
        fired = [r for r in httpx.get(f"{server.url}/_sandbox/faults").json()["rules"] if r["fired"]]
    finally:
        mz.set_faults(server, [])
    assert len(fired) >= 4 and len(summary.created) == len(docs)
    assert_exactly_once(server)
    assert len([d for d in mz.ledger_documents(server, "zoho", TENANT)]) == len(docs)
    assert mz.trial_balance(server, "zoho", TENANT) == mz.expected_balances(docs)


def test_changed_documents_are_updated_in_place(server: SandboxServer, fresh_db: str,
                                                settlements: list[Settlement]) -> None:
    mz.reset(server)
    docs = mz.build(settlements, "zoho", "per_order", "tiny-us-zoho-update")
    chosen = [next(d for d in docs if d.kind == kind) for kind in
              (DocumentKind.ORDER_INVOICE, DocumentKind.CREDIT_NOTE, DocumentKind.SETTLEMENT_CLEARING)]
    client, _ = run(server, fresh_db, chosen, "update")
    before = {d["type"]: d["id"] for d in mz.ledger_documents(server, "zoho", TENANT)}
    changed = []
    for doc in client.render(chosen):
        if doc.kind == "journal":
            payload = {**doc.payload, "notes": "re-described"}
        else:  # one more unit of the first line: the document's total changes
            first = doc.payload["line_items"][0]
            payload = {**doc.payload, "line_items": [{**first, "rate": first["rate"] + D("1.00")},
                                                     *doc.payload["line_items"][1:]]}
        changed.append(replace(doc, payload=payload, total=doc.total + (D("1.00") if doc.kind != "journal" else 0)))
    summary = post_documents(client, mz.posting_log(fresh_db, "zoho", client.tenant, "update"), changed,
                             conn_id="zoho_demo")
    assert len(summary.updated) == 3
    live = {d["type"]: d for d in mz.ledger_documents(server, "zoho", TENANT) if d["status"] != "deleted"}
    assert live["invoice"]["id"] == before["invoice"] and live["journal"]["id"] == before["journal"]
    assert live["creditnote"]["id"] != before["creditnote"]  # no credit-note PUT: deleted and created again
    for doc in changed:
        found = client.find(doc)
        assert found is not None and client.read(found.ledger_id, doc.kind).total == doc.total


def test_a_revoked_grant_blocks_the_flow_without_a_retry_storm(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement]) -> None:
    mz.reset(server)
    docs = mz.build(settlements[:2], "zoho", "summary", "tiny-us-zoho-revoked")
    client = fresh_client(server, fresh_db)
    rendered = client.render(docs)
    log = mz.posting_log(fresh_db, "zoho", client.tenant, "revoked")
    mz.set_faults(server, [{"api": "zoho", "operation": "oauth.token", "kind": "invalid_grant", "count": 1}])
    httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 3700}).raise_for_status()
    before = mz.stats(server, "zoho")
    try:
        with pytest.raises(SyncBlocked, match="zoho_demo"):
            post_documents(client, log, rendered, conn_id="zoho_demo")
        with pytest.raises(SyncBlocked):
            post_documents(client, log, rendered, conn_id="zoho_demo")
    finally:
        mz.set_faults(server, [])
    after = mz.stats(server, "zoho")
    sent = {key: n - before.get(key, 0) for key, n in after.items() if n != before.get(key, 0)}
    assert sent == {("oauth.token", 200): 1, ("create_journal", 401): 1}, sent  # Zoho answers invalid_code in a 200
    assert mz.ledger_documents(server, "zoho", TENANT) == []


def test_a_euro_marketplace_posts_with_its_exchange_rate(server: SandboxServer, fresh_db: str) -> None:
    mz.reset(server)
    euro = [s for s in mz.stage(fresh_db, "DE", "tiny-de") if s.total > 0][:2]
    converted = [replace(s, deposit=Money((s.total * D("1.0850")).quantize(D("0.01")), "USD")) for s in euro]
    docs = mz.build(converted, "zoho", "summary", "tiny-de-zoho")
    assert {d.currency for d in docs} == {"EUR"} and all(d.fx and d.fx.deposit_currency == "USD" for d in docs)
    client, summary = run(server, fresh_db, docs, "euro")
    assert len(summary.created) == len(docs)
    for doc, rendered in zip(docs, client.render(docs), strict=True):
        record = client.api.call("GET", f"/journals/{client.find(rendered).ledger_id}")["journal"]
        assert (record["currency_code"], record["exchange_rate"]) == ("EUR", doc.fx.rate)
    balances = mz.trial_balance(server, "zoho", TENANT)
    assert balances == mz.expected_balances(docs, journal_tax=mz.added_tax)
    assert balances[("2110", "EUR")] < 0  # VAT 19% extracted from German prices
    assert balances[("1000", "EUR")] == sum((s.total for s in euro), D(0))


def test_pacing_keeps_a_steady_run_under_a_hundred_calls_a_minute(fresh_db: str) -> None:
    slow = mz.start_sandbox("zoho", time_scale=20.0, daily_limit=1_000_000)  # 100 a minute: 33 a real second
    try:
        client = mz.client(zoho, mz.zoho_connection(slow, TENANT, time_scale=20.0), fresh_db)
        for _ in range(140):  # as fast as the client may: more than the burst of 100
            client.ping()
        assert {status for (_, status) in mz.stats(slow, "zoho")} == {200}  # never a 429
        assert client.api.reads.limiter.waited
    finally:
        slow.stop()


def test_without_a_unique_field_invoices_carry_our_number_and_post_once(
        server: SandboxServer, fresh_db: str, settlements: list[Settlement]) -> None:
    mz.reset(server)
    docs = mz.build(settlements[:2], "zoho", "per_order", "tiny-us-zoho-numbers")
    client = fresh_client(server, fresh_db, unique_field="")
    rendered = client.render(docs)
    mz.set_faults(server, [{"api": "zoho", "operation": "create_invoice", "kind": "lost_response", "count": 2}])
    try:
        summary = mz.post(client, mz.posting_log(fresh_db, "zoho", client.tenant), rendered, "zoho_demo")[-1]
        fired = httpx.get(f"{server.url}/_sandbox/faults").json()["rules"][0]["fired"]
    finally:
        mz.set_faults(server, [])
    assert fired == 2 and len(summary.created) == len(docs)
    invoices = [d for d in assert_exactly_once(server) if d["type"] == "invoice"]
    assert sorted(d["reference"] for d in invoices) == sorted(r.reference for r in rendered if r.kind == "invoice")
    assert mz.trial_balance(server, "zoho", TENANT) == mz.expected_balances(docs)
