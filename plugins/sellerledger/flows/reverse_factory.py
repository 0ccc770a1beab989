"""The reverse DAG factory: per flow, one DAG per reverse flow it enables in flows.yaml. Wiring only.

`sellerledger_reverse__<flow>__prices` (Xero item prices → Amazon listings), `..._stock` (MYOB ↔ Amazon
quantities) and `..._contacts` (Amazon buyer details → MYOB customers). Same conventions as the main
factory: owner, retries, alerts on failure, params with `dry_run`, doc_md, tags, and only the DAG being
parsed for is built. Task bodies live in `sellerledger.reverse.tasks`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, CronDataIntervalTimetable, Param, get_parsing_context, task

from sellerledger import settings
from sellerledger.flows.config import Flow, load_flows

log = logging.getLogger(__name__)

PREFIX = "sellerledger_reverse__"
KINDS = ("prices", "stock", "contacts")

DOCS = {
    "prices": """### {id}: Xero item prices → Amazon listings

Reads the sales price of every sold Xero item (connection `{ledger_conn}`) and, for each marketplace of the
flow in the price's currency, compares it with the listing of the SKU equal to the item code. Only a
different price is sent (`patchListingsItem`, `purchasable_offer`). A price Amazon refuses is reported with
the listing's issues (alert `price_rejected`); an item Amazon does not list is reported (`unknown_sku`).
A **dry run** logs the diff and sends nothing. Every decision is a row in `ops.reverse_changes`.
""",
    "stock": """### {id}: MYOB ↔ Amazon stock (`{stock}`)

Compares the quantity on hand of every inventoried MYOB item (connection `{ledger_conn}`) with Amazon's:
merchant-fulfilled listings' `fulfillment_availability`, and FBA fulfillable units (read only). With
`ledger_wins` MFN listings are patched to MYOB's quantity; with `amazon_wins` MYOB gets an inventory
adjustment. Disagreeing readings, FBA differences MYOB cannot impose and unknown SKUs are reported
(alerts `stock_conflict`, `unknown_sku`), never guessed. Param `direction` overrides the flow's setting;
a **dry run** changes nothing. Every decision is a row in `ops.reverse_changes`.
""",
    "contacts": """### {id}: Amazon buyer details → MYOB customers

For each MYOB customer mapped to Amazon orders (`ops.contact_map`), reads the latest order's buyer and
ship-to details with a Restricted Data Token and updates the customer (RowVersion) when they differ.
No buyer data reaches logs, audit rows or alerts: they name contact ids, order ids and changed field
names only. A **dry run** reports which customers would change.
""",
}


def enabled_kinds(flow: Flow) -> list[str]:
    kinds = []
    if flow.reverse.prices_to_amazon:
        kinds.append("prices")
    if flow.reverse.stock != "off":
        kinds.append("stock")
    if flow.reverse.contacts:
        kinds.append("contacts")
    return kinds


def dag_id(flow: Flow, kind: str) -> str:
    return f"{PREFIX}{flow.id}__{kind}"


def on_failure(context: dict[str, Any]) -> None:
    """Failure callback: an alert on the flow the DAG belongs to."""
    from sellerledger.flows.alerts import raise_alert
    from sellerledger.flows.config import get_flow

    dag = context.get("dag")
    name = str(getattr(dag, "dag_id", "") or context.get("dag_id", ""))
    flow_id = name.removeprefix(PREFIX).rsplit("__", 1)[0]
    task_id = getattr(context.get("task_instance") or context.get("ti"), "task_id", "?")
    exception = context.get("exception")
    try:
        flow = get_flow(flow_id)
    except (KeyError, ValueError):
        log.error("task %s.%s failed: %s", name, task_id, exception)
        return
    raise_alert(flow, "task_failure", f"task {name}.{task_id} failed",
                f"{type(exception).__name__}: {exception}" if exception else "see the task log")


def params(flow: Flow, kind: str) -> dict[str, Param]:
    out = {"dry_run": Param(False, type="boolean", title="Dry run",
                            description="Read both sides and report what would change; change nothing.")}
    if kind == "stock":
        out["direction"] = Param(flow.reverse.stock, enum=["ledger_wins", "amazon_wins"], title="Winning side")
    return out


def run(flow_id: str, kind: str, context: dict[str, Any]) -> dict[str, Any]:
    """The task body: clients from the flow's connections, then `sellerledger.reverse.tasks`."""
    from sellerledger.flows.config import get_flow
    from sellerledger.flows.tasks import RunContext, amazon_clients, ledger_client
    from sellerledger.reverse import tasks

    flow = get_flow(flow_id)
    ctx = RunContext.from_airflow(context)
    needs = {"prices": "xero", "stock": "myob", "contacts": "myob"}[kind]
    if flow.ledger != needs:
        raise ValueError(f"flow {flow.id}: the {kind} flow works with {needs}, not {flow.ledger}")
    clients = amazon_clients(flow)
    amazon = [(client, seller_id(flow, region)) for region, client in zip(flow.regions, clients, strict=True)]
    ledger = ledger_client(flow)
    try:
        if kind == "prices":
            return tasks.run_prices(flow, ctx.run_id, ledger, amazon, dry_run=ctx.dry_run)
        if kind == "stock":
            return tasks.run_stock(flow, ctx.run_id, ledger, amazon, direction=ctx.params.get("direction") or None,
                                   dry_run=ctx.dry_run)
        return tasks.run_contacts(flow, ctx.run_id, ledger, amazon, dry_run=ctx.dry_run)
    finally:
        for client in clients:
            client.close()


def seller_id(flow: Flow, region: str) -> str:
    """The merchant token (extra `seller_id`) of the flow's Amazon connection for `region`."""
    from airflow.sdk import BaseHook

    conn_id = flow.amazon_conn_for(region)
    value = (BaseHook.get_connection(conn_id).extra_dejson or {}).get("seller_id")
    if not value:
        raise ValueError(f"connection {conn_id!r} lacks extra seller_id (the merchant token Listings Items needs)")
    return str(value)


def build_reverse_dag(flow: Flow, kind: str) -> DAG:
    with DAG(
        dag_id=dag_id(flow, kind),
        schedule=CronDataIntervalTimetable(flow.schedule.cron_expression(), timezone=flow.timezone),
        start_date=pendulum.datetime(flow.start_date.year, flow.start_date.month, flow.start_date.day,
                                     tz=flow.timezone),
        catchup=False,
        max_active_runs=1,
        default_args={
            "owner": flow.owner, "retries": flow.retries,
            "retry_delay": timedelta(seconds=settings.retry_delay_seconds()),
            "retry_exponential_backoff": True, "max_retry_delay": timedelta(minutes=30),
            "on_failure_callback": on_failure,
        },
        params=params(flow, kind),
        tags=["sellerledger", "reverse", f"reverse:{kind}", f"ledger:{flow.ledger}", f"seller:{flow.seller}"],
        doc_md=DOCS[kind].format(id=flow.id, ledger_conn=flow.ledger_conn_id, stock=flow.reverse.stock),
    ) as dag:
        flow_id = flow.id

        @task(task_id=f"sync_{kind}", pool=flow.pool)
        def sync(**context: Any) -> dict[str, Any]:
            return run(flow_id, kind, context)

        sync()
    return dag


def build_reverse_dags(namespace: dict[str, Any]) -> None:
    """Register a DAG per enabled reverse flow (only the one being parsed for, when Airflow says which)."""
    wanted = get_parsing_context().dag_id
    if wanted is not None and not str(wanted).startswith(PREFIX):
        return
    flows, _ = load_flows()  # invalid entries are shown by the main factory's config-error DAGs
    for flow in flows:
        if not flow.enabled:
            continue
        for kind in enabled_kinds(flow):
            name = dag_id(flow, kind)
            if wanted is not None and wanted != name:
                continue
            try:
                namespace[name] = build_reverse_dag(flow, kind)
            except Exception:  # one flow's bug must not hide the others
                log.exception("reverse DAG %s could not be built", name)
