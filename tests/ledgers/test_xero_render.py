"""Rendering accounting documents as Xero objects, without HTTP: each kind becomes the right objects, and
what those objects post (journal + payout transfer, invoice + clearing payment) equals the document's
lines account by account, to the cent."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from sellerledger.accounting.model import Document, DocumentKind, LineRole
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.restkit import tag
from sellerledger.ledgers.xero import render as rx
from sellerledger.sandbox.ledgers.common import load_chart
from tests.ledgers.xq_support import documents_for, quarter, worked_example

FLOW = "demo-us-xero"
TYPES = {"bank": "BANK", "receivable": "CURRENT", "current_asset": "CURRENT", "payable": "CURRLIAB",
         "current_liability": "CURRLIAB", "revenue": "REVENUE", "other_income": "OTHERINCOME", "expense": "EXPENSE"}


class Org:
    """The demo chart as a Xero organisation would answer for it."""

    base_currency = "USD"

    def __init__(self) -> None:
        chart = load_chart()
        self.accounts = {a.code: {"Code": a.code, "Type": TYPES[a.kind], "EnablePaymentsToAccount":
                                  a.kind in ("bank", "current_asset"), "SystemAccount": a.kind == "receivable"}
                         for a in chart.accounts}
        self.tax = {t.code for t in chart.tax_rates}

    def account(self, code: str) -> dict[str, Any]:
        if code not in self.accounts:
            raise FatalError(f"xero: account code {code!r} is not an active account", ledger="xero")
        return self.accounts[code]

    def tax_type(self, code: str | None) -> str:
        if (code or "NONE") not in self.tax:
            raise FatalError(f"xero: tax rate {code!r} unknown", ledger="xero")
        return code or "NONE"

    def tracking(self, pairs: Any) -> list[dict[str, str]]:
        return [{"Name": name, "Option": option} for name, option in pairs]

    def contact_id(self, name: str) -> str:
        return f"contact:{name}"

    def item_code(self, sku: str | None) -> str | None:
        return sku


def docs(mode: str) -> list[Document]:
    return documents_for(worked_example(), "xero", mode, FLOW)


def effect(parts: list[rx.Part]) -> dict[str, Decimal]:
    """What the parts post, per account (debit positive), as Xero's book would record them."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for part in parts:
        body = part.body
        if part.collection == rx.JOURNALS:
            for line in body["JournalLines"]:
                out[line["AccountCode"]] += line["LineAmount"]
        elif part.collection == rx.BANK:
            sign = 1 if body["Type"] == "RECEIVE" else -1
            out[body["BankAccount"]["Code"]] += sign * sum(i["LineAmount"] for i in body["LineItems"])
            for item in body["LineItems"]:
                out[item["AccountCode"]] -= sign * item["LineAmount"]
        elif part.collection == rx.PAYMENTS:  # into the clearing account, out of receivables (1200)
            sign = 1 if "Invoice" in body else -1
            out[body["Account"]["Code"]] += sign * body["Amount"]
            out["1200"] -= sign * body["Amount"]
        else:
            sign = 1 if body["Type"] == "ACCREC" else -1
            out["1200"] += sign * sum(i["LineAmount"] for i in body["LineItems"])
            for item in body["LineItems"]:
                out[item["AccountCode"]] -= sign * item["LineAmount"]
    return {k: v for k, v in out.items() if v != 0}


def expected(documents: list[Document]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for doc in documents:
        for line in doc.lines:
            out[line.account] += line.amount
    return {k: v for k, v in out.items() if v != 0}


@pytest.mark.parametrize("mode", ["summary", "per_order"])
def test_the_rendered_objects_post_exactly_the_documents_lines(mode: str) -> None:
    documents = docs(mode)
    rendered = [rx.render(d, Org(), "1100") for d in documents]
    assert effect([p for r in rendered for p in rx.parts_of(r)]) == expected(documents)
    assert [r.key for r in rendered] == [d.key for d in documents]


def test_summary_parts_are_a_journal_and_for_the_paying_part_a_payout_transfer() -> None:
    june, july = (rx.render(d, Org(), "1100") for d in docs("summary"))
    assert [p.collection for p in rx.parts_of(june)] == [rx.JOURNALS]
    assert [p.collection for p in rx.parts_of(july)] == [rx.JOURNALS, rx.BANK]
    journal, bank = rx.parts_of(july)
    lines = journal.body["JournalLines"]
    assert sum(line["LineAmount"] for line in lines) == 0 and not any(line["AccountCode"] == "1000" for line in lines)
    assert all(line["Tracking"] == [{"Name": "Marketplace", "Option": "Amazon.com"}] for line in lines)
    assert journal.body["LineAmountTypes"] == "NoTax" and journal.body["Status"] == "POSTED"
    assert journal.body["Narration"].endswith(f"[{journal.ref}]") and bank.ref == f"{journal.ref} payout"
    assert (bank.body["Type"], bank.body["Date"], bank.body["BankAccount"]) == ("RECEIVE", "2026-07-10", {"Code": "1000"})
    assert [(i["AccountCode"], i["LineAmount"]) for i in bank.body["LineItems"]] == [("1100", Decimal("33.56"))]
    assert (july.total, june.total) == (Decimal("96.55"), Decimal("93.20"))  # the journal's debits


def test_per_order_invoices_carry_order_items_and_the_clearing_pays_them_through_1100() -> None:
    documents = docs("per_order")
    rendered = {d.key: rx.render(d, Org(), "1100") for d in documents}
    invoice = next(r for r in rendered.values() if r.kind == "order_invoice")
    body = rx.parts_of(invoice)[0].body
    assert body["Type"] == "ACCREC" and body["Status"] == "AUTHORISED" and body["Contact"] == {"ContactID": "contact:Amazon.com"}
    assert body["InvoiceNumber"].startswith("AMZ-111-0000001-0000001-") and body["Reference"].startswith("111-0000001-0000001")
    assert [(i["ItemCode"] if "ItemCode" in i else None, i["Quantity"], i["UnitAmount"], i["LineAmount"], i["AccountCode"])
            for i in body["LineItems"]] == [("MUG-01", Decimal(2), Decimal("20.0000"), Decimal("40.00"), "4000"),
                                            (None, Decimal(1), Decimal("3.20"), Decimal("3.20"), "2120")]
    assert invoice.total == Decimal("43.20") and body["LineAmountTypes"] == "NoTax"
    credit = next(r for r in rendered.values() if r.kind == "credit_note")
    assert rx.parts_of(credit)[0].body["Type"] == "ACCRECCREDIT" and credit.total == Decimal("20.00")
    july = next(d for d in documents if d.kind == DocumentKind.SETTLEMENT_CLEARING and d.part == "2026-07")
    parts = rx.parts_of(rendered[july.key])
    assert [p.collection for p in parts] == [rx.PAYMENTS, rx.PAYMENTS, rx.JOURNALS, rx.BANK]
    numbers = {r.reference: r for r in rendered.values() if r.kind in ("order_invoice", "credit_note")}
    paid = [(p.body.get("Invoice") or p.body.get("CreditNote")) for p in parts[:2]]
    assert {next(iter(ref.values())) for ref in paid} <= set(numbers)
    assert sorted((p.body["Account"]["Code"], p.body["Amount"]) for p in parts[:2]) == [
        ("1100", Decimal("20.00")), ("1100", Decimal("25.00"))]
    assert all(p.ref.startswith(tag(july.identity) + " ") for p in parts[:2])


def test_numbers_follow_the_logical_document_not_its_version() -> None:
    invoice = next(d for d in docs("per_order") if d.kind == DocumentKind.ORDER_INVOICE)
    first, second = (rx.render(d, Org(), "1100") for d in (invoice, invoice.with_version(2)))
    assert first.key != second.key and first.reference == second.reference


def test_tracking_numbers_and_taxable_lines() -> None:
    invoice = next(d for d in docs("per_order") if d.kind == DocumentKind.ORDER_INVOICE)
    vat = dataclasses.replace(
        invoice, meta=(("order_id", invoice.ref), ("tracking_number", "1Z999AA10123456784")),
        invoice_lines=tuple(dataclasses.replace(i, tax_code="VAT20") for i in invoice.invoice_lines))
    body = rx.parts_of(rx.render(vat, Org(), "1100"))[0].body
    assert body["Reference"].endswith("1Z999AA10123456784") and body["LineAmountTypes"] == "Inclusive"
    assert {i["TaxType"] for i in body["LineItems"]} == {"VAT20"}


def test_a_negative_settlement_is_a_journal_owed_to_amazon_with_no_bank_movement() -> None:
    negative = next(s for s in quarter() if s.total < 0)
    final = [d for d in documents_for(negative, "xero", "summary", FLOW) if d.is_final_part][0]
    rendered = rx.render(final, Org(), "1100")
    assert [p.collection for p in rx.parts_of(rendered)] == [rx.JOURNALS]
    payable = [line for line in rx.parts_of(rendered)[0].body["JournalLines"] if line["AccountCode"] == "2200"]
    assert sum(line["LineAmount"] for line in payable) == final.net.amount == negative.total


def test_what_cannot_be_posted_is_refused_by_name() -> None:
    june = docs("summary")[0]
    unknown = dataclasses.replace(june, lines=tuple(
        dataclasses.replace(line, account="4999") if line.account == "4000" else line for line in june.lines))
    with pytest.raises(FatalError, match="4999"):
        rx.render(unknown, Org(), "1100")
    euro = Document.from_payload({**june.to_payload(), "currency": "EUR", "lines": [
        {**line, "currency": "EUR"} for line in june.to_payload()["lines"]]})
    with pytest.raises(FatalError, match="base currency USD"):
        rx.render(euro, Org(), "1100")
    july = docs("summary")[1]
    with pytest.raises(FatalError, match="allow payments"):
        rx.render(july, Org(), "4000")
    assert any(line.role == LineRole.DEPOSIT for line in july.lines)
