"""Pure settlement and document checks: each one fails on the defect it exists for, and only on it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sellerledger.accounting.build import BuildResult, build_documents
from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.model import Money
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.source import Settlement
from sellerledger.checks.settlement import (
    CheckOptions,
    check_clearing_nets_to_zero,
    check_dates_in_window,
    check_deposit_converted,
    check_documents_net_to_total,
    check_event_group_total,
    check_lines_carried_once,
    check_lines_sum_to_total,
    check_no_duplicate_lines,
    check_one_currency,
    input_checks,
)
from tests.accounting.factories import settlement_from_tsv
from tests.checks.helpers import example_text

D = Decimal
MAPPING = load_mapping("xero")


def example() -> Settlement:
    return settlement_from_tsv(example_text())


def test_a_complete_example_passes_every_input_check() -> None:
    results = input_checks(example())
    assert [(r.name, r.passed) for r in results] == [
        ("lines_sum_to_total", True), ("amount_precision", True), ("amounts_plausible", True),
        ("event_group_total", True), ("one_currency", True), ("dates_in_window", True), ("no_duplicate_lines", True),
    ]
    assert results[3].severity == "warning" and results[3].details == {"skipped": True}


def test_sum_and_event_group_totals() -> None:
    s = example()
    short = replace(s, lines=s.lines[:-1])
    result = check_lines_sum_to_total(short)
    assert not result.passed and (result.observed, result.expected) == (D("63.56"), D("33.56"))
    assert result.details["difference"] == "-30.00"
    assert check_event_group_total(replace(s, event_group_total=Money(D("33.56"), "USD"))).passed
    off = check_event_group_total(replace(s, event_group_total=Money(D("33.57"), "USD")))
    assert not off.passed and off.blocks
    assert not check_event_group_total(replace(s, event_group_total=Money(D("33.56"), "EUR"))).passed


def test_currency_dates_and_duplicates() -> None:
    s = example()
    euro = replace(s, lines=(replace(s.lines[0], currency="EUR"), *s.lines[1:]))
    assert check_one_currency(euro).details == {"currencies": {"EUR": 1, "USD": 15}}
    deferred = replace(s, lines=(replace(s.lines[0], posted_at=s.start - timedelta(days=3)), *s.lines[1:]))
    result = check_dates_in_window(deferred)  # released deferred transactions: listed, not held
    assert result.passed and result.details["deferred"] == [1] and "(1 deferred lines)" in result.message
    strict = check_dates_in_window(deferred, CheckOptions(early_slack=timedelta(0)))
    assert not strict.passed and strict.details["before_start"] == [1]
    ancient = replace(s, lines=(replace(s.lines[0], posted_at=s.start - timedelta(days=46)), *s.lines[1:]))
    assert check_dates_in_window(ancient).details["before_start"] == [1]
    late = replace(s, lines=(*s.lines[:-1], replace(s.lines[-1], posted_at=s.end + timedelta(hours=25))))
    assert check_dates_in_window(late).details["after_end"] == [16]
    assert check_dates_in_window(replace(s, lines=(*s.lines[:-1], replace(s.lines[-1], posted_at=s.end + timedelta(hours=23))))).passed
    undated = replace(s, lines=(replace(s.lines[0], posted_at=None), *s.lines[1:]))
    assert check_dates_in_window(undated).passed and check_dates_in_window(undated).details["undated"] == [1]
    copy = replace(s.lines[1], line_number=99)
    dup = check_no_duplicate_lines(replace(s, lines=(*s.lines, copy)))
    assert not dup.passed and dup.details["repeated_lines"] == [99]
    fee_twice = replace(s.lines[6], line_number=98)  # an account-level fee without item codes may repeat
    assert check_no_duplicate_lines(replace(s, lines=(*s.lines, fee_twice))).passed


def test_document_checks_catch_tampered_documents() -> None:
    s = example()
    for mode in ("summary", "per_order"):
        build = build_documents(s, MAPPING, AccountingPolicy(mode=mode), "f")
        assert check_documents_net_to_total(s, build.documents).passed
        assert check_lines_carried_once(s, build).passed
        dropped = BuildResult(build.settlement_id, build.documents[1:], (), False)
        assert not check_lines_carried_once(s, dropped).passed
        assert not check_documents_net_to_total(replace(s, total=D("33.55")), build.documents).passed
    per_order = build_documents(s, MAPPING, AccountingPolicy(mode="per_order"), "f").documents
    assert check_clearing_nets_to_zero(per_order).passed
    without_first_invoice = per_order[1:]
    result = check_clearing_nets_to_zero(without_first_invoice)
    assert not result.passed and result.observed == D("-43.20") and len(result.details["dangling"]) == 1


def test_converted_deposit_is_checked_to_the_cent() -> None:
    s = replace(example(), deposit=Money(D("26.48"), "GBP"))
    docs = build_documents(s, MAPPING, AccountingPolicy(), "f").documents
    assert check_deposit_converted(s, docs).passed
    assert not check_deposit_converted(replace(s, deposit=Money(D("26.49"), "GBP")), docs).passed
    start = datetime(2026, 6, 24, tzinfo=UTC)
    assert s.start == start


def test_an_amount_finer_than_the_currency_holds_the_settlement() -> None:
    from dataclasses import replace

    from sellerledger.checks.settlement import check_amount_precision

    settlement = example()
    first = settlement.lines[0]
    odd = replace(settlement, lines=(replace(first, amount=first.amount + Decimal("0.0001")), *settlement.lines[1:]))
    result = check_amount_precision(odd)
    assert (result.passed, result.blocks) == (False, True)
    assert str(first.line_number) in result.message and "2" in result.message


def test_an_absurd_line_amount_holds_the_settlement() -> None:
    from dataclasses import replace

    from sellerledger.checks.settlement import check_amounts_plausible

    settlement = example()
    first = settlement.lines[0]
    huge = replace(settlement, lines=(replace(first, amount=Decimal("999999999999999.99")), *settlement.lines[1:]))
    result = check_amounts_plausible(huge)
    assert (result.passed, result.blocks) == (False, True)
    assert check_amounts_plausible(settlement).passed
