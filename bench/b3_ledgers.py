"""B3 ledger API cost: a generated quarter of a US seller (about a thousand orders) posted through each
ledger client in each posting mode against the sandbox; calls per 1,000 orders against the minimum the
ledger's API allows, and 429s seen. The minimum is the sum over (settlement, endpoint) of ceil(objects /
that endpoint's batch size), each document counted with the calls it genuinely needs by the ledger's API
(`ledgers.base.minimum_calls` and each client's `endpoint_load`: a Xero clearing document is a journal, a
bank transaction and payments, a Zoho invoice an upsert and a mark-as-sent). Reference-data reads and
creates (accounts, tax rates, contacts, items) are not in it: they are counted in the calls, and
`by_operation` shows where the calls went.

Runs in a child process (`python -m bench.b3_ledgers <db url>`) whose staging database is a scratch one, so
the clients' token store and shared rate-limit buckets are the Postgres ones the flows use.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import uuid
from collections import Counter
from datetime import date
from typing import Any

import httpx
import psycopg

ALL_LEDGERS = ("xero", "qbo", "myob", "wave", "zoho")
LEDGERS = tuple(os.environ.get("BENCH_LEDGERS", ",".join(ALL_LEDGERS)).split(","))
MODES = ("summary", "per_order")
TODAY = date(2026, 11, 20)
TIME_SCALE = 200.0
OPTIONS = {"orders_per_day": {"US": 11}}


def _statuses(url: str, ledger: str) -> Counter[int]:
    body = httpx.get(f"{url}/_sandbox/stats", timeout=30).json()
    counts: Counter[int] = Counter()
    for row in body["calls"]:
        if row["api"] == ledger:
            counts[int(row["status"])] += int(row["count"])
    return counts


def _connection(ledger: str, spec: dict[str, Any]) -> Any:
    """A LedgerConnection from an `airflow connections import` dict, as the ledger hooks build it."""
    from sellerledger.ledgers.connection import LedgerConnection

    extra = dict(spec["extra"])
    if extra.get("books_url"):  # Zoho: the Books API base itself (the demo's api_domain is the data centre's root)
        extra["base_url"] = extra["books_url"]
    return LedgerConnection(ledger=ledger, conn_id=spec["conn_id"], client_id=spec["login"],
                            client_secret=spec["password"], refresh_token=str(extra.get("refresh_token") or ""),
                            tenant_id=str(extra.get("tenant_id") or ""), base_url=str(extra.get("base_url") or ""),
                            token_url=str(extra.get("token_url") or ""), extra=extra)


def _settlements(db_url: str) -> list[Any]:
    from sellerledger.accounting.staged import load_settlement
    from sellerledger.sandbox.amazon.generator import generate
    from sellerledger.sandbox.amazon.settlement_writer import settlement_file_bytes
    from sellerledger.staging.settlements import stage_settlement_document

    seller = generate(seed=7, profile="large", today=TODAY, days=90, options=OPTIONS)
    generated = sorted(seller.settlements, key=lambda s: s.end)
    with psycopg.connect(db_url) as conn:
        for settlement in generated:
            stage_settlement_document(conn, settlement_file_bytes(settlement), seller="bench-b3",
                                      source={"file_name": f"{settlement.settlement_id}.txt"})
        return [load_settlement(conn, s.settlement_id) for s in generated]


def measure(db_url: str) -> dict[str, Any]:
    from sellerledger.accounting.build import build_documents
    from sellerledger.accounting.mappings import load_mapping
    from sellerledger.accounting.policy import AccountingPolicy
    from sellerledger.flows.demo_connections import demo_connections
    from sellerledger.ledgers.base import minimum_calls
    from sellerledger.ledgers.poster import PostingIncomplete, post_documents
    from sellerledger.sandbox.core.state import SandboxConfig
    from sellerledger.sandbox.server import SandboxServer
    from sellerledger.staging.posting_log import PostingLog

    settlements = _settlements(db_url)
    orders = len({line.order_id for s in settlements for line in s.lines
                  if line.order_id and line.transaction_type == "Order"})
    config = SandboxConfig(today=TODAY, days=90, time_scale=TIME_SCALE,
                           options={"zoho": {"daily_limit": 1_000_000}})
    out: dict[str, Any] = {}
    with SandboxServer(config, only=(*ALL_LEDGERS, "amazon")) as server:
        for ledger in LEDGERS:
            module = importlib.import_module(f"sellerledger.ledgers.{ledger}")
            mapping = load_mapping(ledger)
            out[ledger] = {}
            for mode in MODES:
                httpx.post(f"{server.url}/_sandbox/reset", timeout=30).raise_for_status()
                before = _statuses(server.url, ledger)
                # the reset restores the sandbox's tenants and first refresh tokens: a new conn id starts from them
                credentials = httpx.get(f"{server.url}/_sandbox/credentials", timeout=30).json()
                specs = {spec["conn_id"]: spec for spec in demo_connections(credentials, TIME_SCALE)}
                connection = _connection(ledger, {**specs[f"{ledger}_demo"], "conn_id": f"{ledger}_bench_{mode}"})
                client = module.client_from_connection(connection)
                policy = AccountingPolicy(mode=mode, ledger=ledger)  # type: ignore[arg-type]
                log = PostingLog(db_url, f"bench-{ledger}-{mode}-{uuid.uuid4().hex[:6]}", ledger, client.tenant)
                documents, minimum = 0, 0
                for settlement in settlements:
                    built = build_documents(settlement, mapping, policy, log.flow_id).documents
                    rendered = client.render(built)
                    documents += len(rendered)
                    minimum += minimum_calls(client, rendered)
                    for _ in range(6):
                        try:
                            post_documents(client, log, rendered, conn_id=connection.conn_id)
                            break
                        except PostingIncomplete:
                            continue
                seen = _statuses(server.url, ledger) - before
                calls = sum(client.calls.values())
                out[ledger][mode] = {
                    "calls_per_1000_orders": round(calls * 1000 / orders, 1),
                    "min_calls_per_1000_orders": round(minimum * 1000 / orders, 1),
                    "http_429": seen.get(429, 0),
                    "calls": calls, "min_calls": minimum, "documents": documents, "orders": orders, "max_batch": client.max_batch,
                    "by_operation": dict(sorted(client.calls.items())),
                }
    return out


if __name__ == "__main__":
    from cryptography.fernet import Fernet

    os.environ["SELLERLEDGER_DB_URL"] = sys.argv[1]
    os.environ["SELLERLEDGER_FERNET_KEY"] = Fernet.generate_key().decode()  # the scratch database's tokens only
    print(json.dumps(measure(sys.argv[1])))
