"""`make demo`: the whole job on a sandbox seller, through Airflow, then a report per flow and settlement.

1. Start (or reuse) the embedded Postgres and the sandbox (state kept in var/sandbox, so a second run
   finds the ledgers as the first left them).
2. Migrate Airflow's metadata and the staging schema; import the demo connections (from the sandbox's
   credentials) and the ledger pools.
3. Run every flow of include/flows.yaml through Airflow (`airflow dags test`) over the last 90 days.
4. Print, per flow and settlement: lines, total, what is posted, documents created by this run, status,
   and whether the ledger's books balance and hold the settlement's total.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from sellerledger import db, settings
from sellerledger.flows import runtime
from sellerledger.flows.config import Flow, load_flows

DEMO_DAYS = 90
SANDBOX_PORT = 8765
TIME_SCALE = 60.0


def run_demo(as_json: bool = False, days: int = DEMO_DAYS) -> int:
    from sellerledger.sandbox.core.state import SandboxConfig
    from sellerledger.sandbox.server import SandboxServer

    progress = _Progress(quiet=as_json)
    flows, errors = load_flows()
    for error in errors:
        progress.say(f"skipping invalid flow: {error}")
    started = datetime.now(UTC)
    with db.embedded_session() as staging_url:
        progress.say(f"staging database: embedded Postgres ({settings.var_dir() / 'pgdata'})"
                     if not settings.db_url_override() or "pgdata" in staging_url else "staging database: external")
        config = SandboxConfig(days=days + 30, time_scale=TIME_SCALE, state_dir=str(settings.var_dir() / "sandbox"))
        with SandboxServer(config, port=SANDBOX_PORT) as sandbox:
            progress.say(f"sandbox: {sandbox.url} (credentials: {sandbox.url}/_sandbox/credentials)")
            env = runtime.airflow_env({"SELLERLEDGER_SANDBOX_URL": sandbox.url, "SELLERLEDGER_RETRY_DELAY_SECONDS": "2"})
            progress.step("migrating Airflow metadata and staging schema", lambda: runtime.migrate(env))
            progress.step("importing demo connections and pools", lambda: _configure(env, sandbox.url, flows))
            end = datetime.now(UTC).date()
            start = end - timedelta(days=days)
            conf = json.dumps({"start_date": start.isoformat(), "end_date": end.isoformat()})
            failures = []
            for flow in flows:
                try:
                    progress.step(f"running {flow.dag_id} ({start} → {end}) through Airflow",
                                  lambda flow=flow: runtime.run_airflow(["dags", "test", flow.dag_id, "-c", conf], env))
                except RuntimeError as exc:
                    failures.append(flow.id)
                    progress.say(f"  {flow.dag_id} FAILED: {str(exc)[-1500:]}")
            report = build_report(flows, sandbox.url, since=started)
    if as_json:
        print(json.dumps(report, default=str))
    else:
        print_report(report)
        print("\nOpen the Airflow UI on the same data: make airflow  (http://localhost:8080, admin / admin)")
    return 1 if failures else 0


def _configure(env: dict[str, str], sandbox_url: str, flows: list[Flow]) -> None:
    import subprocess

    from sellerledger.flows.demo_connections import demo_connections

    credentials = httpx.get(f"{sandbox_url}/_sandbox/credentials", timeout=30).json()
    spec = {"connections": {c.pop("conn_id"): c for c in demo_connections(credentials, TIME_SCALE)},
            "pools": sorted({flow.pool for flow in flows})}
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=settings.var_dir(), delete=False) as handle:
        path = Path(handle.name)
        path.chmod(0o600)
        json.dump(spec, handle)
    try:
        subprocess.run([sys.executable, "-m", "sellerledger.flows.airflow_admin", str(path)], env=env, check=True,
                       capture_output=True)
    finally:
        path.unlink(missing_ok=True)


def build_report(flows: list[Flow], sandbox_url: str, since: datetime) -> dict[str, Any]:
    """The demo report (the `--json` shape): per flow, per settlement."""
    from sellerledger.flows.report import settlement_rows

    out: dict[str, Any] = {"flows": []}
    with db.connect() as conn:
        for flow in flows:
            rows = settlement_rows(conn, flow.id)
            created = dict(conn.execute(
                "SELECT l.settlement_id, count(*) FROM posting.audit a JOIN posting.log l"
                " ON l.flow_id = a.flow_id AND l.doc_key = a.doc_key WHERE a.flow_id = %s AND a.action = 'create'"
                " AND a.outcome = 'ok' AND a.at >= %s GROUP BY 1", (flow.id, since)).fetchall())
            balance = _ledger_balance(sandbox_url, flow.ledger)
            out["flows"].append({
                "flow": flow.id, "ledger": flow.ledger, "mode": flow.posting_mode,
                "trial_balance_totals": balance,
                "settlements": [{
                    "settlement_id": r["settlement_id"], "marketplace": r["marketplace"], "currency": r["currency"],
                    "lines": r["line_count"], "total_amount": str(r["total_amount"]),
                    "posted_total": str(Decimal(r["posted_total"]).quantize(Decimal(r["total_amount"]))),
                    "documents": r["documents"], "documents_created": int(created.get(r["settlement_id"], 0)),
                    "status": r["status"],
                    "ledger_balanced": all(Decimal(v) == 0 for v in balance.values())
                    and Decimal(r["posted_total"]) == Decimal(r["total_amount"]),
                } for r in rows],
            })
    return out


def _ledger_balance(sandbox_url: str, ledger: str) -> dict[str, str]:
    try:
        return httpx.get(f"{sandbox_url}/_sandbox/{ledger}/trial-balance", timeout=30).json().get("totals", {})
    except httpx.HTTPError:
        return {"error": "unreachable"}


def print_report(report: dict[str, Any]) -> None:
    for flow in report["flows"]:
        rows = flow["settlements"]
        posted = sum(1 for r in rows if r["status"] in ("posted", "reconciled"))
        print(f"\n{flow['flow']}  →  {flow['ledger']} ({flow['mode']}): {len(rows)} settlements, {posted} posted, "
              f"trial balance totals {flow['trial_balance_totals'] or '{}'}")
        print(f"  {'settlement':<14}{'mkt':<5}{'ccy':<5}{'lines':>7}{'total':>14}{'posted':>14}{'new docs':>10}"
              f"  {'status':<11}books")
        for r in rows:
            print(f"  {r['settlement_id']:<14}{r['marketplace'] or '':<5}{r['currency']:<5}{r['lines']:>7}"
                  f"{Decimal(r['total_amount']):>14,.2f}{Decimal(r['posted_total']):>14,.2f}{r['documents_created']:>10}"
                  f"  {r['status']:<11}{'balanced' if r['ledger_balanced'] else 'NOT BALANCED'}")


class _Progress:
    def __init__(self, quiet: bool) -> None:
        self.stream = sys.stderr if quiet else sys.stdout
        self.t0 = time.monotonic()

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.t0:6.1f}s] {text}", file=self.stream, flush=True)

    def step(self, text: str, action: Any) -> Any:
        self.say(text + " ...")
        began = time.monotonic()
        result = action()
        self.say(f"  done in {time.monotonic() - began:.1f}s")
        return result
