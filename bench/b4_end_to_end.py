"""B4 end to end: the demo seller over 90 days through all five flows of include/flows.yaml in Airflow
(`airflow dags test`, as `make demo` runs them), against a fresh sandbox and a scratch staging database.

Wall time is the five DAG runs' (the one-off metadata migration and connection import are reported apart).
The pipeline's own work is the sum of the task instances' durations in the Airflow metadata database
(`dags test` runs tasks one after another); the rest of the wall time is Airflow: process start, DAG
parsing, scheduling and bookkeeping between tasks.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from bench.common import WORK, scratch_database
from sellerledger import db

AIRFLOW_DB = "airflow_bench"
DAYS = 90
TIME_SCALE = 60.0


def run() -> dict[str, Any]:
    from sellerledger.flows import demo, runtime
    from sellerledger.flows.config import load_flows
    from sellerledger.sandbox.core.state import SandboxConfig
    from sellerledger.sandbox.server import SandboxServer

    flows, errors = load_flows()
    if errors:
        raise RuntimeError(f"invalid flows: {errors}")
    airflow_url = db.with_database(db.staging_url(), AIRFLOW_DB)
    db.ensure_database(airflow_url)  # kept between runs: migrating an empty metadata DB costs a minute
    began = datetime.now(UTC)
    with scratch_database("sellerledger_bench_b4") as url, \
            SandboxServer(SandboxConfig(days=DAYS + 30, time_scale=TIME_SCALE)) as sandbox:
        home = WORK / "airflow"
        home.mkdir(parents=True, exist_ok=True)
        env = runtime.airflow_env({
            "AIRFLOW_HOME": str(home), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db.to_sqlalchemy(airflow_url),
            "SELLERLEDGER_DB_URL": url, "SELLERLEDGER_SANDBOX_URL": sandbox.url,
            "SELLERLEDGER_RETRY_DELAY_SECONDS": "2"})
        t0 = time.monotonic()
        runtime.migrate(env)
        demo._configure(env, sandbox.url, flows)
        setup_s = time.monotonic() - t0
        end = datetime.now(UTC).date()
        conf = json.dumps({"start_date": (end - timedelta(days=DAYS)).isoformat(), "end_date": end.isoformat()})
        walls: dict[str, float] = {}
        failed: list[str] = []
        for flow in flows:
            t0 = time.monotonic()
            try:
                runtime.run_airflow(["dags", "test", flow.dag_id, "-c", conf], env)
            except RuntimeError:
                failed.append(flow.id)
            walls[flow.id] = time.monotonic() - t0
        with psycopg.connect(url) as conn:
            states = dict(conn.execute("SELECT state, count(*) FROM ops.settlement_status GROUP BY 1").fetchall())
    with psycopg.connect(airflow_url) as conn:
        task_s, tasks = conn.execute(
            "SELECT coalesce(sum(extract(epoch FROM ti.end_date - ti.start_date)), 0), count(*)"
            " FROM task_instance ti JOIN dag_run r ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id"
            " WHERE r.start_date >= %s AND ti.start_date IS NOT NULL AND ti.end_date IS NOT NULL",
            (began,)).fetchone()
    wall = sum(walls.values())
    return {
        "wall_s": round(wall, 1),
        "airflow_overhead_share": round(1 - float(task_s) / wall, 3) if wall else None,
        "details": {"task_seconds": round(float(task_s), 1), "task_instances": int(tasks),
                    "per_flow_wall_s": {k: round(v, 1) for k, v in walls.items()}, "failed_flows": failed,
                    "setup_s": round(setup_s, 1), "settlement_states": states},
    }


if __name__ == "__main__":
    with db.embedded_session():
        print(json.dumps(run(), default=str))
