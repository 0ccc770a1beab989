"""Late status changes against the Amazon stand-in over real HTTP: an order that ships (or is cancelled)
after the first run's order report is staged with its new status, total and lines by the next run, which
resumes from the watermark with the 2-hour overlap and reads headers from the order report only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import psycopg
import pytest

from sellerledger.amazon.extract import extract_orders
from sellerledger.amazon.orders import BEFORE_MARGIN
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.amazon._sandbox_helpers import amazon_now, sandbox_client
from tests.conftest import SANDBOX_TODAY


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """A US + DE seller whose stand-in clock starts 6 days before the generated history ends, so orders
    placed before now ship, get paid or are cancelled after it. Virtual time runs at real speed and
    reports are ready at once; the test moves the clock by hand."""
    config = SandboxConfig(today=SANDBOX_TODAY, days=20, profile="demo", time_scale=1.0,
                           options={"amazon_start": f"{SANDBOX_TODAY - timedelta(days=6)}T12:00:00Z",
                                    "amazon_report_queue_seconds": 0, "amazon_report_processing_seconds": 0})
    with SandboxServer(config, only=("amazon",)) as srv:
        assert srv.state.apis["amazon"].seller.orders
        yield srv


def test_an_order_that_moves_on_after_the_first_report_is_updated_by_the_next_run(
        server: SandboxServer, fresh_db: str) -> None:
    seller = server.state.apis["amazon"].seller
    first_now = amazon_now(server)
    status_sql = "SELECT amazon_order_id, order_status, order_total FROM staging.orders"
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        with sandbox_client(server) as client:
            extract_orders(client, conn, seller="S", start=first_now - timedelta(days=5), now=first_now)
        before = {row[0]: row[1:] for row in conn.execute(status_sql).fetchall()}
        httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 2 * 86400}).raise_for_status()
        second_now = amazon_now(server)
        with sandbox_client(server) as client:
            second = extract_orders(client, conn, seller="S", now=second_now)  # resumes from the watermark
        after = {row[0]: row[1:] for row in conn.execute(status_sql).fetchall()}
        item_status = dict(conn.execute(
            "SELECT amazon_order_id, min(item_status) FROM staging.order_lines GROUP BY 1").fetchall())
    cutoff = second_now - BEFORE_MARGIN
    by_id = {o.amazon_order_id: o for o in seller.orders}
    # orders of the first run that changed status between the runs (and not again too close to the second)
    moved = {oid for oid in before if by_id[oid].status_at(cutoff) != before[oid][0]
             and by_id[oid].last_update_at(second_now + timedelta(minutes=5)) <= cutoff}
    assert len(moved) >= 5, "the clock move should ship or cancel some orders"
    assert {"Shipped"} <= {by_id[oid].status_at(cutoff) for oid in moved}
    assert second["orders_updated"] >= len(moved) and "searchOrders" not in second["calls"]
    for oid in moved:
        order = by_id[oid]
        status = order.status_at(cutoff)
        priced = status not in ("Pending", "Canceled")
        assert after[oid] == (status, order.total() if priced else None), oid
        assert item_status[oid] == {"Canceled": "Cancelled"}.get(status, status), oid
    # orders untouched between the runs keep what the first run staged
    for oid, staged in before.items():
        if oid not in moved and by_id[oid].last_update_at(second_now) < first_now - BEFORE_MARGIN:
            assert after[oid] == staged, oid
