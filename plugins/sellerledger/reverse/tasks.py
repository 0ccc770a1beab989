"""Bodies of the reverse DAGs' tasks: clients in, small summaries out; audit rows and alerts on the way.

`run_prices`, `run_stock` and `run_contacts` take ready clients (tests pass sandbox clients);
`sellerledger.flows.reverse_factory` builds them from the flow's Airflow connections. Each writes one `ops.reverse_changes`
row per decision, raises one alert per kind of trouble (rejected prices, stock conflicts, unknown SKUs,
contacts that could not be updated) and returns counts for XCom.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from sellerledger import db
from sellerledger.amazon.inventory import FbaInventoryApi
from sellerledger.amazon.listings import ListingsApi
from sellerledger.amazon.regions import currency_of
from sellerledger.amazon.tokens import TokensApi
from sellerledger.flows.config import Flow
from sellerledger.reverse import contacts, prices, stock

log = logging.getLogger(__name__)


def _connect() -> Any:
    import psycopg

    return psycopg.connect(db.staging_url(), autocommit=True)


def _audit(flow: Flow, run_id: str, kind: str, dry_run: bool, rows: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
    with _connect() as conn:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO ops.reverse_changes (flow_id, run_id, kind, subject, status, dry_run, detail)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(flow.id, run_id, kind, subject, status, dry_run, json.dumps(detail, default=str))
                 for subject, status, detail in rows])


def _alert(flow: Flow, kind: str, subject: str, lines: Sequence[str]) -> None:
    if not lines:
        return
    from sellerledger.flows.alerts import raise_alert

    shown = list(lines[:20]) + ([f"... and {len(lines) - 20} more"] if len(lines) > 20 else [])
    raise_alert(flow, kind, subject, "; ".join(shown))


# ------------------------------------------------------------------------------------------ prices
def run_prices(flow: Flow, run_id: str, xero: Any, amazon: Sequence[tuple[Any, str]], *,
               dry_run: bool = False) -> dict[str, Any]:
    """Xero item prices → the listings of the flow's marketplaces. `amazon`: (client, seller id) per region."""
    currency = xero.base_currency
    items = prices.xero_item_prices(xero.http, currency)
    changes: list[prices.PriceChange] = []
    for client, seller_id in amazon:
        marketplaces = {mp: currency_of(mp) or "" for mp in client.marketplace_ids}
        changes += prices.sync_prices(items, ListingsApi(client.http, seller_id), marketplaces, dry_run=dry_run)
    _audit(flow, run_id, "prices", dry_run, [
        (f"{c.sku}@{c.marketplace_id}", c.status, c.as_row()) for c in changes])
    diff = [f"{c.sku} {c.marketplace_id}: {c.old} → {c.new} {c.currency}" for c in changes
            if c.status in ("pushed", "would_push")]
    log.info("prices for %s (%s):\n%s", flow.id, "dry run" if dry_run else "pushed", "\n".join(diff) or "no change")
    _alert(flow, "price_rejected", f"{sum(c.status == 'rejected' for c in changes)} price(s) refused by Amazon",
           [f"{c.sku} {c.marketplace_id} {c.new} {c.currency}: {c.detail}" for c in changes if c.status == "rejected"])
    _alert(flow, "unknown_sku", "Xero items without an Amazon listing",
           [f"{c.sku} {c.marketplace_id}" for c in changes if c.status == "unknown_sku"])
    return {"counts": prices.counts(changes), "diff": diff, "dry_run": dry_run}


# ------------------------------------------------------------------------------------------- stock
def run_stock(flow: Flow, run_id: str, myob: Any, amazon: Sequence[tuple[Any, str]], *,
              direction: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Compare MYOB and Amazon quantities and settle them as `direction` (default: the flow's setting)."""
    chosen = direction or flow.reverse.stock
    if chosen not in ("ledger_wins", "amazon_wins"):
        raise ValueError(f"flow {flow.id}: stock sync is off")
    items = stock.myob_items(myob.api)
    readings: dict[str, list[stock.Reading]] = {sku: [] for sku in items}
    extra_fba: set[str] = set()
    listings_by_mp: dict[str, ListingsApi] = {}
    for client, seller_id in amazon:
        listings = ListingsApi(client.http, seller_id)
        found, extra = stock.amazon_readings(sorted(items), listings, FbaInventoryApi(client.http),
                                             client.marketplace_ids)
        for sku, rows in found.items():
            readings[sku] += rows
        extra_fba |= extra
        listings_by_mp.update({mp: listings for mp in client.marketplace_ids})
    decisions = stock.decide(items, readings, extra_fba, chosen)  # type: ignore[arg-type]
    stock.apply(decisions, items, _RoutedListings(listings_by_mp), myob, flow_id=flow.id, run_id=run_id,
                dry_run=dry_run)
    _audit(flow, run_id, "stock", dry_run, [(d.sku, d.status, d.as_row()) for d in decisions])
    _alert(flow, "stock_conflict", "stock differences not settled",
           [f"{d.sku}: {d.detail}" for d in decisions if d.status in ("conflict", "rejected")])
    _alert(flow, "unknown_sku", "Amazon stock of SKUs MYOB does not know",
           [f"{d.sku}: {d.detail}" for d in decisions if d.status == "unknown_sku"])
    return {"counts": stock.counts(decisions), "direction": chosen, "dry_run": dry_run}


class _RoutedListings:
    """Sends each marketplace's patch through the client of that marketplace's region."""

    def __init__(self, by_marketplace: dict[str, ListingsApi]) -> None:
        self._by = by_marketplace

    def patch_quantity(self, sku: str, marketplace_id: str, product_type: str, quantity: int) -> Any:
        return self._by[marketplace_id].patch_quantity(sku, marketplace_id, product_type, quantity)


# ---------------------------------------------------------------------------------------- contacts
def run_contacts(flow: Flow, run_id: str, myob: Any, amazon: Sequence[tuple[Any, str]], *,
                 dry_run: bool = False) -> dict[str, Any]:
    """Bring the mapped MYOB customers up to their latest order's buyer details (RDT; no PII logged)."""
    with _connect() as conn:
        pairs = contacts.mapped_contacts(conn, flow.id)
    changes: list[contacts.ContactChange] = []
    for client, _ in amazon:
        # an order id belongs to one region: ask each region's client for the orders it can see
        tokens = TokensApi(client.http, time_scale=client.config.time_scale)
        remaining = [p for p in pairs if p[1] not in {c.amazon_order_id for c in changes if c.status != "failed"}]
        if not remaining:
            break
        found = contacts.sync_contacts(remaining, tokens, myob.api, dry_run=dry_run)
        done = {c.amazon_order_id for c in found if c.status != "failed"}
        changes = [c for c in changes if c.amazon_order_id not in done] + found
    _audit(flow, run_id, "contacts", dry_run, [(c.contact_id, c.status, c.as_row()) for c in changes])
    _alert(flow, "contact_failed", "ledger contacts not brought up to date",
           [f"contact {c.contact_id} (order {c.amazon_order_id}): {c.detail}" for c in changes if c.status == "failed"])
    return {"counts": contacts.counts(changes), "dry_run": dry_run}
