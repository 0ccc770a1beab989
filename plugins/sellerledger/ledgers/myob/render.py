"""Accounting documents as MYOB objects (docs/accounting.md, "How the posting layer renders each kind").

- `order_invoice` → `Sale/Invoice/Item` to the marketplace's customer: one item line per invoice line
  (SKU items for products, with quantity and unit price; `AMZ-<CATEGORY>-<account>` items for shipping,
  promotions, tax), tax codes per line, tax-inclusive (Amazon's figures include their tax). When an item
  number already posts to another income account, the invoice uses the `Service` layout (account lines).
- `credit_note` → the same with negative quantities and totals (MYOB shows it as a credit).
- `settlement_summary` / `settlement_clearing` landing a deposit → `Banking/ReceiveMoneyTxn` into the bank
  account for the payout, one line per other journal line (credit positive, debit negative).
- the same without a deposit (earlier month part, zero total) or owing Amazon (a `payable` anchor) →
  `GeneralLedger/GeneralJournal` (positive amounts with `IsCredit`).
- `clearing` lines go to the receivable account sale invoices debit, so invoices and their clearing net
  to zero there (the stand-in has no Sale/CustomerPayment; see the module `client`).

MYOB has no idempotency key: each object carries our reference (`short_key` of the document key, 13
characters: the invoice `Number` limit) in its number field, which `find` filters on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sellerledger.accounting.categories import CATEGORIES
from sellerledger.accounting.keys import short_key
from sellerledger.accounting.model import Document, DocumentKind, InvoiceLine, JournalLine, LineRole
from sellerledger.ledgers.base import LedgerDocument
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.myob.refdata import link

if TYPE_CHECKING:
    from sellerledger.ledgers.myob.refdata import MyobRefData

REFERENCE_LENGTH = 13
MEMO_MAX = 255


@dataclass(frozen=True)
class Target:
    """Where a rendered object is written, and how it is found again."""

    resource: str
    number_field: str
    lookup: str  # collection `find` and `read` query (Sale/Invoice covers both invoice layouts)


TARGETS = {t.resource: t for t in (
    Target("Sale/Invoice/Item", "Number", "Sale/Invoice"),
    Target("Sale/Invoice/Service", "Number", "Sale/Invoice"),
    Target("Banking/ReceiveMoneyTxn", "ReceiptNumber", "Banking/ReceiveMoneyTxn"),
    Target("GeneralLedger/GeneralJournal", "DisplayID", "GeneralLedger/GeneralJournal"),
)}


def reference(doc: Document) -> str:
    return short_key(doc.key, REFERENCE_LENGTH)


def _date(doc: Document) -> str:
    return f"{doc.date.isoformat()}T00:00:00"


def _currency(doc: Document, refs: MyobRefData) -> dict[str, Any]:
    """`ForeignCurrency` + `CurrencyExchangeRate` for a document not in the file's currency."""
    base = refs.base_currency()
    if doc.currency == base:
        return {}
    if doc.fx is None or doc.fx.deposit_currency != base:
        raise FatalError(f"myob: {doc.key} is in {doc.currency} and the company file in {base}, but the "
                         f"settlement gives no {doc.currency}->{base} rate (no converted payout)",
                         ledger="myob", operation="render")
    return {"ForeignCurrency": link(refs.currency(doc.currency)), "CurrencyExchangeRate": doc.fx.rate}


def _line_account(line: JournalLine, refs: MyobRefData) -> dict[str, Any]:
    if line.role in (LineRole.CLEARING, LineRole.RECEIVABLE):
        return refs.receivable_account()
    return refs.account(line.account)


def render_document(doc: Document, refs: MyobRefData) -> LedgerDocument:
    if doc.kind in (DocumentKind.ORDER_INVOICE, DocumentKind.CREDIT_NOTE):
        resource, payload, total = _invoice(doc, refs)
    else:
        anchor = doc.anchor
        bank = refs.account(anchor.account) if anchor is not None else None
        if anchor is not None and anchor.role == LineRole.DEPOSIT and anchor.amount > 0 and bank \
                and bank.get("Type") == "Bank":
            resource, payload, total = _receive_money(doc, anchor, refs)
        else:
            resource, payload, total = _journal(doc, refs)
    order_id = dict(doc.meta).get("order_id", "")
    return LedgerDocument(key=doc.key, kind=resource, reference=reference(doc), currency=doc.currency,
                          total=total, payload=payload, settlement_id=doc.settlement_id,
                          meta={"document_kind": doc.kind.value, "order_id": order_id,
                                "marketplace": doc.marketplace, "customer": doc.customer or ""})


# ------------------------------------------------------------------------------------------- banking
def _receive_money(doc: Document, anchor: JournalLine, refs: MyobRefData) -> tuple[str, dict[str, Any], Decimal]:
    lines = [{"Account": link(_line_account(line, refs)), "TaxCode": link(refs.tax(line.tax_code)),
              "Amount": -line.amount, "Memo": line.description[:MEMO_MAX]}
             for line in doc.lines if line is not anchor]
    payload: dict[str, Any] = {
        "DepositTo": "Account",
        "Account": link(refs.account(anchor.account)),
        "ReceiptNumber": reference(doc),
        "Date": _date(doc),
        "AmountReceived": anchor.amount,
        "IsTaxInclusive": True,
        "Memo": doc.narration[:MEMO_MAX],
        "Lines": lines,
        **_currency(doc, refs),
    }
    if doc.customer:
        payload["Contact"] = link(refs.customer(doc.customer))
    return "Banking/ReceiveMoneyTxn", payload, anchor.amount


def _journal(doc: Document, refs: MyobRefData) -> tuple[str, dict[str, Any], Decimal]:
    lines = [{"Account": link(_line_account(line, refs)), "TaxCode": link(refs.tax(line.tax_code)),
              "Amount": abs(line.amount), "IsCredit": line.amount < 0, "Memo": line.description[:MEMO_MAX]}
             for line in doc.lines]
    payload = {
        "DisplayID": reference(doc),
        "DateOccurred": _date(doc),
        "IsTaxInclusive": True,
        "Memo": doc.narration[:MEMO_MAX],
        "GSTReportingMethod": "Sale",
        "IsYearEndAdjustment": False,
        "Lines": lines,
        **_currency(doc, refs),
    }
    return "GeneralLedger/GeneralJournal", payload, doc.debit_total


# ------------------------------------------------------------------------------------------- invoices
def quantity_and_price(line: InvoiceLine, total: Decimal) -> tuple[Decimal, Decimal]:
    """(ShipQuantity, UnitPrice) with quantity × price == total exactly: the quantity takes the total's
    sign, the price is positive; one unit at the total when no exact unit price exists."""
    sign = Decimal(-1) if total < 0 else Decimal(1)
    magnitude = abs(total)
    if line.quantity and line.quantity > 0:
        for places in (2, 4):
            unit = (magnitude / line.quantity).quantize(Decimal(1).scaleb(-places))
            if unit * line.quantity == magnitude:
                return sign * line.quantity, unit
    return sign, magnitude


def _item_identity(line: InvoiceLine, account_display_id: str) -> tuple[str, str]:
    """(item Number, Name): the SKU for product lines, `AMZ-<CATEGORY>-<account>` otherwise."""
    if line.sku and line.category in ("principal", "refund_principal") and len(line.sku) <= 30:
        return line.sku, line.sku
    label = CATEGORIES[line.category].label if line.category in CATEGORIES else line.category
    return f"AMZ-{line.category.upper()[:16]}-{account_display_id}"[:30], label


def _invoice(doc: Document, refs: MyobRefData) -> tuple[str, dict[str, Any], Decimal]:
    sign = Decimal(-1) if doc.kind == DocumentKind.CREDIT_NOTE else Decimal(1)
    item_lines: list[dict[str, Any]] | None = []
    service_lines = []
    for line in doc.invoice_lines:
        total = sign * line.amount
        account = refs.account(line.account)
        tax = refs.tax(line.tax_code)
        quantity, price = quantity_and_price(line, total)
        description = line.description + (f" x{line.quantity}" if line.quantity else "")
        service_lines.append({"Type": "Transaction", "Description": description[:MEMO_MAX], "Account": link(account),
                              "Total": total, "TaxCode": link(tax)})
        if item_lines is not None:
            number, name = _item_identity(line, str(account["DisplayID"]))
            item = refs.item(number, name, account, tax)
            if item is None:
                item_lines = None  # an item of that number posts elsewhere: use the service layout
                continue
            item_lines.append({"Type": "Transaction", "Description": description[:MEMO_MAX], "Item": link(item),
                               "ShipQuantity": quantity, "UnitPrice": price, "Total": total, "TaxCode": link(tax)})
    order_id = dict(doc.meta).get("order_id", doc.reference)
    tracking = dict(doc.meta).get("tracking_number")
    store = doc.customer or doc.marketplace
    comment = f"Amazon order {order_id} on {store} ({doc.marketplace})" + (f", tracking {tracking}" if tracking else "")
    payload: dict[str, Any] = {
        "Number": reference(doc),
        "Date": _date(doc),
        "Customer": link(refs.customer(doc.customer or "Amazon")),
        "CustomerPurchaseOrderNumber": order_id[:20],
        "IsTaxInclusive": True,
        "Comment": comment[:MEMO_MAX],
        "JournalMemo": doc.narration[:MEMO_MAX],
        "Lines": item_lines if item_lines is not None else service_lines,
        **_currency(doc, refs),
    }
    resource = "Sale/Invoice/Item" if item_lines is not None else "Sale/Invoice/Service"
    return resource, payload, sign * doc.invoice_total
