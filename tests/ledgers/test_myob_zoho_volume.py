"""Ledger API calls per 1,000 orders, per ledger and posting mode, on a busier generated seller (about a
thousand US orders in 90 days), with the trial balance still equal to the documents' truth. Slow: run with
`-m slow`; the numbers are printed for the run report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sellerledger.ledgers import myob, zoho
from sellerledger.sandbox.server import SandboxServer
from tests.ledgers import mz_support as mz

OPTIONS = {"orders_per_day": {"US": 11}}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, SandboxServer]]:
    started = {"myob": mz.start_sandbox("myob"), "zoho": mz.start_sandbox("zoho", daily_limit=1_000_000)}
    yield started
    for server in started.values():
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["summary", "per_order"])
@pytest.mark.parametrize("ledger", ["myob", "zoho"])
def test_calls_per_thousand_orders(servers: dict[str, SandboxServer], fresh_db: str, ledger: str, mode: str) -> None:
    server = servers[ledger]
    mz.reset(server)
    settlements = mz.stage(fresh_db, "US", "busy-us", options=OPTIONS)
    orders = mz.order_count(settlements)
    assert orders >= 800
    docs = mz.build(settlements, ledger, mode, f"busy-us-{ledger}-{mode}")
    module: Any = myob if ledger == "myob" else zoho
    conn = mz.myob_connection(server) if ledger == "myob" else mz.zoho_connection(server)
    client = mz.client(module, conn, fresh_db)
    summary = mz.post(client, mz.posting_log(fresh_db, ledger, client.tenant), client.render(docs), conn.conn_id)[-1]
    assert len(summary.created) == len(docs)
    code = (lambda c: c.split("-", 1)[1]) if ledger == "myob" else (lambda c: c)
    assert mz.trial_balance(server, ledger, "demo") == mz.expected_balances(docs, code)
    calls = sum(client.calls.values()) + client.tokens.refreshes
    print(f"\n{ledger} {mode}: {calls} calls ({client.tokens.refreshes} token refreshes) for {len(docs)} documents, "
          f"{orders} orders: {calls * 1000 / orders:.0f} calls per 1,000 orders; {client.calls}")
