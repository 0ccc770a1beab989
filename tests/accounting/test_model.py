"""The document model refuses inconsistent documents and round-trips through its JSON payload."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from sellerledger.accounting.keys import document_key, short_key, split_key
from sellerledger.accounting.model import (
    Document,
    DocumentKind,
    FxInfo,
    InvoiceLine,
    JournalLine,
    LineRole,
    Money,
    NettedGroup,
    SettlementInfo,
    SourceRef,
)

D = Decimal
INFO = SettlementInfo("123", date(2026, 6, 1), date(2026, 6, 14), date(2026, 6, 16), Money(D("10.00"), "USD"))


def _doc(lines: tuple[JournalLine, ...], **kw: object) -> Document:
    base: dict[str, object] = dict(
        kind=DocumentKind.SETTLEMENT_SUMMARY, flow_id="f1", settlement=INFO, marketplace="US", part="2026-06",
        ref="", currency="USD", date=date(2026, 6, 14), lines=lines, reference="AMZ 123", narration="n",
    )
    base.update(kw)
    return Document(**base)  # type: ignore[arg-type]


def _line(role: LineRole, account: str, amount: str, currency: str = "USD", **kw: object) -> JournalLine:
    return JournalLine(role=role, account=account, amount=D(amount), currency=currency, description=account, **kw)  # type: ignore[arg-type]


def test_money_refuses_float_and_mixed_currencies() -> None:
    with pytest.raises(TypeError):
        Money(10.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(D("1"), "usd")
    assert Money(D("1.10"), "USD") + Money(D("2.25"), "USD") == Money(D("3.35"), "USD")
    with pytest.raises(ValueError, match="cannot combine"):
        Money(D("1"), "USD") + Money(D("1"), "EUR")


def test_document_must_balance_and_keep_one_currency() -> None:
    with pytest.raises(ValueError, match="do not balance"):
        _doc((_line(LineRole.BODY, "4000", "-10.00"), _line(LineRole.DEPOSIT, "1000", "9.99")))
    with pytest.raises(ValueError, match="is in EUR"):
        _doc((_line(LineRole.BODY, "4000", "-10.00"), _line(LineRole.DEPOSIT, "1000", "10.00", "EUR")))
    with pytest.raises(ValueError, match="zero amount"):
        _line(LineRole.BODY, "4000", "0.00")
    with pytest.raises(TypeError):
        JournalLine(LineRole.BODY, "4000", 1.5, "USD", "x")  # type: ignore[arg-type]


def test_invoice_lines_must_match_the_receivable() -> None:
    lines = (_line(LineRole.RECEIVABLE, "1100", "12.00"), _line(LineRole.BODY, "4000", "-12.00"))
    inv = InvoiceLine("principal", "4000", D("11.00"), "USD", "Product")
    with pytest.raises(ValueError, match="invoice lines total 11.00"):
        _doc(lines, kind=DocumentKind.ORDER_INVOICE, ref="o-1", invoice_lines=(inv,))


def test_payload_round_trip_keeps_every_field_and_amount_strings() -> None:
    doc = _doc(
        (
            _line(LineRole.BODY, "4000", "-40.00", category="principal", tax_code="NONE",
                  tracking=(("Marketplace", "Amazon.com"),), sources=(SourceRef("123", 2), SourceRef("123", 1))),
            _line(LineRole.BODY, "6000", "30.00", category="referral_fee", sources=(SourceRef("123", 3),)),
            _line(LineRole.DEPOSIT, "1000", "10.00"),
        ),
        netted=(NettedGroup("tax_collected", "2120", (SourceRef("123", 4),)),),
        fx=FxInfo("GBP", D("0.790000"), D("7.90")),
        version=3,
        mapping_version="2026.1",
        mapping_hash="abc",
    )
    payload = json.loads(json.dumps(doc.to_payload()))
    assert payload["lines"][0]["amount"] == "-40.00"
    assert payload["lines"][0]["credit"] == "40.00"
    back = Document.from_payload(payload)
    assert back == doc
    assert back.key == doc.key and doc.key.endswith("/v3")
    assert doc.net == Money(D("10.00"), "USD")
    assert doc.sources == (SourceRef("123", 1), SourceRef("123", 2), SourceRef("123", 3), SourceRef("123", 4))


def test_content_hash_ignores_version_and_mapping_labels_only() -> None:
    lines = (_line(LineRole.BODY, "4000", "-10.00"), _line(LineRole.DEPOSIT, "1000", "10.00"))
    a = _doc(lines)
    assert a.content_hash() == a.with_version(7).content_hash()
    changed = _doc((_line(LineRole.BODY, "4010", "-10.00"), _line(LineRole.DEPOSIT, "1000", "10.00")))
    assert changed.content_hash() != a.content_hash()


def test_keys_are_deterministic_escaped_and_splittable() -> None:
    key = document_key("demo/flow", "123", "US", "2026-06", "order_invoice", "111-1~R/3", 2)
    assert key == "sl1/demo%2Fflow/123/US/2026-06/order_invoice/111-1~R%2F3/v2"
    assert split_key(key) == ("sl1/demo%2Fflow/123/US/2026-06/order_invoice/111-1~R%2F3", 2)
    assert document_key("f", "1", "US", "all", "settlement_summary", "", 1).endswith("/settlement_summary/-/v1")
    short = short_key(key, 13)
    assert len(short) == 13 and short == short_key(key, 13) and short != short_key(key.replace("v2", "v3"), 13)
    with pytest.raises(ValueError):
        document_key("", "1", "US", "all", "x", "", 1)


def test_unit_amount_only_when_exact() -> None:
    assert InvoiceLine("principal", "4000", D("40.00"), "USD", "x", quantity=2).unit_amount() == D("20.00")
    assert InvoiceLine("principal", "4000", D("10.00"), "USD", "x", quantity=3).unit_amount() is None
