"""B2 Amazon API cost: the real extraction (orders, financial events, settlements) of a seller with 50,000
orders in a 14-day settlement period against the sandbox, and the rate-limit time it imposes.

The sandbox counts calls against the documented limits without enforcing them; its `/_sandbox/stats`
reports calls per operation and `min_seconds`, the least time the limits impose on those calls (summed over
operations: the extraction calls them one after another).
The naive path is computed, not run: one getOrderItems per order plus the searchOrders pages (100 orders
a page) that list them, each beyond its operation's burst divided by its documented rate. (The extraction
itself reads headers and lines from one order report per window and calls searchOrders not at all.)
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import psycopg

from bench.common import scratch_database

TODAY = date(2026, 11, 20)
SANDBOX_SCALE = 600.0
CLIENT_SCALE = 60_000.0  # the client believes the clock runs 100x faster than it does, so it barely paces
GOAL_MINUTES = 15.0


def run() -> dict[str, Any]:
    from sellerledger.amazon.client import ClientConfig, SellingPartnerClient
    from sellerledger.amazon.extract import extract_financial_events, extract_orders, extract_settlements
    from sellerledger.sandbox.amazon.common import limit_of
    from sellerledger.sandbox.core.state import SandboxConfig
    from sellerledger.sandbox.server import SandboxServer

    # The documented limits are counted, not enforced (rate_limits=False): min_seconds is computed from the
    # calls. (Paced for real, the 500 searchOrders pages the naive path needs outlive the 24-hour next tokens.)
    config = SandboxConfig(today=TODAY, days=14, profile="large", time_scale=SANDBOX_SCALE, rate_limits=False,
                           options={"amazon_start": f"{TODAY + timedelta(days=3)}T06:00:00Z",
                                    "amazon_report_queue_seconds": 0, "amazon_report_processing_seconds": 0,
                                    "amazon_token_ttl": 3600 * int(CLIENT_SCALE / SANDBOX_SCALE)})
    with SandboxServer(config, only=("amazon",)) as server, scratch_database("sellerledger_bench_b2") as url:
        api = server.state.apis["amazon"]
        seller = api.seller
        orders = len(seller.orders)
        creds = httpx.get(f"{server.url}/_sandbox/credentials", timeout=30).json()["amazon"]
        regional = creds["regions"]["NA"]
        client_config = ClientConfig(
            client_id=creds["lwa_client_id"], client_secret=creds["lwa_client_secret"],
            refresh_token=regional["refresh_token"], region="NA", base_url=regional["endpoint"],
            lwa_token_url=creds["lwa_token_url"], time_scale=CLIENT_SCALE, seller_key=f"{creds['seller_id']}-NA",
            marketplaces=("ATVPDKIKX0DER",))
        now = api.now()
        start = now - timedelta(days=17)
        with SellingPartnerClient(client_config, clock=api.now) as client, \
                psycopg.connect(url, autocommit=True) as conn:
            extracted_orders = extract_orders(client, conn, seller="bench-large", start=start, now=now)
            extract_financial_events(client, conn, seller="bench-large", start=start, now=now)
            extract_settlements(client, conn, seller="bench-large", created_since=start,
                                flow_id="bench-large-xero")
            staged_orders = conn.execute("SELECT count(*) FROM staging.orders").fetchone()[0]
        stats = httpx.get(f"{server.url}/_sandbox/stats", timeout=30).json()
    amazon = [row for row in stats["rate_limits"] if row["api"] == "amazon"]
    calls: dict[str, int] = {}
    for row in amazon:
        calls[row["operation"]] = calls.get(row["operation"], 0) + int(row["calls"])
    minutes = sum(float(row["min_seconds"]) for row in amazon) / 60
    items, search = limit_of("getOrderItems"), limit_of("searchOrders")
    assert items is not None and search is not None
    pages = -(-orders // 100)
    naive_seconds = max(0, orders - items.burst) / items.rate + max(0, pages - search.burst) / search.rate
    return {
        "rate_limit_minutes": round(minutes, 2),
        "naive_rate_limit_minutes": round(naive_seconds / 60, 1),
        "calls": dict(sorted(calls.items())),
        "details": {"orders_generated": orders, "orders_staged": staged_orders,
                    "order_windows": extracted_orders["windows"],
                    "throttled": sum(int(row["throttled"]) for row in amazon),
                    "minutes_per_operation": {row["operation"]: round(float(row["min_seconds"]) / 60, 2)
                                              for row in amazon if row["min_seconds"]}},
    }
