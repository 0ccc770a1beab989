"""Building documents: both modes on a real-shaped V2 file, month split, payable, marketplaces, FX, unmapped."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sellerledger.accounting.build import build_documents
from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.model import Document, DocumentKind, LineRole, Money
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.source import Settlement, SettlementLine
from tests.accounting.factories import settlement_from_tsv

D = Decimal
SAMPLE_TEXT = (Path(__file__).parent / "data" / "v2_synthetic_settlement-sample.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def xero() -> object:
    return load_mapping("xero")


def by_account(docs: tuple[Document, ...] | list[Document], *, roles: set[LineRole] | None = None) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for doc in docs:
        for line in doc.lines:
            if roles is None or line.role in roles:
                out[line.account] += line.amount
    return {k: v for k, v in out.items() if v != 0}


def line(n: int, tt: str, at: str, ad: str, amount: str, when: datetime, **kw: object) -> SettlementLine:
    return SettlementLine("S1", n, tt, at, ad, D(amount), kw.pop("currency", "USD"), when,  # type: ignore[arg-type]
                          marketplace=kw.pop("marketplace", "Amazon.com"), **kw)  # type: ignore[arg-type]


def settlement(lines: list[SettlementLine], **kw: object) -> Settlement:
    total = sum((ln.amount for ln in lines), D("0"))
    base: dict[str, object] = dict(
        settlement_id="S1", start=datetime(2026, 6, 20, tzinfo=UTC), end=datetime(2026, 7, 4, tzinfo=UTC),
        deposit_date=datetime(2026, 7, 6, tzinfo=UTC), total=total, currency="USD", lines=tuple(lines),
    )
    base.update(kw)
    return Settlement(**base)  # type: ignore[arg-type]


def test_summary_of_the_sample_file_lands_its_total(xero: object) -> None:
    s = settlement_from_tsv(SAMPLE_TEXT)
    result = build_documents(s, xero, AccountingPolicy(), "demo")  # type: ignore[arg-type]
    assert not result.held and len(result.documents) == 1
    doc = result.documents[0]
    assert doc.kind == DocumentKind.SETTLEMENT_SUMMARY and doc.part == "2026-06" and doc.marketplace == "US"
    assert doc.net == Money(D("582.89"), "USD") and doc.anchor.account == "1000"  # type: ignore[union-attr]
    totals = by_account(result.documents)
    assert totals["4000"] == D("-474.49")  # 129.99 + 89.00 + 45.50 + 210.00 credited to sales
    assert totals["4030"] == D("129.99")  # refund debited
    assert totals["6000"] == D("56.68")  # commissions 71.18 less 14.50 reversed on the refund
    assert totals["1110"] == D("-400.44")  # reserve released 820.44, held 420.00
    assert "2120" not in totals  # marketplace facilitator tax nets to zero
    assert doc.mapping_hash == xero.hash and doc.date.isoformat() == "2026-06-30"  # type: ignore[attr-defined]


def test_per_order_invoices_revenue_once_and_clears_the_clearing_account(xero: object) -> None:
    s = settlement_from_tsv(SAMPLE_TEXT)
    summary = build_documents(s, xero, AccountingPolicy(), "demo").documents  # type: ignore[arg-type]
    result = build_documents(s, xero, AccountingPolicy(mode="per_order"), "demo")  # type: ignore[arg-type]
    kinds = [d.kind for d in result.documents]
    assert kinds.count(DocumentKind.ORDER_INVOICE) == 3 and kinds.count(DocumentKind.CREDIT_NOTE) == 1
    assert kinds[-1] == DocumentKind.SETTLEMENT_CLEARING
    clearing = result.documents[-1]
    assert clearing.net == Money(D("582.89"), "USD")
    assert by_account(result.documents).get("1100") is None  # receivables cleared to zero
    # same effect on every other account as summary mode: revenue recognised once, fees once
    summary_totals = by_account(summary)
    per_order_totals = by_account(result.documents)
    assert per_order_totals == summary_totals
    sales_docs = {d.kind for d in result.documents for ln in d.lines if ln.account == "4000"}
    assert sales_docs == {DocumentKind.ORDER_INVOICE}
    invoice = next(d for d in result.documents if d.ref == "113-2047718-9930613")
    assert [(i.sku, i.amount, i.quantity) for i in invoice.invoice_lines] == [
        ("NX-AC-0071", D("45.50"), 1), ("NX-CB-0450", D("89.00"), 2), ("NX-CB-0450", D("7.99"), None)
    ]
    assert invoice.customer == "Amazon.com" and invoice.date.isoformat() == "2026-06-19"
    credit = next(d for d in result.documents if d.kind == DocumentKind.CREDIT_NOTE)
    assert credit.invoice_total == D("129.99") and credit.lines[0].amount == D("-129.99")
    cleared = {ln.ref for ln in clearing.lines if ln.role == LineRole.CLEARING}
    assert cleared == {d.identity for d in result.documents if d.kind != DocumentKind.SETTLEMENT_CLEARING}


def test_month_end_split_uses_the_policy_time_zone(xero: object) -> None:
    lines = [
        line(1, "Order", "ItemPrice", "Principal", "100.00", datetime(2026, 6, 30, 23, 30, tzinfo=UTC), order_id="o1"),
        line(2, "Order", "ItemFees", "Commission", "-15.00", datetime(2026, 6, 30, 23, 30, tzinfo=UTC), order_id="o1"),
        line(3, "Order", "ItemPrice", "Principal", "50.00", datetime(2026, 7, 1, 3, 0, tzinfo=UTC), order_id="o2"),
        line(4, "ServiceFee", "other-transaction", "Subscription Fee", "-39.99", datetime(2026, 7, 2, tzinfo=UTC)),
    ]
    s = settlement(lines)
    parts = {}
    for zone in ("UTC", "Australia/Sydney", "America/Los_Angeles"):
        docs = build_documents(s, xero, AccountingPolicy(timezone=zone), "demo").documents  # type: ignore[arg-type]
        parts[zone] = {d.part: d for d in docs}
        assert sum(d.net.amount for d in docs) == D("95.01")
        assert by_account(docs, roles={LineRole.CARRIED_FORWARD}) == {}
    assert set(parts["UTC"]) == {"2026-06", "2026-07"}
    june = parts["UTC"]["2026-06"]
    assert not june.is_final_part and june.anchor is None and june.date.isoformat() == "2026-06-30"
    assert [(ln.role, ln.amount) for ln in june.lines if ln.role == LineRole.CARRIED_FORWARD] == [
        (LineRole.CARRIED_FORWARD, D("85.00"))
    ]
    july = parts["UTC"]["2026-07"]
    assert july.net.amount == D("95.01") and july.date.isoformat() == "2026-07-04"
    assert set(parts["Australia/Sydney"]) == {"2026-07"}  # 23:30 UTC on 30 June is 1 July in Sydney
    la = parts["America/Los_Angeles"]
    assert {p: d.lines[0].amount for p, d in la.items()}["2026-06"] == D("-150.00")  # 03:00 UTC 1 July is June in LA
    unsplit = build_documents(s, xero, AccountingPolicy(split_by_month=False), "demo").documents  # type: ignore[arg-type]
    assert [d.part for d in unsplit] == ["all"]


def test_negative_settlement_is_a_payable_not_a_deposit(xero: object) -> None:
    lines = [
        line(1, "ServiceFee", "other-transaction", "Subscription Fee", "-39.99", datetime(2026, 6, 25, tzinfo=UTC)),
        line(2, "ServiceFee", "other-transaction", "Storage Fee", "-300.00", datetime(2026, 6, 26, tzinfo=UTC)),
        line(3, "Order", "ItemPrice", "Principal", "18.30", datetime(2026, 6, 27, tzinfo=UTC), order_id="o1"),
    ]
    for mode in ("summary", "per_order"):
        docs = build_documents(settlement(lines), xero, AccountingPolicy(mode=mode), "demo").documents  # type: ignore[arg-type]
        anchors = [d.anchor for d in docs if d.anchor is not None]
        assert len(anchors) == 1
        assert (anchors[0].role, anchors[0].account, anchors[0].amount) == (LineRole.PAYABLE, "2200", D("-321.69"))
        assert anchors[0].credit == D("321.69")
        assert "1000" not in by_account(docs)


def test_each_marketplace_gets_its_own_documents_and_lines_without_one_follow_the_settlement(xero: object) -> None:
    when = datetime(2026, 6, 25, tzinfo=UTC)
    lines = [
        line(1, "Order", "ItemPrice", "Principal", "10.00", when, order_id="u1"),
        line(2, "Order", "ItemPrice", "Principal", "20.00", when, order_id="u2"),
        line(6, "Order", "ItemFees", "Commission", "-3.00", when, order_id="u2"),
        line(3, "Order", "ItemPrice", "Principal", "7.00", when, order_id="c1", marketplace="Amazon.ca"),
        line(4, "Order", "ItemFees", "Commission", "-9.00", when, order_id="c1", marketplace="Amazon.ca"),
        line(5, "ServiceFee", "other-transaction", "Subscription Fee", "-39.99", when, marketplace=""),
    ]
    docs = build_documents(settlement(lines), xero, AccountingPolicy(), "demo").documents  # type: ignore[arg-type]
    nets = {d.marketplace: d.net.amount for d in docs}
    assert nets == {"CA": D("-2.00"), "US": D("-12.99")}  # the blank-marketplace fee belongs to the settlement's (US)
    assert all(d.anchor.role == LineRole.PAYABLE for d in docs)  # type: ignore[union-attr]
    ca = next(d for d in docs if d.marketplace == "CA")
    assert ca.lines[0].tracking == (("Marketplace", "Amazon.ca"),) and ca.lines[0].tax_code == "GST5"


def test_converted_payout_keeps_marketplace_currency_and_shares_the_deposit(xero: object) -> None:
    when = datetime(2026, 6, 25, tzinfo=UTC)
    lines = [
        line(1, "Order", "ItemPrice", "Principal", "100.00", when, currency="EUR", marketplace="Amazon.de", order_id="d"),
        line(2, "Order", "ItemPrice", "Principal", "33.33", when, currency="EUR", marketplace="Amazon.fr", order_id="f"),
    ]
    s = settlement(lines, currency="EUR", deposit=Money(D("114.01"), "GBP"))
    docs = build_documents(s, xero, AccountingPolicy(), "demo").documents  # type: ignore[arg-type]
    assert {d.currency for d in docs} == {"EUR"}
    rates = {d.fx.rate for d in docs}  # type: ignore[union-attr]
    assert len(rates) == 1
    rate = rates.pop()
    assert (D("133.33") * rate).quantize(D("0.01")) == D("114.01")
    shares = [d.fx.deposit_amount for d in docs]  # type: ignore[union-attr]
    assert sum(shares) == D("114.01")  # type: ignore[arg-type]


def test_unmapped_type_holds_or_goes_to_suspense(xero: object) -> None:
    when = datetime(2026, 6, 25, tzinfo=UTC)
    lines = [
        line(1, "Order", "ItemPrice", "Principal", "10.00", when, order_id="o1"),
        line(2, "Order", "ItemFees", "BrandNewFee2027", "-1.25", when, order_id="o1"),
        line(3, "Order", "ItemFees", "BrandNewFee2027", "-0.75", when, order_id="o2"),
    ]
    held = build_documents(settlement(lines), xero, AccountingPolicy(), "demo")  # type: ignore[arg-type]
    assert held.held and held.documents == ()
    (row,) = held.unmapped_report
    assert (row.amount_description, row.count, row.total, row.category) == (
        "BrandNewFee2027", 2, Money(D("-2.00"), "USD"), None
    )
    for mode in ("summary", "per_order"):
        routed = build_documents(settlement(lines), xero, AccountingPolicy(unmapped="suspense", mode=mode), "demo")  # type: ignore[arg-type]
        assert not routed.held and len(routed.unmapped) == 2
        suspense = [ln for d in routed.documents for ln in d.lines if ln.suspense]
        assert [(ln.account, ln.amount, ln.description) for ln in suspense] == [
            ("9999", D("2.00"), "Unmapped: Order / ItemFees / BrandNewFee2027")
        ]
        assert sum(d.net.amount for d in routed.documents) == D("8.00")


def test_category_without_an_account_is_unmapped_too(tmp_path: Path) -> None:
    import shutil

    from sellerledger.accounting.mappings import default_root

    shutil.copytree(default_root(), tmp_path / "m")
    path = tmp_path / "m" / "xero.yaml"
    path.write_text(path.read_text().replace('  storage_fee:  # FBA storage\n    default: {account: "6020"}\n',
                                             '  storage_fee:  # FBA storage\n    UK: {account: "6020"}\n'))
    mapping = load_mapping("xero", root=tmp_path / "m")
    s = settlement([line(1, "ServiceFee", "other-transaction", "Storage Fee", "-5.00", datetime(2026, 6, 25, tzinfo=UTC))])
    result = build_documents(s, mapping, AccountingPolicy(), "demo")
    assert result.held and result.unmapped[0].reason == "category 'storage_fee' has no account in the xero mapping for US"


def test_non_positive_order_totals_are_not_invoiced(xero: object) -> None:
    when = datetime(2026, 6, 25, tzinfo=UTC)
    lines = [
        line(1, "Order", "ItemPrice", "Principal", "5.00", when, order_id="free"),
        line(2, "Order", "Promotion", "Principal", "-5.00", when, order_id="free"),
        line(3, "Order", "ItemPrice", "Principal", "12.00", when, order_id="paid"),
    ]
    docs = build_documents(settlement(lines), xero, AccountingPolicy(mode="per_order"), "demo").documents  # type: ignore[arg-type]
    assert [d.ref for d in docs if d.kind == DocumentKind.ORDER_INVOICE] == ["paid"]
    clearing = docs[-1]
    assert [(ln.category, ln.amount) for ln in clearing.lines if ln.role == LineRole.BODY] == [
        ("principal", D("-5.00")), ("promotion", D("5.00"))
    ]
    assert clearing.net.amount == D("12.00")


def test_reruns_and_line_order_give_identical_documents(xero: object) -> None:
    s = settlement_from_tsv(SAMPLE_TEXT)
    shuffled = replace(s, lines=tuple(reversed(s.lines)))
    for mode in ("summary", "per_order"):
        policy = AccountingPolicy(mode=mode)
        first = build_documents(s, xero, policy, "demo").documents  # type: ignore[arg-type]
        again = build_documents(s, xero, policy, "demo").documents  # type: ignore[arg-type]
        other = build_documents(shuffled, xero, policy, "demo").documents  # type: ignore[arg-type]
        assert [d.key for d in first] == [d.key for d in again] == [d.key for d in other]
        assert [d.content_hash() for d in first] == [d.content_hash() for d in other]


def test_deferred_lines_count_inside_the_settlement_window(xero: object) -> None:
    lines = [
        line(1, "Order", "ItemPrice", "Principal", "30.00", datetime(2026, 5, 28, tzinfo=UTC), order_id="late-b2b"),
        line(2, "Order", "ItemPrice", "Principal", "20.00", datetime(2026, 6, 25, tzinfo=UTC), order_id="o2"),
    ]
    for mode in ("summary", "per_order"):
        docs = build_documents(settlement(lines), xero, AccountingPolicy(mode=mode), "demo").documents  # type: ignore[arg-type]
        assert {d.part for d in docs} == {"2026-06"}  # not a May document for a June settlement
        invoice_dates = sorted(d.date.isoformat() for d in docs if d.kind == DocumentKind.ORDER_INVOICE)
        assert mode == "summary" or invoice_dates == ["2026-06-20", "2026-06-25"]
