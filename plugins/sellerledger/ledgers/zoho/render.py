"""Accounting documents as Zoho Books objects (docs/accounting.md, "How the posting layer renders each kind").

- `order_invoice` → an invoice to the marketplace's customer on the sales accounts (a line per invoice
  line: product with quantity and unit price, shipping, promotions as negative lines, tax Amazon reported),
  tax-inclusive; the Amazon order id is its `reference_number`; our document key is the value of the
  unique custom field used for the upsert.
- `credit_note` → a credit note (`creditnote_number` = our reference), tax-inclusive.
- `settlement_summary` / `settlement_clearing` → a published journal: debit/credit lines with positive
  amounts; the payout on the merchant deposits (bank) account, a negative settlement on the payable
  account. Clearing lines go to Accounts Receivable with the marketplace's customer, where its invoices
  and credit notes sit. Zoho adds a line's tax on top of its amount, so a taxed line is sent as the
  net that, with Zoho's rounding, gives back Amazon's tax-inclusive amount (plus an untaxed cent where
  no net does: `tax_codes.inclusive_parts`).
- A document not in the organization's base currency carries `currency_id` and `exchange_rate` (the
  settlement's conversion rate, when the payout was converted to the base currency).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sellerledger.accounting.categories import CATEGORIES
from sellerledger.accounting.keys import short_key
from sellerledger.accounting.model import Document, DocumentKind, InvoiceLine, JournalLine, LineRole
from sellerledger.ledgers import tax_codes
from sellerledger.ledgers.base import LedgerDocument
from sellerledger.ledgers.errors import FatalError

if TYPE_CHECKING:
    from sellerledger.ledgers.zoho.refdata import ZohoRefData

NOTES_MAX = 500
DESCRIPTION_MAX = 500


def reference(doc: Document) -> str:
    return "SL-" + short_key(doc.key, 16)


def _fatal(message: str) -> FatalError:
    return FatalError(f"zoho: {message}", ledger="zoho", operation="render")


def _currency(doc: Document, refs: ZohoRefData) -> dict[str, Any]:
    base = refs.base_currency()
    if doc.currency == base:
        return {}
    if doc.fx is None or doc.fx.deposit_currency != base:
        raise _fatal(f"{doc.key} is in {doc.currency} and the organization in {base}, but the settlement "
                     f"gives no {doc.currency}->{base} rate (no converted payout)")
    return {"currency_id": refs.currency_id(doc.currency), "exchange_rate": doc.fx.rate}


def render_document(doc: Document, refs: ZohoRefData, unique_field: str | None) -> LedgerDocument:
    order_id = dict(doc.meta).get("order_id", "")
    if doc.kind == DocumentKind.ORDER_INVOICE:
        kind, payload, total = "invoice", _sales(doc, refs), doc.invoice_total
        if unique_field:
            payload["custom_fields"] = [{"api_name": unique_field, "value": doc.key}]
        else:
            payload["invoice_number"] = reference(doc)
    elif doc.kind == DocumentKind.CREDIT_NOTE:
        kind, payload, total = "creditnote", _sales(doc, refs), doc.invoice_total
        payload["creditnote_number"] = reference(doc)
    else:
        kind, payload, total = "journal", _journal(doc, refs), doc.debit_total
    return LedgerDocument(key=doc.key, kind=kind, reference=reference(doc), currency=doc.currency, total=total,
                          payload=payload, settlement_id=doc.settlement_id,
                          meta={"document_kind": doc.kind.value, "order_id": order_id,
                                "marketplace": doc.marketplace, "unique_field": unique_field or ""})


# ------------------------------------------------------------------------------------------- sales
def quantity_and_rate(line: InvoiceLine) -> tuple[Decimal, Decimal]:
    """(quantity, rate) with quantity × rate == amount exactly; one at the amount when no exact rate."""
    if line.quantity and line.quantity > 0 and line.amount > 0:
        for places in (2, 4):
            rate = (line.amount / line.quantity).quantize(Decimal(1).scaleb(-places))
            if rate * line.quantity == line.amount:
                return Decimal(line.quantity), rate
    return Decimal(1), line.amount


def _sales(doc: Document, refs: ZohoRefData) -> dict[str, Any]:
    customer = refs.customer(doc.customer or "Amazon", doc.currency)
    items = []
    for line in doc.invoice_lines:
        quantity, rate = quantity_and_rate(line)
        label = CATEGORIES[line.category].label if line.category in CATEGORIES else line.category
        item: dict[str, Any] = {"name": (line.sku or label)[:100], "description": line.description[:DESCRIPTION_MAX],
                                "rate": rate, "quantity": quantity, "account_id": refs.account(line.account)["account_id"]}
        tax = refs.tax(line.tax_code)
        if tax is not None:
            item["tax_id"] = tax["tax_id"]
        items.append(item)
    order_id = dict(doc.meta).get("order_id", doc.reference)
    tracking = dict(doc.meta).get("tracking_number")
    return {
        "customer_id": customer["contact_id"],
        "date": doc.date.isoformat(),
        "reference_number": order_id[:100],
        "is_inclusive_tax": True,
        "line_items": items,
        "notes": (doc.narration + (f"; tracking {tracking}" if tracking else ""))[:NOTES_MAX],
        **_currency(doc, refs),
    }


# ------------------------------------------------------------------------------------------- journals
def _journal_lines(doc: Document, line: JournalLine, refs: ZohoRefData) -> list[dict[str, Any]]:
    gross = abs(line.amount)
    item: dict[str, Any] = {"debit_or_credit": "credit" if line.amount < 0 else "debit",
                            "description": line.description[:DESCRIPTION_MAX]}
    if line.role in (LineRole.CLEARING, LineRole.RECEIVABLE):
        item["account_id"] = refs.receivable_account()["account_id"]
        if doc.customer:
            item["customer_id"] = refs.customer(doc.customer, doc.currency)["contact_id"]
    else:
        item["account_id"] = refs.account(line.account)["account_id"]
    tax = refs.tax(line.tax_code)
    if tax is None:
        return [{**item, "amount": gross}]
    net, _, rest = tax_codes.inclusive_parts(gross, refs.tax_rate(tax), doc.currency)
    items = [{**item, "amount": net, "tax_id": tax["tax_id"]}]
    if rest:  # the cent no taxed net reaches (see tax_codes)
        items.append({**item, "amount": rest, "description": f"{line.description} (tax rounding)"[:DESCRIPTION_MAX]})
    return items


def _journal(doc: Document, refs: ZohoRefData) -> dict[str, Any]:
    return {
        "journal_date": doc.date.isoformat(),
        "reference_number": reference(doc),
        "notes": doc.narration[:NOTES_MAX],
        "journal_type": "both",
        "status": "published",
        "line_items": [item for line in doc.lines for item in _journal_lines(doc, line, refs)],
        **_currency(doc, refs),
    }
