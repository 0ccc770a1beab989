"""Accounting documents in Xero's shape. A rendered document is one or more *parts*, each a Xero object
with a reference we can search for:

| document | parts |
|---|---|
| order_invoice | ACCREC `Invoice` to the marketplace contact; line items with item code (SKU), account, tax type, `Marketplace` tracking; `InvoiceNumber` AMZ-<order>-<tag>, `Reference` order id, marketplace, tracking number |
| credit_note | ACCRECCREDIT `CreditNote`, numbered AMZ-CR-<order>-<tag> |
| settlement_summary / settlement_clearing | `Payments` of each cleared invoice / credit note into the clearing account (per_order), then a `ManualJournal` of every line (signed `LineAmount`, tracking per line), then, when the part lands money in the bank, a RECEIVE `BankTransaction` moving the payout from the clearing account into the bank |

Manual journals cannot post to a bank account, so the journal's deposit line goes to the clearing account
(money in transit) and the bank transaction, dated the deposit date, takes it into the bank: together they
post exactly the document's lines. Invoices post to Xero's receivables (system) account; the clearing
document's payments move each one onto the clearing account, where the journal's clearing lines take it
off, so after a settlement both receivables and clearing are back at zero.

Amounts are Amazon's final, tax-inclusive figures: lines with a taxable code go out `Inclusive` (Xero
extracts the tax), the rest `NoTax`. Journals are in the organisation's base currency only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sellerledger.accounting.keys import short_key
from sellerledger.accounting.model import Document, DocumentKind, LineRole
from sellerledger.ledgers.base import LedgerDocument
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.restkit import identity_fields, meta, order_id, tag

INVOICES, CREDIT_NOTES, PAYMENTS = "Invoices", "CreditNotes", "Payments"
JOURNALS, BANK = "ManualJournals", "BankTransactions"
ORDER = (INVOICES, CREDIT_NOTES, PAYMENTS, JOURNALS, BANK)
ID_FIELD = {INVOICES: "InvoiceID", CREDIT_NOTES: "CreditNoteID", PAYMENTS: "PaymentID",
            JOURNALS: "ManualJournalID", BANK: "BankTransactionID"}
NUMBER_FIELD = {INVOICES: "InvoiceNumber", CREDIT_NOTES: "CreditNoteNumber"}
PRIMARY = {DocumentKind.ORDER_INVOICE: INVOICES, DocumentKind.CREDIT_NOTE: CREDIT_NOTES,
           DocumentKind.SETTLEMENT_SUMMARY: JOURNALS, DocumentKind.SETTLEMENT_CLEARING: JOURNALS}
ITEM_CATEGORIES = frozenset({"principal", "refund_principal"})
ZERO = Decimal("0")


class Refs(Protocol):
    """What rendering needs from the organisation (`refdata.XeroRefs`, or a stub in tests)."""

    @property
    def base_currency(self) -> str: ...

    def account(self, code: str) -> dict[str, Any]: ...

    def tax_type(self, code: str | None) -> str: ...

    def tracking(self, pairs: Any) -> list[dict[str, str]]: ...

    def contact_id(self, name: str) -> str: ...

    def item_code(self, sku: str | None) -> str | None: ...


@dataclass(frozen=True)
class Part:
    collection: str
    ref: str  # InvoiceNumber / CreditNoteNumber / Payment or BankTransaction Reference / journal tag
    body: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"collection": self.collection, "ref": self.ref, "body": self.body}


def parts_of(document: LedgerDocument) -> list[Part]:
    return [Part(p["collection"], p["ref"], p["body"]) for p in document.payload["parts"]]


def sales_number(identity: str) -> tuple[str, str]:
    """(collection, number) of the invoice or credit note with this identity: stable across versions."""
    fields = identity_fields(identity)
    order = fields["ref"].split("~")[0]
    suffix = short_key(identity, 6)
    if fields["kind"] == DocumentKind.CREDIT_NOTE:
        return CREDIT_NOTES, f"AMZ-CR-{order}-{suffix}"
    return INVOICES, f"AMZ-{order}-{suffix}"


def _amount_types(tax_types: list[str]) -> str:
    return "Inclusive" if any(t != "NONE" for t in tax_types) else "NoTax"


def _quantity_and_unit(amount: Decimal, unit: Decimal | None, quantity: int | None) -> tuple[Decimal, Decimal]:
    if unit is None or not quantity:
        return Decimal("1"), amount
    return Decimal(quantity), unit


def render_sales(document: Document, refs: Refs) -> LedgerDocument:
    credit = document.kind == DocumentKind.CREDIT_NOTE
    collection, number = sales_number(document.identity)
    receivable = next(line for line in document.lines if line.role == LineRole.RECEIVABLE)
    items = []
    for line in document.invoice_lines:
        quantity, unit = _quantity_and_unit(line.amount, line.unit_amount(4), line.quantity)
        item: dict[str, Any] = {
            "Description": line.description, "Quantity": quantity, "UnitAmount": unit, "LineAmount": line.amount,
            "AccountCode": refs.account(line.account)["Code"], "TaxType": refs.tax_type(line.tax_code),
            "Tracking": refs.tracking(line.tracking or receivable.tracking),
        }
        code = refs.item_code(line.sku) if line.category in ITEM_CATEGORIES else None
        if code:
            item["ItemCode"] = code
        items.append(item)
    if not items:
        raise FatalError(f"xero: {document.identity} has no invoice lines", ledger="xero", operation="render")
    customer = meta(document, "customer_name") or document.customer or "Amazon"
    order = order_id(document)
    reference = " | ".join(p for p in (order, document.marketplace, meta(document, "tracking_number")) if p)
    body: dict[str, Any] = {
        "Type": "ACCRECCREDIT" if credit else "ACCREC", "Contact": {"ContactID": refs.contact_id(customer)},
        "Date": document.date.isoformat(), NUMBER_FIELD[collection]: number, "Reference": reference[:255],
        "Status": "AUTHORISED", "CurrencyCode": document.currency,
        "LineAmountTypes": _amount_types([i["TaxType"] for i in items]), "LineItems": items,
    }
    if not credit:
        body["DueDate"] = document.date.isoformat()
    return LedgerDocument(
        key=document.key, kind=document.kind.value, reference=number, currency=document.currency,
        total=document.invoice_total, payload={"parts": [Part(collection, number, body).as_json()]},
        settlement_id=document.settlement_id,
        meta={"clearing_account": receivable.account, "identity": document.identity, "order_id": order},
    )


def render_settlement(document: Document, refs: Refs, payout_account: str) -> LedgerDocument:
    if document.currency != refs.base_currency:
        raise FatalError(f"xero: {document.identity} is in {document.currency}, but manual journals post in the "
                         f"organisation's base currency {refs.base_currency}; post this marketplace to an "
                         f"organisation in {document.currency}", ledger="xero", operation="render")
    doc_tag = tag(document.identity)
    parts: list[Part] = []
    for line in document.lines:
        if line.role != LineRole.CLEARING or not line.ref:
            continue
        collection, number = sales_number(line.ref)
        _payable_into(refs.account(line.account), line.account)
        target = {"Invoice": {"InvoiceNumber": number}} if collection == INVOICES \
            else {"CreditNote": {"CreditNoteNumber": number}}
        reference = f"{doc_tag} {number}"
        parts.append(Part(PAYMENTS, reference, {**target, "Account": {"Code": line.account},
                                                "Date": document.date.isoformat(), "Amount": abs(line.amount),
                                                "Reference": reference}))
    journal_lines, deposit = [], None
    for line in document.lines:
        code = line.account
        if line.role == LineRole.DEPOSIT:
            deposit, code = line, payout_account
        account = refs.account(code)
        if account.get("Type") == "BANK":
            raise FatalError(f"xero: {document.identity} posts {line.description!r} to bank account {code}; manual "
                             "journals cannot use bank accounts", ledger="xero", operation="render")
        journal_lines.append({"Description": line.description[:4000], "LineAmount": line.amount,
                              "AccountCode": account["Code"], "TaxType": refs.tax_type(line.tax_code),
                              "Tracking": refs.tracking(line.tracking)})
    narration = f"{document.narration} [{doc_tag}]"
    parts.append(Part(JOURNALS, doc_tag, {
        "Narration": narration, "Date": document.date.isoformat(), "Status": "POSTED",
        "LineAmountTypes": _amount_types([j["TaxType"] for j in journal_lines]), "JournalLines": journal_lines}))
    if deposit is not None:
        bank = refs.account(deposit.account)
        if bank.get("Type") != "BANK":
            raise FatalError(f"xero: deposit account {deposit.account} is not a bank account", ledger="xero",
                             operation="render")
        _payable_into(refs.account(payout_account), payout_account)
        when = document.settlement.deposit_date or document.date
        reference = f"{doc_tag} payout"
        parts.append(Part(BANK, reference, {
            "Type": "RECEIVE" if deposit.amount > 0 else "SPEND",
            "Contact": {"ContactID": refs.contact_id(document.customer or "Amazon")},
            "BankAccount": {"Code": bank["Code"]}, "Date": max(when, document.date).isoformat(),
            "Reference": reference, "Status": "AUTHORISED", "CurrencyCode": document.currency,
            "LineAmountTypes": "NoTax",
            "LineItems": [{"Description": deposit.description, "Quantity": Decimal("1"),
                           "UnitAmount": abs(deposit.amount), "LineAmount": abs(deposit.amount),
                           "AccountCode": payout_account, "TaxType": refs.tax_type(None),
                           "Tracking": refs.tracking(deposit.tracking)}],
        }))
    return LedgerDocument(
        key=document.key, kind=document.kind.value, reference=narration[:500], currency=document.currency,
        total=document.debit_total, payload={"parts": [p.as_json() for p in parts]},
        settlement_id=document.settlement_id, meta={"identity": document.identity, "tag": doc_tag},
    )


def _payable_into(account: dict[str, Any], code: str) -> None:
    if account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise FatalError(f"xero: account {code} must be a bank account or allow payments (Enable payments to this "
                         "account) for Amazon settlements to clear invoices through it", ledger="xero",
                         operation="render")


def render(document: Document, refs: Refs, payout_account: str) -> LedgerDocument:
    if document.kind in (DocumentKind.ORDER_INVOICE, DocumentKind.CREDIT_NOTE):
        return render_sales(document, refs)
    return render_settlement(document, refs, payout_account)


def sales_lines(body: dict[str, Any]) -> list[tuple[str, str, tuple[tuple[str, str], ...], Decimal]]:
    """(account, tax type, tracking, amount) of an invoice or credit note body, as sent or as Xero returns it."""
    out = []
    for item in body.get("LineItems") or []:
        tracking = tuple(sorted((str(t.get("Name")), str(t.get("Option"))) for t in item.get("Tracking") or []))
        out.append((str(item.get("AccountCode")), str(item.get("TaxType") or "NONE"), tracking,
                    Decimal(str(item.get("LineAmount", "0")))))
    return out
