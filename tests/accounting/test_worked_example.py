"""docs/accounting.md cannot drift: its settlement is rebuilt and every generated block compared verbatim.

Blocks in the doc: one ```tsv block (the settlement file) and ```text <spec> blocks where <spec> is
`categories`, or `<mode> <ledger>` (all documents), or `<mode> <ledger> final` (the deposit part only).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from sellerledger.accounting.build import build_documents
from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.model import LineRole
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.preview import categories_table, preview_all
from sellerledger.accounting.source import Settlement
from tests.accounting.factories import settlement_from_tsv

DOC = Path(__file__).resolve().parents[2] / "docs" / "accounting.md"
BLOCK = re.compile(r"```text ([a-z_]+(?: [a-z_]+)*)\n(.*?)\n```", re.S)


def example() -> Settlement:
    match = re.search(r"```tsv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, "docs/accounting.md lost its ```tsv settlement block"
    return settlement_from_tsv(match.group(1))


def render_block(spec: str) -> str:
    settlement = example()
    words = spec.split()
    if words == ["categories"]:
        return categories_table(settlement, load_mapping("xero"))
    mode, ledger = words[0], words[1]
    policy = AccountingPolicy(mode=mode, ledger=ledger)  # type: ignore[arg-type]
    docs = build_documents(settlement, load_mapping(ledger), policy, f"demo-us-{ledger}").documents
    if words[2:] == ["final"]:
        docs = tuple(d for d in docs if d.is_final_part and d.anchor is not None)
    return preview_all(docs, show_codes=True)


def test_every_generated_block_matches_the_code() -> None:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    specs = [spec for spec, _ in blocks]
    assert "categories" in specs and "summary xero" in specs and "per_order xero" in specs
    for ledger in ("qbo", "myob", "wave", "zoho"):
        assert any(s.startswith(f"summary {ledger}") for s in specs), ledger
    for spec, text in blocks:
        assert text == render_block(spec), f"docs/accounting.md block `{spec}` is out of date"


def test_the_numbers_the_prose_quotes() -> None:
    settlement = example()
    assert settlement.total == settlement.lines_sum == Decimal("33.56")
    docs = build_documents(settlement, load_mapping("xero"), AccountingPolicy(), "demo-us-xero").documents
    june, july = docs
    carried = [ln.amount for ln in june.lines if ln.role == LineRole.CARRIED_FORWARD]
    assert carried == [Decimal("64.16")]
    assert july.net.amount == Decimal("33.56")
    assert sum(ln.amount for ln in june.lines if ln.role == LineRole.BODY) == Decimal("-64.16")
    assert sum(ln.amount for ln in july.lines if ln.role == LineRole.BODY) == Decimal("30.60")
    text = DOC.read_text(encoding="utf-8")
    for figure in ("33.56", "64.16", "30.60", "43.20", "25.00", "20.00"):
        assert figure in text
