"""The DAG factory: one DAG per flow in flows.yaml (`sellerledger__<flow>`), wiring only.

discover → extract orders / financial events / settlement documents → check and build documents (held
settlements leave the run) → post (mapped per settlement, in the ledger tenant's pool) → reconcile →
summary. Task bodies live in `sellerledger.flows.tasks`; XCom carries ids and counts only.
When Airflow's parsing context names one DAG, only that DAG is built.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, get_parsing_context, task

from sellerledger import settings
from sellerledger.flows.config import Flow, FlowError, load_flows

log = logging.getLogger(__name__)

STAGED_SETTLEMENTS = Asset(name="sellerledger_staged_settlements", uri="sellerledger://staging/settlements")
POSTED_SETTLEMENTS = Asset(name="sellerledger_posted_settlements", uri="sellerledger://posting/log")

DOC = """
### {id}: Amazon `{seller}` ({marketplaces}) → {ledger_name}, `{mode}` mode

Every run extracts what Amazon published since the last run (orders, Finances event groups and events,
V2 settlement reports), stages it in Postgres, checks each settlement to the cent, and posts the checked
ones to **{ledger_name}** (connection `{ledger_conn}`) exactly once.

| task | what it does |
|---|---|
| `discover` | lists settlement reports and event groups since the watermark (or the params' range / ids) |
| `extract_orders` | orders and, from one order report per window, their lines |
| `extract_financial_events` | event groups and events, re-collecting recent groups for late events |
| `extract_settlements` | downloads new settlement reports, keeps the raw files, stages their lines |
| `check_settlements` | sums, event-group agreement, currency, dates, duplicates, mappings, then builds and stores the accounting documents; failures are **held** with reasons |
| `post_settlement` | posts one settlement's documents (pool `{pool}`); a dry run only shows them |
| `reconcile` | reads the postings back from the ledger and marks settlements reconciled |
| `summary` | counts and totals in the log and in `ops.run_summaries` |

Trigger with params for a backfill (`start_date`/`end_date`), to (re)process `settlement_ids`, to change the
`posting_mode`, or as a `dry_run` that posts nothing.
"""

LEDGER_NAMES = {"myob": "MYOB", "qbo": "QuickBooks Online", "xero": "Xero", "wave": "Wave", "zoho": "Zoho Books"}


def default_args(flow: Flow) -> dict[str, Any]:
    from sellerledger.flows.alerts import on_task_failure

    return {
        "owner": flow.owner,
        "retries": flow.retries,
        "retry_delay": timedelta(seconds=settings.retry_delay_seconds()),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "on_failure_callback": on_task_failure,
    }


def params(flow: Flow) -> dict[str, Param]:
    return {
        "start_date": Param(None, type=["null", "string"], format="date", title="Backfill from (date)",
                            description="Extract and process from this date instead of the watermark."),
        "end_date": Param(None, type=["null", "string"], format="date", title="Backfill to (date)"),
        "settlement_ids": Param([], type="array", items={"type": "string"}, title="Settlement ids",
                                description="(Re)process only these settlements."),
        "posting_mode": Param(flow.posting_mode, enum=["summary", "per_order"], title="Posting mode"),
        "dry_run": Param(False, type="boolean", title="Dry run",
                         description="Build and check documents, post nothing, show what would be posted."),
    }


def build_flow_dag(flow: Flow) -> DAG:
    with DAG(
        dag_id=flow.dag_id,
        schedule=CronDataIntervalTimetable(flow.schedule.cron_expression(), timezone=flow.timezone),
        start_date=pendulum.datetime(flow.start_date.year, flow.start_date.month, flow.start_date.day,
                                     tz=flow.timezone),
        catchup=flow.catchup,
        max_active_runs=1,
        default_args=default_args(flow),
        params=params(flow),
        tags=["sellerledger", f"ledger:{flow.ledger}", f"seller:{flow.seller}", f"mode:{flow.posting_mode}"],
        doc_md=DOC.format(id=flow.id, seller=flow.seller, marketplaces=", ".join(flow.marketplaces),
                          ledger_name=LEDGER_NAMES[flow.ledger], ledger_conn=flow.ledger_conn_id,
                          mode=flow.posting_mode, pool=flow.pool),
    ) as dag:
        flow_id = flow.id

        @task
        def discover(**context: Any) -> dict[str, Any]:
            from sellerledger.flows import tasks

            return tasks.discover(flow_id, tasks.RunContext.from_airflow(context))

        @task
        def extract_orders(plan: dict[str, Any], **context: Any) -> dict[str, int]:
            from sellerledger.flows import tasks

            return tasks.extract_orders(flow_id, tasks.RunContext.from_airflow(context), plan)

        @task
        def extract_financial_events(plan: dict[str, Any], **context: Any) -> dict[str, int]:
            from sellerledger.flows import tasks

            return tasks.extract_financial_events(flow_id, tasks.RunContext.from_airflow(context), plan)

        @task(outlets=[STAGED_SETTLEMENTS])
        def extract_settlements(plan: dict[str, Any], **context: Any) -> dict[str, Any]:
            from sellerledger.flows import tasks

            return tasks.extract_settlements(flow_id, tasks.RunContext.from_airflow(context), plan)

        @task
        def check_settlements(plan: dict[str, Any], extracted: dict[str, Any], orders: dict[str, int],
                              events: dict[str, int], **context: Any) -> list[str]:
            from sellerledger.flows import tasks

            return tasks.check_settlements(flow_id, tasks.RunContext.from_airflow(context), plan, extracted)

        @task(pool=flow.pool, outlets=[POSTED_SETTLEMENTS], map_index_template="{{ settlement_id }}")
        def post_settlement(settlement_id: str, **context: Any) -> dict[str, Any]:
            from sellerledger.flows import tasks

            return tasks.post_settlement(flow_id, tasks.RunContext.from_airflow(context), settlement_id)

        @task(trigger_rule="all_done")
        def reconcile(posted: list[dict[str, Any]], **context: Any) -> list[dict[str, Any]]:
            from sellerledger.flows import tasks

            return tasks.reconcile(flow_id, tasks.RunContext.from_airflow(context), posted)

        @task(trigger_rule="all_done")
        def summary(reconciled: list[dict[str, Any]], validated: list[str], **context: Any) -> dict[str, Any]:
            from sellerledger.flows import tasks

            return tasks.summary(flow_id, tasks.RunContext.from_airflow(context), reconciled, validated)

        plan = discover()
        validated = check_settlements(plan, extract_settlements(plan), extract_orders(plan),
                                      extract_financial_events(plan))
        posted = post_settlement.expand(settlement_id=validated)
        summary(reconcile(posted), validated)
    return dag


def build_broken_flow_dag(error: FlowError) -> DAG:
    """A DAG that shows a flows.yaml error in the UI (and fails when run) instead of hiding the flow."""
    dag_id = f"sellerledger__{error.flow_id}" if error.flow_id not in ("?", "-") else f"sellerledger__entry_{error.position}"
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        default_args={"owner": "sellerledger", "retries": 2},
        tags=["sellerledger", "config-error"],
        doc_md=f"### This flow's configuration is invalid\n\n`{error}`\n\nFix `include/flows.yaml`.",
    ) as dag:

        @task(retries=0)
        def config_error() -> None:
            raise ValueError(str(error))

        config_error()
    return dag


def build_dags(namespace: dict[str, Any]) -> None:
    """Register a DAG per flow (only the one being parsed for, when Airflow says which) in `namespace`."""
    wanted = get_parsing_context().dag_id
    flows, errors = load_flows()
    for error in errors:
        log.error("%s", error)
        dag = build_broken_flow_dag(error)
        if wanted in (None, dag.dag_id):
            namespace[dag.dag_id] = dag
    for flow in flows:
        if not flow.enabled or (wanted is not None and wanted != flow.dag_id):
            continue
        try:
            namespace[flow.dag_id] = build_flow_dag(flow)
        except Exception as exc:  # one flow's bug must not hide the others
            log.exception("flow %s could not be built", flow.id)
            broken = build_broken_flow_dag(FlowError(0, flow.id, f"could not build the DAG: {exc}"))
            namespace[broken.dag_id] = broken
