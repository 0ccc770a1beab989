"""Build a settlement's documents: categorize, split per marketplace, run the mode, attach FX and labels.

`build_documents(settlement, mapping, policy, flow_id)` is the one entry point; it is pure and
deterministic (same inputs, same documents, same keys). With unmapped lines and `unmapped="hold"`
it builds nothing and returns `held=True` with the unmapped lines, so nothing partial can post. A line
in another currency than the settlement's raises ValueError (documents never mix currencies).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sellerledger.accounting.categorize import (
    Categorized,
    UnmappedLine,
    UnmappedType,
    categorize,
    unmapped_report,
)
from sellerledger.accounting.fx import apply_fx
from sellerledger.accounting.grouping import BuildContext, settlement_info
from sellerledger.accounting.mappings import Mapping
from sellerledger.accounting.model import Document, DocumentKind, NettedGroup
from sellerledger.accounting.per_order import build_per_order
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.source import Settlement
from sellerledger.accounting.summary import build_summary

_KIND_ORDER = {
    DocumentKind.ORDER_INVOICE: 0,
    DocumentKind.CREDIT_NOTE: 1,
    DocumentKind.SETTLEMENT_CLEARING: 2,
    DocumentKind.SETTLEMENT_SUMMARY: 2,
}


@dataclass(frozen=True)
class BuildResult:
    """Documents of one settlement (post invoices and credit notes before clearing documents)."""

    settlement_id: str
    documents: tuple[Document, ...]
    unmapped: tuple[UnmappedLine, ...]
    held: bool  # unmapped lines under `unmapped="hold"`: no documents were built
    orphan_netted: tuple[NettedGroup, ...] = ()  # zero-sum groups of a marketplace with nothing to post

    @property
    def unmapped_report(self) -> tuple[UnmappedType, ...]:
        return unmapped_report(self.unmapped)


def build_documents(
    settlement: Settlement, mapping: Mapping, policy: AccountingPolicy, flow_id: str
) -> BuildResult:
    """All documents for `settlement` under `policy`, or a held result listing the unmapped lines."""
    foreign = [ln.line_number for ln in settlement.lines if ln.currency != settlement.currency]
    if foreign:
        raise ValueError(
            f"settlement {settlement.settlement_id}: lines {foreign[:10]} are not in {settlement.currency}; "
            "a document never mixes currencies"
        )
    categorized: Categorized = categorize(settlement, mapping, unmapped=policy.unmapped)
    if categorized.unmapped and policy.unmapped == "hold":
        return BuildResult(settlement.settlement_id, (), categorized.unmapped, held=True)
    info = settlement_info(settlement, policy.zone)
    by_market: dict[str, list] = {}
    for posting in categorized.postings:
        by_market.setdefault(posting.marketplace, []).append(posting)
    documents: list[Document] = []
    orphans: list[NettedGroup] = []
    for marketplace in sorted(by_market):
        ctx = BuildContext(
            flow_id=flow_id,
            settlement=settlement,
            info=info,
            policy=policy,
            mapping=mapping,
            marketplace=marketplace,
            accounts=mapping.flow_accounts(marketplace),
        )
        builder = build_per_order if policy.mode == "per_order" else build_summary
        docs, lost = builder(by_market[marketplace], ctx)
        documents.extend(docs)
        orphans.extend(lost)
    documents.sort(key=lambda d: (d.marketplace, d.part, _KIND_ORDER[d.kind], d.ref))
    documents = apply_fx(documents, settlement.total_money, settlement.deposit)
    documents = [replace(d, mapping_version=mapping.version, mapping_hash=mapping.hash) for d in documents]
    return BuildResult(
        settlement_id=settlement.settlement_id,
        documents=tuple(documents),
        unmapped=categorized.unmapped,
        held=False,
        orphan_netted=tuple(orphans),
    )
