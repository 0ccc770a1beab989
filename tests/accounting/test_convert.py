"""Converting a foreign-marketplace document to the ledger's home currency keeps it exact and balanced."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerledger.accounting.build import build_documents
from sellerledger.accounting.convert import MissingRate, rate_for, to_currency, to_ledger_currency
from sellerledger.accounting.model import DocumentKind, FxInfo, LineRole
from sellerledger.accounting.policy import AccountingPolicy
from tests.accounting.test_properties import MAPPING, settlements

rates = st.decimals(min_value=Decimal("0.005"), max_value=Decimal("250"), places=4, allow_nan=False)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settlement=settlements(currency="EUR"), mode=st.sampled_from(["summary", "per_order"]), rate=rates,
       home=st.sampled_from(["USD", "JPY"]))
def test_converted_documents_balance_with_at_most_rounding_cents_on_the_fx_account(settlement, mode, rate,
                                                                                  home) -> None:
    built = build_documents(settlement, MAPPING, AccountingPolicy(mode=mode, unmapped="suspense"), "f1")
    unit = Decimal(1) if home == "JPY" else Decimal("0.01")
    for doc in built.documents:
        out = to_currency(doc, home, rate, "6900")
        if out is None:  # every amount rounded to zero at this rate
            assert all(abs(line.amount * rate) < unit / 2 + unit for line in doc.lines)
            continue
        assert out.currency == home and all(line.currency == home for line in out.lines)
        assert sum(line.amount for line in out.lines) == 0  # the Document constructor also insists
        rounding = [line for line in out.lines if line.account == "6900"]
        assert len(rounding) <= 1
        if rounding:
            assert abs(rounding[0].amount) <= unit * len(doc.lines)
        for line in out.lines:
            assert line.amount == line.amount.quantize(unit)
        assert dict(out.meta)["original_currency"] == "EUR" and dict(out.meta)["fx_rate"] == str(rate)
        if doc.kind in (DocumentKind.ORDER_INVOICE, DocumentKind.CREDIT_NOTE):
            assert out.invoice_total == sum(line.amount for line in out.invoice_lines)


@settings(max_examples=30, deadline=None)
@given(settlement=settlements(currency="EUR"))
def test_the_payout_amazon_converted_is_the_bank_line_exactly(settlement) -> None:
    from dataclasses import replace

    built = build_documents(settlement, MAPPING, AccountingPolicy(unmapped="suspense"), "f1")
    anchored = [d for d in built.documents if d.anchor is not None]
    if not anchored:
        return
    doc = replace(anchored[0], fx=FxInfo("USD", Decimal("1.08123"), Decimal("123.45")))
    out = to_currency(doc, "USD", rate_for(doc, "USD", {}), "6900")
    anchor = next(line for line in out.lines if line.role in (LineRole.DEPOSIT, LineRole.PAYABLE))
    assert anchor.amount == Decimal("123.45")


@settings(max_examples=10, deadline=None)
@given(settlement=settlements(currency="EUR"))
def test_same_currency_is_untouched_and_a_missing_rate_is_a_clear_error(settlement) -> None:
    built = build_documents(settlement, MAPPING, AccountingPolicy(unmapped="suspense"), "f1")
    assert to_ledger_currency(list(built.documents), "EUR", {}, "6900") == list(built.documents)
    if built.documents:  # a zero settlement builds nothing, so it needs no rate
        with pytest.raises(MissingRate, match=r"fx_rates\[EUR\]"):
            to_ledger_currency(list(built.documents), "USD", {}, "6900")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settlement=settlements(currency="EUR"), rate=rates)
def test_a_clearing_line_converts_to_exactly_what_the_invoice_it_settles_converts_to(settlement, rate) -> None:
    """Per-line rounding must not leave an invoice a cent short of the payment that clears it (Xero, QBO and
    Zoho refuse a payment above the amount outstanding)."""
    built = build_documents(settlement, MAPPING, AccountingPolicy(mode="per_order", unmapped="suspense"), "f1")
    originals = {doc.identity: doc for doc in built.documents}
    converted = {doc.identity: doc for doc in to_ledger_currency(list(built.documents), "USD", {"EUR": rate}, "6900")}
    for doc in converted.values():
        for index, line in enumerate(doc.lines):
            settled = converted.get(line.ref or "")
            if line.role != LineRole.CLEARING or settled is None:
                continue
            receivable = next(x for x in settled.lines if x.role == LineRole.RECEIVABLE)
            original = next(x for x in originals[line.ref].lines if x.role == LineRole.RECEIVABLE)
            source = next(x for x in originals[doc.identity].lines if x.ref == line.ref)
            if source.amount == -original.amount:
                assert line.amount == -receivable.amount == -settled.invoice_total * (
                    1 if settled.kind == DocumentKind.ORDER_INVOICE else -1), (doc.identity, index)


def test_the_worked_rounding_case_invoice_and_payment_agree() -> None:
    """EUR 24.99 less a 3.75 promotion at 1.0850: lines round to 27.11 and -4.07 (23.04) but the order is
    worth 21.24 x 1.0850 = 23.05; the invoice says 23.05, with the cent on its largest line."""
    from datetime import date

    from sellerledger.accounting.model import Document as Doc
    from sellerledger.accounting.model import InvoiceLine, JournalLine, Money, SettlementInfo

    info = SettlementInfo("1", date(2026, 8, 27), date(2026, 9, 10), date(2026, 9, 14), Money(Decimal("21.24"), "EUR"))
    invoice = Doc(kind=DocumentKind.ORDER_INVOICE, flow_id="f", settlement=info, marketplace="DE", part="2026-08",
                  ref="o1", currency="EUR", date=date(2026, 8, 27), reference="o1", narration="Order o1",
                  lines=(JournalLine(role=LineRole.RECEIVABLE, account="1100", amount=Decimal("21.24"), currency="EUR",
                                     description="order"),
                         JournalLine(role=LineRole.BODY, account="4000", amount=Decimal("-24.99"), currency="EUR",
                                     description="sales"),
                         JournalLine(role=LineRole.BODY, account="4020", amount=Decimal("3.75"), currency="EUR",
                                     description="promotion")),
                  invoice_lines=(InvoiceLine(category="principal", account="4000", amount=Decimal("24.99"),
                                             currency="EUR", description="sales"),
                                 InvoiceLine(category="promotion", account="4020", amount=Decimal("-3.75"),
                                             currency="EUR", description="promotion")))
    out = to_currency(invoice, "USD", Decimal("1.0850"), "6900")
    assert out is not None
    assert [line.amount for line in out.invoice_lines] == [Decimal("27.12"), Decimal("-4.07")]
    assert out.invoice_total == Decimal("23.05")
    assert next(x for x in out.lines if x.role == LineRole.RECEIVABLE).amount == Decimal("23.05")
