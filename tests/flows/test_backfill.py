"""A backfill over a range and the same range run day by day end in the same staged and posted state.

Two identical sandboxes (same seed and day), two fresh staging databases: one flow run with params
`start_date`/`end_date` over a few days around the first settlement reports, and one run per day of the
same range. Staged settlements and lines, settlement states, the posting log and the ledger's books
must be the same, and at least one settlement must have been posted (else the comparison proves little).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from sellerledger import db
from tests.flows.test_dag_runs import FlowRun, airflow_metadata, flow_for, prepare, sandbox_config

__all__ = ["airflow_metadata"]  # the module-scoped Airflow metadata fixture, shared with the DAG tests

LEDGER = "xero"
RANGE_DAYS = 3




def backfill_range() -> tuple[date, date]:
    """Days from the first settlement report the sandbox will publish (so the range posts something)."""
    from sellerledger.sandbox.amazon.generator import generate

    first = min(s.report_created_at for s in generate(sandbox_config()).settlements).date()
    return first, first + timedelta(days=RANGE_DAYS - 1)


@pytest.fixture
def flow_runs(template_db: str, airflow_metadata: dict[str, str]) -> Iterator[Callable[[], Any]]:
    """Opens a flow run on a new staging database and a new (identical) sandbox; one at a time, since the
    Airflow connections they import share one name per ledger."""
    from sellerledger.sandbox.server import SandboxServer

    admin = db.with_database(db.staging_url(), "postgres")
    names: list[str] = []

    @contextmanager
    def open_run() -> Iterator[FlowRun]:
        name = f"t_{uuid.uuid4().hex[:12]}"
        names.append(name)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
        with SandboxServer(sandbox_config(), port=0) as sandbox:
            yield prepare(flow_for(LEDGER), sandbox.url, db.with_database(db.staging_url(), name), airflow_metadata)

    try:
        yield open_run
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def state_of(run: FlowRun) -> dict[str, Any]:
    """What the runs left behind, without ids, times and run ids that differ between two equal runs."""
    flow = run.flow.id
    return {
        "settlements": run.query(
            "SELECT settlement_id, marketplace, currency, settlement_start_date, settlement_end_date, deposit_date,"
            " total_amount, lines_sum, line_count, problems FROM staging.settlements ORDER BY settlement_id"),
        "lines": run.query("SELECT settlement_id, count(*), sum(amount) FROM staging.settlement_lines"
                           " GROUP BY 1 ORDER BY 1"),
        "status": run.query("SELECT settlement_id, state, reasons FROM ops.settlement_status WHERE flow_id = %s"
                            " ORDER BY 1", flow),
        "posting_log": run.query(
            "SELECT doc_key, kind, settlement_id, reference, currency, total_amount, state FROM posting.log"
            " WHERE flow_id = %s ORDER BY doc_key", flow),
        "documents": run.query(
            "SELECT key, settlement_id, kind, currency, net_amount, status, posted_at IS NOT NULL"
            " FROM accounting.documents WHERE flow_id = %s ORDER BY key", flow),
        "trial_balance": run.ledger("trial-balance")["totals"],
        "ledger_documents": sorted((d["type"], d["reference"], d["currency"], d["total"], d["status"])
                                   for d in run.ledger("documents")["documents"]),
    }


@pytest.mark.slow
def test_backfill_over_a_range_equals_the_same_days_run_one_by_one(flow_runs: Callable[[], Any]) -> None:
    first, last = backfill_range()
    with flow_runs() as backfill:
        backfill.run({"start_date": first.isoformat(), "end_date": last.isoformat()})
        expected = state_of(backfill)
    with flow_runs() as daily:
        day = first
        while day <= last:
            daily.run({"start_date": day.isoformat(), "end_date": day.isoformat()})
            day += timedelta(days=1)
        got = state_of(daily)

    assert expected["posting_log"] and any(state == "reconciled" for _, state, _ in expected["status"]), expected
    assert expected["trial_balance"] and all(Decimal(v) == 0 for v in expected["trial_balance"].values())
    for part in expected:
        assert got[part] == expected[part], f"{part} differs (run logs in var/test-logs)"
