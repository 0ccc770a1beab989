"""Posting a generated quarter to the Wave stand-in over HTTP, in both modes: the trial balance equals the
documents' truth to the cent, the clearing accounts end at zero, reruns create nothing, a refund of an
earlier order nets its income, and the API calls per 1,000 orders are reported."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sellerledger.accounting.model import DocumentKind
from sellerledger.staging.posting_log import PostingLog
from tests.ledgers.wave_support import (
    CLEARING,
    RECEIVABLE,
    Sandbox,
    build,
    counted,
    expected_balances,
    kinds,
    orders_in,
    post_all,
    stage,
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
