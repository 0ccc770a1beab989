"""The `sellerledger_setup` DAG: run once after install or upgrade (and by `make demo`)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
from airflow.sdk import DAG, task

log = logging.getLogger(__name__)

DOC = """
### sellerledger set-up
Applies the versioned staging schema (`sellerledger db upgrade`) to the staging database and logs how many
tables each schema holds. Safe to run at any time: migrations apply once each.
"""

DEFAULT_ARGS = {
    "owner": "sellerledger",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
}


def build_setup_dag() -> DAG:
    with DAG(
        dag_id="sellerledger_setup",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["sellerledger", "setup"],
        doc_md=DOC,
    ) as dag:

        @task
        def upgrade_schema() -> list[str]:
            from sellerledger.flows.setup_tasks import upgrade_staging_schema

            return upgrade_staging_schema()

        @task
        def inventory(applied: list[str]) -> dict[str, int]:
            from sellerledger.flows.setup_tasks import staging_inventory

            tables = staging_inventory()
            log.info("applied now: %s; tables per schema: %s", applied or "none", tables)
            return tables

        inventory(upgrade_schema())
    return dag
