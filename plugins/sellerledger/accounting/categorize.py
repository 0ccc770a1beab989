"""Classify settlement lines into categories and routes, and report what cannot be classified.

Every line ends up exactly once either as a `Posting` (category + route) or in `unmapped`, never dropped.
A line is unmapped when its (transaction-type, amount-type, amount-description) matches no amount-type
row, or when its category has no account for its marketplace in the ledger mapping. With
`unmapped="suspense"` such lines also become postings on the flow's suspense account (category
`unmapped`), and still appear in `unmapped` so the report shows them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sellerledger.accounting.categories import UNMAPPED
from sellerledger.accounting.mappings import Mapping, Route
from sellerledger.accounting.marketplaces import is_marketplace, normalise_marketplace
from sellerledger.accounting.model import Money, SourceRef
from sellerledger.accounting.source import Settlement, SettlementLine

UNKNOWN_MARKETPLACE = "unknown"


@dataclass(frozen=True)
class Posting:
    """A settlement line with its category and where it goes."""

    line: SettlementLine
    marketplace: str
    category: str
    route: Route
    suspense: bool = False


@dataclass(frozen=True)
class UnmappedLine:
    """A line no mapping row or route covers."""

    ref: SourceRef
    transaction_type: str
    amount_type: str
    amount_description: str
    category: str | None  # None: no amount-type row; else the category lacking a route
    marketplace: str
    amount: Decimal
    currency: str
    reason: str


@dataclass(frozen=True)
class UnmappedType:
    """One row of the unmapped report: a type triple (and marketplace) with its count and total."""

    transaction_type: str
    amount_type: str
    amount_description: str
    category: str | None
    marketplace: str
    reason: str
    count: int
    total: Money
    examples: tuple[SourceRef, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "transaction_type": self.transaction_type,
            "amount_type": self.amount_type,
            "amount_description": self.amount_description,
            "category": self.category,
            "marketplace": self.marketplace,
            "reason": self.reason,
            "count": self.count,
            "total": str(self.total.amount),
            "currency": self.total.currency,
            "examples": [[r.settlement_id, r.line_number] for r in self.examples],
        }


@dataclass(frozen=True)
class Categorized:
    postings: tuple[Posting, ...]
    unmapped: tuple[UnmappedLine, ...]


def settlement_marketplace(settlement: Settlement) -> str:
    """The settlement's marketplace: its own, else the most frequent one among its lines."""
    own = normalise_marketplace(settlement.marketplace)
    if own:
        return own
    counts = Counter(m for m in (normalise_marketplace(line.marketplace) for line in settlement.lines) if m)
    if counts:
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return UNKNOWN_MARKETPLACE


def line_marketplace(line: SettlementLine, fallback: str) -> str:
    """A line's marketplace; blank or non-Amazon (e.g. `Non-Amazon` MCF) lines belong to the settlement's."""
    own = normalise_marketplace(line.marketplace)
    return own if is_marketplace(own) else fallback


def categorize(
    settlement: Settlement, mapping: Mapping, *, unmapped: Literal["hold", "suspense"] = "hold"
) -> Categorized:
    """Postings for every mappable line; unmapped lines listed (and routed to suspense if configured)."""
    fallback = settlement_marketplace(settlement)
    postings: list[Posting] = []
    missing: list[UnmappedLine] = []
    for line in settlement.lines:
        marketplace = line_marketplace(line, fallback)
        category = mapping.categorize(line.transaction_type, line.amount_type, line.amount_description)
        route = mapping.route(category, marketplace) if category else None
        if route is not None and category is not None:
            postings.append(Posting(line, marketplace, category, route))
            continue
        if category is None:
            reason = (
                f"no amount-type row matches ({line.transaction_type!r}, {line.amount_type!r}, "
                f"{line.amount_description!r})"
            )
        else:
            reason = f"category {category!r} has no account in the {mapping.ledger} mapping for {marketplace}"
        missing.append(
            UnmappedLine(
                ref=line.ref,
                transaction_type=line.transaction_type,
                amount_type=line.amount_type,
                amount_description=line.amount_description,
                category=category,
                marketplace=marketplace,
                amount=line.amount,
                currency=line.currency,
                reason=reason,
            )
        )
        if unmapped == "suspense":
            flow = mapping.flow_accounts(marketplace)
            suspense_route = Route(
                category=UNMAPPED,
                account=flow.suspense,
                tax_code=None,
                tracking=flow.tracking,
                document="settlement",
            )
            postings.append(Posting(line, marketplace, UNMAPPED, suspense_route, suspense=True))
    return Categorized(tuple(postings), tuple(missing))


def unmapped_report(lines: tuple[UnmappedLine, ...] | list[UnmappedLine], examples: int = 5) -> tuple[UnmappedType, ...]:
    """Group unmapped lines by (type triple, category, marketplace, currency): count, total, examples."""
    groups: dict[tuple[str, str, str, str | None, str, str], list[UnmappedLine]] = {}
    for item in lines:
        key = (item.transaction_type, item.amount_type, item.amount_description, item.category, item.marketplace,
               item.currency)
        groups.setdefault(key, []).append(item)
    report = []
    for key in sorted(groups, key=lambda k: tuple("" if v is None else v for v in k)):
        items = groups[key]
        total = sum((i.amount for i in items), Decimal("0"))
        report.append(
            UnmappedType(
                transaction_type=key[0],
                amount_type=key[1],
                amount_description=key[2],
                category=key[3],
                marketplace=key[4],
                reason=items[0].reason,
                count=len(items),
                total=Money(total, key[5]),
                examples=tuple(sorted(i.ref for i in items)[:examples]),
            )
        )
    return tuple(report)
