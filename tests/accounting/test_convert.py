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
