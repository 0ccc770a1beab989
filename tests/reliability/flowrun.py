"""Run a demo flow's task bodies (sellerledger.flows.tasks) in-process against an in-process sandbox, with
the Airflow connections given as AIRFLOW_CONN_* environment variables built by demo_connections.

    with flow_sandbox(profile="tiny") as sb:          # sandbox + env connections
        outcome = run_flow("demo_xero", run_id="r1")  # discover → extract → check → post → reconcile → summary

Also collects every secret the run used: client secrets, refresh and access tokens the sandbox issued,
the MYOB company-file password and API key, and the generated buyers' names, e-mails and addresses.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from sellerledger.flows.demo_connections import demo_connections
from sellerledger.ledgers import connection
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer

TODAY = date(2026, 11, 20)
TIME_SCALE = 200.0
WINDOW = {"start_date": "2026-08-20", "end_date": "2026-11-18"}


@dataclass
class FlowSandbox:
    server: SandboxServer
    credentials: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.url, timeout=30)

    def faults(self, rules: list[dict[str, Any]], seed: int = 5) -> None:
        httpx.post(f"{self.server.url}/_sandbox/faults", json={"rules": rules, "seed": seed},
                   timeout=30).raise_for_status()

    def clear_faults(self) -> None:
        httpx.delete(f"{self.server.url}/_sandbox/faults", timeout=30).raise_for_status()

    def reset(self) -> None:
        """Forget every write and issued token; the connections get their seeded refresh tokens back."""
        httpx.post(f"{self.server.url}/_sandbox/reset", timeout=30).raise_for_status()
        os.environ.update(self.env)

    def reauthorise(self, ledger: str, env: dict[str, str] | None = None) -> None:
        """What a user does after a revoked grant: authorise again (a new token chain at the stand-in) and put
        the new refresh token in the connection (in `env`, by default os.environ)."""
        target: Any = os.environ if env is None else env
        name = next(key for key in self.env if key.startswith("AIRFLOW_CONN_") and
                    json.loads(self.env[key])["conn_type"].startswith(ledger.replace("qbo", "quickbooks")[:4]))
        body = json.loads(target.get(name) or self.env[name])
        registry = self.server.state.apis[ledger].tokens
        seeds = {seed[3]: seed for seed in registry._seeds}
        seed = seeds.get(body["extra"]["refresh_token"]) or seeds[json.loads(self.env[name])["extra"]["refresh_token"]]
        chain, client_id, subject, _ = seed
        fresh = registry.issue(f"{chain}-reauthorised-{os.urandom(3).hex()}", client_id, subject)
        body["extra"]["refresh_token"] = fresh.refresh_token
        target[name] = json.dumps(body)

    def trial_balance(self, ledger: str) -> dict[str, Any]:
        return httpx.get(f"{self.server.url}/_sandbox/{ledger}/trial-balance", timeout=30).json()

    def documents(self, ledger: str) -> Any:
        return httpx.get(f"{self.server.url}/_sandbox/{ledger}/documents", timeout=30).json()


def connection_env(credentials: dict[str, Any], time_scale: float = TIME_SCALE) -> dict[str, str]:
    """AIRFLOW_CONN_<ID> values (Airflow's JSON form) for the demo connections."""
    env = {}
    for conn in demo_connections(credentials, time_scale):
        body = {key: conn[key] for key in ("conn_type", "login", "password", "extra") if conn.get(key) is not None}
        env[f"AIRFLOW_CONN_{conn['conn_id'].upper()}"] = json.dumps(body)
    return env


@contextmanager
def flow_sandbox(profile: str = "tiny", *, only: tuple[str, ...] | None = None, time_scale: float = TIME_SCALE,
                 options: dict[str, Any] | None = None) -> Iterator[FlowSandbox]:
    """The sandbox on loopback and the demo connections in os.environ (removed again on exit); `options`
    go to the sandbox (e.g. `orders_per_day`, see sandbox.amazon.profiles)."""
    config = SandboxConfig(today=TODAY, days=90, profile=profile, time_scale=time_scale, options=dict(options or {}))
    kwargs: dict[str, Any] = {"only": only} if only else {}
    with SandboxServer(config, **kwargs) as server:
        credentials = httpx.get(f"{server.url}/_sandbox/credentials", timeout=30).json()
        env = connection_env(credentials, time_scale)
        env["SELLERLEDGER_RETRY_DELAY_SECONDS"] = "0"
        # The process-wide bucket store binds to the first database it sees; these runs switch databases.
        env["SELLERLEDGER_RATE_LIMIT_STORE"] = "memory"
        saved = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        connection._SHARED_STORE = None
        try:
            yield FlowSandbox(server, credentials, env)
        finally:
            connection._SHARED_STORE = None
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def run_flow(flow_id: str, run_id: str, *, post: bool = True, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The DAG's task bodies in order, as `airflow dags test` would run them (one try each)."""
    from sellerledger.flows import tasks

    ctx = tasks.RunContext(run_id=run_id, params={**WINDOW, **(params or {})})
    plan = tasks.discover(flow_id, ctx)
    tasks.extract_orders(flow_id, ctx, plan)
    tasks.extract_financial_events(flow_id, ctx, plan)
    extracted = tasks.extract_settlements(flow_id, ctx, plan)
    validated = tasks.check_settlements(flow_id, ctx, plan, extracted)
    posted = [tasks.post_settlement(flow_id, ctx, sid) for sid in validated] if post else []
    reconciled = tasks.reconcile(flow_id, ctx, posted) if post else []
    summary = tasks.summary(flow_id, ctx, reconciled)
    return {"extracted": extracted, "validated": validated, "posted": posted, "reconciled": reconciled,
            "summary": summary}


# ------------------------------------------------------------------------------------------- secrets
def _walk_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk_strings(item)


SECRET_FIELDS = ("secret", "refresh_token", "password", "api_key", "access_token")


def credential_secrets(credentials: dict[str, Any]) -> set[str]:
    """Every value under a secret-looking key of /_sandbox/credentials."""
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and any(hint in key for hint in SECRET_FIELDS) and len(value) >= 6:
                    found.add(value)
                else:
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)
    visit(credentials)
    return found


def issued_tokens(server: SandboxServer) -> set[str]:
    """Refresh and access tokens the stand-ins issued (read from their state)."""
    tokens: set[str] = set()
    for name, api in server.state.apis.items():
        registry = getattr(api, "tokens", None)
        for attr in ("_refresh", "_access"):
            tokens.update(getattr(registry, attr, {}) or {})
        state = getattr(api, "state", api)
        for attr in ("refresh_tokens", "access_tokens"):
            held = getattr(state, attr, None)
            if isinstance(held, dict):
                tokens.update(key for key in held if isinstance(key, str))
        del name
    return {token for token in tokens if len(token) >= 8}


def buyer_pii(server: SandboxServer) -> set[str]:
    """Buyer names, e-mails and street lines of the generated seller's orders."""
    values: set[str] = set()
    amazon = server.state.apis.get("amazon")
    seller = getattr(getattr(amazon, "state", amazon), "seller", None)
    for order in getattr(seller, "orders", []) or []:
        values.add(order.buyer_name)
        values.add(order.buyer_email)
        for key, line in (order.address or {}).items():
            if key.lower().startswith(("addressline", "address_line", "line", "street")) and line:
                values.add(line)
    return {value for value in values if value and len(value) >= 6}


# ------------------------------------------------------------------------------------------- state
def ledger_state(server_url: str, ledger: str) -> tuple[dict[tuple[str, str], str], list[tuple[str, ...]]]:
    """The ledger's trial balance and its documents (type, status, currency, total), sorted: a document
    posted twice shows as an extra row. References are left out: some ledgers number documents themselves
    (Zoho's INV-000001, ...), in the order they arrive, which retries may change."""
    tb = httpx.get(f"{server_url}/_sandbox/{ledger}/trial-balance", timeout=30).json()
    docs = httpx.get(f"{server_url}/_sandbox/{ledger}/documents", timeout=30).json()["documents"]
    balances = {(row["account"], row["currency"]): str(row["balance"]) for row in tb["accounts"]}
    return balances, sorted((d["type"], d["status"], d["currency"], d["total"]) for d in docs)


def ledger_references(server_url: str, ledger: str) -> list[tuple[str, str]]:
    """(type, reference) of the ledger's live documents that carry one (the same pair twice is a duplicate)."""
    docs = httpx.get(f"{server_url}/_sandbox/{ledger}/documents", timeout=30).json()["documents"]
    return [(d["type"], str(d["reference"])) for d in docs
            if d.get("reference") and str(d["status"]).lower() not in ("voided", "deleted", "void")]


def staged_state(url: str) -> dict[str, Any]:
    """What staging holds, independent of ids and timestamps: settlements with their line counts and sums,
    orders, order lines, financial events."""
    import psycopg

    with psycopg.connect(url) as conn:
        settlements = conn.execute(
            "SELECT s.settlement_id, s.currency, s.total_amount::text, count(l.*), coalesce(sum(l.amount), 0)::text"
            " FROM staging.settlements s LEFT JOIN staging.settlement_lines l USING (settlement_id)"
            " GROUP BY 1, 2, 3 ORDER BY 1").fetchall()
        counts = {table: conn.execute(f"SELECT count(*) FROM staging.{table}").fetchone()[0]
                  for table in ("orders", "order_lines", "financial_event_groups", "financial_event_rows")}
    return {"settlements": settlements, **counts}
