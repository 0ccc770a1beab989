"""`make demo`: the job end to end through Airflow on the embedded Postgres, then a report."""

from __future__ import annotations

import json

from sellerledger import db
from sellerledger.flows import runtime


def run_demo(as_json: bool = False) -> int:
    with db.embedded_session():
        env = runtime.airflow_env()
        runtime.migrate(env)
        runtime.run_airflow(["dags", "test", "sellerledger_setup"], env)
        from sellerledger.flows.setup_tasks import staging_inventory

        tables = staging_inventory()
    report = {"dags_run": ["sellerledger_setup"], "staging_tables": tables}
    if as_json:
        print(json.dumps(report))
    else:
        print("sellerledger demo")
        print("  ran through Airflow: sellerledger_setup  (staging schema applied)")
        for schema_name, count in tables.items():
            print(f"  {schema_name:<12} {count:>3} tables")
        print("Open the Airflow UI on the same data with: make airflow")
    return 0
