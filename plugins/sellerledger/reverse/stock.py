"""MYOB ↔ Amazon stock: compare quantities per SKU and settle them in the configured direction.

The MYOB item number is the Amazon SKU. Only inventoried MYOB items take part. Amazon's quantity comes
from the listing's `fulfillment_availability` for merchant-fulfilled (MFN) listings and from the FBA
inventory API (fulfillable units) for FBA listings, which are read and never written.

- `ledger_wins`: every MFN listing whose quantity differs from MYOB's is patched to MYOB's; an FBA
  listing that differs is reported as a conflict (Amazon manages that stock).
- `amazon_wins`: Amazon's readings of a SKU (all its marketplaces, both channels) must agree; MYOB is
  then adjusted by the difference with one inventory adjustment line. Readings that disagree are a
  conflict and nothing is changed.

Never guessed: a fractional MYOB quantity, disagreeing readings, a listing Amazon does not have, and a
SKU Amazon holds in FBA stock that MYOB does not know are all reported (status and detail), not fixed.
A dry run computes the same decisions and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sellerledger.amazon.errors import FatalError
from sellerledger.amazon.inventory import FbaInventoryApi
from sellerledger.amazon.listings import Listing, ListingsApi

log = logging.getLogger(__name__)

Direction = Literal["ledger_wins", "amazon_wins"]


@dataclass(frozen=True)
class LedgerItem:
    uid: str
    number: str
    quantity: Decimal
    account_uid: str | None  # the offset account of an adjustment line (cost of sales, else expense)


@dataclass(frozen=True)
class Reading:
    marketplace_id: str
    channel: str  # MFN or FBA
    quantity: int
    product_type: str | None = None


@dataclass
class StockDecision:
    """One SKU: what both sides say and what was (or, in a dry run, would be) done."""

    sku: str
    ledger_quantity: Decimal | None
    readings: list[Reading] = field(default_factory=list)
    status: str = "in_sync"  # in_sync, amazon_updated, ledger_adjusted, would_update_amazon, would_adjust_ledger,
    #                           conflict, unknown_sku, not_listed, rejected
    detail: str = ""
    actions: list[str] = field(default_factory=list)

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["ledger_quantity"] = None if self.ledger_quantity is None else str(self.ledger_quantity)
        return row


def myob_items(api: Any) -> dict[str, LedgerItem]:
    """Inventoried MYOB items by number (SKU), with quantity on hand."""
    out = {}
    for row in api.list("Inventory/Item"):
        if not row.get("IsInventoried") or not row.get("Number"):
            continue
        account = row.get("CostOfSalesAccount") or row.get("ExpenseAccount") or {}
        quantity = row.get("QuantityOnHand") or 0
        out[str(row["Number"])] = LedgerItem(str(row["UID"]), str(row["Number"]),
                                             quantity if isinstance(quantity, Decimal) else Decimal(str(quantity)),
                                             str(account["UID"]) if account.get("UID") else None)
    return out


def amazon_readings(skus: Sequence[str], listings: ListingsApi, inventory: FbaInventoryApi,
                    marketplace_ids: Sequence[str]) -> tuple[dict[str, list[Reading]], set[str]]:
    """Readings per SKU (MFN from listings, FBA from the FBA inventory API), and FBA SKUs of the
    marketplaces that are not among `skus`."""
    readings: dict[str, list[Reading]] = {sku: [] for sku in skus}
    extra_fba: set[str] = set()
    for marketplace_id in marketplace_ids:
        fba = inventory.fba_quantities(marketplace_id)
        extra_fba |= set(fba) - set(skus)
        for sku in skus:
            try:
                listing: Listing = listings.get_listing(sku, marketplace_id)
            except FatalError as exc:
                if exc.status == 404:
                    continue
                raise
            if listing.fba:
                if sku in fba:
                    readings[sku].append(Reading(marketplace_id, "FBA", fba[sku], listing.product_type))
            elif listing.quantity is not None:
                readings[sku].append(Reading(marketplace_id, "MFN", listing.quantity, listing.product_type))
    return readings, extra_fba


def decide(items: Mapping[str, LedgerItem], readings: Mapping[str, list[Reading]], extra_fba: set[str],
           direction: Direction) -> list[StockDecision]:
    """What to do per SKU (pure: no calls)."""
    decisions = []
    for sku in sorted(set(items) | set(readings)):
        item = items.get(sku)
        found = readings.get(sku, [])
        decision = StockDecision(sku, item.quantity if item else None, list(found))
        decisions.append(decision)
        if item is None:
            decision.status, decision.detail = "unknown_sku", "Amazon lists it; MYOB has no inventoried item"
            continue
        if not found:
            decision.status, decision.detail = "not_listed", "no listing in the flow's marketplaces"
            continue
        if item.quantity != item.quantity.to_integral_value():
            decision.status, decision.detail = "conflict", f"MYOB holds a fractional quantity {item.quantity}"
            continue
        ledger_qty = int(item.quantity)
        if direction == "ledger_wins":
            stale = [r for r in found if r.quantity != ledger_qty]
            fba = [r for r in stale if r.channel == "FBA"]
            decision.actions = [f"set {r.marketplace_id} {r.quantity}→{ledger_qty}" for r in stale if r.channel == "MFN"]
            if fba:
                decision.status = "conflict"
                decision.detail = "FBA stock differs and is Amazon's: " + ", ".join(
                    f"{r.marketplace_id} {r.quantity}" for r in fba)
            elif decision.actions:
                decision.status = "update_amazon"
            continue
        values = {r.quantity for r in found}
        if len(values) > 1:
            decision.status = "conflict"
            decision.detail = "Amazon's readings disagree: " + ", ".join(
                f"{r.marketplace_id} {r.channel} {r.quantity}" for r in found)
            continue
        amazon_qty = values.pop()
        if amazon_qty != ledger_qty:
            decision.status = "adjust_ledger"
            decision.actions = [f"adjust MYOB {ledger_qty}→{amazon_qty}"]
    for sku in sorted(extra_fba - set(items) - set(readings)):
        decisions.append(StockDecision(sku, None, [], "unknown_sku", "FBA stock of a SKU MYOB does not know"))
    return decisions


def adjustment_number(flow_id: str, run_id: str, sku: str, delta: int) -> str:
    """A deterministic inventory journal number (13 characters) for finding a lost POST again."""
    digest = hashlib.sha256(f"{flow_id}|{run_id}|{sku}|{delta}".encode()).hexdigest()[:11].upper()
    return f"SL{digest}"


def apply(decisions: Sequence[StockDecision], items: Mapping[str, LedgerItem], listings: ListingsApi,
          myob: Any, *, flow_id: str, run_id: str, dry_run: bool = False) -> list[StockDecision]:
    """Carry out `decide`'s decisions (MFN patches or MYOB adjustments); statuses become the outcome."""
    for decision in decisions:
        if decision.status == "update_amazon":
            if dry_run:
                decision.status = "would_update_amazon"
                continue
            assert decision.ledger_quantity is not None
            target = int(decision.ledger_quantity)
            problems = []
            for reading in decision.readings:
                if reading.channel != "MFN" or reading.quantity == target:
                    continue
                result = listings.patch_quantity(decision.sku, reading.marketplace_id,
                                                 reading.product_type or "PRODUCT", target)
                if not result.accepted:
                    problems.append(f"{reading.marketplace_id}: {result.describe_issues()}")
            decision.status = "rejected" if problems else "amazon_updated"
            decision.detail = "; ".join(problems)
        elif decision.status == "adjust_ledger":
            if dry_run:
                decision.status = "would_adjust_ledger"
                continue
            item = items[decision.sku]
            target = decision.readings[0].quantity
            delta = target - int(item.quantity)
            _adjust(myob, item, delta, adjustment_number(flow_id, run_id, decision.sku, delta))
            decision.status = "ledger_adjusted"
    return decisions


def _adjust(myob: Any, item: LedgerItem, delta: int, number: str) -> None:
    from sellerledger.ledgers.create_once import create_once
    from sellerledger.ledgers.myob.api import odata_text

    if item.account_uid is None:
        raise ValueError(f"MYOB item {item.number} has no cost of sales or expense account for the adjustment")
    body = {"InventoryJournalNumber": number, "IsYearEndAdjustment": False,
            "Memo": "Stock settled from Amazon by sellerledger",
            "Lines": [{"Item": {"UID": item.uid}, "Quantity": delta, "UnitCost": 0, "Amount": 0,
                       "Account": {"UID": item.account_uid}, "Memo": "Amazon quantity"}]}

    def find() -> dict[str, Any] | None:
        rows = myob.api.first("Inventory/Adjustment", f"InventoryJournalNumber eq {odata_text(number)}")
        return rows[0] if rows else None

    create_once(lambda: myob.api.post_once("Inventory/Adjustment", body), find, what=f"myob adjustment {number}",
                policy=getattr(myob, "_policy", None) or _policy())
    log.info("stock %s: MYOB adjusted by %+d (journal %s)", item.number, delta, number)


def _policy() -> Any:
    from sellerledger.amazon.http import RetryPolicy

    return RetryPolicy()


def counts(decisions: Sequence[StockDecision]) -> dict[str, int]:
    out: dict[str, int] = {}
    for decision in decisions:
        out[decision.status] = out.get(decision.status, 0) + 1
    return dict(sorted(out.items()))
