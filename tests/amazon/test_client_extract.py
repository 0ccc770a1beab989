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
    # headers come from the order report: no searchOrders page at all
    assert second["calls"]["createReport"] == 2 and "searchOrders" not in second["calls"]
    assert first["headers_from"] == "report"


def test_headers_from_the_api_on_request_agree_with_the_report(fresh_db: str) -> None:
    fake = orders_fake()
    with make_client(fake) as client, psycopg.connect(fresh_db, autocommit=True) as conn:
        api = extract_orders(client, conn, seller="api", start=NOW - timedelta(days=10), end=NOW, now=NOW,
                             headers_from="api", with_lines=False)
        report = extract_orders(client, conn, seller="report", start=NOW - timedelta(days=10), end=NOW, now=NOW,
                                with_lines=False)
        rows = conn.execute("SELECT seller, order_status, fulfillment_channel, purchase_date, order_total, currency,"
                            " is_business_order FROM staging.orders WHERE amazon_order_id = '111-0000001-0000001'"
                            " ORDER BY 1").fetchall()
    assert api["calls"]["searchOrders"] == 1 and "createReport" not in api["calls"]
    assert report["calls"]["createReport"] == 1 and report["calls"]["searchOrders"] == 1  # not one more
    # the same order, status, dates and business flag; the total differs only because the fake's
    # API order and report disagree (31.98 vs the report's lines summing to 50.81)
    assert [r[1:4] + r[5:] for r in rows] == [("Shipped", "AFN", datetime(2026, 11, 1, 10, tzinfo=UTC), "USD",
                                               True)] * 2
    assert [r[0] for r in rows] == ["api", "report"]


def test_a_status_change_after_the_first_report_is_picked_up_by_the_next_run(fresh_db: str) -> None:
    """An order shipped after the first run's report has a newer last-updated-date: the next run's
    by-last-update report lists it and its header and lines follow."""
    unshipped = REPORT.replace("\tShipped\tAmazon\t", "\tUnshipped\tAmazon\t").replace(
        "\tShipped\t2\t", "\tUnshipped\t2\t").replace("\tShipped\t1\t", "\tUnshipped\t1\t")
    shipped = "\n".join(line.replace("2026-11-02T10:00:00+00:00", "2026-11-21T09:00:00+00:00")
                        for line in REPORT.splitlines()[:3]) + "\n"
    documents = iter([unshipped, shipped])
    fake = orders_fake()
    fake.route("GET", "/d1", lambda r: httpx.Response(200, content=gzip.compress(next(documents).encode())))
    later = NOW + timedelta(days=1)
    with make_client(fake) as client, psycopg.connect(fresh_db, autocommit=True) as conn:
        first = extract_orders(client, conn, seller="s", start=NOW - timedelta(days=10), now=NOW)
        before = conn.execute("SELECT order_status, order_total FROM staging.orders"
                              " WHERE amazon_order_id = '111-0000001-0000001'").fetchone()
        second = extract_orders(client, conn, seller="s", now=later)  # resumes from the watermark
        after = conn.execute("SELECT order_status, order_total, last_update_date FROM staging.orders"
                             " WHERE amazon_order_id = '111-0000001-0000001'").fetchone()
        items = conn.execute("SELECT DISTINCT item_status FROM staging.order_lines"
                             " WHERE amazon_order_id = '111-0000001-0000001'").fetchall()
    assert before == ("Unshipped", Decimal("50.81"))
    assert first["orders_inserted"] == 2 and second["orders_updated"] == 1 and second["orders_inserted"] == 0
    assert after == ("Shipped", Decimal("50.81"), datetime(2026, 11, 21, 9, tzinfo=UTC)) and items == [("Shipped",)]
    created = [r for r in fake.api_requests("/reports/2021-06-30/reports") if r.method == "POST"]
    assert json.loads(created[-1].content)["dataStartTime"] == "2026-11-20T09:57:00Z"  # watermark - 2 h lag


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
