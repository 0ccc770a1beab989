"""Accounting documents in QuickBooks Online's shape, one QBO transaction per document:

| document | QBO entity |
|---|---|
| order_invoice | `Invoice` to the marketplace's generic Amazon customer (or the matched customer the document names): a line per invoice line on its item (SKU, or the Amazon category) and income account, class per marketplace; the Amazon order id in `PrivateNote` (and a custom field when configured), the tracking number in `TrackingNum` |
| credit_note | `CreditMemo`, the same way |
| settlement part that lands money in the bank | one `Deposit` to the bank account: a line per document line (credits positive, debits negative) |
| any other settlement part (a month carried forward, a negative settlement owed to Amazon) | `JournalEntry` |

Every transaction's `DocNumber` is `SL` + 19 characters of the document identity's digest (QBO allows 21):
unique per document, stable across versions, and what a lost response is found again by.

Invoices post to QBO's Accounts Receivable, so the settlement's clearing lines (which take each invoice
and credit note off the clearing account in the accounting model) go to Accounts Receivable with the
customer as the line's entity: after the settlement both receivables and clearing are at zero, exactly as
the model's clearing account. Amounts are Amazon's tax-inclusive figures: sales with a taxable code post
`TaxInclusive`, the rest `NotApplicable`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from sellerledger.accounting.categories import CATEGORIES
from sellerledger.accounting.keys import short_key
from sellerledger.accounting.model import Document, DocumentKind, JournalLine, LineRole
from sellerledger.ledgers.base import LedgerDocument
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.qbo.refdata import item_name
from sellerledger.ledgers.restkit import meta, order_id, tag

NOTE_MAX = 4000


class Refs(Protocol):
    """What rendering needs from the company (`refdata.QboRefs`, or a stub in tests)."""

    @property
    def home_currency(self) -> str: ...

    def account(self, number: str) -> dict[str, Any]: ...

    def receivable(self) -> dict[str, Any]: ...

    def tax_code(self, code: str | None) -> dict[str, Any] | None: ...

    def segment(self, kind: str, name: str) -> str: ...

    def customer_id(self, name: str, currency: str) -> str: ...

    def item_id(self, name: str) -> str: ...


def doc_number(identity: str) -> str:
    return "SL" + short_key(identity, 19)


def customer_name(document: Document, home_currency: str) -> str:
    name = meta(document, "customer_name") or document.customer or "Amazon"
    return name if document.currency == home_currency else f"{name} {document.currency}"


def _segments(refs: Refs, tracking: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    refs_out: dict[str, Any] = {}
    for kind, name in tracking:
        if kind.lower() == "class":
            refs_out["ClassRef"] = {"value": refs.segment("Class", name)}
        elif kind.lower() == "department":
            refs_out["DepartmentRef"] = {"value": refs.segment("Department", name)}
        else:
            raise FatalError(f"qbo: tracking {kind!r} is not a QBO dimension (use class or department)",
                             ledger="qbo", operation="render")
    return refs_out


def render_sales(document: Document, refs: Refs, order_field: str | None = None) -> LedgerDocument:
    entity = "Invoice" if document.kind == DocumentKind.ORDER_INVOICE else "CreditMemo"
    receivable = next(line for line in document.lines if line.role == LineRole.RECEIVABLE)
    lines, taxable = [], False
    for line in document.invoice_lines:
        detail: dict[str, Any] = {
            "ItemRef": {"value": refs.item_id(item_name(line.category, CATEGORIES[line.category].label, line.sku))},
            "ItemAccountRef": {"value": refs.account(line.account)["Id"]},
        }
        unit = line.unit_amount(4)
        if unit is not None and line.quantity:
            detail.update(Qty=Decimal(line.quantity), UnitPrice=unit)
        code = refs.tax_code(line.tax_code)
        if code is not None:
            detail["TaxCodeRef"] = {"value": code["Id"]}
            taxable = True
        segments = _segments(refs, line.tracking or receivable.tracking)
        detail.update({k: v for k, v in segments.items() if k == "ClassRef"})
        lines.append({"DetailType": "SalesItemLineDetail", "Amount": line.amount, "Description": line.description,
                      "SalesItemLineDetail": detail})
    if not lines:
        raise FatalError(f"qbo: {document.identity} has no invoice lines", ledger="qbo", operation="render")
    order = order_id(document)
    number = doc_number(document.identity)
    body: dict[str, Any] = {
        "CustomerRef": {"value": refs.customer_id(customer_name(document, refs.home_currency), document.currency)},
        "TxnDate": document.date.isoformat(), "DocNumber": number, "CurrencyRef": {"value": document.currency},
        "PrivateNote": f"Amazon order {order} ({document.marketplace}), settlement {document.settlement_id} "
                       f"[{tag(document.identity)}]",
        "GlobalTaxCalculation": "TaxInclusive" if taxable else "NotApplicable", "Line": lines,
    }
    body.update({k: v for k, v in _segments(refs, receivable.tracking).items() if k == "DepartmentRef"})
    tracking_number = meta(document, "tracking_number")
    if tracking_number and entity == "Invoice":
        body["TrackingNum"] = tracking_number[:31]
    if order_field:
        body["CustomField"] = [{"DefinitionId": order_field, "Name": "Amazon order", "Type": "StringType",
                                "StringValue": order}]
    return LedgerDocument(key=document.key, kind=document.kind.value, reference=number, currency=document.currency,
                          total=document.invoice_total, payload={"entity": entity, "body": body},
                          settlement_id=document.settlement_id,
                          meta={"identity": document.identity, "order_id": order})


def _account_ref(document: Document, line: JournalLine, refs: Refs, customer: str | None) -> dict[str, Any]:
    """AccountRef (plus the customer entity) of a settlement line; clearing lines go to receivables."""
    if line.role == LineRole.CLEARING:
        if customer is None:
            raise FatalError(f"qbo: {document.identity} clears invoices but names no customer", ledger="qbo",
                             operation="render")
        return {"account": refs.receivable(), "customer": customer}
    return {"account": refs.account(line.account), "customer": None}


def render_settlement(document: Document, refs: Refs) -> LedgerDocument:
    if document.currency != refs.home_currency:
        raise FatalError(f"qbo: {document.identity} is in {document.currency}; settlement deposits and journals "
                         f"post in the company's home currency {refs.home_currency}", ledger="qbo",
                         operation="render")
    number = doc_number(document.identity)
    customer = refs.customer_id(customer_name(document, refs.home_currency), document.currency) \
        if any(line.role == LineRole.CLEARING for line in document.lines) else None
    note = f"{document.narration} [{tag(document.identity)}]"
    deposit = next((line for line in document.lines if line.role == LineRole.DEPOSIT and line.amount > 0), None)
    header: dict[str, Any] = {"TxnDate": document.date.isoformat(), "DocNumber": number,
                              "CurrencyRef": {"value": document.currency}}
    if deposit is not None:
        when = document.settlement.deposit_date
        if when is not None:
            note += f"; Amazon pays {deposit.amount} {document.currency} on {when.isoformat()}"
        lines = []
        for line in document.lines:
            if line is deposit:
                continue
            ref = _account_ref(document, line, refs, customer)
            detail: dict[str, Any] = {"AccountRef": {"value": ref["account"]["Id"]}, **_class(refs, line)}
            if ref["customer"]:
                detail["Entity"] = {"value": ref["customer"], "type": "Customer"}
            lines.append({"DetailType": "DepositLineDetail", "Amount": -line.amount, "Description": line.description,
                          "DepositLineDetail": detail})
        body = {**header, "PrivateNote": note[:NOTE_MAX], "Line": lines,
                "DepositToAccountRef": {"value": refs.account(deposit.account)["Id"]}}
        return LedgerDocument(key=document.key, kind=document.kind.value, reference=number, currency=document.currency,
                              total=deposit.amount, payload={"entity": "Deposit", "body": body},
                              settlement_id=document.settlement_id, meta={"identity": document.identity})
    lines = []
    for line in document.lines:
        ref = _account_ref(document, line, refs, customer)
        detail = {"PostingType": "Debit" if line.amount > 0 else "Credit",
                  "AccountRef": {"value": ref["account"]["Id"]}, **_class(refs, line)}
        if ref["customer"]:
            detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": ref["customer"]}}
        lines.append({"DetailType": "JournalEntryLineDetail", "Amount": abs(line.amount),
                      "Description": line.description, "JournalEntryLineDetail": detail})
    body = {**header, "PrivateNote": note[:NOTE_MAX], "Line": lines}
    return LedgerDocument(key=document.key, kind=document.kind.value, reference=number, currency=document.currency,
                          total=document.debit_total, payload={"entity": "JournalEntry", "body": body},
                          settlement_id=document.settlement_id, meta={"identity": document.identity})


def _class(refs: Refs, line: JournalLine) -> dict[str, Any]:
    return _segments(refs, line.tracking)


def render(document: Document, refs: Refs, order_field: str | None = None) -> LedgerDocument:
    if document.kind in (DocumentKind.ORDER_INVOICE, DocumentKind.CREDIT_NOTE):
        return render_sales(document, refs, order_field)
    return render_settlement(document, refs)


def sales_items(documents: list[Document]) -> dict[str, tuple[str, str, str | None]]:
    """The items the documents' sales lines are booked against: name → (description, account, sku)."""
    wanted: dict[str, tuple[str, str, str | None]] = {}
    for document in documents:
        for line in document.invoice_lines:
            label = CATEGORIES[line.category].label
            name = item_name(line.category, label, line.sku)
            sku = line.sku if name == line.sku else None
            wanted.setdefault(name, (f"{label} {sku}" if sku else f"Amazon: {label}", line.account, sku))
    return wanted
