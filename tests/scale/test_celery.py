"""One flow through Airflow's CeleryExecutor for real: api-server, scheduler, dag-processor and two Celery
workers on this machine, a Redis broker and the Postgres metadata database; tasks must run on both workers
and post exactly what the same flow posts under the LocalExecutor (same sandbox seller, fresh ledgers).

The flow is the demo's Xero flow narrowed to amazon.com, read from a flows.yaml of its own whose cron never
fires (29 February), so the only run is the one the test triggers.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from sellerledger import db
from tests.conftest import ROOT
from tests.scale.airflow_cluster import AirflowCluster, free_port, stop, wait_for_run

pytestmark = pytest.mark.slow

FLOW_ID = "scale_xero"
DAG_ID = f"sellerledger__{FLOW_ID}"
METADATA_DB = "airflow_scale_test"
REDIS_DB = 11
FLOWS_YAML = """\
flows:
  - id: scale_xero
    seller: demo
    marketplaces: [US]
    amazon_conn_id: {na: amazon_demo_na}
    ledger: xero
    ledger_conn_id: xero_demo
    posting_mode: summary
    timezone: UTC
    schedule: {kind: cron, cron: "0 0 29 2 *"}
    start_date: 2026-01-01
    unmapped: hold
"""


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _redis_flush(port: int, number: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"SELECT {number}\r\nFLUSHDB\r\n".encode())
        time.sleep(0.2)
        sock.recv(64)


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    """Redis on 127.0.0.1:6379 when one answers, else a redis-server started here (and stopped after)."""
    if _redis_answers(6379):
        yield 6379
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no Redis answers on 127.0.0.1:6379 and redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(50):
            if _redis_answers(port):
                break
            time.sleep(0.1)
        yield port
    finally:
        stop(proc, grace=5)


@pytest.fixture(scope="module")
def flow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SELLERLEDGER_HOME whose include/ holds the one-flow flows.yaml and the project's mappings."""
    home = tmp_path_factory.mktemp("scale_home")
    (home / "include").mkdir()
    (home / "include" / "flows.yaml").write_text(FLOWS_YAML)
    (home / "include" / "mappings").symlink_to(ROOT / "include" / "mappings")
    return home


def _new_database(template: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.with_database(db.staging_url(), "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return db.with_database(db.staging_url(), name)


def _drop_database(url: str) -> None:
    with psycopg.connect(db.with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.database_name(url)}" WITH (FORCE)')


def run_flow(executor: str, *, template_db: str, flow_home: Path, redis_port: int, tmp: Path) -> dict[str, Any]:
    """Run the flow once under `executor` against a fresh sandbox and staging database; what it did."""
    from sellerledger.flows import demo, runtime
    from sellerledger.flows.config import load_flows
    from sellerledger.sandbox.core.state import SandboxConfig
    from sellerledger.sandbox.server import SandboxServer

    metadata_url = db.with_database(db.staging_url(), METADATA_DB)
    db.ensure_database(metadata_url)
    staging = _new_database(template_db)
    home = tmp / executor
    home.mkdir(parents=True, exist_ok=True)
    flows, errors = load_flows(flow_home / "include" / "flows.yaml")
    assert not errors and [f.id for f in flows] == [FLOW_ID]
    try:
        with SandboxServer(SandboxConfig(days=45, time_scale=60.0)) as sandbox:
            extra = {
                "AIRFLOW_HOME": str(home), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db.to_sqlalchemy(metadata_url),
                "AIRFLOW__CORE__EXECUTOR": executor, "AIRFLOW__CORE__HOSTNAME_CALLABLE":
                    "tests.scale.worker_hostname.worker_name",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
                "SELLERLEDGER_HOME": str(flow_home), "SELLERLEDGER_VAR": str(ROOT / "var"),
                "SELLERLEDGER_DB_URL": staging, "SELLERLEDGER_SANDBOX_URL": sandbox.url,
                "SELLERLEDGER_RETRY_DELAY_SECONDS": "2",
                "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]
                                              ).rstrip(os.pathsep),
            }
            if executor == "CeleryExecutor":
                extra.update({
                    "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/{REDIS_DB}",
                    "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + db.to_sqlalchemy(metadata_url),
                    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1", "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
                })
                _redis_flush(redis_port, REDIS_DB)
            env = runtime.airflow_env(extra)
            runtime.migrate(env)
            demo._configure(env, sandbox.url, flows)
            runtime.run_airflow(["dags", "reserialize"], env)
            run_id = f"scale_{executor}_{uuid.uuid4().hex[:8]}"
            end = sandbox.state.apis["amazon"].now().date()
            conf = json.dumps({"start_date": (end - timedelta(days=30)).isoformat(), "end_date": end.isoformat()})
            began = time.monotonic()
            with AirflowCluster(env, home, workers=2 if executor == "CeleryExecutor" else 0) as cluster:
                runtime.run_airflow(["dags", "unpause", DAG_ID], env)
                runtime.run_airflow(["dags", "trigger", DAG_ID, "--run-id", run_id, "--conf", conf], env)
                state = wait_for_run(metadata_url, DAG_ID, run_id, timeout=480, cluster=cluster)
                runtime.run_airflow(["dags", "pause", DAG_ID], env)
                worker_logs = {name: path.read_text(errors="replace") for name, path in cluster.logs.items()
                               if name.startswith("worker")}
                tail = cluster.tail()
            seconds = time.monotonic() - began
            balance = httpx.get(f"{sandbox.url}/_sandbox/xero/trial-balance", timeout=30).json().get("totals", {})
            documents = sorted((d["type"], d["reference"], d["status"], str(d["total"]))
                               for d in httpx.get(f"{sandbox.url}/_sandbox/xero/documents", timeout=30).json()["documents"])
        with psycopg.connect(metadata_url) as conn:
            tasks = conn.execute(
                "SELECT task_id, map_index, state, hostname, queue FROM task_instance"
                " WHERE dag_id = %s AND run_id = %s ORDER BY task_id, map_index", (DAG_ID, run_id)).fetchall()
        with psycopg.connect(staging) as conn:
            posted = conn.execute(
                "SELECT settlement_id, doc_key, kind, reference, currency, total_amount, state"
                " FROM posting.log WHERE flow_id = %s ORDER BY settlement_id, doc_key", (FLOW_ID,)).fetchall()
            statuses = conn.execute("SELECT settlement_id, state FROM ops.settlement_status WHERE flow_id = %s"
                                    " ORDER BY 1", (FLOW_ID,)).fetchall()
    finally:
        _drop_database(staging)
    return {"state": state, "tasks": tasks, "posted": posted, "statuses": statuses, "balance": balance,
            "documents": documents,
            "worker_logs": worker_logs, "seconds": seconds, "tail": tail, "when": datetime.now(UTC)}


def test_celery_workers_share_the_flow_and_post_what_the_local_executor_posts(
        template_db: str, flow_home: Path, redis_port: int, tmp_path: Path) -> None:
    celery = run_flow("CeleryExecutor", template_db=template_db, flow_home=flow_home, redis_port=redis_port,
                      tmp=tmp_path)
    assert celery["state"] == "success", celery["tail"]
    ran = [t for t in celery["tasks"] if t[2] == "success"]
    hosts = {t[3] for t in ran}
    assert {"worker1", "worker2"} <= hosts, f"tasks ran on {hosts}: {celery['tasks']}"
    assert all(t[3] in ("worker1", "worker2") for t in ran), celery["tasks"]
    for name, text in celery["worker_logs"].items():
        assert "celery@" in text or "ready" in text, f"{name} never came up:\n{text[-2000:]}"

    local = run_flow("LocalExecutor", template_db=template_db, flow_home=flow_home, redis_port=redis_port,
                     tmp=tmp_path)
    assert local["state"] == "success", local["tail"]
    assert celery["posted"], "the flow posted nothing: nothing to compare"
    assert all(row[6] == "posted" for row in celery["posted"])
    # the same documents, references and amounts per settlement (payload hashes hold the ledger's own ids
    # of contacts and accounts, which differ between two fresh sandboxes), and the same books
    assert celery["posted"] == local["posted"]
    assert celery["documents"] == local["documents"] and celery["documents"]  # documents and payouts
    assert celery["statuses"] == local["statuses"]
    assert celery["balance"] == local["balance"] and celery["balance"]
    print(f"\nCelery: {len(ran)} tasks on {sorted(hosts)} in {celery['seconds']:.0f} s; LocalExecutor "
          f"{local['seconds']:.0f} s; {len(celery['posted'])} documents posted, equal")
