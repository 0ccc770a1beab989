"""Xero item prices → Amazon listings, against the sandbox over HTTP: a changed price reaches the listing
in one run, a second run patches nothing, a dry run shows the diff, a refused price is reported with
Amazon's issues, and a price is never pushed into a marketplace of another currency."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from sellerledger.reverse.tasks import run_prices
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
    start_server,
    xero_client,
)


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with start_server() as running:
        yield running


def _set_prices(xero, prices: dict[str, str]) -> None:
    """Change sales prices in the Xero stand-in the way a bookkeeper would (items upserted by code)."""
    items = [{"Code": code, "Name": code, "IsSold": True, "SalesDetails": {"UnitPrice": price, "AccountCode": "4000"}}
             for code, price in prices.items()]
    body = xero.http.json("createItems", "POST", "/Items", params={"summarizeErrors": "false"},
                          json_body={"Items": items})
    assert all(not i.get("ValidationErrors") for i in body["Items"]), [i.get("ValidationErrors") for i in body["Items"]]


def test_changed_price_reaches_the_listing_once_and_a_second_run_sends_no_patch(server, fresh_db) -> None:
    xero = xero_client(server, fresh_db)
    before_de = listing(server, MFN_SKU, DE)
    assert listing(server, MFN_SKU, US)["price"] == Decimal("39.99")
    _set_prices(xero, {MFN_SKU: "42.50", "SL-BCB-001": "24.99"})  # one changed, one as Amazon has it
    f = flow("xero", prices_to_amazon=True)
    with amazon(server) as clients:
        first = run_prices(f, "run-1", xero, clients)
    assert listing(server, MFN_SKU, US)["price"] == Decimal("42.50")
    assert listing(server, MFN_SKU, DE) == before_de  # EUR listing: a USD price is never pushed there
    assert first["counts"] == {"other_currency": 2, "pushed": 1, "unchanged": 1}
    assert first["diff"] == [f"{MFN_SKU} {US}: 39.99 → 42.50 USD"]
    assert calls(server, "patchListingsItem") == 1

    with amazon(server) as clients:
        second = run_prices(f, "run-2", xero, clients)
    assert calls(server, "patchListingsItem") == 1  # nothing changed: no call at all
    assert second["counts"] == {"other_currency": 2, "unchanged": 2}
    rows = audit(fresh_db, f.id, "prices")
    assert [(s, st) for s, st, _, _ in rows if st == "pushed"] == [(f"{MFN_SKU}@{US}", "pushed")]
    pushed = next(d for _, st, _, d in rows if st == "pushed")
    assert (pushed["old"], pushed["new"], pushed["currency"]) == ("39.99", "42.50", "USD")


def test_dry_run_shows_the_diff_and_patches_nothing(server, fresh_db) -> None:
    xero = xero_client(server, fresh_db)
    _set_prices(xero, {"SL-SSW-002": "21.49"})
    with amazon(server, ("NA",)) as clients:
        result = run_prices(flow("xero", prices_to_amazon=True), "dry", xero, clients, dry_run=True)
    assert result["diff"] == [f"SL-SSW-002 {US}: 19.99 → 21.49 USD"]
    assert result["counts"] == {"would_push": 1}
    assert calls(server, "patchListingsItem") == 0
    assert listing(server, "SL-SSW-002", US)["price"] == Decimal("19.99")
    assert [(st, dry) for _, st, dry, _ in audit(fresh_db, "rev_xero", "prices")] == [("would_push", True)]


def test_a_price_amazon_refuses_is_reported_with_the_listing_issues(server, fresh_db) -> None:
    xero = xero_client(server, fresh_db)
    _set_prices(xero, {"SL-SBM-003": "1.00", "SL-NOT-LISTED": "5.00"})  # 1.00 < a tenth of 14.99
    f = flow("xero", prices_to_amazon=True)
    with amazon(server, ("NA",)) as clients:
        result = run_prices(f, "bad", xero, clients)
    assert result["counts"] == {"rejected": 1, "unknown_sku": 1}
    assert listing(server, "SL-SBM-003", US)["price"] == Decimal("14.99")
    raised = alerts(fresh_db, f.id)
    assert [k for k, _, _ in raised] == ["price_rejected", "unknown_sku"]
    assert "SL-SBM-003" in raised[0][2] and "90244" in raised[0][2] and "potential pricing error" in raised[0][2]
    assert "SL-NOT-LISTED" in raised[1][2]
