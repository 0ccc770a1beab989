"""Staging orders and order lines: upserts on natural keys converge, newer wins, lines are replaced per order."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg

from sellerledger.amazon.orders import header_from_2026, parse_order_report
from sellerledger.staging.orders import stage_order_lines, stage_orders
from tests.amazon.test_client_orders import ORDER_2026, REPORT


def headers(count: int) -> list:
    base = header_from_2026(ORDER_2026)
    return [replace(base, amazon_order_id=f"111-0000000-{i:07d}") for i in range(count)]


def test_a_page_stages_once_and_a_rerun_changes_nothing(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        first = stage_orders(conn, "seller-a", headers(5))
        again = stage_orders(conn, "seller-a", headers(5))
        other = stage_orders(conn, "seller-b", headers(2))
        total, raw, amount = conn.execute(
            "SELECT count(*), min(raw::text), sum(order_total) FROM staging.orders WHERE seller = 'seller-a'"
        ).fetchone()
    assert (first.inserted, first.updated, first.unchanged) == (5, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert other.inserted == 2 and total == 5
    assert amount == Decimal("159.90")
    assert "Jane" not in raw and "jane@" not in raw and "buyer" not in json.loads(raw)


def test_a_newer_version_updates_and_an_older_one_never_overwrites(fresh_db: str) -> None:
    base = header_from_2026(ORDER_2026)
    newer = replace(base, order_status="Canceled", last_update_date=base.last_update_date + timedelta(days=1))
    with psycopg.connect(fresh_db) as conn:
        stage_orders(conn, "s", [base])
        assert stage_orders(conn, "s", [newer]).updated == 1
        assert stage_orders(conn, "s", [base]).unchanged == 1
        status = conn.execute("SELECT order_status FROM staging.orders").fetchone()[0]
        # duplicates within one page: the newest wins
        assert stage_orders(conn, "t", [newer, base]).inserted == 1
        status_t = conn.execute("SELECT order_status FROM staging.orders WHERE seller = 't'").fetchone()[0]
    assert status == "Canceled" and status_t == "Canceled"


def test_order_lines_replace_per_order_and_converge(fresh_db: str) -> None:
    lines = parse_order_report(REPORT)
    with psycopg.connect(fresh_db) as conn:
        first = stage_order_lines(conn, "s", "R1", lines)
        again = stage_order_lines(conn, "s", "R2", lines)
        # a newer report lists the first order with one line only (the duplicate SKU line went away)
        later = [replace(ln, last_update_date=ln.last_update_date + timedelta(hours=1)) for ln in lines[:1]]
        shrink = stage_order_lines(conn, "s", "R3", later)
        # an older report must not bring the removed line back or delete anything
        stale = stage_order_lines(conn, "s", "R0", lines[:2])
        rows = conn.execute(
            "SELECT amazon_order_id, sku, sku_seq, item_price, currency, report_id FROM staging.order_lines"
            " ORDER BY 1, 2, 3").fetchall()
    assert (first.inserted, again.inserted, again.unchanged) == (3, 0, 3)
    assert (shrink.removed, shrink.updated) == (1, 1)
    assert (stale.inserted, stale.removed) == (0, 0)
    assert rows == [("111-0000001-0000001", "SKU-1", 1, Decimal("31.98"), "USD", "R3"),
                    ("302-0000002-0000002", "SKU-9", 1, Decimal("1234.50"), "EUR", "R1")]


def test_order_times_are_timestamptz(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        stage_orders(conn, "s", headers(1))
        purchase = conn.execute("SELECT purchase_date FROM staging.orders").fetchone()[0]
    assert purchase == datetime(2026, 11, 1, 10, tzinfo=UTC)


def test_every_table_and_column_of_v003_is_commented(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        missing = conn.execute(
            "SELECT c.relname || '.' || coalesce(a.attname, '') FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'staging'"
            " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
            " WHERE c.relname IN ('orders', 'order_lines', 'financial_event_groups', 'financial_event_rows')"
            "   AND c.relkind = 'r'"
            "   AND (obj_description(c.oid, 'pg_class') IS NULL OR col_description(c.oid, a.attnum) IS NULL)"
        ).fetchall()
        money = conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'staging' AND table_name IN ('orders', 'order_lines', 'financial_event_groups',"
            " 'financial_event_rows') AND data_type IN ('real', 'double precision', 'money')").fetchall()
    assert missing == [] and money == []
