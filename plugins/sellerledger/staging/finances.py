"""Stage financial event groups and their flattened event rows (COPY into a temp table, then upsert).

Groups are upserted on (seller, group_id). A group's events are collected as a whole (all pages) and
replaced in one transaction: rows are upserted on (seller, group_id, row_key) and rows the API no longer
returns are removed, so the staged rows always equal one complete collection. `groups_to_collect` says
which groups need (re-)collection: never collected, open, or collected too soon after closing for late
events to have landed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg

from sellerledger.amazon.finances import EventGroup, EventRow
from sellerledger.amazon.http import dumps
from sellerledger.staging.orders import StageCounts, counts_from_returning, load_temp, upsert_sql

GROUP_COLUMNS = (
    "seller", "group_id", "processing_status", "fund_transfer_status", "fund_transfer_date", "original_total",
    "original_currency", "converted_total", "converted_currency", "beginning_balance",
    "beginning_balance_currency", "trace_id", "account_tail", "group_start", "group_end", "raw",
)
ROW_COLUMNS = (
    "seller", "group_id", "row_key", "event_type", "event_seq", "component_path", "component_kind",
    "amount_type", "amount", "currency", "counts_toward_net", "amazon_order_id", "seller_order_id",
    "marketplace", "posted_date", "sku", "order_item_id", "order_adjustment_item_id", "quantity",
    "promotion_id", "description",
)
SETTLE_AFTER_CLOSE = timedelta(days=3)


def stage_event_groups(conn: psycopg.Connection[Any], seller: str, groups: Sequence[EventGroup]) -> StageCounts:
    """Upsert event group headers in one transaction."""
    unique = {g.group_id: g for g in groups}
    if not unique:
        return StageCounts()
    rows = (
        (seller, g.group_id, g.processing_status, g.fund_transfer_status, g.fund_transfer_date, g.original_total,
         g.original_currency, g.converted_total, g.converted_currency, g.beginning_balance,
         g.beginning_balance_currency, g.trace_id, g.account_tail, g.group_start, g.group_end, dumps(g.raw))
        for g in unique.values()
    )
    compare = [c for c in GROUP_COLUMNS if c not in ("seller", "group_id")]
    with conn.transaction(), conn.cursor() as cur:
        load_temp(cur, "_groups_in", "staging.financial_event_groups", GROUP_COLUMNS, rows)
        cur.execute(upsert_sql("staging.financial_event_groups", "_groups_in", GROUP_COLUMNS,
                               ("seller", "group_id"), compare))
        return counts_from_returning(cur.fetchall(), len(unique))


def groups_to_collect(
    conn: psycopg.Connection[Any], seller: str, group_ids: Sequence[str], *,
    settle_after: timedelta = SETTLE_AFTER_CLOSE,
) -> list[str]:
    """Of `group_ids`, those whose events must be (re-)collected, oldest group first."""
    result = conn.execute(
        "SELECT group_id FROM staging.financial_event_groups"
        " WHERE seller = %s AND group_id = ANY(%s)"
        "   AND (events_collected_at IS NULL"
        "        OR processing_status IS DISTINCT FROM 'Closed'"
        "        OR events_collected_status IS DISTINCT FROM 'Closed'"
        "        OR events_collected_at < coalesce(fund_transfer_date, group_end, group_start) + %s)"
        " ORDER BY group_start NULLS LAST, group_id",
        (seller, list(group_ids), settle_after),
    )
    return [row[0] for row in result.fetchall()]


def replace_group_events(
    conn: psycopg.Connection[Any], seller: str, group: EventGroup, rows: Sequence[EventRow], collected_at: datetime
) -> StageCounts:
    """Make the group's staged rows equal `rows` (one complete collection), in one transaction."""
    unique = {r.row_key: r for r in rows}
    if len(unique) != len(rows):
        raise ValueError(f"group {group.group_id}: duplicate row keys in one collection")
    data = (
        (seller, group.group_id, r.row_key, r.event_type, r.event_seq, r.component_path, r.component_kind,
         r.amount_type, r.amount, r.currency, r.counts_toward_net, r.amazon_order_id, r.seller_order_id,
         r.marketplace, r.posted_date, r.sku, r.order_item_id, r.order_adjustment_item_id, r.quantity,
         r.promotion_id, r.description)
        for r in rows
    )
    key = ("seller", "group_id", "row_key")
    compare = [c for c in ROW_COLUMNS if c not in key and c != "event_seq"]
    with conn.transaction(), conn.cursor() as cur:
        load_temp(cur, "_event_rows_in", "staging.financial_event_rows", ROW_COLUMNS, data)
        cur.execute(
            "DELETE FROM staging.financial_event_rows r WHERE r.seller = %s AND r.group_id = %s"
            " AND NOT EXISTS (SELECT 1 FROM _event_rows_in n WHERE n.row_key = r.row_key)",
            (seller, group.group_id),
        )
        removed = cur.rowcount
        counts = StageCounts()
        if rows:
            cur.execute(upsert_sql("staging.financial_event_rows", "_event_rows_in", ROW_COLUMNS, key, compare))
            counts = counts_from_returning(cur.fetchall(), len(rows))
        cur.execute(
            "UPDATE staging.financial_event_groups SET events_collected_at = %s, events_collected_status = %s,"
            " event_row_count = %s WHERE seller = %s AND group_id = %s",
            (collected_at, group.processing_status, len(rows), seller, group.group_id),
        )
        if cur.rowcount != 1:
            raise ValueError(f"group {group.group_id} is not staged for seller {seller}; stage the group first")
    counts.removed = removed
    return counts
