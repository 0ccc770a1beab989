"""great-expectations suites on the staging tables of a fresh database, with their results stored."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.checks.gx import run_gx_checks
from sellerledger.checks.results import load_results, store_results
from sellerledger.checks.run import check_settlement
from tests.checks.helpers import FLOW, SETTLEMENT, edit, example_text, rows, stage

D = Decimal


def test_gx_suites_pass_on_a_complete_settlement_and_results_are_stored(fresh_db: str) -> None:
    stage(fresh_db, example_text())
    with psycopg.connect(fresh_db) as conn:
        results = run_gx_checks(conn, FLOW, SETTLEMENT)
        assert len(results) == 14 and all(r.suite == "gx" for r in results)
        assert [r.name for r in results if not r.passed] == []
        total = next(r for r in results if r.name == "gx:settlement_lines:expect_column_sum_to_be_between:amount_minor")
        assert (total.observed, total.expected, total.currency) == (D("33.56"), D("33.56"), "USD")
        assert store_results(conn, "gx-run-1", FLOW, SETTLEMENT, results) == 14
        conn.commit()
        assert load_results(conn, FLOW, SETTLEMENT) == sorted(results, key=lambda r: (r.suite, r.name))
    stored = rows(fresh_db, "SELECT count(*), bool_and(passed) FROM ops.check_results WHERE suite = 'gx'"
                            " AND run_id = 'gx-run-1'")
    assert stored == [(14, True)]


def test_gx_finds_a_short_file_and_a_line_outside_the_window(fresh_db: str) -> None:
    text = edit(example_text(), drop_line=7).replace("2026-07-07 23:59:59 UTC", "2026-07-10 10:00:00 UTC")
    stage(fresh_db, text)
    with psycopg.connect(fresh_db) as conn:
        report = check_settlement(conn, FLOW, SETTLEMENT, AccountingPolicy(), load_mapping("xero"), "run-gx", gx=True)
    failed = {r.name: r for r in report.failed if r.suite == "gx"}
    assert set(failed) == {
        "gx:settlement_lines:expect_column_sum_to_be_between:amount_minor",
        "gx:settlement_lines:expect_column_values_to_be_between:posted_at",
    }
    total = failed["gx:settlement_lines:expect_column_sum_to_be_between:amount_minor"]
    assert (total.observed, total.expected, total.severity) == (D("45.90"), D("33.56"), "error")
    window = failed["gx:settlement_lines:expect_column_values_to_be_between:posted_at"]
    assert window.severity == "warning" and window.details["unexpected_count"] == 1
    assert report.outcome == "held"
    assert any(reason.startswith("gx:settlement_lines:expect_column_sum_to_be_between") for reason in report.reasons)
    assert any(reason.startswith("dates_in_window: 0 lines posted before the settlement start, 1 after its end")
               for reason in report.reasons)
    stored = rows(fresh_db, "SELECT check_name, observed FROM ops.check_results WHERE suite = 'gx' AND NOT passed"
                            " ORDER BY check_name")
    assert stored == [("gx:settlement_lines:expect_column_sum_to_be_between:amount_minor", D("45.9000")),
                      ("gx:settlement_lines:expect_column_values_to_be_between:posted_at", None)]
