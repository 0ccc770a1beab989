"""Operations DAGs: `sellerledger_replay` (re-post after a fix, from the UI) and `sellerledger_monitor`
(alerts when a marketplace's expected settlement has not appeared). Wiring only; bodies in ops_tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, CronDataIntervalTimetable, Param, task

from sellerledger import settings
from sellerledger.flows.config import load_flows

REPLAY_DOC = """
### Replay held or failed settlements
After fixing what held a settlement (a mapping, the data) or what blocked posting (re-authorise the ledger
connection), trigger this DAG with the flow and, optionally, the settlement ids (default: every held or
validated-but-unposted settlement of the flow). It re-runs the checks (a held settlement is released when they
now pass), clears the flow's sync block if asked, and posts exactly once, as a normal run would.
"""

MONITOR_DOC = """
### Missing-settlement monitor
Amazon settles every 14 days per marketplace (7 in Japan). Daily, for every flow and marketplace, this DAG
alerts when the newest staged settlement ended longer ago than that cycle plus the flow's
`alerts.missing_settlement_slack_days`.
"""


def _default_args() -> dict[str, Any]:
    from sellerledger.flows.alerts import on_task_failure

    return {"owner": "sellerledger", "retries": 2, "retry_delay": timedelta(seconds=settings.retry_delay_seconds()),
            "retry_exponential_backoff": True, "on_failure_callback": on_task_failure}


def build_replay_dag() -> DAG:
    flow_ids = [flow.id for flow in load_flows()[0]] or ["-"]
    with DAG(
        dag_id="sellerledger_replay", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False, max_active_runs=1, default_args=_default_args(), tags=["sellerledger", "operations"],
        doc_md=REPLAY_DOC,
        params={
            "flow_id": Param(flow_ids[0], enum=flow_ids, title="Flow"),
            "settlement_ids": Param([], type="array", items={"type": "string"}, title="Settlement ids",
                                    description="Empty: every held or validated-but-unposted settlement."),
            "clear_sync_block": Param(False, type="boolean", title="Clear the sync block",
                                      description="Only after re-authorising the ledger connection."),
            "dry_run": Param(False, type="boolean", title="Dry run"),
        },
    ) as dag:

        @task
        def replay(**context: Any) -> list[dict[str, Any]]:
            from sellerledger.flows.ops_tasks import replay as run

            params = context["params"]
            return run(str(params["flow_id"]), [str(s) for s in params.get("settlement_ids") or []],
                       clear_block=bool(params.get("clear_sync_block")), run_id=str(context["run_id"]),
                       dry_run=bool(params.get("dry_run")))

        replay()
    return dag


def build_monitor_dag() -> DAG:
    with DAG(
        dag_id="sellerledger_monitor", schedule=CronDataIntervalTimetable("0 6 * * *", timezone="UTC"),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, max_active_runs=1,
        default_args=_default_args(), tags=["sellerledger", "operations"], doc_md=MONITOR_DOC,
    ) as dag:

        @task
        def missing_settlements() -> list[dict[str, Any]]:
            from sellerledger.flows.ops_tasks import missing_settlements as run

            return run()

        missing_settlements()
    return dag
