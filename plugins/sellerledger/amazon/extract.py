"""One extraction for a seller and window: Amazon → staging tables. Airflow-free; the DAG tasks call these.

Each function takes a `SellingPartnerClient`, a psycopg connection (autocommit recommended: every page or
document is its own transaction) and a seller key, stages what it reads, and returns a small dict of
counts (fit for XCom): rows inserted/updated/unchanged/removed, windows, and HTTP calls per operation.
Reruns converge: a second run over the same window inserts nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg

from sellerledger.amazon.client import SellingPartnerClient
from sellerledger.amazon.finances import EventGroup, flatten_events, merge_pages
from sellerledger.amazon.orders import DEFAULT_LAG, HISTORY, Window, order_windows
from sellerledger.amazon.paging import restart_window
from sellerledger.staging.finances import groups_to_collect, replace_group_events, stage_event_groups
from sellerledger.staging.orders import StageCounts, stage_order_lines, stage_orders

log = logging.getLogger(__name__)

GROUP_LOOKBACK = timedelta(days=35)  # an Open group started up to a settlement period (or two) ago


def extract_orders(
    client: SellingPartnerClient,
    conn: psycopg.Connection[Any],
    *,
    seller: str,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    lag: timedelta = DEFAULT_LAG,
    marketplace_ids: Sequence[str] | None = None,
    with_lines: bool = True,
) -> dict[str, Any]:
    """Stage order headers (searchOrders pages) and lines (one order report per window) updated in
    [start - lag, end), clamped to the API's two years and to 2+ minutes before `now`."""
    now = now or client.now()
    marketplaces = list(marketplace_ids or client.marketplace_ids)
    cutoff = now - HISTORY
    windows = order_windows(start, end, now=now, lag=lag)
    headers, lines = StageCounts(), StageCounts()
    too_old: set[str] = set()
    reports: list[str] = []
    for window in windows:
        def stage_window(window: Window = window) -> StageCounts:
            counts = StageCounts()
            for page in client.orders.search(marketplaces, window.start, window.end):
                kept = [h for h in page if h.purchase_date >= cutoff]
                too_old.update(h.amazon_order_id for h in page if h.purchase_date < cutoff)
                counts.add(stage_orders(conn, seller, kept))
            return counts

        headers.add(restart_window(stage_window, what=f"orders {window.start:%Y-%m-%d}..{window.end:%Y-%m-%d}"))
        if with_lines:
            report = client.orders.order_report(marketplaces, window.start, window.end)
            reports.append(report.report_id)
            kept_lines = [ln for ln in report.lines if ln.purchase_date is None or ln.purchase_date >= cutoff]
            lines.add(stage_order_lines(conn, seller, report.report_id, kept_lines))
    result: dict[str, Any] = {
        "seller": seller,
        "windows": len(windows),
        "window_start": windows[0].start.isoformat() if windows else None,
        "window_end": windows[-1].end.isoformat() if windows else None,
        **headers.as_dict("orders_"),
        **lines.as_dict("order_lines_"),
        "orders_skipped_too_old": len(too_old),
        "order_reports": reports,
        "calls": client.calls(),
    }
    log.info("orders for %s: %s", seller, result)
    return result


def extract_financial_events(
    client: SellingPartnerClient,
    conn: psycopg.Connection[Any],
    *,
    seller: str,
    start: datetime,
    end: datetime | None = None,
    now: datetime | None = None,
    group_lookback: timedelta = GROUP_LOOKBACK,
    settle_after: timedelta = timedelta(days=3),
) -> dict[str, Any]:
    """Stage the event groups started in [start - group_lookback, end) and the events of every group that
    needs them: never collected, still open, or closed too recently for late events to have landed."""
    now = now or client.now()
    since = max(start - group_lookback, now - HISTORY + timedelta(hours=1))

    def list_groups() -> list[EventGroup]:
        return list(client.finances.list_event_groups(since, end, now=now))

    groups = restart_window(list_groups, what="financial event groups")
    group_counts = stage_event_groups(conn, seller, groups)
    by_id = {g.group_id: g for g in groups}
    todo = groups_to_collect(conn, seller, list(by_id), settle_after=settle_after)
    row_counts = StageCounts()
    for group_id in todo:
        pages = restart_window(lambda gid=group_id: client.finances.group_event_pages(gid),
                               what=f"events of group {group_id}")
        rows = flatten_events(merge_pages(pages))
        row_counts.add(replace_group_events(conn, seller, by_id[group_id], rows, now))
    result: dict[str, Any] = {
        "seller": seller,
        "groups": len(groups),
        **group_counts.as_dict("groups_"),
        "groups_collected": len(todo),
        **row_counts.as_dict("event_rows_"),
        "calls": client.calls(),
    }
    log.info("financial events for %s: %s", seller, result)
    return result
