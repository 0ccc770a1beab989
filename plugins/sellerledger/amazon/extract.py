"""One extraction for a seller and window: Amazon → staging tables. Airflow-free; the DAG tasks call these.

Each function takes a `SellingPartnerClient`, a psycopg connection in autocommit mode (every page or
document is its own transaction) and a seller key, stages what it reads, and returns a small dict of
counts (fit for XCom): rows inserted/updated/unchanged/removed, windows, and HTTP calls per operation.
Reruns converge: a second run over the same window inserts nothing.

Without `start` a function resumes from the seller's watermark (`ops.watermarks`, keyed by the seller:
extraction is per seller account, shared by its ledger flows) or, on the first run, a default lookback.
A run moves the watermark forward only when it covered everything since the stored one, so a backfill of
a later window never makes the next run skip a gap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import psycopg

from sellerledger.amazon.client import SellingPartnerClient
from sellerledger.amazon.finances import EventGroup, flatten_events, merge_pages
from sellerledger.amazon.http import dumps, parse_time
from sellerledger.amazon.orders import DEFAULT_LAG, HISTORY, OrderHeader, Window, order_windows
from sellerledger.amazon.paging import restart_window
from sellerledger.amazon.reports import LISTING_WINDOW
from sellerledger.staging import raw_documents, watermarks
from sellerledger.staging.finances import groups_to_collect, replace_group_events, stage_event_groups
from sellerledger.staging.orders import StageCounts, stage_order_lines, stage_orders

log = logging.getLogger(__name__)

GROUP_LOOKBACK = timedelta(days=35)  # an Open group started up to a settlement period (or two) ago
FIRST_RUN = {"orders": timedelta(days=30), "financial_event_groups": timedelta(days=90),
             "settlement_reports": LISTING_WINDOW}
HEADER_SOURCES = ("report", "api")  # where extract_orders reads order headers from
SETTLEMENT_OVERLAP = timedelta(days=2)  # re-list a little before the watermark; staged reports are skipped
FINANCIAL_EVENTS_DOCUMENT = "financial_events"


def _resume(conn: psycopg.Connection[Any], seller: str, stream: str, start: datetime | None,
            now: datetime) -> tuple[datetime, datetime | None]:
    """(start of this run, the stored watermark)."""
    stored = watermarks.get_watermark(conn, seller, stream)
    if start is not None:
        return start, stored
    return (stored if stored is not None else now - FIRST_RUN[stream]), stored


def _advance(conn: psycopg.Connection[Any], seller: str, stream: str, covered_from: datetime,
             stored: datetime | None, reached: datetime | None) -> datetime | None:
    """Move the watermark to `reached` if this run covered everything since the stored one."""
    if reached is None or (stored is not None and covered_from > stored):
        return stored
    return watermarks.advance_watermark(conn, seller, stream, reached)


def extract_orders(
    client: SellingPartnerClient,
    conn: psycopg.Connection[Any],
    *,
    seller: str,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
    lag: timedelta = DEFAULT_LAG,
    marketplace_ids: Sequence[str] | None = None,
    with_lines: bool = True,
    headers_from: str = "report",
) -> dict[str, Any]:
    """Stage order headers and lines updated in [start - lag, end), clamped to the API's two years and to
    2+ minutes before `now`; orders bought more than two years ago are skipped. `start` defaults to the
    watermark, `end` to now.

    Each window's order report gives the lines and, by default, the headers (see `amazon.orders`: no
    searchOrders call); `headers_from="api"` reads the headers from searchOrders/getOrders pages instead,
    and `with_lines=False` then skips the report altogether."""
    if headers_from not in HEADER_SOURCES:
        raise ValueError(f"headers_from={headers_from!r}: expected one of {HEADER_SOURCES}")
    now = now or client.now()
    start, stored = _resume(conn, seller, "orders", start, now)
    marketplaces = list(marketplace_ids or client.marketplace_ids)
    cutoff = now - HISTORY
    windows = order_windows(start, end or now, now=now, lag=lag)
    headers, lines = StageCounts(), StageCounts()
    too_old: set[str] = set()
    reports: list[str] = []

    def recent(page: Sequence[OrderHeader]) -> list[OrderHeader]:
        too_old.update(h.amazon_order_id for h in page if h.purchase_date < cutoff)
        return [h for h in page if h.purchase_date >= cutoff]

    for window in windows:
        if headers_from == "api":
            def stage_window(window: Window = window) -> StageCounts:
                counts = StageCounts()
                for page in client.orders.search(marketplaces, window.start, window.end):
                    counts.add(stage_orders(conn, seller, recent(page)))
                return counts

            headers.add(restart_window(stage_window,
                                       what=f"orders {window.start:%Y-%m-%d}..{window.end:%Y-%m-%d}"))
            if not with_lines:
                continue
        report = client.orders.order_report(marketplaces, window.start, window.end)
        reports.append(report.report_id)
        if headers_from == "report":
            headers.add(stage_orders(conn, seller, recent(report.headers)))
        if with_lines:
            kept_lines = [ln for ln in report.lines if ln.purchase_date is None or ln.purchase_date >= cutoff]
            lines.add(stage_order_lines(conn, seller, report.report_id, kept_lines))
    watermark = _advance(conn, seller, "orders", start - lag, stored, windows[-1].end if windows else None)
    result: dict[str, Any] = {
        "seller": seller,
        "windows": len(windows),
        "window_start": windows[0].start.isoformat() if windows else None,
        "window_end": windows[-1].end.isoformat() if windows else None,
        "headers_from": headers_from,
        **headers.as_dict("orders_"),
        **lines.as_dict("order_lines_"),
        "orders_skipped_too_old": len(too_old),
        "order_reports": reports,
        "watermark": watermark.isoformat() if watermark else None,
        "calls": client.calls(),
    }
    log.info("orders for %s: %s", seller, result)
    return result


def extract_financial_events(
    client: SellingPartnerClient,
    conn: psycopg.Connection[Any],
    *,
    seller: str,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
    group_lookback: timedelta = GROUP_LOOKBACK,
    settle_after: timedelta = timedelta(days=3),
) -> dict[str, Any]:
    """Stage the event groups started in [start - group_lookback, end) and the events of every group that
    needs them: never collected, still open, or closed too recently for late events to have landed.
    Each collection is kept raw (`raw.documents`, kind financial_events) before it is staged."""
    now = now or client.now()
    start, stored = _resume(conn, seller, "financial_event_groups", start, now)
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
        merged = merge_pages(pages)
        with conn.transaction():
            raw_documents.store_document(
                conn, dumps({"FinancialEventGroupId": group_id, "FinancialEvents": merged}).encode(),
                kind=FINANCIAL_EVENTS_DOCUMENT, source={"seller": seller, "group_id": group_id,
                                                        "collected_at": now.isoformat()}, charset="utf-8")
        row_counts.add(replace_group_events(conn, seller, by_id[group_id], flatten_events(merged), now))
    watermark = _advance(conn, seller, "financial_event_groups", start, stored, min(end or now, now))
    result: dict[str, Any] = {
        "seller": seller,
        "groups": len(groups),
        **group_counts.as_dict("groups_"),
        "groups_collected": len(todo),
        **row_counts.as_dict("event_rows_"),
        "watermark": watermark.isoformat() if watermark else None,
        "calls": client.calls(),
    }
    log.info("financial events for %s: %s", seller, result)
    return result


def extract_settlements(
    client: SellingPartnerClient,
    conn: psycopg.Connection[Any],
    *,
    seller: str,
    created_since: datetime | None = None,
    created_until: datetime | None = None,
    flow_id: str | None = None,
) -> dict[str, Any]:
    """List the V2 settlement reports created in the window (Amazon keeps 90 days), download those not
    staged yet (for `flow_id`, if given) and stage each with `stage_settlement_document`.

    A file that cannot be read is kept raw and reported under `failed` (with the parser's reason); the
    others are still staged, and the watermark stops before the first failure so the next run retries it.
    """
    from sellerledger.amazon.settlement.model import SettlementFileError
    from sellerledger.staging.settlements import SettlementConflict, stage_settlement_document

    now = client.now()
    stored = watermarks.get_watermark(conn, seller, "settlement_reports")
    if created_since is None:
        created_since = stored - SETTLEMENT_OVERLAP if stored is not None else now - FIRST_RUN["settlement_reports"]
    reports = restart_window(lambda: client.reports.list_settlement_reports(created_since, created_until),
                             what="settlement reports")
    staged, skipped, failed, settlements = 0, 0, [], []
    reached: datetime | None = None
    blocked = False
    for report in reports:
        report_id = str(report["reportId"])
        created = parse_time(report.get("createdTime"))
        if _settlement_staged(conn, report_id, flow_id):
            skipped += 1
        else:
            document = client.reports.download(str(report["reportDocumentId"]))
            source = {"report_id": report_id, "report_document_id": str(report["reportDocumentId"]),
                      "charset": document.charset, "created_time": str(report.get("createdTime") or "")}
            try:
                result = stage_settlement_document(conn, document.data, seller=seller, source=source,
                                                   flow_id=flow_id)
            except (SettlementFileError, SettlementConflict) as exc:
                log.error("settlement report %s not staged: %s", report_id, exc)
                failed.append({"report_id": report_id, "error": str(exc)})
                blocked = True
                continue
            staged += 1
            settlements.append(result.settlement_id)
        if created is not None and not blocked:
            reached = max(reached, created) if reached else created
    watermark = _advance(conn, seller, "settlement_reports", created_since, stored, reached)
    result: dict[str, Any] = {
        "seller": seller,
        "reports": len(reports),
        "staged": staged,
        "already_staged": skipped,
        "failed": failed,
        "settlement_ids": settlements,
        "watermark": watermark.isoformat() if watermark else None,
        "calls": client.calls(),
    }
    log.info("settlement reports for %s: %s", seller, {k: v for k, v in result.items() if k != "settlement_ids"})
    return result


def _settlement_staged(conn: psycopg.Connection[Any], report_id: str, flow_id: str | None) -> bool:
    """Whether this report's document is the staged (or a replaced) document of its settlement, and the
    flow, if given, already tracks that settlement."""
    row = conn.execute(
        "SELECT 1 FROM raw.documents d JOIN staging.settlements s"
        "   ON s.raw_document_id = d.id OR d.id = ANY(s.replaced_document_ids)"
        " WHERE d.kind = %s AND d.source->>'report_id' = %s"
        "   AND (%s::text IS NULL OR EXISTS (SELECT 1 FROM ops.settlement_status st"
        "        WHERE st.flow_id = %s AND st.settlement_id = s.settlement_id))"
        " LIMIT 1",
        (raw_documents.SETTLEMENT_REPORT, report_id, flow_id, flow_id),
    ).fetchone()
    return row is not None
