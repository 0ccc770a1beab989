"""The client against the Amazon stand-in over real HTTP: a 30-day window of a US + CA seller staged and
compared with the generator's truth, reruns, documented rate limits, calls per operation, and faults."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import pytest

from sellerledger.amazon.extract import extract_financial_events, extract_orders, extract_settlements
from sellerledger.amazon.orders import BEFORE_MARGIN, DEFAULT_LAG
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.amazon._sandbox_helpers import amazon_now, clear_faults, sandbox_client, set_faults
from tests.conftest import SANDBOX_TODAY

NA = {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}
TIME_SCALE = 600.0


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """US + CA (+ EU, FE) seller, 45 days of history; the stand-in's now is 3 days after the horizon, so
    every event is visible and nothing moves between runs."""
    config = SandboxConfig(today=SANDBOX_TODAY, days=45, profile="global", time_scale=TIME_SCALE,
                           options={"amazon_start": f"{SANDBOX_TODAY + timedelta(days=3)}T06:00:00Z"})
    with SandboxServer(config, only=("amazon",)) as srv:
        assert srv.state.apis["amazon"].seller.orders  # generate before any timing matters
        srv.pinned_now = amazon_now(srv)  # type: ignore[attr-defined]  # every run extracts the same window
        yield srv


def window(server: SandboxServer) -> tuple[datetime, datetime, datetime]:
    now: datetime = server.pinned_now  # type: ignore[attr-defined]
    return now - timedelta(days=30), now, now


def run_all(server: SandboxServer, conn: psycopg.Connection[Any]) -> dict[str, Any]:
    start, end, now = window(server)
    with sandbox_client(server) as client:
        orders = extract_orders(client, conn, seller="S", start=start, end=end, now=now)
        finances = extract_financial_events(client, conn, seller="S", start=start, now=now)
        settlements = extract_settlements(client, conn, seller="S", flow_id="S-xero")
        return {"orders": orders, "finances": finances, "settlements": settlements, "calls": client.calls(),
                "throttled": client.throttled()}


def snapshot(conn: psycopg.Connection[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Staged content without bookkeeping columns (staging times, report ids)."""
    return {
        "orders": conn.execute(
            "SELECT amazon_order_id, marketplace_id, order_status, fulfillment_channel, purchase_date,"
            " last_update_date, order_total, currency, is_business_order, number_of_items, raw"
            " FROM staging.orders ORDER BY 1").fetchall(),
        "lines": conn.execute(
            "SELECT amazon_order_id, sku, sku_seq, quantity, currency, item_price, item_tax, shipping_price,"
            " shipping_tax, item_promotion_discount, ship_promotion_discount, item_status"
            " FROM staging.order_lines ORDER BY 1, 2, 3").fetchall(),
        "groups": conn.execute(
            "SELECT group_id, processing_status, original_total, original_currency, converted_total,"
            " group_start, group_end, event_row_count FROM staging.financial_event_groups ORDER BY 1").fetchall(),
        "rows": conn.execute(
            "SELECT group_id, row_key, event_type, component_kind, amount_type, amount, currency,"
            " counts_toward_net, amazon_order_id, sku, posted_date"
            " FROM staging.financial_event_rows ORDER BY 1, 2").fetchall(),
        "settlements": conn.execute(
            "SELECT s.settlement_id, s.currency, s.total_amount, s.lines_sum, s.line_count, s.problems,"
            " (SELECT sum(amount) FROM staging.settlement_lines l WHERE l.settlement_id = s.settlement_id),"
            " st.state FROM staging.settlements s"
            " LEFT JOIN ops.settlement_status st ON st.settlement_id = s.settlement_id AND st.flow_id = 'S-xero'"
            " ORDER BY 1").fetchall(),
    }


def truth_orders(server: SandboxServer, start: datetime, end: datetime) -> dict[str, Any]:
    """Orders of US and CA last updated in the extracted window (both ends inclusive, as the API's)."""
    seller = server.state.apis["amazon"].seller
    now = amazon_now(server)
    lo, hi = start - DEFAULT_LAG, end - BEFORE_MARGIN
    return {o.amazon_order_id: o for o in seller.orders
            if o.marketplace.id in NA and lo <= o.last_update_at(now) <= hi}


@pytest.fixture(scope="module")
def clean(server: SandboxServer, template_db: str) -> Iterator[dict[str, Any]]:
    """One clean run and a rerun into a database of their own (shared by the tests of this module)."""
    from tests.conftest import _admin_url, _with_db

    name = f"t_sandbox_clean_{uuid.uuid4().hex[:8]}"  # unique: other sessions may run this module too
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    with psycopg.connect(_with_db(name), autocommit=True) as conn:
        first = run_all(server, conn)
        second = run_all(server, conn)
        raw_kinds = dict(conn.execute("SELECT kind, count(*) FROM raw.documents GROUP BY 1").fetchall())
        yield {"first": first, "second": second, "snapshot": snapshot(conn), "url": _with_db(name),
               "raw_kinds": raw_kinds}
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_thirty_days_of_a_two_marketplace_seller_match_the_generator(server: SandboxServer,
                                                                      clean: dict[str, Any]) -> None:
    start, end, _ = window(server)
    truth = truth_orders(server, start, end)
    staged = {row[0]: row for row in clean["snapshot"]["orders"]}
    assert set(staged) == set(truth) and len(truth) > 300
    assert {row[1] for row in staged.values()} == NA
    for order_id, order in truth.items():
        status = staged[order_id][2]
        total = staged[order_id][6]
        assert status == order.status_at(amazon_now(server))
        if status not in ("Pending", "Canceled"):
            assert (total, staged[order_id][7]) == (order.total(), order.currency), order_id
    # lines: every item of every order, with exact prices
    lines = defaultdict(list)
    for row in clean["snapshot"]["lines"]:
        lines[row[0]].append(row)
    assert set(lines) == set(truth)
    for order_id, order in truth.items():
        assert sorted((r[1], r[3] if order.status_at(amazon_now(server)) != "Canceled" else None) for r in
                      lines[order_id]) == sorted(
            (i.sku, i.quantity if order.status_at(amazon_now(server)) != "Canceled" else None) for i in order.items)
        if order.status_at(amazon_now(server)) not in ("Pending", "Canceled"):
            assert sum(r[5] for r in lines[order_id]) == sum(i.principal for i in order.items)


def test_event_rows_of_each_closed_group_sum_to_its_settlement_total(server: SandboxServer,
                                                                      clean: dict[str, Any]) -> None:
    seller = server.state.apis["amazon"].seller
    net: dict[str, Decimal] = defaultdict(Decimal)
    currencies: dict[str, set[str]] = defaultdict(set)
    for group_id, _, _, _, _, amount, currency, counted, *_ in clean["snapshot"]["rows"]:
        if counted:
            net[group_id] += amount
            currencies[group_id].add(currency)
    closed = [g for g in seller.event_groups if g.closed and g.marketplace.id in NA]
    assert len(closed) >= 4
    for group in closed:
        assert net[group.group_id] == group.settlement.total_amount, group.group_id
        assert currencies[group.group_id] == {group.currency}
    staged_totals = {g[0]: g[2] for g in clean["snapshot"]["groups"]}
    for group in closed:
        expected = None if group.omit_original_total else group.settlement.total_amount
        assert staged_totals[group.group_id] == expected
    kinds = {row[3] for row in clean["snapshot"]["rows"]}
    assert {"charge", "fee", "withheld_tax", "amount"} <= kinds


def test_every_settlement_report_of_90_days_is_staged_to_the_cent(server: SandboxServer,
                                                                   clean: dict[str, Any]) -> None:
    seller = server.state.apis["amazon"].seller
    now = amazon_now(server)
    truth = {s.settlement_id: s for s in seller.settlements
             if s.marketplace.id in NA and now - timedelta(days=90) < s.report_created_at <= now}
    staged = {row[0]: row for row in clean["snapshot"]["settlements"]}
    assert set(staged) == set(truth) and len(truth) >= 4
    assert {s.currency for s in truth.values()} == {"USD", "CAD"}
    for settlement_id, settlement in truth.items():
        _, currency, total, lines_sum, line_count, problems, summed, state = staged[settlement_id]
        assert (currency, total, lines_sum, summed) == (settlement.currency, settlement.total_amount,
                                                        settlement.total_amount, settlement.total_amount)
        assert line_count == len(settlement.lines) and problems == [] and state == "staged"


def test_a_rerun_adds_nothing(clean: dict[str, Any]) -> None:
    second = clean["second"]
    assert second["orders"]["orders_inserted"] == 0 and second["orders"]["orders_updated"] == 0
    assert second["orders"]["order_lines_inserted"] == 0 and second["orders"]["order_lines_removed"] == 0
    assert second["finances"]["event_rows_inserted"] == 0 and second["finances"]["groups_inserted"] == 0
    assert second["orders"]["orders_unchanged"] == clean["first"]["orders"]["orders_inserted"]
    # the rerun lists from the watermark (newest report minus an overlap): what it sees is already staged
    assert second["settlements"]["staged"] == 0 and second["settlements"]["failed"] == []
    assert 1 <= second["settlements"]["already_staged"] == second["settlements"]["reports"]
    assert second["settlements"]["watermark"] == clean["first"]["settlements"]["watermark"]
    assert second["calls"]["getReportDocument"] == second["orders"]["windows"]  # no settlement re-downloaded


def test_documented_rate_limits_are_met_without_a_429_and_lines_cost_a_few_report_calls(
        clean: dict[str, Any]) -> None:
    first = clean["first"]
    calls = first["calls"]
    print("calls per operation (first run):", calls)
    print("calls per operation (rerun):", clean["second"]["calls"])
    assert first["throttled"] == {} and clean["second"]["throttled"] == {}
    orders = first["orders"]["orders_inserted"]
    windows = first["orders"]["windows"]
    assert "getOrderItems" not in calls
    assert calls["createReport"] == windows
    assert calls["getReportDocument"] == windows + first["settlements"]["staged"]
    assert "searchOrders" not in calls and "getOrders" not in calls  # headers come from the order report
    report_calls = calls["createReport"] + calls["getReport"] + calls["getReportDocument"]
    assert report_calls < orders / 20


FAULTS = [
    {"api": "amazon", "kind": "429", "rate": 0.15},  # 429 storms on every operation
    {"api": "amazon", "kind": "500", "rate": 0.05},
    {"api": "amazon", "kind": "503", "rate": 0.05},
    {"api": "amazon", "kind": "html_error", "rate": 0.02},
    {"api": "amazon", "kind": "drop", "rate": 0.02},
    {"api": "amazon", "kind": "lost_response", "operation": "searchOrders", "count": 1},
    {"api": "amazon", "kind": "expired_next_token", "operation": "searchOrders", "count": 1},
    {"api": "amazon", "kind": "expired_next_token", "operation": "listFinancialEventsByGroupId", "count": 1},
    {"api": "amazon", "kind": "repeated_next_token", "operation": "searchOrders", "count": 2},
    {"api": "amazon", "kind": "repeated_next_token", "operation": "listFinancialEventsByGroupId", "count": 2},
    {"api": "amazon", "kind": "document_url_expired", "operation": "getReportDocument", "count": 1},
    {"api": "amazon", "kind": "document_url_expired", "operation": "downloadReportDocument", "count": 2},
    {"api": "amazon", "kind": "repeated_next_token", "operation": "getReports", "count": 1},
    {"api": "amazon", "kind": "report_fatal", "operation": "createReport", "count": 1},
]


def test_faults_end_in_the_same_staged_state_as_a_clean_run(server: SandboxServer, clean: dict[str, Any],
                                                            fresh_db: str) -> None:
    httpx.post(f"{server.url}/_sandbox/reset").raise_for_status()  # full buckets, fresh tokens, no stats
    set_faults(server, FAULTS, seed=3)
    try:
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            result = run_all(server, conn)
            faulted = snapshot(conn)
    finally:
        fired = {(r["kind"], r["operation"]): r["fired"] for r in server.state.faults.rules()}
        clear_faults(server)
    print("faults fired:", fired)
    print("calls per operation under faults:", result["calls"])
    assert faulted == clean["snapshot"]
    for kind in ("429", "500", "503", "expired_next_token", "repeated_next_token", "document_url_expired",
                 "report_fatal"):
        assert sum(n for (k, _), n in fired.items() if k == kind) >= 1, kind
    throttled = sum(row["count"] for row in server.state.stats.snapshot() if row["status"] == 429)
    assert throttled == fired[("429", "*")]  # every 429 was an injected one: the client never overdrew a bucket


def test_orders_staged_from_the_report_equal_the_generators_in_every_region(server: SandboxServer,
                                                                          clean: dict[str, Any],
                                                                          fresh_db: str) -> None:
    """Headers read from the order report, not searchOrders: status, purchase date, marketplace, currency
    and total of every order equal the generator's, tax on top (US, CA) or inside the price (UK, DE, JP, AU)."""
    now = amazon_now(server)
    start, end, pinned = window(server)
    seller = server.state.apis["amazon"].seller
    staged = {row[0]: row for row in clean["snapshot"]["orders"]}
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for region in ("EU", "FE"):
            with sandbox_client(server, region) as client:
                result = extract_orders(client, conn, seller=f"S-{region}", start=start, end=end, now=pinned,
                                        with_lines=False)
                assert "searchOrders" not in result["calls"] and result["calls"]["createReport"] == result["windows"]
        staged.update({row[0]: row for row in conn.execute(
            "SELECT amazon_order_id, marketplace_id, order_status, fulfillment_channel, purchase_date,"
            " last_update_date, order_total, currency, is_business_order, number_of_items, raw, api_version"
            " FROM staging.orders").fetchall()})
    lo, hi = start - DEFAULT_LAG, end - BEFORE_MARGIN
    truth = {o.amazon_order_id: o for o in seller.orders if lo <= o.last_update_at(now) <= hi}
    assert set(staged) == set(truth)
    assert {o.marketplace.code for o in truth.values()} == {"US", "CA", "UK", "DE", "JP", "AU"}
    for order_id, order in truth.items():
        _, marketplace, status, channel, purchase, updated, total, currency, business, items, *_ = staged[order_id]
        priced = status not in ("Pending", "Canceled")
        assert (marketplace, status, channel, purchase, updated, business) == (
            order.marketplace.id, order.status_at(now), order.channel, order.purchase_date, order.last_update_at(now),
            order.is_business), order_id
        assert (total, currency) == ((order.total(), order.currency) if priced else (None, None)), order_id
        assert items == (0 if status == "Canceled" else sum(i.quantity for i in order.items)), order_id
    assert {row[11] for row in staged.values() if len(row) > 11} == {"report"}


def test_no_buyer_pii_is_staged_and_raw_documents_are_kept(server: SandboxServer, clean: dict[str, Any]) -> None:
    seller = server.state.apis["amazon"].seller
    raw_text = " ".join(str(row[10]) for row in clean["snapshot"]["orders"])
    for order in seller.orders[:200]:
        assert order.buyer_name not in raw_text and order.buyer_email not in raw_text
    assert "buyer" not in raw_text.lower() and "deliveryAddress" not in raw_text
    # every settlement file and every finance collection is kept as received
    assert clean["raw_kinds"]["settlement_report"] == clean["first"]["settlements"]["staged"]
    assert clean["raw_kinds"]["financial_events"] >= clean["first"]["finances"]["groups_collected"]


def test_orders_v0_behind_the_switch_stage_the_same_headers(server: SandboxServer, clean: dict[str, Any],
                                                           fresh_db: str) -> None:
    start, end, now = window(server)
    with psycopg.connect(fresh_db, autocommit=True) as conn, sandbox_client(server, orders_api_version="v0") as client:
        result = extract_orders(client, conn, seller="S", start=start, end=end, now=now, with_lines=False,
                                headers_from="api")
        v0 = snapshot(conn)["orders"]
        assert client.calls()["getOrders"] >= 1 and "searchOrders" not in client.calls()
    assert result["orders_inserted"] == len(clean["snapshot"]["orders"])
    # the API's headers equal the ones staged from the order report: same orders, statuses, channels, dates,
    # totals, currencies, business flags (raw differs by source, and so does the item count of a cancelled
    # order: v0 and the report count shipped + unshipped units, v2026 ordered ones)
    assert [row[:9] for row in v0] == [row[:9] for row in clean["snapshot"]["orders"]]
