"""MYOB ↔ Amazon stock against the sandbox over HTTP: the configured side wins and the other is updated
(MYOB by an inventory adjustment, MFN listings by a patch), FBA stock is read and never written,
disagreeing readings and unknown SKUs are reported, and a settled difference stays settled."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from sellerledger.ledgers.errors import FatalError
from sellerledger.reverse.tasks import run_stock
from sellerledger.sandbox.server import SandboxServer
from tests.reverse.support import (
    DE,
    MFN_SKU,
    US,
    alerts,
    amazon,
    audit,
    calls,
    flow,
    listing,
    myob_client,
    start_server,
)

FBA_SKU = "SL-BCB-001"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with start_server() as running:
        yield running


def _account(myob: Any, classification: str) -> dict[str, str]:
    row = next(a for a in myob.api.list("GeneralLedger/Account")
               if a.get("Classification") == classification and not a.get("IsHeader"))
    return {"UID": row["UID"]}


def _stocked_item(myob: Any, number: str, quantity: int) -> dict[str, Any]:
    """An inventoried MYOB item holding `quantity` (created, then counted in with an adjustment)."""
    item = myob.api.post_once("Inventory/Item", {
        "Number": number, "Name": number, "IsSold": True, "IsBought": True, "IsInventoried": True,
        "IncomeAccount": _account(myob, "Income"), "AssetAccount": _account(myob, "Asset"),
        "CostOfSalesAccount": _account(myob, "Expense")})
    myob.api.post_once("Inventory/Adjustment", {"Memo": "opening count", "Lines": [
        {"Item": {"UID": item["UID"]}, "Quantity": quantity, "UnitCost": 0, "Amount": 0,
         "Account": item["CostOfSalesAccount"]}]})
    return myob.api.get(f"Inventory/Item/{item['UID']}")


def _on_hand(myob: Any, item: dict[str, Any]) -> Decimal:
    return Decimal(str(myob.api.get(f"Inventory/Item/{item['UID']}")["QuantityOnHand"]))


def _fba_fulfillable(server: SandboxServer, sku: str) -> int:
    with amazon(server, ("NA",)) as clients:
        client, _ = clients[0]
        page = client.http.request("getInventorySummaries", "GET", "/fba/inventory/v1/summaries", params={
            "granularityType": "Marketplace", "granularityId": US, "marketplaceIds": US, "details": "true",
            "sellerSkus": sku})
    return int(page["payload"]["inventorySummaries"][0]["inventoryDetails"]["fulfillableQuantity"])


def test_ledger_wins_patches_every_mfn_listing_and_never_writes_fba(server, fresh_db) -> None:
    myob = myob_client(server, fresh_db)
    _stocked_item(myob, MFN_SKU, 40)
    _stocked_item(myob, FBA_SKU, 5)
    assert (listing(server, MFN_SKU, US)["quantity"], listing(server, MFN_SKU, DE)["quantity"]) != (40, 40)
    f = flow("myob", stock="ledger_wins")
    with amazon(server) as clients:
        result = run_stock(f, "run-1", myob, clients)
    assert (listing(server, MFN_SKU, US)["quantity"], listing(server, MFN_SKU, DE)["quantity"]) == (40, 40)
    assert calls(server, "patchListingsItem") == 2  # US and DE; the FBA listing is never patched
    assert listing(server, FBA_SKU, US)["quantity"] == _fba_fulfillable(server, FBA_SKU) != 5
    counts = result["counts"]
    assert (counts["amazon_updated"], counts["conflict"]) == (1, 1)
    assert counts["unknown_sku"] == 5  # the tiny seller's other FBA SKUs, which MYOB does not know
    kinds = [kind for kind, _, _ in alerts(fresh_db, f.id)]
    assert kinds == ["stock_conflict", "unknown_sku"]

    with amazon(server) as clients:
        again = run_stock(f, "run-2", myob, clients)
    assert calls(server, "patchListingsItem") == 2
    assert again["counts"].get("amazon_updated", 0) == 0 and again["counts"]["in_sync"] == 1


def test_amazon_wins_adjusts_myob_to_amazon_once(server, fresh_db) -> None:
    myob = myob_client(server, fresh_db)
    mfn = _stocked_item(myob, MFN_SKU, 40)
    fba = _stocked_item(myob, FBA_SKU, 5)
    amazon_mfn = listing(server, MFN_SKU, US)["quantity"]
    amazon_fba = _fba_fulfillable(server, FBA_SKU)
    f = flow("myob", stock="amazon_wins")
    with amazon(server, ("NA",)) as clients:  # one marketplace: one reading per SKU
        result = run_stock(f, "run-1", myob, clients)
    assert (_on_hand(myob, mfn), _on_hand(myob, fba)) == (Decimal(amazon_mfn), Decimal(amazon_fba))
    assert result["counts"]["ledger_adjusted"] == 2
    assert calls(server, "patchListingsItem") == 0
    assert listing(server, MFN_SKU, US)["quantity"] == amazon_mfn
    adjusted = [d for s, st, _, d in audit(fresh_db, f.id, "stock") if st == "ledger_adjusted"]
    assert {d["sku"]: d["actions"] for d in adjusted} == {
        MFN_SKU: [f"adjust MYOB 40→{amazon_mfn}"], FBA_SKU: [f"adjust MYOB 5→{amazon_fba}"]}

    posts = calls(server, "Inventory/Adjustment.post")
    with amazon(server, ("NA",)) as clients:
        again = run_stock(f, "run-2", myob, clients)
    assert calls(server, "Inventory/Adjustment.post") == posts
    assert again["counts"]["in_sync"] == 2


def test_amazon_wins_with_disagreeing_marketplaces_is_a_conflict_not_a_guess(server, fresh_db) -> None:
    myob = myob_client(server, fresh_db)
    item = _stocked_item(myob, MFN_SKU, 40)
    us, de = listing(server, MFN_SKU, US)["quantity"], listing(server, MFN_SKU, DE)["quantity"]
    assert us != de
    f = flow("myob", stock="amazon_wins")
    with amazon(server) as clients:
        result = run_stock(f, "run-1", myob, clients)
    assert result["counts"]["conflict"] == 1
    assert _on_hand(myob, item) == Decimal(40)
    conflict = next(d for k, _, d in alerts(fresh_db, f.id) if k == "stock_conflict")
    assert f"{US} MFN {us}" in conflict and f"{DE} MFN {de}" in conflict


def test_dry_run_decides_and_changes_nothing(server, fresh_db) -> None:
    myob = myob_client(server, fresh_db)
    item = _stocked_item(myob, MFN_SKU, 40)
    with amazon(server, ("NA",)) as clients:
        result = run_stock(flow("myob", stock="amazon_wins"), "dry", myob, clients, dry_run=True)
    assert result["counts"]["would_adjust_ledger"] == 1
    assert _on_hand(myob, item) == Decimal(40)


def test_the_myob_stand_in_refuses_adjustments_it_cannot_record(server, fresh_db) -> None:
    myob = myob_client(server, fresh_db)
    item = _stocked_item(myob, MFN_SKU, 3)
    line = {"Item": {"UID": item["UID"]}, "UnitCost": 0, "Amount": 0, "Account": item["CostOfSalesAccount"]}
    for bad in ({**line, "Quantity": -4}, {**line, "Quantity": 1, "UnitCost": 2, "Amount": 2}):
        with pytest.raises(FatalError):
            myob.api.post_once("Inventory/Adjustment", {"Lines": [bad]})
    assert _on_hand(myob, item) == Decimal(3)
