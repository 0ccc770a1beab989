"""Plain-text preview of documents (dry run): what would be posted, line by line, debit and credit.

Used by the docs' worked example (a test rebuilds it and compares) and handy from a CLI or task log.
"""

from __future__ import annotations

from collections.abc import Iterable

from sellerledger.accounting.mappings import Mapping
from sellerledger.accounting.model import Document, JournalLine
from sellerledger.accounting.source import Settlement


def _amount(value: object) -> str:
    return "" if not value else str(value)


def _codes(line: JournalLine) -> str:
    parts = []
    if line.tax_code:
        parts.append(line.tax_code)
    parts.extend(f"{k}={v}" for k, v in line.tracking)
    return f" [{', '.join(parts)}]" if parts else ""


def preview(doc: Document, *, show_key: bool = True, show_codes: bool = False) -> str:
    """A fixed-width rendering of one document (`show_codes`: tax code and tracking after each line)."""
    head = f"{doc.kind.value} {doc.marketplace} {doc.part}" + (f" {doc.ref}" if doc.ref else "")
    head += f" dated {doc.date.isoformat()} in {doc.currency}"
    if doc.customer and doc.invoice_lines:
        head += f" to {doc.customer}"
    out = [head]
    if show_key:
        out.append(f"key {doc.key}")
    if doc.fx:
        out.append(
            f"fx: paid in {doc.fx.deposit_currency} at {doc.fx.rate}"
            + (f", deposit share {doc.fx.deposit_amount}" if doc.fx.deposit_amount is not None else "")
        )
    for inv in doc.invoice_lines:
        qty = f" x{inv.quantity}" if inv.quantity else ""
        out.append(f"  item  {inv.account:<7} {str(inv.amount):>10}  {inv.description}{qty} [{inv.tax_code or '-'}]")
    out.append(f"  {'role':<16}{'account':<8}{'debit':>10}{'credit':>10}  description")
    for line in doc.lines:
        out.append(
            f"  {line.role.value:<16}{line.account:<8}{_amount(line.debit):>10}{_amount(line.credit):>10}  "
            f"{line.description}" + (_codes(line) if show_codes else "")
        )
    total_debit = doc.debit_total
    out.append(f"  {'total':<16}{'':<8}{total_debit!s:>10}{total_debit!s:>10}")
    for group in doc.netted:
        refs = ", ".join(str(r.line_number) for r in group.sources)
        out.append(f"  netted to zero: {group.category} on {group.account} (lines {refs})")
    return "\n".join(out)


def preview_all(documents: Iterable[Document], *, show_key: bool = True, show_codes: bool = False) -> str:
    return "\n\n".join(preview(doc, show_key=show_key, show_codes=show_codes) for doc in documents)


def categories_table(settlement: Settlement, mapping: Mapping) -> str:
    """Each settlement line with its type triple, amount and category (`UNMAPPED` when none)."""
    out = [f"{'line':>4}  {'transaction / amount type / description':<66}{'amount':>9}  category"]
    for line in settlement.lines:
        triple = f"{line.transaction_type} / {line.amount_type} / {line.amount_description}"
        category = mapping.categorize(line.transaction_type, line.amount_type, line.amount_description)
        out.append(f"{line.line_number:>4}  {triple:<66}{line.amount!s:>9}  {category or 'UNMAPPED'}")
    out.append(f"{'':>4}  {'total':<66}{settlement.lines_sum!s:>9}")
    return "\n".join(out)
