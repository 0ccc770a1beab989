"""Posting a generated quarter to the Wave stand-in over HTTP, in both modes: the trial balance equals the
documents' truth to the cent, the clearing accounts end at zero, reruns create nothing, a refund of an
earlier order nets its income, and the API calls per 1,000 orders are reported."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from sellerledger.accounting.model import DocumentKind
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.poster import post_documents
from sellerledger.ledgers.wave.api import Mutation
from sellerledger.ledgers.wave.render import INVOICE
from sellerledger.staging.posting_log import PostingLog
from tests.ledgers.wave_support import (
    CLEARING,
    RECEIVABLE,
    TIME_SCALE,
    Sandbox,
    build,
    counted,
    expected_balances,
    kinds,
    orders_in,
    post_all,
    stage,
    start_server,
    wave,
    wave_server,
)

__all__ = ["wave", "wave_server"]
MODES = ("summary", "per_order")


@pytest.mark.parametrize("mode", MODES)
def test_a_quarter_posts_to_the_cent_and_a_rerun_adds_nothing(wave: Sandbox, fresh_db: str, mode: str) -> None:
    settlements = stage(fresh_db)
    assert any(s.total < 0 for s in settlements), "the quarter needs a negative settlement"
    batches = [build(s, mode, f"wave-{mode}") for s in settlements]
    documents = [doc for batch in batches for doc in batch]
    assert len({doc.part for doc in documents if doc.settlement_id == settlements[0].settlement_id}) > 1
    client = wave.client(fresh_db)
    log = PostingLog(fresh_db, f"wave-{mode}", "wave", client.tenant)

    summaries = post_all(client, log, batches)
    assert counted(summaries)["created"] == len(documents) and not any(s.failed for s in summaries)
    balances = wave.trial_balance()
    assert balances == expected_balances(documents)
    assert (CLEARING, "USD") not in balances and (RECEIVABLE, "USD") not in balances
    assert balances[("1000", "USD")] == sum((s.total for s in settlements if s.total > 0), Decimal(0))
    live = wave.live()
    assert not [key for key in wave.stats() if key[1] == 429]  # paced under the 60-a-minute limit
    calls = sum(client.calls.values())
    per_thousand = calls * 1000 / orders_in(settlements)
    print(f"\nwave {mode}: {len(documents)} documents {kinds(documents)}, {orders_in(settlements)} orders, "
          f"{calls} API calls ({client.calls}) = {per_thousand:.0f} calls per 1,000 orders")

    again = wave.client(fresh_db)
    second = counted(post_all(again, log, batches))
    assert second.get("created", 0) == 0 and second["skipped"] == len(documents)
    assert wave.live() == live and wave.trial_balance() == balances
    assert all(d["attempts"] <= 1 for d in wave.documents())
    if mode == "per_order":
        assert sum(1 for d in live if d[0] == "Invoice") == sum(
            1 for doc in documents if doc.kind == DocumentKind.ORDER_INVOICE)


@pytest.mark.parametrize("mode", MODES)
def test_api_calls_per_thousand_orders(wave: Sandbox, fresh_db: str, mode: str) -> None:
    """About a thousand orders in a quarter (the `large` US profile at 11 orders a day): every document
    posts, the books match, the pacing keeps clear of Wave's 60-a-minute limit, and the calls are counted."""
    settlements = stage(fresh_db, profile="large", orders_per_day=11)
    orders = orders_in(settlements)
    assert 800 <= orders <= 1200
    batches = [build(s, mode, f"wave-k-{mode}") for s in settlements]
    documents = [doc for batch in batches for doc in batch]
    fast = TIME_SCALE * 5  # the stand-in's clock (and its 60-a-minute limit) and the client's pacing, faster
    wave.http.post("/_sandbox/clock", json={"time_scale": fast}).raise_for_status()
    try:
        client = wave.client(fresh_db, "wave_k", time_scale=fast)
        summaries = post_all(client, PostingLog(fresh_db, f"wave-k-{mode}", "wave", client.tenant), batches,
                             conn_id="wave_k")
    finally:
        wave.http.post("/_sandbox/clock", json={"time_scale": TIME_SCALE}).raise_for_status()
    assert counted(summaries)["created"] == len(documents) and not any(s.failed for s in summaries)
    assert wave.trial_balance() == expected_balances(documents)
    assert not [key for key in wave.stats() if key[1] == 429]
    requests = client.api.requests()
    assert requests == sum(count for (operation, _), count in wave.stats().items() if operation != "oauth2.token")
    print(f"\nwave {mode}: {orders} orders, {len(documents)} documents {kinds(documents)}: {requests} GraphQL "
          f"requests ({client.calls}) = {requests * 1000 / orders:.0f} per 1,000 orders")


def test_documents_read_back_as_posted(wave: Sandbox, fresh_db: str) -> None:
    client = wave.client(fresh_db)
    rendered = client.render(build(stage(fresh_db)[0], "per_order", "wave-read"))
    log = PostingLog(fresh_db, "wave-read", "wave", client.tenant)
    post_documents(client, log, rendered, conn_id="wave_test")
    entries = log.get_many([doc.key for doc in rendered])
    for doc in rendered:
        if doc.kind == INVOICE:
            back = client.read(entries[doc.key].ledger_id or "", doc.kind)
            assert (back.total, back.currency, back.status, back.reference) == (doc.total, "USD", "SAVED", doc.reference)
        else:  # Wave has no transaction query: the id carries the anchor Wave accepted
            back = client.read(entries[doc.key].ledger_id or "", doc.kind)
            assert (back.total, back.currency, back.status) == (doc.total, "USD", "ACCEPTED")
            assert back.ledger_id in {d["id"] for d in wave.documents()}
    with pytest.raises(FatalError, match="cannot be read back"):
        client.read("VHJhbnNhY3Rpb246MQ==", "money_transaction")


def test_a_draft_left_by_a_lost_answer_is_found_and_approved_not_posted_twice(wave: Sandbox, fresh_db: str) -> None:
    client = wave.client(fresh_db)
    rendered = client.render(build(stage(fresh_db)[0], "per_order", "wave-draft"))
    invoice = next(doc for doc in rendered if doc.kind == INVOICE)
    outcome = client.api.mutate([Mutation("invoiceCreate", "InvoiceCreateInput", {**invoice.payload, "status": "DRAFT"},
                                          "invoice { id status }")])[0]
    assert outcome.succeeded and wave.trial_balance() == {}  # a draft does not post
    log = PostingLog(fresh_db, "wave-draft", "wave", client.tenant)
    log.record_intent([invoice])  # the earlier run sent it and never heard back
    summary = post_documents(client, log, [invoice], conn_id="wave_test")
    assert summary.found == [invoice.key] and summary.created == []
    assert [(d["reference"], d["status"]) for d in wave.documents()] == [(invoice.reference, "SAVED")]
    assert wave.trial_balance()[(RECEIVABLE, "USD")] == invoice.total


@pytest.mark.parametrize("client_per_minute", [20, 600])
def test_pacing_keeps_a_steady_run_clear_of_the_limit(fresh_db: str, client_per_minute: int) -> None:
    """A stand-in allowing 20 calls a minute, one document per request: paced at the limit the client never
    sees a 429; paced far above it, it is throttled and still posts everything after Retry-After."""
    server = start_server(time_scale=50, per_minute=20)  # 20 a minute: 17 calls a second in real time
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            sandbox = Sandbox(server, http)
            documents = [doc for s in stage(fresh_db)[:3] for doc in build(s, "per_order", "wave-pace")]
            client = sandbox.client(fresh_db, per_minute=client_per_minute, time_scale=50)
            client.max_batch = 1
            log = PostingLog(fresh_db, "wave-pace", "wave", client.tenant)
            summary = post_documents(client, log, client.render(documents), conn_id="wave_test")
            assert len(summary.created) == len(documents) > 20
            throttled = sum(count for (_, status), count in sandbox.stats().items() if status == 429)
            assert (throttled == 0) == (client_per_minute == 20), throttled
            assert sandbox.trial_balance() == expected_balances(documents)
    finally:
        server.stop()
