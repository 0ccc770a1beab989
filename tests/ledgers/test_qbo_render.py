"""Rendering accounting documents as QuickBooks Online transactions, without HTTP: each kind becomes the
right entity, and what it posts equals the document's lines account by account, to the cent (clearing
lines on Accounts Receivable with the customer, where the invoices are)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from sellerledger.accounting.model import Document, DocumentKind, LineRole
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.qbo import render as rq
from sellerledger.sandbox.ledgers.common import load_chart
from tests.ledgers.xq_support import documents_for, quarter, worked_example

FLOW = "demo-us-qbo"


class Company:
    """The demo chart as a QBO company would answer for it; ids are `a<AcctNum>`."""

    home_currency = "USD"

    def __init__(self) -> None:
        self.accounts = {a.code: {"Id": f"a{a.code}", "AcctNum": a.code} for a in load_chart().accounts}

    def account(self, number: str) -> dict[str, Any]:
        if number not in self.accounts:
            raise FatalError(f"qbo: no active account with number (AcctNum) {number!r}", ledger="qbo")
        return self.accounts[number]

    def receivable(self) -> dict[str, Any]:
        return self.accounts["1200"]

    def tax_code(self, code: str | None) -> dict[str, Any] | None:
        return None if (code or "NONE") == "NONE" else {"Id": f"t-{code}"}

    def segment(self, kind: str, name: str) -> str:
        return f"{kind}:{name}"

    def customer_id(self, name: str, currency: str) -> str:
        return f"c:{name}"

    def item_id(self, name: str) -> str:
        return f"i:{name}"


def docs(mode: str) -> list[Document]:
    return documents_for(worked_example(), "qbo", mode, FLOW)


def effect(entity: str, body: dict[str, Any]) -> dict[str, Decimal]:
    """What a transaction posts per account number (debit positive), the way QBO's book records it."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    if entity == "Deposit":
        for line in body["Line"]:
            out[line["DepositLineDetail"]["AccountRef"]["value"][1:]] -= line["Amount"]
            out[body["DepositToAccountRef"]["value"][1:]] += line["Amount"]
    elif entity == "JournalEntry":
        for line in body["Line"]:
            detail = line["JournalEntryLineDetail"]
            out[detail["AccountRef"]["value"][1:]] += line["Amount"] * (1 if detail["PostingType"] == "Debit" else -1)
    else:
        sign = 1 if entity == "Invoice" else -1
        for line in body["Line"]:
            out["1200"] += sign * line["Amount"]
            out[line["SalesItemLineDetail"]["ItemAccountRef"]["value"][1:]] -= sign * line["Amount"]
    return out


def expected(documents: list[Document]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for doc in documents:
        for line in doc.lines:
            account = "1200" if line.role in (LineRole.RECEIVABLE, LineRole.CLEARING) else line.account
            out[account] += line.amount
    return {k: v for k, v in out.items() if v != 0}


@pytest.mark.parametrize("mode", ["summary", "per_order"])
def test_each_transaction_posts_exactly_its_documents_lines(mode: str) -> None:
    total: dict[str, Decimal] = defaultdict(Decimal)
    for doc in docs(mode):
        rendered = rq.render(doc, Company())
        for account, amount in effect(rendered.payload["entity"], rendered.payload["body"]).items():
            total[account] += amount
        assert len(rendered.reference) == 21 and rendered.reference.startswith("SL")
    assert {k: v for k, v in total.items() if v != 0} == expected(docs(mode))


def test_summary_is_a_deposit_for_the_paying_part_and_a_journal_entry_for_the_month_carried() -> None:
    june, july = (rq.render(d, Company()) for d in docs("summary"))
    assert june.payload["entity"] == "JournalEntry" and july.payload["entity"] == "Deposit"
    lines = june.payload["body"]["Line"]
    debits = sum(line["Amount"] for line in lines if line["JournalEntryLineDetail"]["PostingType"] == "Debit")
    credits = sum(line["Amount"] for line in lines if line["JournalEntryLineDetail"]["PostingType"] == "Credit")
    assert debits == credits == june.total == Decimal("93.20") and all(line["Amount"] > 0 for line in lines)
    body = july.payload["body"]
    assert body["DepositToAccountRef"] == {"value": "a1000"} and body["TxnDate"] == "2026-07-08"
    assert sum(line["Amount"] for line in body["Line"]) == july.total == Decimal("33.56")
    assert "2026-07-10" in body["PrivateNote"]  # when the bank deposit it matches should arrive
    assert {line["DepositLineDetail"]["ClassRef"]["value"] for line in body["Line"]} == {"Class:Amazon.com"}


def test_per_order_invoice_credit_memo_and_clearing_deposit() -> None:
    documents = docs("per_order")
    invoice = rq.render(documents[0], Company(), order_field="1")
    assert documents[0].kind == DocumentKind.ORDER_INVOICE and invoice.payload["entity"] == "Invoice"
    body = invoice.payload["body"]
    assert body["CustomerRef"] == {"value": "c:Amazon.com"} and body["GlobalTaxCalculation"] == "NotApplicable"
    assert "111-0000001-0000001" in body["PrivateNote"] and body["CustomField"][0]["StringValue"] == "111-0000001-0000001"
    first = body["Line"][0]["SalesItemLineDetail"]
    assert (body["Line"][0]["Amount"], first["Qty"], first["UnitPrice"], first["ItemRef"], first["ItemAccountRef"]) == (
        Decimal("40.00"), Decimal(2), Decimal("20.0000"), {"value": "i:MUG-01"}, {"value": "a4000"})
    assert body["Line"][1]["SalesItemLineDetail"]["ItemRef"] == {"value": "i:Amazon Tax collected from buyers"}
    memo = next(rq.render(d, Company()) for d in documents if d.kind == DocumentKind.CREDIT_NOTE)
    assert memo.payload["entity"] == "CreditMemo" and memo.total == Decimal("20.00")
    july = next(d for d in documents if d.kind == DocumentKind.SETTLEMENT_CLEARING and d.part == "2026-07")
    deposit = rq.render(july, Company()).payload["body"]
    receivables = [(line["Amount"], line["DepositLineDetail"]["Entity"]) for line in deposit["Line"]
                   if line["DepositLineDetail"]["AccountRef"] == {"value": "a1200"}]
    assert sorted(receivables, key=lambda r: r[0]) == [(Decimal("-20.00"), {"value": "c:Amazon.com", "type": "Customer"}),
                                                       (Decimal("25.00"), {"value": "c:Amazon.com", "type": "Customer"})]


def test_tracking_numbers_and_taxable_lines() -> None:
    invoice = docs("per_order")[0]
    changed = dataclasses.replace(
        invoice, meta=(("order_id", invoice.ref), ("tracking_number", "1Z999AA10123456784")),
        invoice_lines=tuple(dataclasses.replace(i, tax_code="VAT20") for i in invoice.invoice_lines))
    body = rq.render(changed, Company()).payload["body"]
    assert body["TrackingNum"] == "1Z999AA10123456784" and body["GlobalTaxCalculation"] == "TaxInclusive"
    assert {line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in body["Line"]} == {"t-VAT20"}


def test_a_negative_settlement_is_a_journal_entry_crediting_the_payable() -> None:
    negative = next(s for s in quarter() if s.total < 0)
    final = [d for d in documents_for(negative, "qbo", "summary", FLOW) if d.is_final_part][0]
    rendered = rq.render(final, Company())
    assert rendered.payload["entity"] == "JournalEntry"
    payable = [line for line in rendered.payload["body"]["Line"]
               if line["JournalEntryLineDetail"]["AccountRef"] == {"value": "a2200"}]
    assert [line["JournalEntryLineDetail"]["PostingType"] for line in payable] == ["Credit"]
    assert -payable[0]["Amount"] == final.net.amount == negative.total


def test_what_cannot_be_posted_is_refused_by_name() -> None:
    june = docs("summary")[0]
    unknown = dataclasses.replace(june, lines=tuple(
        dataclasses.replace(line, account="4999") if line.account == "4000" else line for line in june.lines))
    with pytest.raises(FatalError, match="4999"):
        rq.render(unknown, Company())
    elsewhere = dataclasses.replace(june, lines=tuple(
        dataclasses.replace(line, tracking=(("location", "Sydney"),)) for line in june.lines))
    with pytest.raises(FatalError, match="class or department"):
        rq.render(elsewhere, Company())
