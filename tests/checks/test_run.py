"""check_settlement on a real staging database: validate, hold with reasons, suspense, release, versioning."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from sellerledger.accounting.mappings import default_root, load_mapping
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.store import load_documents, mark_posted
from sellerledger.checks.run import check_flow, check_settlement
from sellerledger.staging import status
from tests.checks.helpers import FLOW, SELLER, SETTLEMENT, edit, example_text, fee_row, rows, stage

D = Decimal
POLICY = AccountingPolicy()


def check(url: str, run_id: str, policy: AccountingPolicy = POLICY, mapping: object = None):  # type: ignore[no-untyped-def]
    with psycopg.connect(url) as conn:
        return check_settlement(conn, FLOW, SETTLEMENT, policy, mapping or load_mapping(policy.ledger), run_id)  # type: ignore[arg-type]


def test_complete_settlement_is_validated_with_its_documents_stored(fresh_db: str) -> None:
    stage(fresh_db, example_text())
    report = check(fresh_db, "run-1")
    assert report.outcome == "validated" and report.state == "validated" and report.reasons == ()
    assert [r.name for r in report.failed] == []
    assert {r.suite for r in report.results} == {"settlement", "sql"}
    assert [d.key for d in report.documents] == [
        "sl1/acme-us-xero/90000000001/US/2026-06/settlement_summary/-/v1",
        "sl1/acme-us-xero/90000000001/US/2026-07/settlement_summary/-/v1",
    ]
    stored = rows(fresh_db, "SELECT key, net_amount, status, mapping_hash FROM accounting.documents ORDER BY key")
    assert [(k, n, s) for k, n, s, _ in stored] == [
        (report.documents[0].key, D("0.0000"), "current"), (report.documents[1].key, D("33.5600"), "current")
    ]
    assert rows(fresh_db, "SELECT count(*) FROM accounting.document_sources")[0][0] == 16
    assert rows(fresh_db, "SELECT sum(amount) FROM accounting.document_lines")[0][0] == 0
    assert rows(fresh_db, "SELECT outcome, total_amount, lines_sum FROM ops.check_runs") == [
        ("validated", D("33.5600"), D("33.5600"))
    ]
    with psycopg.connect(fresh_db) as conn:
        assert load_documents(conn, FLOW, SETTLEMENT) == list(report.documents)

    again = check(fresh_db, "run-2")  # a rerun converges: same keys, nothing new stored
    assert [d.key for d in again.documents] == [d.key for d in report.documents]
    assert again.saved is not None and again.saved.inserted == [] and len(again.saved.unchanged) == 2
    assert rows(fresh_db, "SELECT count(*) FROM accounting.documents")[0][0] == 2


def test_a_file_short_of_its_total_is_held_not_posted(fresh_db: str) -> None:
    stage(fresh_db, edit(example_text(), drop_line=7))  # the storage fee row is missing, total unchanged
    report = check(fresh_db, "run-1")
    assert report.outcome == "held" and report.state == "held" and report.documents == ()
    failed = {r.name: r for r in report.failed}
    assert set(failed) == {"lines_sum_to_total", "sql_lines_sum_to_total", "documents_net_to_total"}
    assert failed["lines_sum_to_total"].observed == D("45.90") and failed["lines_sum_to_total"].expected == D("33.56")
    assert report.reasons[0] == (
        "lines_sum_to_total: settlement file short of its total: lines sum to 45.90 USD, total-amount is 33.56 USD "
        "(difference -12.34); Amazon may have shipped an incomplete file: refetch it or open a case, do not post"
    )
    assert rows(fresh_db, "SELECT count(*) FROM accounting.documents")[0][0] == 0
    with psycopg.connect(fresh_db) as conn:
        current = status.get_status(conn, FLOW, SETTLEMENT)
    assert current is not None and current.state == "held" and current.reasons == report.reasons

    stage(fresh_db, example_text())  # Amazon ships the complete file: re-staged, checked again, released
    released = check(fresh_db, "run-2")
    assert released.outcome == "validated" and released.state == "validated"


def _mapping_copy(tmp_path: Path) -> Path:
    root = tmp_path / "mappings"
    shutil.copytree(default_root(), root)
    return root


def test_new_fee_type_holds_appears_in_the_unmapped_report_and_a_fixed_mapping_releases(
    fresh_db: str, tmp_path: Path
) -> None:
    text = edit(example_text(), add=[fee_row("BrandNewFee2027", "-1.11"), fee_row("BrandNewFee2027", "-0.89")],
                total=lambda t: t - D("2.00"))
    stage(fresh_db, text)
    root = _mapping_copy(tmp_path)
    report = check(fresh_db, "run-1", mapping=load_mapping("xero", root=root))
    assert report.outcome == "held" and [r.name for r in report.failed] == ["every_line_mapped"]
    assert report.reasons[0].startswith("every_line_mapped: 2 lines have no mapping, settlement held: "
                                        "Order/ItemFees/BrandNewFee2027 (2 lines, -2.00 USD)")
    assert [(u.amount_description, u.count, u.total.amount) for u in report.unmapped] == [
        ("BrandNewFee2027", 2, D("-2.00"))
    ]
    report_rows = rows(fresh_db, "SELECT settlement_id, transaction_type, amount_type, amount_description,"
                                 " marketplace, line_count, total_amount, currency FROM ops.unmapped_amount_types")
    assert report_rows == [(SETTLEMENT, "Order", "ItemFees", "BrandNewFee2027", "US", 2, D("-2.00"), "USD")]
    assert rows(fresh_db, "SELECT count(*) FROM accounting.documents")[0][0] == 0

    (root / "overrides" / "acme.yaml").write_text(
        "amount_types:\n"
        "  - {transaction_type: '*', amount_type: ItemFees, amount_description: BrandNewFee2027, category: other_fee}\n",
        encoding="utf-8",
    )
    fixed = load_mapping("xero", root=root, seller="acme")
    released = check(fresh_db, "run-2", policy=AccountingPolicy(seller="acme"), mapping=fixed)
    assert released.outcome == "validated" and released.state == "validated"
    assert rows(fresh_db, "SELECT count(*) FROM ops.unmapped_amount_types")[0][0] == 0
    other_fee = [ln for d in released.documents for ln in d.lines if ln.category == "other_fee"]
    assert [(ln.account, ln.amount) for ln in other_fee] == [("6050", D("2.00"))]
    with psycopg.connect(fresh_db) as conn:
        states = [(c.from_state, c.to_state) for c in status.history(conn, FLOW, SETTLEMENT)]
    assert states == [(None, "staged"), ("staged", "held"), ("held", "validated")]


def test_with_suspense_configured_the_new_fee_goes_to_the_suspense_account(fresh_db: str) -> None:
    text = edit(example_text(), add=[fee_row("BrandNewFee2027", "-2.00")], total=lambda t: t - D("2.00"))
    stage(fresh_db, text)
    for mode in ("summary", "per_order"):
        policy = AccountingPolicy(unmapped="suspense", mode=mode)
        report = check(fresh_db, f"run-{mode}", policy=policy)
        assert report.outcome == "validated", report.reasons
        mapped = next(r for r in report.results if r.name == "every_line_mapped")
        assert mapped.passed and mapped.severity == "warning" and "routed to the suspense account" in mapped.message
        suspense = [(ln.account, ln.amount, ln.description) for d in report.documents for ln in d.lines if ln.suspense]
        assert suspense == [("9999", D("2.00"), "Unmapped: Order / ItemFees / BrandNewFee2027")]
        assert sum(d.net.amount for d in report.documents) == D("31.56")
        assert rows(fresh_db, "SELECT amount_description, line_count FROM ops.unmapped_amount_types") == [
            ("BrandNewFee2027", 1)
        ]
    # switching the flow to per_order withdrew the unposted summary documents
    kinds = rows(fresh_db, "SELECT kind, status, count(*) FROM accounting.documents GROUP BY 1, 2 ORDER BY 1, 2")
    assert kinds == [("credit_note", "current", 1), ("order_invoice", "current", 2),
                     ("settlement_clearing", "current", 2), ("settlement_summary", "withdrawn", 2)]


def test_mapping_change_versions_unposted_documents_and_never_rewrites_posted_ones(
    fresh_db: str, tmp_path: Path
) -> None:
    stage(fresh_db, example_text())
    root = _mapping_copy(tmp_path)
    first = check(fresh_db, "run-1", mapping=load_mapping("xero", root=root))
    june_v1, july_v1 = (d.key for d in first.documents)

    overrides = root / "overrides" / "acme.yaml"
    overrides.write_text("version: s1\nledgers: {xero: {categories: {storage_fee: {default: {account: '6050'}}}}}\n")
    second = check(fresh_db, "run-2", policy=AccountingPolicy(seller="acme"),
                   mapping=load_mapping("xero", root=root, seller="acme"))
    assert second.outcome == "validated"
    assert second.saved is not None and second.saved.superseded == [june_v1]  # only June has a storage fee
    june_v2 = june_v1.replace("/v1", "/v2")
    assert [d.key for d in second.documents] == [june_v2, july_v1]
    assert rows(fresh_db, "SELECT key, status, superseded_by FROM accounting.documents WHERE key = %s", june_v1) == [
        (june_v1, "superseded", june_v2)
    ]
    with psycopg.connect(fresh_db) as conn:
        mark_posted(conn, june_v2, "XERO-1")

    overrides.write_text("version: s2\nledgers: {xero: {categories: {storage_fee: {default: {account: '6000'}}}}}\n")
    third = check(fresh_db, "run-3", policy=AccountingPolicy(seller="acme"),
                  mapping=load_mapping("xero", root=root, seller="acme"))
    assert third.outcome == "validated"
    assert [d.key for d in third.documents] == [june_v2, july_v1]  # the posted v2 stays what it is
    storage = [ln.account for ln in third.documents[0].lines if ln.category == "storage_fee"]
    assert storage == ["6050"]
    drift = next(r for r in third.results if r.name == "posted_documents_unchanged")
    assert not drift.passed and drift.severity == "warning" and drift.details["drift"][0]["key"] == june_v2
    assert rows(fresh_db, "SELECT drift_hash IS NOT NULL FROM accounting.documents WHERE key = %s", june_v2) == [(True,)]
    assert rows(fresh_db, "SELECT count(*) FROM accounting.documents")[0][0] == 3


def test_event_group_total_is_reconciled_and_a_converted_payout_gives_fx(fresh_db: str) -> None:
    stage(fresh_db, example_text())
    with psycopg.connect(fresh_db) as conn:
        conn.execute(
            "INSERT INTO staging.financial_event_groups (seller, group_id, processing_status, original_total,"
            " original_currency, converted_total, converted_currency, group_start, group_end, raw)"
            " VALUES (%s, 'G1', 'Closed', 33.50, 'USD', 26.48, 'GBP', '2026-06-24 00:00:00+00',"
            " '2026-07-08 00:00:00+00', '{}')",
            (SELLER,),
        )
    held = check(fresh_db, "run-1")
    assert held.outcome == "held"
    assert {r.name for r in held.failed} == {"event_group_total", "sql_event_group_total"}
    assert "event group total 33.50 USD differs from total-amount 33.56 USD" in held.reasons[0]

    with psycopg.connect(fresh_db) as conn:
        conn.execute("UPDATE staging.financial_event_groups SET original_total = 33.56")
    ok = check(fresh_db, "run-2")
    assert ok.outcome == "validated"
    deposit_doc = ok.documents[-1]
    assert deposit_doc.currency == "USD" and deposit_doc.fx is not None
    assert (deposit_doc.fx.deposit_currency, deposit_doc.fx.deposit_amount) == ("GBP", D("26.48"))
    assert (D("33.56") * deposit_doc.fx.rate).quantize(D("0.01")) == D("26.48")


def test_check_flow_checks_staged_and_held_settlements(fresh_db: str) -> None:
    stage(fresh_db, example_text())
    with psycopg.connect(fresh_db) as conn:
        reports = check_flow(conn, FLOW, POLICY, load_mapping("xero"), "run-flow")
        assert [(r.settlement_id, r.outcome) for r in reports] == [(SETTLEMENT, "validated")]
        assert check_flow(conn, FLOW, POLICY, load_mapping("xero"), "run-flow-2") == []  # nothing left to check


def test_policy_and_mapping_must_agree(fresh_db: str) -> None:
    stage(fresh_db, example_text())
    with pytest.raises(ValueError, match="policy is for xero but the mapping is for qbo"):
        check(fresh_db, "run-1", mapping=load_mapping("qbo"))


def test_the_sql_currency_check_names_the_lines_in_another_currency(fresh_db: str) -> None:
    from sellerledger.checks.sqlchecks import run_sql_checks

    stage(fresh_db, example_text())
    with psycopg.connect(fresh_db) as conn:
        def currency_check() -> object:
            return next(r for r in run_sql_checks(conn, FLOW, SETTLEMENT, "staged") if r.name == "sql_one_currency")

        clean = currency_check()
        assert clean.passed and clean.message == "0 of 16 lines are not in USD"  # type: ignore[attr-defined]
        conn.execute("UPDATE staging.settlement_lines SET currency = CASE WHEN line_number %% 2 = 0 THEN 'EUR'"
                     " ELSE 'CAD' END WHERE settlement_id = %s AND line_number IN (3, 4, 6)", (SETTLEMENT,))
        mixed = currency_check()
        assert not mixed.passed and mixed.message == "3 of 16 lines are not in USD"  # type: ignore[attr-defined]
        assert mixed.details == {"other_currencies": ["CAD", "EUR"]}  # type: ignore[attr-defined]
