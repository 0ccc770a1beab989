"""Every settlement the sandbox generates for a six-marketplace seller stages, checks and validates.

The generated files go through the real path (raw bytes → parser → staging → check_settlement), in each
marketplace's locale (decimal commas, cp932, JPY without decimals), against the demo mappings of every
ledger: nothing unmapped, every document netting to its file's total-amount.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg

from sellerledger.accounting.mappings import check_chart, demo_chart, load_mapping
from sellerledger.accounting.model import LineRole
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.checks.run import check_flow
from sellerledger.sandbox.amazon.generator import generate
from sellerledger.sandbox.amazon.settlement_writer import settlement_file_bytes
from sellerledger.staging.settlements import stage_settlement_document


def test_generated_global_seller_validates_in_every_ledger_and_mode(fresh_db: str) -> None:
    seller = generate(seed=11, profile="global", today=date(2026, 11, 20), days=35)
    assert len({s.marketplace.code for s in seller.settlements}) >= 5
    ledgers = {"xero": "summary", "qbo": "per_order", "myob": "summary", "wave": "summary", "zoho": "per_order"}
    with psycopg.connect(fresh_db) as conn:
        for ledger in ledgers:
            for settlement in seller.settlements:
                stage_settlement_document(
                    conn, settlement_file_bytes(settlement), seller="global", flow_id=f"global-{ledger}",
                    source={"report_id": settlement.report_id, "file_name": f"{settlement.settlement_id}.txt"},
                )
        for ledger, mode in ledgers.items():
            mapping = load_mapping(ledger)
            reports = check_flow(conn, f"global-{ledger}", AccountingPolicy(ledger=ledger, mode=mode), mapping,  # type: ignore[arg-type]
                                 f"run-{ledger}")
            assert len(reports) == len(seller.settlements)
            assert [(r.settlement_id, r.reasons) for r in reports if not r.validated] == []
            by_id = {s.settlement_id: s for s in seller.settlements}
            for report in reports:
                expected = by_id[report.settlement_id].total_amount
                landed = sum((ln.amount for d in report.documents for ln in d.lines
                              if ln.role in (LineRole.DEPOSIT, LineRole.PAYABLE)), Decimal("0"))
                assert landed == expected
            used = {d.marketplace for r in reports for d in r.documents}
            assert check_chart(mapping, demo_chart(ledger), used) == []
