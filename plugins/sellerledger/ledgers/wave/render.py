"""Accounting documents as Wave objects (see the package docstring for the table).

Invoices (`invoiceCreate`, status SAVED so they post at once):
- one item per invoice line on an income-type account (INCOME, DISCOUNTS, OTHER_INCOME): the product
  named after the SKU or the category label (`refdata.product`), quantity and unit price when the price is
  exact in the currency, else quantity 1 at the line amount; the Amazon order id is the `poNumber`, the
  marketplace and tracking number are in the subhead and memo;
- Amazon's amounts include their tax: a line under a tax code carries the Wave sales tax and the net that,
  with Wave's own tax rounding, gives back the amount exactly (`tax_codes.inclusive_net`); when no net does,
  a rounding item without tax (a cent or two) makes up the difference, so the total is always exact;
- a Wave product can only post to an income account, so invoice lines on other accounts (tax collected
  on a liability account, for example) are not on the invoice: the settlement clearing transaction books
  them, taking that much less off accounts receivable. Per account, the books end the same.
- an invoice with nothing left to invoice (or a total not above zero) posts as a money transaction.

Money transactions (`moneyTransactionCreate`, write-once, `externalId` = the document key): the anchor is
the document's deposit or payable line when its account can anchor one (cash and bank, credit card, money
in transit): DEPOSIT for money in, WITHDRAWAL for money out (a negative settlement owed on a card). A
document without such a line (an earlier month part, a credit note, a payable on an ordinary liability
account) is anchored on a bank account with amount 0 and its lines netting to zero (⚠ the stand-in allows
it; Wave does not document the rule). Each other line is a line item: unsigned amount, `balance`
INCREASE or DECREASE from the account's normal balance (inverted for contra subtypes), tax-inclusive
amounts split into net and the explicit sales tax (half-up). Receivable and clearing lines go to Wave's
accounts receivable account with the marketplace customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sellerledger.accounting.categories import CATEGORIES
from sellerledger.accounting.model import Document, DocumentKind, InvoiceLine, LineRole
from sellerledger.ledgers import tax_codes
from sellerledger.ledgers.base import LedgerDocument
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.restkit import identity_fields, meta, order_id, tag
from sellerledger.ledgers.wave.refdata import (
    ANCHOR_SUBTYPES,
    INCOME_SUBTYPES,
    currency_of,
    increases_on_debit,
    subtype,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sellerledger.ledgers.wave.refdata import WaveRefData

INVOICE = "invoice"
TRANSACTION = "money_transaction"
TEXT_MAX = 255
EXTERNAL_ID_MAX = 128


def external_id(key: str) -> str:
    """The document key (shortened with its digest when over the limit): write-once in Wave."""
    return key if len(key) <= EXTERNAL_ID_MAX else f"{key[:100]}#{tag(key, 20)}"


def _fail(message: str) -> FatalError:
    return FatalError(f"wave: {message}", ledger="wave", operation="render")


# ------------------------------------------------------------------------------------------ invoices
@dataclass(frozen=True)
class InvoicePlan:
    """Which invoice lines a Wave invoice carries (`items`) and which the clearing books instead (`off`)."""

    items: tuple[InvoiceLine, ...]
    off: tuple[InvoiceLine, ...]

    @property
    def as_invoice(self) -> bool:
        return bool(self.items)


def invoice_plan(doc: Document, refs: WaveRefData) -> InvoicePlan:
    if doc.kind != DocumentKind.ORDER_INVOICE:
        return InvoicePlan((), ())
    income = [subtype(refs.account(ln.account)) in INCOME_SUBTYPES for ln in doc.invoice_lines]
    items = tuple(ln for ln, on_invoice in zip(doc.invoice_lines, income, strict=True) if on_invoice)
    off = tuple(ln for ln, on_invoice in zip(doc.invoice_lines, income, strict=True) if not on_invoice)
    if not items or sum((ln.amount for ln in items), Decimal(0)) <= 0:
        return InvoicePlan((), ())
    return InvoicePlan(items, off)


def product_name(line: InvoiceLine) -> str:
    if line.sku and line.category in ("principal", "refund_principal"):
        return line.sku
    return CATEGORIES[line.category].label if line.category in CATEGORIES else line.category


def _quantity_price(line: InvoiceLine, net: Decimal, currency: str) -> tuple[Decimal, Decimal]:
    if line.quantity and line.quantity > 1:
        unit = (net / line.quantity).quantize(tax_codes.quantum(currency))
        if unit * line.quantity == net:
            return Decimal(line.quantity), unit
    return Decimal(1), net


def invoice_items(line: InvoiceLine, product_id: str, tax: tuple[dict[str, Any], Decimal] | None,
                  currency: str) -> list[dict[str, Any]]:
    """Wave items whose totals (net + Wave's tax) add up to `line.amount` exactly."""
    sign = Decimal(-1) if line.amount < 0 else Decimal(1)
    amount = abs(line.amount)
    base = {"productId": product_id, "description": line.description[:TEXT_MAX]}
    if tax is None:
        quantity, unit = _quantity_price(line, amount, currency)
        return [{**base, "quantity": quantity, "unitPrice": sign * unit, "taxes": []}]
    record, rate = tax
    step = tax_codes.quantum(currency)
    for cents in range(0, 10):
        split = tax_codes.inclusive_net(amount - cents * step, rate, currency)
        if split is not None and split[0] > 0:
            quantity, unit = _quantity_price(line, split[0], currency)
            items = [{**base, "quantity": quantity, "unitPrice": sign * unit,
                      "taxes": [{"salesTaxId": record["id"]}]}]
            if cents:
                items.append({**base, "description": f"{line.description[:200]} (tax rounding)",
                              "quantity": Decimal(1), "unitPrice": sign * cents * step, "taxes": []})
            return items
    raise _fail(f"no net amount gives {line.amount} {currency} at {rate}% tax")


def render_invoice(doc: Document, plan: InvoicePlan, refs: WaveRefData) -> LedgerDocument:
    base = refs.base_currency()
    items: list[dict[str, Any]] = []
    for line in plan.items:
        product = refs.product(product_name(line), refs.account(line.account))
        items.extend(invoice_items(line, str(product["id"]), refs.tax(line.tax_code), doc.currency))
    number = tag(doc.identity)
    order = order_id(doc)
    tracking = meta(doc, "tracking_number")
    memo = doc.narration + (f"; tracking {tracking}" if tracking else "")
    payload: dict[str, Any] = {
        "businessId": refs.business_id,
        "customerId": refs.customer(doc.customer or "Amazon")["id"],
        "status": "SAVED",
        "currency": doc.currency,
        "invoiceNumber": number,
        "poNumber": order[:100],
        "invoiceDate": doc.date.isoformat(),
        "dueDate": doc.date.isoformat(),
        "subhead": f"Amazon order {order} on {doc.marketplace}" + (f", tracking {tracking}" if tracking else ""),
        "memo": memo[:TEXT_MAX],
        "footer": f"sellerledger {doc.key}"[:TEXT_MAX],
        "items": items,
    }
    if doc.currency != base:
        if doc.fx is None or doc.fx.deposit_currency != base:
            raise _fail(f"{doc.key} is in {doc.currency}, the business in {base}, and the settlement gives no "
                        f"{doc.currency}->{base} rate")
        payload["exchangeRate"] = doc.fx.rate
    total = sum((ln.amount for ln in plan.items), Decimal(0))
    return LedgerDocument(key=doc.key, kind=INVOICE, reference=number, currency=doc.currency, total=total,
                          payload=payload, settlement_id=doc.settlement_id, meta=_meta(doc, order_id=order))


# ------------------------------------------------------------------------------------------ transactions
@dataclass(frozen=True)
class Leg:
    """A signed amount (debit > 0) on one Wave account, with the tax code its amount includes."""

    account: Mapping[str, Any]
    amount: Decimal
    description: str
    role: LineRole = LineRole.BODY
    tax_code: str | None = None
    customer_id: str | None = None


def legs_of(doc: Document, refs: WaveRefData, invoices: Mapping[str, Document]) -> list[Leg]:
    """The document's lines on Wave accounts; a clearing line of an invoice that could not carry all its
    lines takes less off receivable and books the lines the invoice left out (see the module docstring)."""
    legs: list[Leg] = []
    for line in doc.lines:
        if line.role not in (LineRole.RECEIVABLE, LineRole.CLEARING):
            legs.append(Leg(refs.account(line.account), line.amount, line.description, line.role, line.tax_code))
            continue
        amount = line.amount
        if line.role == LineRole.CLEARING and line.ref and identity_fields(line.ref)["kind"] == "order_invoice":
            invoice = invoices.get(line.ref)
            if invoice is None:
                raise _fail(f"{doc.key} clears {line.ref}, which was not rendered with it: render a settlement's "
                            "documents together")
            for off in invoice_plan(invoice, refs).off:
                amount += off.amount
                legs.append(Leg(refs.account(off.account), -off.amount, off.description, LineRole.BODY,
                                off.tax_code))
        if amount != 0:
            customer = refs.customer(doc.customer or "Amazon")["id"]
            legs.append(Leg(refs.receivable(), amount, line.description, line.role, None, str(customer)))
    return legs


def _anchor(doc: Document, legs: list[Leg], refs: WaveRefData) -> tuple[dict[str, Any], Decimal, list[Leg]]:
    """(anchor input, signed anchor amount, the other legs)."""
    def can_anchor(leg: Leg) -> bool:
        return subtype(leg.account) in ANCHOR_SUBTYPES

    chosen = next((leg for leg in legs if leg.role in (LineRole.DEPOSIT, LineRole.PAYABLE) and can_anchor(leg)),
                  None) or next((leg for leg in legs if leg.role == LineRole.CARRIED_FORWARD and can_anchor(leg)),
                                None)
    account = chosen.account if chosen else refs.default_anchor()
    amount = chosen.amount if chosen else Decimal(0)
    if currency_of(account) and currency_of(account) != doc.currency:
        raise _fail(f"{doc.key} is in {doc.currency} but its anchor account {account.get('displayId')} is in "
                    f"{currency_of(account)}: a Wave transaction posts in its anchor account's currency")
    anchor = {"accountId": account["id"], "amount": abs(amount), "direction": "WITHDRAWAL" if amount < 0 else "DEPOSIT"}
    return anchor, amount, [leg for leg in legs if leg is not chosen]


def line_item(leg: Leg, refs: WaveRefData, currency: str) -> dict[str, Any]:
    magnitude = abs(leg.amount)
    balance = "INCREASE" if (leg.amount > 0) == increases_on_debit(leg.account) else "DECREASE"
    item: dict[str, Any] = {"accountId": leg.account["id"], "amount": magnitude, "balance": balance,
                            "description": leg.description[:TEXT_MAX]}
    tax = refs.tax(leg.tax_code)
    if tax is not None:
        record, rate = tax
        tax_amount = (magnitude * rate / (100 + rate)).quantize(tax_codes.quantum(currency), rounding=ROUND_HALF_UP)
        if tax_amount:
            item["amount"] = magnitude - tax_amount
            item["taxes"] = [{"salesTaxId": record["id"], "amount": tax_amount}]
    if leg.customer_id:
        item["customerId"] = leg.customer_id
    return item


def render_transaction(doc: Document, refs: WaveRefData, invoices: Mapping[str, Document]) -> LedgerDocument:
    refs.require_transactions()
    anchor, signed, legs = _anchor(doc, legs_of(doc, refs, invoices), refs)
    if not legs:
        raise _fail(f"{doc.key} has no line besides its anchor")
    ext = external_id(doc.key)
    payload = {
        "businessId": refs.business_id,
        "externalId": ext,
        "date": doc.date.isoformat(),
        "description": doc.narration[:TEXT_MAX],
        "notes": f"sellerledger {doc.key}"[:TEXT_MAX],
        "anchor": anchor,
        "lineItems": [line_item(leg, refs, doc.currency) for leg in legs],
    }
    return LedgerDocument(key=doc.key, kind=TRANSACTION, reference=ext, currency=doc.currency, total=signed,
                          payload=payload, settlement_id=doc.settlement_id,
                          meta=_meta(doc, order_id=dict(doc.meta).get("order_id", "")))


def _meta(doc: Document, **extra: str) -> dict[str, Any]:
    return {"document_kind": doc.kind.value, "identity": doc.identity, "marketplace": doc.marketplace,
            "customer": doc.customer or "", **extra}


def render_document(doc: Document, refs: WaveRefData, invoices: Mapping[str, Document]) -> LedgerDocument:
    """`doc` as a Wave invoice or money transaction; `invoices` holds the order invoices its clearing
    lines refer to (by identity)."""
    plan = invoice_plan(doc, refs)
    if plan.as_invoice:
        return render_invoice(doc, plan, refs)
    return render_transaction(doc, refs, invoices)
