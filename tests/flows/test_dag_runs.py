"""Each ledger's flow DAG, run whole through Airflow (`airflow dags test`) against an in-process sandbox.

Per test: a fresh staging database, a fresh sandbox (a short, fast history), the demo connections and
pools imported into this module's own Airflow metadata database. The run must succeed, and every
settlement it staged must end posted and reconciled, with the ledger's trial balance at zero and the
posted totals equal to the staged ones. A dry run must post nothing and list what it would post.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from sellerledger import db, settings
from sellerledger.flows import runtime
from sellerledger.flows.config import Flow, load_flows

HISTORY_DAYS = 30  # the sandbox's history: a couple of settlements per marketplace
TIME_SCALE = 60.0
ORDERS_PER_DAY = 4  # a small seller: per-order ledgers post a few hundred documents, not thousands
LEDGERS = ("xero", "qbo", "myob", "wave", "zoho")
FAST = {"xero"}  # kept in the default suite (~40 s: a whole DAG through the Airflow CLI); the others are slow


@dataclass
class FlowRun:
    """A flow's DAG ready to run: its environment, sandbox and staging database."""

    flow: Flow
    env: dict[str, str]
    sandbox_url: str
    staging_url: str
    logs: list[str] = field(default_factory=list)

    def run(self, conf: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        """`airflow dags test` the flow's DAG with `conf`; fail the test with the log tail if the run fails."""
        airflow = str(Path(sys.executable).parent / "airflow")
        result = subprocess.run([airflow, "dags", "test", self.flow.dag_id, "-c", json.dumps(conf)], env=self.env,
                                capture_output=True, text=True, check=False, timeout=600)
        output = result.stdout + result.stderr
        self.logs.append(output)
        folder = settings.var_dir() / "test-logs"  # the last runs' logs, to read when an assertion fails
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{self.flow.dag_id}-{db.database_name(self.staging_url)}-{len(self.logs)}.log").write_text(output)
        assert result.returncode == 0 and "state=success" in output, output[-6000:]
        return result

    def window(self, days: int = HISTORY_DAYS) -> dict[str, str]:
        end = datetime.now(UTC).date()
        return {"start_date": (end - timedelta(days=days)).isoformat(), "end_date": end.isoformat()}

    def ledger(self, what: str) -> dict[str, Any]:
        return httpx.get(f"{self.sandbox_url}/_sandbox/{self.flow.ledger}/{what}", timeout=30).json()

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.staging_url) as conn:
            return conn.execute(sql, args).fetchall()


def sandbox_config() -> Any:
    from sellerledger.sandbox.core.state import SandboxConfig

    return SandboxConfig(days=HISTORY_DAYS + 5, time_scale=TIME_SCALE, options={"orders_per_day": ORDERS_PER_DAY})


def flow_for(ledger: str) -> Flow:
    return next(flow for flow in load_flows()[0] if flow.ledger == ledger)


@pytest.fixture(scope="module")
def airflow_metadata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """This module's own Airflow home and metadata database (migrated once), dropped afterwards."""
    name = f"airflow_flowruns_{os.getpid()}"
    home = tmp_path_factory.mktemp("airflow_home")
    extra = {"SELLERLEDGER_AIRFLOW_DB_NAME": name, "AIRFLOW_HOME": str(home),
             "SELLERLEDGER_RETRY_DELAY_SECONDS": "2"}
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        runtime.run_airflow(["db", "migrate"], runtime.airflow_env(extra))
        yield extra
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with psycopg.connect(db.with_database(db.staging_url(), "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(flow: Flow, sandbox_url: str, staging_url: str, extra: dict[str, str]) -> FlowRun:
    """The Airflow environment of a run on `staging_url`, with the sandbox's connections and the pools."""
    from sellerledger.flows.demo_connections import demo_connections

    env = runtime.airflow_env({**extra, "SELLERLEDGER_DB_URL": staging_url, "SELLERLEDGER_SANDBOX_URL": sandbox_url})
    credentials = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=30).json()
    spec = {"connections": {c.pop("conn_id"): c for c in demo_connections(credentials, TIME_SCALE)},
            "pools": [flow.pool]}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spec.json"
        path.write_text(json.dumps(spec))
        path.chmod(0o600)
        subprocess.run([sys.executable, "-m", "sellerledger.flows.airflow_admin", str(path)], env=env, check=True,
                       capture_output=True, timeout=300)
    return FlowRun(flow, env, sandbox_url, staging_url)


@pytest.fixture
def flow_run(request: pytest.FixtureRequest, fresh_db: str, airflow_metadata: dict[str, str]) -> Iterator[FlowRun]:
    """A flow (parametrized by ledger) on a fresh staging database and its own fresh sandbox."""
    from sellerledger.sandbox.server import SandboxServer

    with SandboxServer(sandbox_config(), port=0) as sandbox:
        yield prepare(flow_for(request.param), sandbox.url, fresh_db, airflow_metadata)


def trial_balance_is_zero(totals: dict[str, str]) -> bool:
    return bool(totals) and all(Decimal(value) == 0 for value in totals.values())


def staged_and_posted(run: FlowRun) -> list[dict[str, Any]]:
    from sellerledger.flows.report import settlement_rows

    with psycopg.connect(run.staging_url) as conn:
        return settlement_rows(conn, run.flow.id)


def _ledger_params(slow_unless_fast: set[str]) -> list[Any]:
    return [pytest.param(ledger, id=ledger, marks=() if ledger in slow_unless_fast else pytest.mark.slow)
            for ledger in LEDGERS]


@pytest.mark.parametrize("flow_run", _ledger_params(FAST), indirect=True)
def test_whole_dag_posts_and_reconciles_every_staged_settlement(flow_run: FlowRun) -> None:
    flow_run.run(flow_run.window())

    rows = staged_and_posted(flow_run)
    assert rows, "the run staged no settlement"
    assert {r["status"] for r in rows} == {"reconciled"}, [(r["settlement_id"], r["status"]) for r in rows]
    for row in rows:
        assert row["documents"] > 0 and row["documents_posted"] == row["documents"], row
        assert row["posted_total"] == row["total_amount"], row
    assert {r["marketplace"] for r in rows} == set(flow_run.flow.marketplaces)

    balance = flow_run.ledger("trial-balance")
    assert trial_balance_is_zero(balance["totals"]), balance
    posted = flow_run.query("SELECT ledger_id FROM posting.log WHERE flow_id = %s AND state = 'posted'",
                            flow_run.flow.id)
    in_ledger = {d["id"] for d in flow_run.ledger("documents")["documents"]}
    assert posted and all(any(doc in ledger_id for doc in in_ledger) for (ledger_id,) in posted), (posted, in_ledger)
    failed = flow_run.query("SELECT count(*) FROM posting.log WHERE flow_id = %s AND state <> 'posted'",
                            flow_run.flow.id)
    assert failed == [(0,)]


@pytest.mark.slow
@pytest.mark.parametrize("flow_run", ["qbo"], indirect=True)
def test_dry_run_posts_nothing_and_lists_the_documents_it_would_post(flow_run: FlowRun) -> None:
    before = flow_run.ledger("documents")["documents"]
    result = flow_run.run({**flow_run.window(), "dry_run": True})
    output = result.stdout + result.stderr

    assert flow_run.query("SELECT count(*) FROM posting.log") == [(0,)]
    assert flow_run.ledger("documents")["documents"] == before
    documents = flow_run.query(
        "SELECT settlement_id, count(*) FROM accounting.documents WHERE flow_id = %s AND status = 'current'"
        " GROUP BY 1 ORDER BY 1", flow_run.flow.id)
    assert documents, "the dry run built no documents"
    would_post = [line for line in output.splitlines() if "DRY RUN would post" in line]
    assert len(would_post) == sum(count for _, count in documents), "\n".join(would_post)
    for settlement_id, count in documents:
        assert f"'settlement_id': '{settlement_id}', 'dry_run': True, 'would_post': {count}," in output
    states = {state for (state,) in flow_run.query(
        "SELECT state FROM ops.settlement_status WHERE flow_id = %s", flow_run.flow.id)}
    assert states and not states & {"posted", "reconciled"}, states
