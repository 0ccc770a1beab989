"""Store check results per run and settlement (`ops.check_results`, `ops.check_runs`) for analysts.

Writes are upserts on (run, flow, settlement[, suite, check]) so a retried task rewrites its own rows
instead of adding duplicates. Amounts go in numeric columns; `details` is JSON with amounts as strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from sellerledger.checks.settlement import CheckResult


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def store_results(
    conn: psycopg.Connection[Any], run_id: str, flow_id: str, settlement_id: str, results: Iterable[CheckResult]
) -> int:
    """Upsert results; returns how many were written."""
    rows = [
        (
            run_id, flow_id, settlement_id, r.suite, r.name, r.passed, r.severity, r.message, r.observed,
            r.expected, r.currency, Jsonb(_json_safe(r.details)),
        )
        for r in results
    ]
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO ops.check_results (run_id, flow_id, settlement_id, suite, check_name, passed, severity,"
            " message, observed, expected, currency, details)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (run_id, flow_id, settlement_id, suite, check_name) DO UPDATE SET"
            " passed = EXCLUDED.passed, severity = EXCLUDED.severity, message = EXCLUDED.message,"
            " observed = EXCLUDED.observed, expected = EXCLUDED.expected, currency = EXCLUDED.currency,"
            " details = EXCLUDED.details, checked_at = now()",
            rows,
        )
    return len(rows)


@dataclass(frozen=True)
class RunSummary:
    """One row of `ops.check_runs`."""

    run_id: str
    flow_id: str
    settlement_id: str
    outcome: str  # validated | held
    reasons: tuple[str, ...]
    mode: str
    ledger: str
    mapping_version: str
    mapping_hash: str
    total_amount: Decimal | None
    lines_sum: Decimal | None
    currency: str | None
    line_count: int
    document_count: int


def store_run(conn: psycopg.Connection[Any], summary: RunSummary) -> None:
    with conn.transaction():
        conn.execute(
            "INSERT INTO ops.check_runs (run_id, flow_id, settlement_id, outcome, reasons, mode, ledger,"
            " mapping_version, mapping_hash, total_amount, lines_sum, currency, line_count, document_count)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (run_id, flow_id, settlement_id) DO UPDATE SET outcome = EXCLUDED.outcome,"
            " reasons = EXCLUDED.reasons, mode = EXCLUDED.mode, ledger = EXCLUDED.ledger,"
            " mapping_version = EXCLUDED.mapping_version, mapping_hash = EXCLUDED.mapping_hash,"
            " total_amount = EXCLUDED.total_amount, lines_sum = EXCLUDED.lines_sum, currency = EXCLUDED.currency,"
            " line_count = EXCLUDED.line_count, document_count = EXCLUDED.document_count, checked_at = now()",
            (
                summary.run_id, summary.flow_id, summary.settlement_id, summary.outcome, list(summary.reasons),
                summary.mode, summary.ledger, summary.mapping_version, summary.mapping_hash, summary.total_amount,
                summary.lines_sum, summary.currency, summary.line_count, summary.document_count,
            ),
        )


def load_results(
    conn: psycopg.Connection[Any], flow_id: str, settlement_id: str, run_id: str | None = None
) -> list[CheckResult]:
    """Results of one run (default: the latest run) of a settlement, ordered by suite and name."""
    if run_id is None:
        row = conn.execute(
            "SELECT run_id FROM ops.check_results WHERE flow_id = %s AND settlement_id = %s"
            " ORDER BY checked_at DESC, id DESC LIMIT 1",
            (flow_id, settlement_id),
        ).fetchone()
        if row is None:
            return []
        run_id = row[0]
    rows = conn.execute(
        "SELECT check_name, passed, message, severity, suite, observed, expected, currency, details"
        " FROM ops.check_results WHERE flow_id = %s AND settlement_id = %s AND run_id = %s ORDER BY suite, check_name",
        (flow_id, settlement_id, run_id),
    ).fetchall()
    return [
        CheckResult(name=r[0], passed=r[1], message=r[2], severity=r[3], suite=r[4], observed=r[5], expected=r[6],
                    currency=r[7], details=r[8] or {})
        for r in rows
    ]
