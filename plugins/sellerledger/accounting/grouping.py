"""Shared building blocks of the summary and per_order builders: context, parts, grouped body lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sellerledger.accounting.categories import CATEGORIES, UNMAPPED
from sellerledger.accounting.categorize import Posting
from sellerledger.accounting.mappings import FlowAccounts, Mapping
from sellerledger.accounting.model import JournalLine, LineRole, NettedGroup, SettlementInfo
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.source import Settlement
from sellerledger.accounting.split import local_date, part_of

_ORDER = {name: i for i, name in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class BuildContext:
    """Everything a mode builder needs for one settlement x marketplace."""

    flow_id: str
    settlement: Settlement
    info: SettlementInfo
    policy: AccountingPolicy
    mapping: Mapping
    marketplace: str
    accounts: FlowAccounts

    @property
    def currency(self) -> str:
        return self.settlement.currency

    @property
    def settlement_negative(self) -> bool:
        return self.settlement.total < 0

    def posted_at(self, posting: Posting) -> datetime:
        """The line's posted time kept inside the settlement window: a deferred line released into this
        settlement (posted before its start) counts at the start, so no document lands in an earlier,
        possibly closed, month; an undated line counts at the end."""
        moment = posting.line.posted_at or self.settlement.end
        return min(max(moment, self.settlement.start), self.settlement.end)

    def part(self, posting: Posting) -> str:
        return part_of(self.posted_at(posting), self.settlement.end, self.policy.zone, self.policy.split_by_month)

    def posted_date(self, posting: Posting) -> date:
        return local_date(self.posted_at(posting), self.policy.zone)

    def reference(self, part: str) -> str:
        return f"AMZ {self.info.settlement_id} {part}"


def settlement_info(settlement: Settlement, zone: object) -> SettlementInfo:
    from zoneinfo import ZoneInfo

    assert isinstance(zone, ZoneInfo)
    return SettlementInfo(
        settlement_id=settlement.settlement_id,
        start=local_date(settlement.start, zone),
        end=local_date(settlement.end, zone),
        deposit_date=local_date(settlement.deposit_date, zone) if settlement.deposit_date else None,
        total=settlement.total_money,
    )


def by_part(postings: Iterable[Posting], ctx: BuildContext) -> dict[str, list[Posting]]:
    parts: dict[str, list[Posting]] = {}
    for posting in postings:
        parts.setdefault(ctx.part(posting), []).append(posting)
    return parts


def _group_key(p: Posting) -> tuple[object, ...]:
    triple = p.line.type_key if p.suspense else ("", "", "")
    return (_ORDER.get(p.category, len(_ORDER)), p.category, p.route.account, p.route.tax_code or "",
            p.route.tracking, p.suspense, triple)


def describe(p: Posting) -> str:
    if p.suspense or p.category == UNMAPPED:
        tt, at, ad = p.line.type_key
        return f"Unmapped: {tt} / {at} / {ad}"
    return CATEGORIES[p.category].label


def body_lines(
    postings: Iterable[Posting], currency: str, suffix: str = ""
) -> tuple[list[JournalLine], list[NettedGroup]]:
    """Body lines grouped by (category, account, tax code, tracking): amount = -(sum of Amazon amounts).

    Groups that sum to exactly zero become `NettedGroup`s (no zero lines), keeping their sources.
    """
    groups: dict[tuple[object, ...], list[Posting]] = {}
    for p in postings:
        groups.setdefault(_group_key(p), []).append(p)
    lines: list[JournalLine] = []
    netted: list[NettedGroup] = []
    for key in sorted(groups):  # type: ignore[type-var]
        items = groups[key]
        first = items[0]
        total = sum((p.line.amount for p in items), Decimal("0"))
        refs = tuple(sorted(p.line.ref for p in items))
        if total == 0:
            netted.append(NettedGroup(first.category, first.route.account, refs))
            continue
        lines.append(
            JournalLine(
                role=LineRole.BODY,
                account=first.route.account,
                amount=-total,
                currency=currency,
                description=describe(first) + suffix,
                category=first.category,
                tax_code=first.route.tax_code,
                tracking=first.route.tracking,
                sources=refs,
                suspense=first.suspense,
            )
        )
    return lines, netted
