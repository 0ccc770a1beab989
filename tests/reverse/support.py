"""Shared set-up of the reverse-flow tests: a sandbox with Amazon, Xero and MYOB over real HTTP, clients
built from its credentials (tokens in the test database, own pacing buckets), and a flow to run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx

from sellerledger.amazon.client import SellingPartnerClient
from sellerledger.amazon.ratelimit import MemoryBucketStore
from sellerledger.flows.config import Flow
from sellerledger.ledgers.connection import LedgerConnection
from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from sellerledger.staging.token_store import TokenStore
from tests.amazon._sandbox_helpers import amazon_now, client_config
from tests.conftest import SANDBOX_TODAY

TIME_SCALE = 60.0
US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
MFN_SKU = "SL-LDL-004-FBM"


def start_server() -> SandboxServer:
    config = SandboxConfig(seed=7, profile="tiny", today=SANDBOX_TODAY, days=30, time_scale=TIME_SCALE)
    return SandboxServer(config, only=("amazon", "xero", "myob"))


def credentials(server: SandboxServer) -> dict[str, Any]:
    return httpx.get(f"{server.url}/_sandbox/credentials", timeout=10).json()


def flow(ledger: str, **reverse: Any) -> Flow:
    return Flow.model_validate({"id": f"rev_{ledger}", "seller": "demo", "marketplaces": ["US", "DE"],
                                "amazon_conn_id": {"na": "a_na", "eu": "a_eu"}, "ledger": ledger,
                                "ledger_conn_id": f"{ledger}_x", "reverse": reverse})


@contextmanager
def amazon(server: SandboxServer, regions: tuple[str, ...] = ("NA", "EU"), **overrides: Any
           ) -> Iterator[list[tuple[SellingPartnerClient, str]]]:
    seller_id = credentials(server)["amazon"]["seller_id"]
    clients = [SellingPartnerClient(client_config(server, region, **overrides.get(region, {})),
                                    store=MemoryBucketStore(), clock=lambda: amazon_now(server))
               for region in regions]
    try:
        yield [(client, seller_id) for client in clients]
    finally:
        for client in clients:
            client.close()


def xero_client(server: SandboxServer, db_url: str) -> Any:
    from sellerledger.ledgers.xero.client import client_from_connection

    row = credentials(server)["xero"]["tenants"][0]
    conn = LedgerConnection(ledger="xero", conn_id="xero_x", client_id=row["client_id"],
                            client_secret=row["client_secret"], refresh_token=row["refresh_token"],
                            tenant_id=row["tenant_id"], base_url=row["api_base_url"], token_url=row["token_url"],
                            extra={"time_scale": TIME_SCALE})
    return client_from_connection(conn, token_store=TokenStore(db_url), bucket_store=MemoryBucketStore())


def myob_client(server: SandboxServer, db_url: str) -> Any:
    from sellerledger.ledgers.myob.client import client_from_connection

    creds = credentials(server)["myob"]
    cf = creds["tenants"][0]
    conn = LedgerConnection(
        ledger="myob", conn_id="myob_x", client_id=creds["client_id"], client_secret=creds["client_secret"],
        refresh_token=cf["refresh_token"], tenant_id=cf["company_file_uid"], base_url=creds["api_base_url"],
        token_url=creds["token_url"],
        extra={"api_key": creds["api_key"], "cf_username": cf["company_file_username"],
               "cf_password": cf["company_file_password"], "time_scale": TIME_SCALE})
    return client_from_connection(conn, token_store=TokenStore(db_url), buckets=MemoryBucketStore())


def listing(server: SandboxServer, sku: str, marketplace: str) -> dict[str, Any]:
    """What the Amazon stand-in holds now for the listing (price, quantity), read over HTTP."""
    region = "NA" if marketplace == US else "EU"
    with amazon(server, (region,)) as clients:
        client, seller_id = clients[0]
        body = client.http.request("getListingsItem", "GET", f"/listings/2021-08-01/items/{seller_id}/{sku}",
                                   params={"marketplaceIds": marketplace, "includedData": "attributes"})
    attrs = body["attributes"]
    return {"price": Decimal(str(attrs["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"])),
            "currency": attrs["purchasable_offer"][0]["currency"],
            "quantity": attrs["fulfillment_availability"][0]["quantity"],
            "channel": attrs["fulfillment_availability"][0]["fulfillment_channel_code"]}


def calls(server: SandboxServer, operation: str) -> int:
    rows = httpx.get(f"{server.url}/_sandbox/stats", timeout=10).json()["calls"]
    return sum(r["count"] for r in rows if r["operation"] == operation)


def audit(db_url: str, flow_id: str, kind: str) -> list[tuple[str, str, bool, dict[str, Any]]]:
    import psycopg

    with psycopg.connect(db_url) as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            "SELECT subject, status, dry_run, detail FROM ops.reverse_changes WHERE flow_id = %s AND kind = %s"
            " ORDER BY id", (flow_id, kind)).fetchall()]


def alerts(db_url: str, flow_id: str) -> list[tuple[str, str, str]]:
    import psycopg

    with psycopg.connect(db_url) as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            "SELECT kind, subject, detail FROM ops.alerts WHERE flow_id = %s ORDER BY id", (flow_id,)).fetchall()]
