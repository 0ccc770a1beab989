"""Operations DAGs: the replay form, and the missing-settlement monitor's arithmetic and alerts."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from sellerledger.flows.config import load_flows
from sellerledger.flows.ops_tasks import _overdue, missing_settlements


def test_replay_dag_offers_each_flow_and_the_fix_options() -> None:
    from sellerledger.flows.ops_dags import build_replay_dag

    dag = build_replay_dag()
    assert set(dag.params.keys()) == {"flow_id", "settlement_ids", "clear_sync_block", "dry_run"}
    assert dag.params.get_param("flow_id").schema["enum"] == [f.id for f in load_flows()[0]]
    assert dag.get_task("replay").retries >= 2  # posting is idempotent: a retried replay posts nothing twice


def test_overdue_only_after_the_cycle_plus_slack() -> None:
    flow = load_flows()[0][0]  # slack 3 days by default
    end = datetime(2026, 11, 1, tzinfo=UTC)
    assert _overdue(flow, "US", end, datetime(2026, 11, 18, tzinfo=UTC)) is None  # 14 + 3 days: due on the 18th
    late = _overdue(flow, "US", end, datetime(2026, 11, 20, tzinfo=UTC))
    assert late == {"flow": flow.id, "marketplace": "US", "last_end": "2026-11-01", "cycle_days": 14, "days_late": 2}
    assert _overdue(flow, "JP", end, datetime(2026, 11, 12, tzinfo=UTC))["cycle_days"] == 7
    assert _overdue(flow, "US", None, datetime(2026, 11, 20, tzinfo=UTC)) is None  # nothing staged yet


def test_monitor_alerts_for_a_marketplace_whose_settlement_is_missing(fresh_db: str) -> None:
    from sellerledger.staging.settlements import stage_settlement_document
    from tests.amazon.settlement_files import order_line, v2_file

    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for sid, host, when, end in (("91", "Amazon.com", "2026-11-10 08:00:00 UTC", "2026-11-15 00:00:00 UTC"),
                                     ("92", "Amazon.de", "2026-09-25 08:00:00 UTC", "2026-10-01 00:00:00 UTC")):
            data = v2_file([order_line("10.00", marketplace_name=host, when=when)], settlement_id=sid,
                           currency="USD", start=when[:10] + " 00:00:00 UTC", end=end, deposit=end)
            stage_settlement_document(conn, data.encode(), seller="demo", source={"file": f"{sid}.txt"})
    late = missing_settlements(now=datetime(2026, 11, 20, tzinfo=UTC))
    flows = {f.id for f in load_flows()[0]}
    assert {(item["flow"], item["marketplace"]) for item in late} == {(f, "DE") for f in flows}
    with psycopg.connect(fresh_db) as conn:
        kinds = conn.execute("SELECT kind, count(*) FROM ops.alerts GROUP BY 1").fetchall()
    assert kinds == [("missing_settlement", len(flows))]
