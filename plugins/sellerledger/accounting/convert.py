"""A document in the ledger's home currency: every amount converted at one rate, exactly balanced.

A ledger whose books are in USD cannot take a EUR journal (Xero manual journals, QBO deposits, MYOB and Wave
money are home-currency only), so a foreign-marketplace document is converted before rendering: each
line at `rate` (home units per document unit) rounded to the home currency's minor unit, invoice lines
first so the receivable equals the converted invoice; the deposit anchor takes the exact converted payout
when Amazon converted it (`FxInfo.deposit_amount`); the cents that rounding leaves go to an FX account.

An invoice's (or credit note's) converted total is the converted original total, not the sum of its
converted lines: the cent that per-line rounding gains or loses is taken up by its largest line. So the
invoice is worth in home currency exactly what any other document that settles it converts to at the same
rate (a per_order clearing payment of EUR 21.24 at 1.0850 is USD 23.05, and so is the invoice whose lines
24.99 and -3.75 would otherwise round to 27.11 - 4.07 = 23.04, which the ledger refuses to over-pay).
The original currency and rate stay in `meta`, so every figure remains traceable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal

from sellerledger.accounting.model import (
    ANCHOR_ROLES,
    Document,
    DocumentKind,
    InvoiceLine,
    JournalLine,
    LineRole,
)

ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "ISK", "HUF", "VND"})


class MissingRate(ValueError):
    """No exchange rate is known for a document whose currency differs from the ledger's."""


def minor_unit(currency: str) -> Decimal:
    return Decimal(1) if currency in ZERO_DECIMAL_CURRENCIES else Decimal("0.01")


def rate_for(doc: Document, home: str, configured: dict[str, Decimal]) -> Decimal:
    """Amazon's own conversion when the payout was converted into `home`, else the configured rate."""
    if doc.fx is not None and doc.fx.deposit_currency == home:
        return doc.fx.rate
    if doc.currency in configured:
        return configured[doc.currency]
    raise MissingRate(
        f"document {doc.reference} is in {doc.currency} but the ledger's home currency is {home}, Amazon did "
        f"not convert the payout, and the flow configures no fx_rates[{doc.currency}]"
    )


def to_currency(doc: Document, home: str, rate: Decimal, rounding_account: str) -> Document | None:
    """`doc` with every amount in `home` at `rate`; balanced, with any rounding cents on `rounding_account`.

    None when every amount rounds to zero in `home` (a few cents at a small rate): nothing to post there.
    """
    if doc.currency == home:
        return doc
    unit = minor_unit(home)

    def conv(amount: Decimal) -> Decimal:
        return (amount * rate).quantize(unit, rounding=ROUND_HALF_EVEN)

    invoice_lines = _converted_invoice_lines(doc, home, conv)
    invoice_total = sum((line.amount for line in invoice_lines), Decimal("0"))
    receivable_total = invoice_total if doc.kind == DocumentKind.ORDER_INVOICE else -invoice_total
    receivables = [i for i, line in enumerate(doc.lines) if line.role == LineRole.RECEIVABLE]
    lines: list[JournalLine] = []
    for index, line in enumerate(doc.lines):
        if invoice_lines and receivables and index == receivables[0]:
            others = sum((conv(doc.lines[i].amount) for i in receivables[1:]), Decimal("0"))
            amount = receivable_total - others
        elif line.role in ANCHOR_ROLES and doc.fx is not None and doc.fx.deposit_currency == home \
                and doc.fx.deposit_amount is not None:
            amount = doc.fx.deposit_amount
        else:
            amount = conv(line.amount)
        if amount != 0:
            lines.append(replace(line, amount=amount, currency=home))
    if not lines:
        return None
    residual = -sum((line.amount for line in lines), Decimal("0"))
    if residual != 0:
        lines.append(JournalLine(role=LineRole.BODY, account=rounding_account, amount=residual, currency=home,
                                 description=f"Currency rounding ({doc.currency}→{home} at {rate})",
                                 category="fx_rounding"))
    meta = dict(doc.meta)
    meta.update({"original_currency": doc.currency, "fx_rate": str(rate)})
    return replace(doc, currency=home, lines=tuple(lines), invoice_lines=invoice_lines, fx=None,
                   meta=tuple(sorted(meta.items())))


def _converted_invoice_lines(doc: Document, home: str, conv: Callable[[Decimal], Decimal]) -> tuple[InvoiceLine, ...]:
    """The invoice lines converted one by one, the largest adjusted so they sum to the converted total."""
    lines = [replace(line, amount=conv(line.amount), currency=home) for line in doc.invoice_lines]
    if not lines:
        return ()
    drift = conv(doc.invoice_total) - sum((line.amount for line in lines), Decimal("0"))
    if drift != 0:
        largest = max(range(len(lines)), key=lambda i: (abs(lines[i].amount), -i))
        lines[largest] = replace(lines[largest], amount=lines[largest].amount + drift)
    return tuple(lines)


def to_ledger_currency(docs: list[Document], home: str, configured: dict[str, Decimal],
                       rounding_account: str) -> list[Document]:
    out = []
    for doc in docs:
        if doc.currency == home:
            out.append(doc)
            continue
        converted = to_currency(doc, home, rate_for(doc, home, configured), rounding_account)
        if converted is not None:
            out.append(converted)
    return out
