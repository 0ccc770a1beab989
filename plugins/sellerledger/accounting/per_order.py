"""per_order mode: an invoice per order, a credit note per refund, and a settlement clearing document.

- Order invoice (one per order x settlement x month part): the categories routed to `invoice` (what the
  buyer paid: principal, shipping, gift wrap, tax, promotions), receivable on the clearing account,
  addressed to the marketplace's generic Amazon customer.
- Credit note (one per refunded order [x adjustment id] x settlement x part): categories routed to
  `credit_note` (refunded principal, shipping, tax, promotions ...), credited on the clearing account.
- Settlement clearing document (one per settlement x marketplace x part): a `clearing` line per invoice
  and credit note taking it off the clearing account, body lines for everything else (fees, withheld
  tax, reimbursements, reserves, suspense), and the carried-forward / deposit / payable anchor.

An invoice must total more than zero and a credit note must credit more than zero; a group that does
not (e.g. an order fully discounted) is not invoiced and its lines go on the clearing document instead,
so nothing is lost. Together the documents of a settlement recognise each line once and leave the
clearing account at zero for its orders.
"""

from __future__ import annotations

from decimal import Decimal

from sellerledger.accounting.categories import CATEGORIES
from sellerledger.accounting.categorize import Posting
from sellerledger.accounting.grouping import BuildContext, body_lines, by_part
from sellerledger.accounting.model import (
    Document,
    DocumentKind,
    InvoiceLine,
    JournalLine,
    LineRole,
    NettedGroup,
)
from sellerledger.accounting.split import anchor_lines, clamp_to_part, part_date


def _route_of(p: Posting) -> str:
    if p.suspense or not p.line.order_id:
        return "settlement"
    return p.route.document


def _invoice_lines(items: list[Posting], ctx: BuildContext, credit: bool) -> tuple[InvoiceLine, ...]:
    groups: dict[tuple[object, ...], list[Posting]] = {}
    order = {name: i for i, name in enumerate(CATEGORIES)}
    for p in items:
        key = (order[p.category], p.category, p.line.sku, p.route.account, p.route.tax_code or "", p.route.tracking)
        groups.setdefault(key, []).append(p)
    out = []
    for key in sorted(groups):  # type: ignore[type-var]
        group = groups[key]
        first = group[0]
        amount = sum((p.line.amount for p in group), Decimal("0"))
        if credit:
            amount = -amount
        if amount == 0:
            continue
        quantity = None
        if first.category in ("principal", "refund_principal"):
            seen: dict[str, int] = {}
            for p in group:
                if p.line.quantity:
                    seen[p.line.order_item_code or f"#{p.line.line_number}"] = p.line.quantity
            quantity = sum(seen.values()) or None
        label = CATEGORIES[first.category].label
        out.append(
            InvoiceLine(
                category=first.category,
                account=first.route.account,
                amount=amount,
                currency=ctx.currency,
                description=f"{label} {first.line.sku}".strip() if first.line.sku else label,
                tax_code=first.route.tax_code,
                tracking=first.route.tracking,
                sku=first.line.sku or None,
                quantity=quantity,
                sources=tuple(sorted(p.line.ref for p in group)),
            )
        )
    return tuple(out)


def _order_document(
    kind: DocumentKind, part: str, ref: str, items: list[Posting], ctx: BuildContext
) -> Document:
    credit = kind == DocumentKind.CREDIT_NOTE
    total = sum((p.line.amount for p in items), Decimal("0"))  # Amazon sign: invoice > 0, credit note < 0
    body, netted = body_lines(items, ctx.currency)
    receivable = JournalLine(
        role=LineRole.RECEIVABLE,
        account=ctx.accounts.clearing,
        amount=total,
        currency=ctx.currency,
        description=f"Amazon order {items[0].line.order_id}" + (" refund" if credit else ""),
        tracking=ctx.accounts.tracking,
    )
    day = clamp_to_part(max(ctx.posted_date(p) for p in items), part)
    order_id = items[0].line.order_id
    what = "Refund" if credit else "Order"
    return Document(
        kind=kind,
        flow_id=ctx.flow_id,
        settlement=ctx.info,
        marketplace=ctx.marketplace,
        part=part,
        ref=ref,
        currency=ctx.currency,
        date=day,
        lines=(receivable, *body),
        invoice_lines=_invoice_lines(items, ctx, credit),
        netted=tuple(netted),
        reference=order_id,
        narration=f"{what} {order_id} on {ctx.marketplace}, Amazon settlement {ctx.info.settlement_id}",
        customer=ctx.accounts.customer,
        is_final_part=False,
        meta=(("order_id", order_id),),
    )


def build_per_order(postings: list[Posting], ctx: BuildContext) -> tuple[list[Document], list[NettedGroup]]:
    """Invoices, credit notes and clearing documents for one marketplace's postings."""
    parts = by_part(postings, ctx)
    nets = {part: sum((p.line.amount for p in items), Decimal("0")) for part, items in parts.items()}
    anchors = anchor_lines(
        nets,
        currency=ctx.currency,
        accounts=ctx.accounts,
        settlement_negative=ctx.settlement_negative,
        marketplace=ctx.marketplace,
    )
    final = max(parts)
    documents: list[Document] = []
    clearing_parts: dict[str, tuple[list[JournalLine], list[NettedGroup]]] = {}
    for part in sorted(parts):
        invoices: dict[str, list[Posting]] = {}
        credits: dict[str, list[Posting]] = {}
        rest: list[Posting] = []
        for p in parts[part]:
            route = _route_of(p)
            if route == "invoice":
                invoices.setdefault(p.line.order_id, []).append(p)
            elif route == "credit_note":
                ref = p.line.order_id + (f"~{p.line.adjustment_id}" if p.line.adjustment_id else "")
                credits.setdefault(ref, []).append(p)
            else:
                rest.append(p)
        order_docs: list[Document] = []
        for kind, groups, sign in (
            (DocumentKind.ORDER_INVOICE, invoices, 1),
            (DocumentKind.CREDIT_NOTE, credits, -1),
        ):
            for ref in sorted(groups):
                items = groups[ref]
                total = sum((p.line.amount for p in items), Decimal("0"))
                if total * sign <= 0:
                    rest.extend(items)  # not a positive invoice / credit: book on the clearing document
                    continue
                order_docs.append(_order_document(kind, part, ref, items, ctx))
        clearing_lines = [
            JournalLine(
                role=LineRole.CLEARING,
                account=ctx.accounts.clearing,
                amount=-doc.lines[0].amount,
                currency=ctx.currency,
                description=("Clears invoice " if doc.kind == DocumentKind.ORDER_INVOICE else "Clears credit note ")
                + doc.ref,
                tracking=ctx.accounts.tracking,
                ref=doc.identity,
            )
            for doc in order_docs
        ]
        body, netted = body_lines(rest, ctx.currency)
        documents.extend(order_docs)
        clearing_parts[part] = (clearing_lines + body + anchors.get(part, []), netted)

    orphans: list[NettedGroup] = []
    for part in sorted(clearing_parts):
        lines, netted = clearing_parts[part]
        if not lines and part != final:
            clearing_parts[final][1].extend(netted)
            clearing_parts[part] = ([], [])
    for part in sorted(clearing_parts):
        lines, netted = clearing_parts[part]
        if not lines:
            orphans.extend(netted)
            continue
        is_final = part == final
        documents.append(
            Document(
                kind=DocumentKind.SETTLEMENT_CLEARING,
                flow_id=ctx.flow_id,
                settlement=ctx.info,
                marketplace=ctx.marketplace,
                part=part,
                ref="",
                currency=ctx.currency,
                date=part_date(part, ctx.settlement.end, ctx.policy.zone, final=is_final),
                lines=tuple(lines),
                netted=tuple(netted),
                reference=ctx.reference(part),
                narration=(
                    f"Amazon settlement {ctx.info.settlement_id} ({ctx.info.start} to {ctx.info.end}), "
                    f"{ctx.marketplace}, {part}: clears orders, books fees"
                    + ("" if is_final else " (carried forward)")
                ),
                customer=ctx.accounts.customer,
                is_final_part=is_final,
            )
        )
    return documents, orphans
