"""The seller generator: one truth whose settlement files add up, with every irregularity present."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from sellerledger.sandbox.amazon.generator import generate
from sellerledger.sandbox.amazon.model import ZERO
from sellerledger.sandbox.amazon.order_report import order_report_bytes
from sellerledger.sandbox.amazon.settlement_writer import (
    COLUMNS,
    settlement_file_bytes,
    write_large_settlement,
    write_settlement_file,
)
from tests.sandbox.amazon.conftest import TODAY, amount, parse_settlement

CHARSETS = {"utf-8": "utf-8", "iso-8859-1": "iso-8859-1", "cp932": "cp932"}


@pytest.fixture(scope="module")
def demo():
    return generate(seed=7, profile="demo", today=TODAY, days=90)


@pytest.fixture(scope="module")
def world():
    return generate(seed=11, profile="global", today=TODAY, days=90)


def test_every_file_sums_to_its_total_amount(demo, world):
    for seller in (demo, world):
        assert seller.settlements
        for settlement in seller.settlements:
            summary, details = parse_settlement(settlement_file_bytes(settlement), CHARSETS[settlement.encoding])
            assert list(summary) == list(COLUMNS)
            assert summary["settlement-id"] == settlement.settlement_id and summary["settlement-id"].isdigit()
            assert summary["currency"] == settlement.currency
            total = amount(summary["total-amount"])
            assert total == settlement.total_amount
            assert sum((amount(row["amount"]) for row in details), ZERO) == total
            assert all(row["total-amount"] == "" and row["amount-type"] and row["amount-description"]
                       for row in details)


def test_periods_deposits_and_ids(demo, world):
    for seller in (demo, world):
        for settlement in seller.settlements:
            length = 7 if settlement.marketplace.code == "JP" else 14
            assert settlement.end - settlement.start == timedelta(days=length)
            assert timedelta(days=3) <= settlement.deposit_date - settlement.end <= timedelta(days=5)
            assert settlement.end <= seller.horizon
        ids = [int(s.settlement_id) for s in seller.settlements]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {s.marketplace.code for s in world.settlements} == {"US", "CA", "UK", "DE", "JP", "AU"}
    assert {s.currency for s in world.settlements} == {"USD", "CAD", "GBP", "EUR", "JPY", "AUD"}


def test_irregularities_are_all_there(demo):
    assert any(s.total_amount < 0 for s in demo.settlements), "no negative settlement"
    omitted = [g for g in demo.event_groups if g.omit_original_total]
    assert len(omitted) == 1 and omitted[0].closed
    latin1 = [s for s in demo.settlements if s.encoding == "iso-8859-1"]
    assert len(latin1) == 1 and latin1[0].marketplace.code == "DE"
    assert any(not line.sku.isascii() for line in latin1[0].lines)
    assert all(s.decimal_comma for s in demo.settlements if s.marketplace.code == "DE")
    assert [g for g in demo.event_groups if not g.closed] and all(
        g.end is None for g in demo.event_groups if not g.closed)
    descriptions = Counter(line.amount_description for s in demo.settlements for line in s.lines)
    for wanted in ("Principal", "Tax", "Commission", "FBAPerUnitFulfillmentFee", "RefundCommission",
                   "MarketplaceFacilitatorTax-Principal", "Subscription Fee", "Storage Fee",
                   "Previous Reserve Amount Balance", "Current Reserve Amount", "Shipping label purchase"):
        assert descriptions[wanted] > 0, wanted
    assert any(d in descriptions for d in ("WAREHOUSE_DAMAGE", "WAREHOUSE_LOST", "Refund Reimbursal"))
    types = {line.amount_type for s in demo.settlements for line in s.lines}
    assert {"ItemPrice", "ItemFees", "Promotion", "ItemWithheldTax", "other-transaction"} <= types


def test_deferred_orders_settle_when_released(demo):
    deferred = [p for p in demo.postings if p.kind == "Order" and p.order.deferred]
    assert deferred
    for posting in deferred:
        order = posting.order
        assert posting.posted_at == order.shipped_at < posting.released_at <= posting.visible_at
        if order.channel == "MFN":
            assert posting.released_at == order.delivered_at + timedelta(days=7)
            assert order.tracking_number and order.carrier
    by_group = {g.group_id: g for g in demo.event_groups}
    for posting in deferred:
        group = by_group[posting.group_id]
        assert group.start <= posting.released_at < (group.end or demo.horizon + timedelta(days=30))


def test_us_facilitator_tax_nets_to_zero_and_vat_is_inside_prices(demo):
    us_lines = [line for s in demo.settlements if s.marketplace.code == "US" for line in s.lines
                if line.transaction_type in ("Order", "Refund")]
    tax = sum((line.amount for line in us_lines if line.amount_description in ("Tax", "ShippingTax")), ZERO)
    withheld = sum((line.amount for line in us_lines if line.amount_type == "ItemWithheldTax"), ZERO)
    assert tax > 0 and tax + withheld == 0
    de_lines = [line for s in demo.settlements if s.marketplace.code == "DE" for line in s.lines]
    assert not [line for line in de_lines if line.amount_description == "Tax"]
    for order in (o for o in demo.orders if o.marketplace.code == "DE"):
        for item in order.items:
            inside = (item.principal + item.promo_principal) * Decimal("0.19") / Decimal("1.19")
            assert item.tax == inside.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert order.total() == sum((i.principal + i.shipping + i.promo_principal + i.promo_shipping
                                     for i in order.items), ZERO)


def test_reserves_chain_from_settlement_to_settlement(demo):
    for code in ("US", "DE"):
        own = [s for s in demo.settlements if s.marketplace.code == code]
        for before, after in zip(own, own[1:], strict=False):
            assert after.reserve_previous == -before.reserve_current


def test_same_seed_same_bytes_other_seed_other_bytes():
    first = generate(seed=3, profile="demo", today=TODAY, days=30, fresh=True)
    again = generate(seed=3, profile="demo", today=TODAY, days=30, fresh=True)
    other = generate(seed=4, profile="demo", today=TODAY, days=30, fresh=True)
    assert first is not again
    assert [settlement_file_bytes(s) for s in first.settlements] == [settlement_file_bytes(s) for s in again.settlements]
    window = (first.horizon - timedelta(days=10), first.horizon)
    ids = {mp.id for mp in first.marketplaces}
    assert order_report_bytes(first.orders, ids, *window, first.horizon) == order_report_bytes(
        again.orders, ids, *window, again.horizon)
    assert [s.settlement_id for s in first.settlements] != [s.settlement_id for s in other.settlements]


def test_history_never_older_than_two_years():
    seller = generate(seed=5, profile="tiny", today=TODAY, days=1000)
    assert seller.days == 730
    assert min(o.purchase_date for o in seller.orders) >= seller.horizon - timedelta(days=730)


def test_tiny_profile_still_has_every_feature():
    seller = generate(seed=7, profile="tiny", today=TODAY, days=30)
    assert 8 <= len(seller.orders) <= 60
    assert any(o.refund for o in seller.orders)
    assert any(o.channel == "MFN" and o.tracking_number for o in seller.orders)
    assert any(i.promo_principal for o in seller.orders for i in o.items)
    assert any(o.deferred for o in seller.orders)
    assert any(s.total_amount < 0 for s in seller.settlements)


def test_large_profile_has_fifty_thousand_orders_in_fourteen_days():
    seller = generate(seed=1, profile="large", today=TODAY, days=14)
    assert len(seller.orders) == 50_000
    assert len(seller.settlements) == 1
    settlement = seller.settlements[0]
    assert settlement.end == seller.horizon and settlement.end - settlement.start == timedelta(days=14)


def test_write_settlement_file_to_path_matches_bytes(demo, tmp_path):
    settlement = demo.settlements[0]
    path = tmp_path / "settlement.txt"
    written = write_settlement_file(settlement, path)
    assert path.read_bytes() == settlement_file_bytes(settlement) and written == path.stat().st_size


def test_large_settlement_streams_exactly_and_deterministically(tmp_path):
    first = write_large_settlement(tmp_path / "a.txt", lines=20_000, seed=9, currency="EUR", decimal_comma=True)
    again = write_large_settlement(tmp_path / "b.txt", lines=20_000, seed=9, currency="EUR", decimal_comma=True)
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    summary, details = parse_settlement(first.path.read_bytes(), "utf-8")
    assert len(details) == first.lines == 20_000
    assert "," in summary["total-amount"] and amount(summary["total-amount"]) == first.total_amount
    assert sum((amount(row["amount"]) for row in details), ZERO) == first.total_amount == again.total_amount
    assert not list(tmp_path.glob("*.rows"))


def test_a_million_lines_in_well_under_a_minute_without_holding_the_file(tmp_path):
    """Run in a child process, so its peak RSS measures the writer alone."""
    script = (
        "import json, resource, sys, time\n"
        "from sellerledger.sandbox.amazon.settlement_writer import write_large_settlement\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "t = time.monotonic()\n"
        "r = write_large_settlement(sys.argv[1], lines=1_000_000, seed=2)\n"
        "print(json.dumps({'elapsed': time.monotonic() - t, 'base_kb': base,\n"
        "                  'peak_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,\n"
        "                  'lines': r.lines, 'bytes': r.bytes, 'total': str(r.total_amount)}))\n"
    )
    path = tmp_path / "big.txt"
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120,
                          check=True)
    result = json.loads(done.stdout)
    assert result["lines"] == 1_000_000 and result["bytes"] == path.stat().st_size > 150_000_000
    assert result["elapsed"] < 30
    assert (result["peak_kb"] - result["base_kb"]) * 1024 < 40_000_000, "the file was held in memory"
    total = ZERO
    with open(path, encoding="utf-8") as stream:
        stream.readline()
        summary = stream.readline().split("\t")
        lines = 0
        for line in stream:
            total += Decimal(line.split("\t")[14])
            lines += 1
    assert lines == 1_000_000 and total == Decimal(summary[4]) == Decimal(result["total"])
