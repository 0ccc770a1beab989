"""Extraction watermarks (`ops.watermarks`): how far each stream of a flow (or seller) has been read.

A watermark only moves forward: `advance_watermark` with an earlier value keeps the stored one, so a late or
replayed task can never make the next run skip data. Runs in the caller's transaction.

    since = get_watermark(conn, "acme-us-xero", "settlement_reports")   # None before the first run
    advance_watermark(conn, "acme-us-xero", "settlement_reports", newest_created_time)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a watermark must be timezone-aware, got {value.isoformat()}")
    return value


def get_watermark(conn: psycopg.Connection[Any], flow_id: str, stream: str) -> datetime | None:
    """The stored watermark of (flow_id, stream), or None when the stream was never read."""
    row = conn.execute(
        "SELECT value FROM ops.watermarks WHERE flow_id = %s AND stream = %s", (flow_id, stream)
    ).fetchone()
    return None if row is None else row[0]


def advance_watermark(conn: psycopg.Connection[Any], flow_id: str, stream: str, value: datetime) -> datetime:
    """Move the watermark to `value` unless it is already later; returns the watermark now stored."""
    row = conn.execute(
        "INSERT INTO ops.watermarks AS w (flow_id, stream, value) VALUES (%s, %s, %s)"
        " ON CONFLICT (flow_id, stream) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
        " WHERE w.value < EXCLUDED.value"
        " RETURNING value",
        (flow_id, stream, _aware(value)),
    ).fetchone()
    if row is not None:
        return row[0]
    stored = get_watermark(conn, flow_id, stream)
    assert stored is not None
    return stored


def all_watermarks(conn: psycopg.Connection[Any], flow_id: str) -> dict[str, datetime]:
    """Every stream's watermark of a flow."""
    rows = conn.execute("SELECT stream, value FROM ops.watermarks WHERE flow_id = %s", (flow_id,)).fetchall()
    return {stream: value for stream, value in rows}
