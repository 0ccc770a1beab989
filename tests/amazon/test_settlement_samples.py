"""The parser against the reference samples: two real Amazon.ca V1 files, Airbyte's V1 fixture, the V2 sample."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sellerledger.amazon.settlement import read_settlement, validate_settlement

SAMPLES = Path("/work/shared/reference/amazon/samples")
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="reference samples not present")


def test_v2_sample_sums_to_its_total_and_keeps_every_column() -> None:
    header, lines, result = read_settlement(SAMPLES / "v2_synthetic_settlement-sample.txt")
    assert (header.settlement_id, header.currency, header.layout) == ("28471003921", "USD", "v2")
    assert header.total_amount == Decimal("582.89")
    assert header.start == datetime(2026, 6, 16, tzinfo=UTC)
    assert header.end == datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)
    assert header.deposit_date == datetime(2026, 7, 2, tzinfo=UTC)
    assert result.line_count == len(lines) == 23
    assert result.lines_sum == sum(line.amount for line in lines) == Decimal("582.89")
    assert result.problems == []
    first = lines[0]
    assert (first.line_number, first.source_line) == (1, 3)
    assert (first.transaction_type, first.order_id, first.amount_type, first.amount_description) == (
        "Order", "114-8829371-4410258", "ItemPrice", "Principal")
    assert first.amount == Decimal("129.99") and first.currency == "USD"
    assert first.posted_date_time == datetime(2026, 6, 17, 8, 14, 22, tzinfo=UTC)
    assert first.posted_date.isoformat() == "2026-06-17"
    assert (first.sku, first.quantity_purchased, first.marketplace, first.fulfillment_id) == ("NX-HD-1200", 1, "US", "AFN")
    reserve = lines[-1]
    assert (reserve.transaction_type, reserve.amount_description, reserve.amount) == (
        "Transfer", "Current Reserve Amount", Decimal("-420.00"))
    assert reserve.order_id is None and reserve.sku is None


def test_v2_sample_lines_posted_before_the_start_are_warnings_not_problems() -> None:
    result = validate_settlement(SAMPLES / "v2_synthetic_settlement-sample.txt")
    assert result.valid
    # Order 114-9930211-5567819 was posted 2026-06-14, two days before the period: a deferred transaction.
    assert [w.split(",")[0] for w in result.warnings] == ["line 17", "line 18"]


def test_real_v1_file_with_36_columns_maps_each_amount_column_to_a_v2_line() -> None:
    header, lines, result = read_settlement(SAMPLES / "v1_real_CA_50018020314.txt")
    assert (header.settlement_id, header.currency, header.layout) == ("23874397121", "CAD", "v1")
    assert header.total_amount == Decimal("-62.31")
    assert result.lines_sum == Decimal("-62.31") and result.problems == []
    assert header.start == datetime(2025, 7, 31, 22, 7, 18, tzinfo=UTC)
    got = [(line.source_line, line.transaction_type, line.amount_type, line.amount_description, line.amount)
           for line in lines]
    assert got == [
        (4, "Order", "ItemPrice", "Principal", Decimal("35.00")),
        (5, "Order", "ItemPrice", "Shipping", Decimal("6.99")),
        (6, "Order", "ItemFees", "FBAPerUnitFulfillmentFee", Decimal("-6.12")),
        (7, "Order", "ItemFees", "Commission", Decimal("-5.62")),
        (8, "Order", "ItemFees", "DigitalServicesFee", Decimal("-0.17")),
        (9, "Order", "Promotion", "Shipping", Decimal("-6.99")),
        (10, "Refund", "ItemPrice", "Principal", Decimal("-60.00")),
        (11, "Refund", "ItemFees", "Commission", Decimal("9.63")),
        (12, "Refund", "ItemFees", "RefundCommission", Decimal("-1.93")),
        (13, "Refund", "ItemFees", "DigitalServicesFee", Decimal("0.29")),
        (14, "Payable to Amazon", "other-transaction", "Payable to Amazon", Decimal("-321.69")),
        (15, "Subscription Fee", "other-transaction", "Subscription Fee", Decimal("-32.09")),
        (16, "ServiceFee", "ItemFees", "Cost of Advertising", Decimal("-1.16")),
        (16, "ServiceFee", "other-transaction", "TaxAmount", Decimal("-0.14")),
        (17, "Successful charge", "other-transaction", "Successful charge", Decimal("321.69")),
    ]
    assert [line.line_number for line in lines] == list(range(1, 16))
    # Line 3 carries only the quantity of the item; its amounts come on the next lines.
    assert {line.quantity_purchased for line in lines[:6]} == {1}
    refund = lines[6]
    assert refund.adjustment_id == "amzn1:crow:0UcGz5LNTCm+rGIQEkAv5g"
    assert refund.merchant_adjustment_item_id == "1754546548001862332"
    assert refund.posted_date_time == datetime(2025, 8, 14, 20, 59, 25, tzinfo=UTC)
    assert {line.currency for line in lines} == {"CAD"}
    assert lines[0].marketplace == "CA"


def test_real_v1_file_with_33_columns_and_padded_amount_balances_negative() -> None:
    header, lines, result = read_settlement(SAMPLES / "v1_real_CA_50011020300.txt")
    assert header.total_amount == Decimal("-321.69")
    assert [line.amount for line in lines] == [Decimal("-321.69"), Decimal("-32.09"), Decimal("32.09")]
    assert result.lines_sum == Decimal("-321.69") and result.valid
    assert lines[0].transaction_type == "Inbound Transportation Fee" and lines[0].shipment_id == "FBA18ZN0LT90"


def test_airbyte_fixture_does_not_balance_and_says_so() -> None:
    result = validate_settlement(SAMPLES / "v1_fixture_airbyte__GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE.csv")
    assert result.header is not None and result.header.total_amount == Decimal("1234.56")
    assert result.line_count == 2 and result.lines_sum == Decimal("16.77")
    assert not result.valid
    assert result.problems == [
        "line 2, column total-amount: the 2 lines sum to 16.77 USD but total-amount is 1234.56 (difference 1217.79)"
    ]
    assert result.difference == Decimal("1217.79")
