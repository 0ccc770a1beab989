"""Late financial events: what a run cannot see yet (posted < 48 h ago) is picked up by the next run, because
open and recently closed groups are collected again until late events have had time to land."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import httpx
import psycopg
import pytest

from sellerledger.amazon.extract import extract_financial_events
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.amazon._sandbox_helpers import sandbox_client
from tests.conftest import SANDBOX_TODAY


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """A small US seller whose last settlement closed a day before the horizon; the stand-in starts six
    hours after the horizon, when the latest events are not visible yet."""
    config = SandboxConfig(today=SANDBOX_TODAY, days=40, profile="tiny", time_scale=600.0,
                           options={"amazon_start": f"{SANDBOX_TODAY}T06:00:00Z", "settlement_phase_days": 1})
    with SandboxServer(config, only=("amazon",)) as srv:
        yield srv


def staged_net(conn: psycopg.Connection) -> dict[str, Decimal]:
    net: dict[str, Decimal] = defaultdict(Decimal)
    for group_id, amount in conn.execute("SELECT group_id, amount FROM staging.financial_event_rows"
                                         " WHERE counts_toward_net").fetchall():
        net[group_id] += amount
    return dict(net)


def test_late_events_are_collected_by_the_next_run(server: SandboxServer, fresh_db: str) -> None:
    seller = server.state.apis["amazon"].seller
    us_groups = [g for g in seller.event_groups if g.marketplace.code == "US"]
    truth = {g.group_id: sum((p.total() for p in g.postings), Decimal(0)) for g in us_groups}
    with psycopg.connect(fresh_db, autocommit=True) as conn, sandbox_client(server) as client:
        first = extract_financial_events(client, conn, seller="T")
        hidden = httpx.get(f"{server.url}/_sandbox/amazon/summary").json()["hidden_postings"]
        early = staged_net(conn)
        assert hidden > 0 and early != truth  # the first run could not see everything
        httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 3 * 86_400}).raise_for_status()
        second = extract_financial_events(client, conn, seller="T")
        late = staged_net(conn)
        httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 4 * 86_400}).raise_for_status()
        third = extract_financial_events(client, conn, seller="T")
    assert late == {gid: total for gid, total in truth.items() if total or gid in late}
    for group in us_groups:
        if group.closed and not group.omit_original_total:
            assert late[group.group_id] == group.settlement.total_amount
    assert second["event_rows_inserted"] > 0 and second["groups_collected"] < first["groups_collected"]
    assert third["event_rows_inserted"] == 0 and third["groups_collected"] < first["groups_collected"]
