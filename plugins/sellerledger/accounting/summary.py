"""Summary mode: one settlement summary document per settlement x marketplace x month part.

Lines are grouped by mapped category (account, tax code, tracking); the final part lands the payout on
the bank (or the payable when the settlement is negative), earlier parts carry their net forward.
Revenue is recognised once: each settlement line sits in exactly one body line or netted group.
"""

from __future__ import annotations

from decimal import Decimal

from sellerledger.accounting.categorize import Posting
from sellerledger.accounting.grouping import BuildContext, body_lines, by_part
from sellerledger.accounting.model import Document, DocumentKind, NettedGroup
from sellerledger.accounting.split import anchor_lines, part_date


def build_summary(postings: list[Posting], ctx: BuildContext) -> tuple[list[Document], list[NettedGroup]]:
    """Documents for one marketplace's postings, plus netted groups no document could carry."""
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
    orphans: list[NettedGroup] = []
    built: dict[str, tuple[list, list[NettedGroup]]] = {}
    for part in sorted(parts):
        lines, netted = body_lines(parts[part], ctx.currency)
        built[part] = (lines + anchors.get(part, []), netted)
    # a part whose lines all netted to zero has nothing to post: its netted groups ride on the final part
    for part in sorted(parts):
        lines, netted = built[part]
        if not lines and part != final:
            built[final][1].extend(netted)
            built[part] = ([], [])
    for part in sorted(parts):
        lines, netted = built[part]
        if not lines:
            orphans.extend(netted)
            continue
        is_final = part == final
        documents.append(
            Document(
                kind=DocumentKind.SETTLEMENT_SUMMARY,
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
                    f"{ctx.marketplace}, {part}" + ("" if is_final else " (carried forward)")
                ),
                customer=ctx.accounts.customer,
                is_final_part=is_final,
            )
        )
    return documents, orphans
