"""The demo flows' reverse DAGs run whole through Airflow (`airflow dags test`) against an in-process
sandbox: a price changed in Xero reaches the Amazon listing and a second run sends no patch; a MYOB
quantity (ledger wins) reaches both merchant-fulfilled listings."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sellerledger.flows.config import load_flows
from sellerledger.ledgers.connection import LedgerConnection
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.flows.test_dag_runs import TIME_SCALE, airflow_metadata, prepare  # noqa: F401 (fixture)
from tests.reverse.support import DE, MFN_SKU, US, audit, calls, credentials, listing

pytestmark = pytest.mark.slow


def _run(env: dict[str, str], dag_id: str) -> str:
    airflow = str(Path(sys.executable).parent / "airflow")
    result = subprocess.run([airflow, "dags", "test", dag_id, "-c", json.dumps({})], env=env, capture_output=True,
                            text=True, check=False, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "state=success" in output, output[-6000:]
    return output


def _ledger(server: SandboxServer, db_url: str, ledger: str) -> Any:
    """The demo connection's client, sharing the DAG's token store (same connection id, same database)."""
    from sellerledger.amazon.ratelimit import MemoryBucketStore
    from sellerledger.staging.token_store import TokenStore

    creds = credentials(server)[ledger]
    if ledger == "xero":
        from sellerledger.ledgers.xero.client import client_from_connection as xero

        row = creds["tenants"][0]
        conn = LedgerConnection(ledger="xero", conn_id="xero_demo", client_id=row["client_id"],
                                client_secret=row["client_secret"], refresh_token=row["refresh_token"],
                                tenant_id=row["tenant_id"], base_url=row["api_base_url"],
                                token_url=row["token_url"], extra={"time_scale": TIME_SCALE})
        return xero(conn, token_store=TokenStore(db_url), bucket_store=MemoryBucketStore())
    from sellerledger.ledgers.myob.client import client_from_connection as myob

    cf = creds["tenants"][0]
    conn = LedgerConnection(
        ledger="myob", conn_id="myob_demo", client_id=creds["client_id"], client_secret=creds["client_secret"],
        refresh_token=cf["refresh_token"], tenant_id=cf["company_file_uid"], base_url=creds["api_base_url"],
        token_url=creds["token_url"],
        extra={"api_key": creds["api_key"], "cf_username": cf["company_file_username"],
               "cf_password": cf["company_file_password"], "time_scale": TIME_SCALE})
    return myob(conn, token_store=TokenStore(db_url), buckets=MemoryBucketStore())


def _flow(flow_id: str) -> Any:
    return next(f for f in load_flows()[0] if f.id == flow_id)


def test_prices_dag_pushes_a_changed_xero_price_once(fresh_db, airflow_metadata) -> None:  # noqa: F811
    with SandboxServer(SandboxConfig(days=10, time_scale=TIME_SCALE)) as server:
        run = prepare(_flow("demo_xero"), server.url, fresh_db, airflow_metadata)
        xero = _ledger(server, fresh_db, "xero")
        xero.http.json("createItems", "POST", "/Items", params={"summarizeErrors": "false"}, json_body={"Items": [
            {"Code": MFN_SKU, "Name": MFN_SKU, "IsSold": True,
             "SalesDetails": {"UnitPrice": Decimal("44.95"), "AccountCode": "4000"}}]})
        xero.close()
        assert listing(server, MFN_SKU, US)["price"] != Decimal("44.95")
        _run(run.env, "sellerledger_reverse__demo_xero__prices")
        assert listing(server, MFN_SKU, US)["price"] == Decimal("44.95")
        assert calls(server, "patchListingsItem") == 1
        _run(run.env, "sellerledger_reverse__demo_xero__prices")
        assert calls(server, "patchListingsItem") == 1
        statuses = [(s, st) for s, st, _, _ in audit(fresh_db, "demo_xero", "prices")]
        assert statuses.count((f"{MFN_SKU}@{US}", "pushed")) == 1
        assert statuses.count((f"{MFN_SKU}@{US}", "unchanged")) == 1


def test_stock_dag_sets_mfn_listings_to_the_myob_quantity(fresh_db, airflow_metadata) -> None:  # noqa: F811
    with SandboxServer(SandboxConfig(days=10, time_scale=TIME_SCALE)) as server:
        run = prepare(_flow("demo_myob"), server.url, fresh_db, airflow_metadata)
        myob = _ledger(server, fresh_db, "myob")
        accounts = myob.api.list("GeneralLedger/Account")

        def account(classification: str) -> dict[str, str]:
            return {"UID": next(a["UID"] for a in accounts if a.get("Classification") == classification)}

        item = myob.api.post_once("Inventory/Item", {
            "Number": MFN_SKU, "Name": "Lamp", "IsSold": True, "IsInventoried": True,
            "IncomeAccount": account("Income"), "AssetAccount": account("Asset"),
            "CostOfSalesAccount": account("Expense")})
        myob.api.post_once("Inventory/Adjustment", {"Lines": [
            {"Item": {"UID": item["UID"]}, "Quantity": 17, "UnitCost": 0, "Amount": 0,
             "Account": account("Expense")}]})
        myob.close()
        _run(run.env, "sellerledger_reverse__demo_myob__stock")
        assert (listing(server, MFN_SKU, US)["quantity"], listing(server, MFN_SKU, DE)["quantity"]) == (17, 17)
        rows = {s: st for s, st, _, _ in audit(fresh_db, "demo_myob", "stock")}
        assert rows[MFN_SKU] == "amazon_updated"


def test_contacts_dag_updates_the_customer_and_its_task_logs_hold_no_buyer_pii(fresh_db, airflow_metadata,  # noqa: F811
                                                                               tmp_path) -> None:
    import psycopg

    from sellerledger.reverse.contacts import map_contact

    root = Path(__file__).resolve().parents[2]
    home = tmp_path / "home"  # the checkout with a flows.yaml whose demo_myob also keeps contacts current
    (home / "include").mkdir(parents=True)
    (home / "include" / "mappings").symlink_to(root / "include" / "mappings")
    (home / "dags").symlink_to(root / "dags")
    (home / "var").mkdir()
    flows_yaml = (root / "include" / "flows.yaml").read_text(encoding="utf-8")
    (home / "include" / "flows.yaml").write_text(
        flows_yaml.replace("reverse: {stock: ledger_wins}", "reverse: {stock: ledger_wins, contacts: true}"))
    with SandboxServer(SandboxConfig(days=10, time_scale=TIME_SCALE)) as server:
        run = prepare(_flow("demo_myob"), server.url, fresh_db, airflow_metadata)
        run.env["SELLERLEDGER_HOME"] = str(home)
        state = server.state.apis["amazon"]
        order = next(o for o in state.seller.orders
                     if o.marketplace.code == "US" and o.status_at(state.now()) == "Shipped")
        myob = _ledger(server, fresh_db, "myob")
        tax = myob.api.list("GeneralLedger/TaxCode")[0]
        customer = myob.api.post_once("Contact/Customer", {
            "IsIndividual": True, "LastName": "Placeholder",
            "SellingDetails": {"TaxCode": {"UID": tax["UID"]}, "FreightTaxCode": {"UID": tax["UID"]}}})
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            map_contact(conn, "demo_myob", order.amazon_order_id, customer["UID"])
        output = _run(run.env, "sellerledger_reverse__demo_myob__contacts")
        record = myob.api.get(f"Contact/Customer/{customer['UID']}")
        myob.close()
    assert record["Addresses"][0]["Email"] == order.buyer_email
    logs = output + "".join(p.read_text(errors="replace") for p in Path(airflow_metadata["AIRFLOW_HOME"]).rglob("*.log"))
    assert customer["UID"] in logs  # the task logged its work, by contact id
    pii = [order.buyer_name, *order.buyer_name.split(), order.buyer_email, order.address["AddressLine1"],
           order.address["Phone"]]
    assert [value for value in pii if len(value) > 2 and value in logs] == []
