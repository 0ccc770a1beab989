"""extract_orders / extract_financial_events glue against the in-process fake and a real database."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import psycopg

from sellerledger.amazon.extract import extract_financial_events, extract_orders
from sellerledger.amazon.http import dumps
from tests.amazon._spapi_fakes import FakeSpApi, json_response, make_client
from tests.amazon.test_client_finances import ADJUSTMENT, SHIPMENT, money
from tests.amazon.test_client_orders import ORDER_2026, REPORT

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def orders_fake() -> FakeSpApi:
    fake = FakeSpApi()
    second = dict(ORDER_2026, orderId="302-0000002-0000002")
    fake.route("GET", "/orders/2026-01-01/orders", lambda r: json_response(200, {"orders": [ORDER_2026, second]}))
    fake.route("POST", "/reports/2021-06-30/reports", lambda r: json_response(202, {"reportId": "R1"}))
    fake.route("GET", "/reports/2021-06-30/reports/R1", lambda r: json_response(
        200, {"reportId": "R1", "processingStatus": "DONE", "reportDocumentId": "D1"}))
    fake.route("GET", "/reports/2021-06-30/documents/D1", lambda r: json_response(
        200, {"reportDocumentId": "D1", "url": "https://s3.test/d1", "compressionAlgorithm": "GZIP"}))
    fake.route("GET", "/d1", lambda r: httpx.Response(200, content=gzip.compress(REPORT.encode())))
    return fake


def test_orders_extraction_stages_headers_and_lines_and_converges(fresh_db: str) -> None:
    fake = orders_fake()
    with make_client(fake) as client, psycopg.connect(fresh_db, autocommit=True) as conn:
        first = extract_orders(client, conn, seller="s", start=NOW - timedelta(days=10), end=NOW, now=NOW)
        second = extract_orders(client, conn, seller="s", start=NOW - timedelta(days=10), end=NOW, now=NOW)
        staged = conn.execute("SELECT count(*) FROM staging.orders").fetchone()[0]
    assert (first["orders_inserted"], first["order_lines_inserted"], first["windows"]) == (2, 3, 1)
    assert (second["orders_inserted"], second["order_lines_inserted"]) == (0, 0)
    assert second["orders_unchanged"] == 2 and staged == 2
    assert second["calls"]["createReport"] == 2 and second["calls"]["searchOrders"] == 2


def test_finance_extraction_collects_open_and_new_groups_only(fresh_db: str) -> None:
    fake = FakeSpApi()
    closed = {"FinancialEventGroupId": "G1", "ProcessingStatus": "Closed", "OriginalTotal": money("13.75"),
              "FinancialEventGroupStart": "2026-10-01T00:00:00Z", "FinancialEventGroupEnd": "2026-10-15T00:00:00Z",
              "FundTransferDate": "2026-10-18T00:00:00Z"}
    opened = {"FinancialEventGroupId": "G2", "ProcessingStatus": "Open",
              "FinancialEventGroupStart": "2026-11-15T00:00:00Z"}
    fake.route("GET", "/finances/v0/financialEventGroups", lambda r: httpx.Response(
        200, content=dumps({"payload": {"FinancialEventGroupList": [closed, opened]}}).encode()))
    events = {"G1": {"ShipmentEventList": [SHIPMENT], "AdjustmentEventList": [
        dict(ADJUSTMENT, AdjustmentAmount=money("-1.25"))]}, "G2": {"AdjustmentEventList": [ADJUSTMENT]}}
    for gid, body in events.items():
        fake.route("GET", f"/finances/v0/financialEventGroups/{gid}/financialEvents",
                   lambda r, body=body: httpx.Response(200, content=dumps(
                       {"payload": {"FinancialEvents": body}}).encode()))
    with make_client(fake) as client, psycopg.connect(fresh_db, autocommit=True) as conn:
        first = extract_financial_events(client, conn, seller="s", start=NOW - timedelta(days=30), now=NOW)
        second = extract_financial_events(client, conn, seller="s", start=NOW - timedelta(days=30), now=NOW)
        net = dict(conn.execute("SELECT group_id, sum(amount) FROM staging.financial_event_rows"
                                " WHERE counts_toward_net GROUP BY 1").fetchall())
        total = conn.execute("SELECT original_total FROM staging.financial_event_groups WHERE group_id = 'G1'"
                             ).fetchone()[0]
    assert first["groups_collected"] == 2 and second["groups_collected"] == 1  # only the open group again
    assert second["event_rows_inserted"] == 0 and second["groups_unchanged"] == 2
    assert net == {"G1": Decimal("13.75"), "G2": Decimal("5.00")} and total == Decimal("13.75")
    assert json.loads(fake.api_requests("/G1/")[0].url.params.get("MaxResultsPerPage", "0")) == 100


def test_orders_resume_from_the_watermark_and_a_later_backfill_does_not_skip_a_gap(fresh_db: str) -> None:
    from sellerledger.staging.watermarks import get_watermark

    fake = orders_fake()
    with make_client(fake, clock=None) as client, psycopg.connect(fresh_db, autocommit=True) as conn:
        first = extract_orders(client, conn, seller="s", now=NOW, with_lines=False)  # first run: 30 days back
        mark = get_watermark(conn, "s", "orders")
        assert first["window_start"] == (NOW - timedelta(days=30, hours=2)).isoformat()
        assert mark == NOW - timedelta(minutes=3)
        later = NOW + timedelta(days=1)
        resumed = extract_orders(client, conn, seller="s", now=later, with_lines=False)
        assert resumed["window_start"] == (mark - timedelta(hours=2)).isoformat()
        assert get_watermark(conn, "s", "orders") == later - timedelta(minutes=3)
        # a backfill of a window starting after the watermark leaves it alone (the gap is not covered)
        far = later + timedelta(days=20)
        extract_orders(client, conn, seller="s", start=far - timedelta(days=1), end=far, now=far, with_lines=False)
        assert get_watermark(conn, "s", "orders") == later - timedelta(minutes=3)
