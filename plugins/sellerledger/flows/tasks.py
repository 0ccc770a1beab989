"""Bodies of the flow DAG's tasks: Airflow context in, ids and counts out; Postgres carries the data.

Each function takes the flow id and a `RunContext` (run id, window, params), opens what it needs through
hooks, and returns something small enough for XCom. Heavy imports happen inside the functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import psycopg

from sellerledger import db
from sellerledger.flows.config import Flow, get_flow

log = logging.getLogger(__name__)

LEDGER_HOOKS = {
    "xero": "sellerledger.hooks.xero.XeroHook",
    "qbo": "sellerledger.hooks.qbo.QuickBooksOnlineHook",
    "myob": "sellerledger.hooks.myob.MyobHook",
    "wave": "sellerledger.hooks.wave.WaveHook",
    "zoho": "sellerledger.hooks.zoho.ZohoBooksHook",
}


@dataclass(frozen=True)
class RunContext:
    run_id: str
    interval_start: datetime | None = None
    interval_end: datetime | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_airflow(cls, context: dict[str, Any]) -> RunContext:
        dag_run = context.get("dag_run")
        return cls(
            run_id=str(getattr(dag_run, "run_id", None) or context.get("run_id") or "manual"),
            interval_start=context.get("data_interval_start"),
            interval_end=context.get("data_interval_end"),
            params=dict(context.get("params") or {}),
        )

    @property
    def dry_run(self) -> bool:
        return bool(self.params.get("dry_run"))

    @property
    def settlement_ids(self) -> list[str]:
        return [str(item) for item in self.params.get("settlement_ids") or []]

    def posting_mode(self, flow: Flow) -> str:
        return str(self.params.get("posting_mode") or flow.posting_mode)

    def window(self) -> tuple[datetime | None, datetime | None]:
        """Params' backfill range if given, else the data interval of a scheduled run, else (None, None):
        extraction then resumes from the watermarks."""
        start, end = self.params.get("start_date"), self.params.get("end_date")
        if start or end:
            return (_day(start) if start else None, _day(end, end_of_day=True) if end else None)
        if self.interval_start and self.interval_end and self.interval_start != self.interval_end:
            return self.interval_start, self.interval_end
        return None, None


def _day(value: str | date, *, end_of_day: bool = False) -> datetime:
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    moment = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
    return moment


def _connect() -> psycopg.Connection[Any]:
    return psycopg.connect(db.staging_url(), autocommit=True)


def amazon_clients(flow: Flow) -> list[Any]:
    """One SP-API client per region of the flow's marketplaces, pacing through the shared buckets."""
    from dataclasses import replace

    from sellerledger.amazon.client import SellingPartnerClient
    from sellerledger.hooks.amazon import AmazonSellingPartnerHook
    from sellerledger.ledgers.connection import bucket_store

    clients = []
    for region in flow.regions:
        config = AmazonSellingPartnerHook(flow.amazon_conn_for(region)).client_config()
        config = replace(config, region=region.upper(), marketplaces=tuple(flow.marketplaces_in(region)))
        clients.append(SellingPartnerClient(config, store=bucket_store()))
    return clients


def ledger_client(flow: Flow) -> Any:
    import importlib

    module_name, _, class_name = LEDGER_HOOKS[flow.ledger].rpartition(".")
    hook_class = getattr(importlib.import_module(module_name), class_name)
    return hook_class(flow.ledger_conn_id).client


def accounting_setup(flow: Flow, ctx: RunContext) -> tuple[Any, Any]:
    from sellerledger.accounting.mappings import load_mapping
    from sellerledger.accounting.policy import AccountingPolicy

    policy = AccountingPolicy(mode=ctx.posting_mode(flow), timezone=flow.timezone, ledger=flow.ledger,
                              mapping_set=flow.mappings, seller=flow.seller, unmapped=flow.unmapped,
                              split_by_month=flow.split_by_month)
    mapping = load_mapping(flow.mappings, seller=flow.seller)
    return policy, mapping


# ------------------------------------------------------------------------------------------------ tasks
def discover(flow_id: str, ctx: RunContext) -> dict[str, Any]:
    """The run's plan: window, settlements asked for, mode, dry run; and what is already pending."""
    from sellerledger.staging.status import settlements_in_state
    from sellerledger.staging.watermarks import all_watermarks

    flow = get_flow(flow_id)
    start, end = ctx.window()
    with _connect() as conn:
        pending = {state: [s.settlement_id for s in settlements_in_state(conn, flow.id, state)]
                   for state in ("staged", "validated", "held")}
        marks = {stream: value.isoformat() for stream, value in all_watermarks(conn, flow.seller).items()}
    plan = {
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "settlement_ids": ctx.settlement_ids,
        "posting_mode": ctx.posting_mode(flow),
        "dry_run": ctx.dry_run,
        "pending": pending,
        "watermarks": marks,
    }
    log.info("plan for %s: %s", flow.id, plan)
    return plan


def _window(plan: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    parse = datetime.fromisoformat
    return (parse(plan["start"]) if plan.get("start") else None, parse(plan["end"]) if plan.get("end") else None)


def extract_orders(flow_id: str, ctx: RunContext, plan: dict[str, Any]) -> dict[str, int]:
    from sellerledger.amazon.extract import extract_orders as run

    flow = get_flow(flow_id)
    start, end = _window(plan)
    totals: dict[str, int] = {}
    with _connect() as conn:
        for client in amazon_clients(flow):
            with client:
                result = run(client, conn, seller=flow.seller, start=start, end=end)
            _add_counts(totals, result, "orders")
    return totals


def extract_financial_events(flow_id: str, ctx: RunContext, plan: dict[str, Any]) -> dict[str, int]:
    from sellerledger.amazon.extract import extract_financial_events as run

    flow = get_flow(flow_id)
    start, end = _window(plan)
    totals: dict[str, int] = {}
    with _connect() as conn:
        for client in amazon_clients(flow):
            with client:
                result = run(client, conn, seller=flow.seller, start=start, end=end)
            _add_counts(totals, result, "events")
    return totals


def extract_settlements(flow_id: str, ctx: RunContext, plan: dict[str, Any]) -> dict[str, Any]:
    """Settlement reports since the watermark (or the params' range) staged for this flow."""
    from sellerledger.amazon.extract import extract_settlements as run
    from sellerledger.flows.alerts import raise_alert

    flow = get_flow(flow_id)
    start, end = _window(plan)
    staged: list[str] = []
    failed: list[dict[str, str]] = []
    with _connect() as conn:
        for client in amazon_clients(flow):
            with client:
                result = run(client, conn, seller=flow.seller, created_since=start, created_until=end,
                             flow_id=flow.id)
            staged += result["settlement_ids"]
            failed += result["failed"]
    for item in failed:
        raise_alert(flow, "held", f"settlement report {item['report_id']} could not be staged", item["error"])
    return {"staged": staged, "failed": len(failed)}


def check_settlements(flow_id: str, ctx: RunContext, plan: dict[str, Any], extracted: dict[str, Any]) -> list[str]:
    """Check (and build and store the documents of) every settlement to process; held ones leave the run."""
    from sellerledger.checks.run import check_settlement
    from sellerledger.flows.alerts import raise_alert

    flow = get_flow(flow_id)
    policy, mapping = accounting_setup(flow, ctx)
    wanted = plan["settlement_ids"] or sorted(
        set(extracted.get("staged", [])) | set(plan["pending"]["staged"]) | set(plan["pending"]["held"])
        | set(plan["pending"]["validated"])
    )
    validated: list[str] = []
    with _connect() as conn:
        for settlement_id in wanted:
            report = check_settlement(conn, flow.id, settlement_id, policy, mapping, ctx.run_id, gx=True,
                                      actor=f"run:{ctx.run_id}")
            if report.outcome == "validated":
                validated.append(settlement_id)
                continue
            raise_alert(flow, "held", f"settlement {settlement_id} held", "; ".join(report.reasons))
            if report.unmapped:
                raise_alert(flow, "unmapped", f"unmapped Amazon types in settlement {settlement_id}",
                            ", ".join(str(item) for item in report.unmapped))
    log.info("%s: %d settlement(s) validated, %d held", flow.id, len(validated), len(wanted) - len(validated))
    return validated


def post_settlement(flow_id: str, ctx: RunContext, settlement_id: str) -> dict[str, Any]:
    """Post one settlement's documents exactly once (or, in a dry run, show what would be posted).

    A refused credential anywhere (reference reads, render, posting) records a sync block, alerts, and fails
    the task without retries; while the block is active nothing is sent.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from sellerledger.ledgers.errors import AuthBlocked
    from sellerledger.ledgers.poster import SyncBlocked, post_documents
    from sellerledger.staging.posting_log import PostingLog

    flow = get_flow(flow_id)
    client = ledger_client(flow)
    with PostingLog(db.staging_url(), flow.id, flow.ledger, client.tenant, run_id=ctx.run_id) as posting_log:
        try:
            block = posting_log.active_block()
            if block:
                raise SyncBlocked(f"posting to {flow.ledger} is blocked: {block}; re-authorise, then clear the block")
            rendered = _render_settlement(flow, ctx, client, settlement_id)
            if ctx.dry_run:
                return _dry_run_report(settlement_id, rendered)
            summary = post_documents(client, posting_log, rendered, conn_id=flow.ledger_conn_id)
        except AuthBlocked as exc:
            posting_log.block(flow.ledger_conn_id, str(exc))
            _blocked(flow, f"{exc} (connection {flow.ledger_conn_id!r})")
            raise AirflowFailException(str(exc)) from None
        except SyncBlocked as exc:
            _blocked(flow, str(exc))
            raise AirflowFailException(str(exc)) from None
        return _record_posting(flow, ctx, settlement_id, rendered, posting_log, summary, client)


def _blocked(flow: Flow, reason: str) -> None:
    from sellerledger.flows.alerts import raise_alert

    raise_alert(flow, "sync_block", f"posting to {flow.ledger} blocked: re-authorise {flow.ledger_conn_id}", reason)


def _render_settlement(flow: Flow, ctx: RunContext, client: Any, settlement_id: str) -> list[Any]:
    """The settlement's current documents, in the ledger's home currency, in the ledger's shape."""
    from sellerledger.accounting.convert import to_ledger_currency
    from sellerledger.accounting.store import load_documents

    rounding = flow.fx_rounding_account or accounting_setup(flow, ctx)[1].flow_accounts("default").fx_rounding
    with _connect() as conn:
        documents = load_documents(conn, flow.id, settlement_id)
    documents = to_ledger_currency(documents, client.base_currency, dict(flow.fx_rates), rounding or "")
    return client.render(documents)


def _dry_run_report(settlement_id: str, rendered: list[Any]) -> dict[str, Any]:
    for doc in rendered:
        log.info("DRY RUN would post %s %s: %s %s (key %s)", doc.kind, doc.reference, doc.total, doc.currency, doc.key)
    return {"settlement_id": settlement_id, "dry_run": True, "would_post": len(rendered),
            "documents": [{"kind": d.kind, "reference": d.reference, "total": str(d.total), "currency": d.currency}
                          for d in rendered]}


def _record_posting(flow: Flow, ctx: RunContext, settlement_id: str, rendered: list[Any], posting_log: Any,
                    summary: Any, client: Any) -> dict[str, Any]:
    from sellerledger.accounting.store import mark_posted
    from sellerledger.flows.alerts import raise_alert
    from sellerledger.staging.status import get_status, transition

    entries = posting_log.get_many([doc.key for doc in rendered])
    with _connect() as conn:
        for doc in rendered:
            entry = entries.get(doc.key)
            if entry is not None and entry.state == "posted" and entry.ledger_id:
                mark_posted(conn, doc.key, entry.ledger_id)
        if summary.failed:
            detail = "; ".join(f"{k}: {v}" for k, v in summary.failed.items())
            raise_alert(flow, "posting_failed", f"settlement {settlement_id}: documents not posted", detail)
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"settlement {settlement_id}: {len(summary.failed)} document(s) refused by "
                                       f"{flow.ledger}: {detail[:1500]}; fix and replay")
        current = get_status(conn, flow.id, settlement_id)
        if current is None or current.state not in ("posted", "reconciled"):
            transition(conn, flow.id, settlement_id, "posted", actor=f"run:{ctx.run_id}")
    return {"settlement_id": settlement_id, "posted": True, "calls": dict(client.calls), **summary.as_dict()}


def reconcile(flow_id: str, ctx: RunContext, posted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Read each posted document back from the ledger; a settlement whose documents all agree is reconciled."""
    from sellerledger.staging.status import get_status, transition

    flow = get_flow(flow_id)
    results = []
    client = None
    with _connect() as conn:
        for item in posted or []:
            if not item or item.get("dry_run") or not item.get("posted"):
                results.append({**(item or {}), "reconciled": False})
                continue
            settlement_id = item["settlement_id"]
            client = client or ledger_client(flow)
            rows = conn.execute(
                "SELECT doc_key, kind, ledger_id, currency, total_amount FROM posting.log"
                " WHERE flow_id = %s AND settlement_id = %s AND state = 'posted'",
                (flow.id, settlement_id),
            ).fetchall()
            mismatches = []
            for doc_key, kind, ledger_id, currency, total in rows:
                back = client.read(ledger_id, kind)
                if back.total != total or back.currency != currency:
                    mismatches.append(f"{doc_key}: ledger says {back.total} {back.currency}, posted {total} {currency}")
            status = get_status(conn, flow.id, settlement_id)
            if not mismatches and status is not None and status.state == "posted":
                transition(conn, flow.id, settlement_id, "reconciled", actor=f"run:{ctx.run_id}")
            results.append({**item, "reconciled": not mismatches, "mismatches": mismatches})
    return results


def summary(flow_id: str, ctx: RunContext, reconciled: list[dict[str, Any]],
            validated: list[str] | None = None) -> dict[str, Any]:
    """Counts and totals of the run: a table in the task log and a row in ops.run_summaries.

    Fails the run when a settlement it validated is still not posted (a post task failed), so a run whose
    posting failed never shows green, whatever the trigger rules of the tasks after it.
    """
    import json

    from sellerledger.flows.report import format_table, settlement_rows

    flow = get_flow(flow_id)
    with _connect() as conn:
        rows = settlement_rows(conn, flow.id, [item.get("settlement_id") for item in reconciled or [] if item])
        counts = {
            "settlements": len(rows),
            "documents_created": sum(int(item.get("created", 0)) for item in reconciled or [] if item),
            "documents_found": sum(int(item.get("found", 0)) for item in reconciled or [] if item),
            "documents_unchanged": sum(int(item.get("skipped", 0)) for item in reconciled or [] if item),
            "dry_run": ctx.dry_run,
        }
        conn.execute(
            "INSERT INTO ops.run_summaries (flow_id, run_id, dry_run, counts, settlements) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (flow_id, run_id) DO UPDATE SET counts = EXCLUDED.counts,"
            " settlements = EXCLUDED.settlements, finished_at = now()",
            (flow.id, ctx.run_id, ctx.dry_run, json.dumps(counts), json.dumps(rows, default=str)),
        )
    log.info("run summary for %s:\n%s", flow.id, format_table(rows))
    if not ctx.dry_run and validated:
        with _connect() as conn:
            states = dict(conn.execute(
                "SELECT settlement_id, state FROM ops.settlement_status WHERE flow_id = %s AND settlement_id = ANY(%s)",
                (flow.id, list(validated))).fetchall())
        unposted = sorted(sid for sid in validated if states.get(sid) not in ("posted", "reconciled"))
        if unposted:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{len(unposted)} validated settlement(s) not posted: {', '.join(unposted)}"
                                       " (see the post_settlement logs and ops.alerts)")
    return {"counts": counts, "settlements": len(rows)}


def _add_counts(totals: dict[str, int], result: dict[str, Any], prefix: str) -> None:
    for key, value in result.items():
        if isinstance(value, int) and not isinstance(value, bool):
            totals[f"{prefix}_{key}"] = totals.get(f"{prefix}_{key}", 0) + value
        elif isinstance(value, dict):
            for sub, count in value.items():
                if isinstance(count, int):
                    totals[f"{prefix}_{key}_{sub}"] = totals.get(f"{prefix}_{key}_{sub}", 0) + count
