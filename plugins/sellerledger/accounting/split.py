"""Month-end split by posted date, and the lines that make all parts reconcile to one deposit.

A settlement spanning a month end becomes one part per calendar month of its lines' posted dates in the
policy's time zone (`YYYY-MM`; `all` when splitting is off). Posted dates count inside the settlement
window: a deferred line released into the settlement but posted before its start counts at the start,
one without a posted date at the end (so no part falls in a month the settlement does not touch). The last part carries the deposit (or, when the settlement total is negative, the
payable); every earlier part parks its net on the carried-forward account, and the last part takes each
of those back, so the parts together land exactly the settlement total:

    part 2026-06: body lines ... | carried_forward  +net(06)            (debit when net(06) > 0)
    part 2026-07: body lines ... | carried_forward  -net(06) | deposit +(net(06) + net(07))
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sellerledger.accounting.mappings import FlowAccounts
from sellerledger.accounting.model import JournalLine, LineRole

ALL = "all"


def part_of(posted_at: datetime | None, fallback: datetime, zone: ZoneInfo, split: bool) -> str:
    """The month part (`YYYY-MM`) of a posted date in `zone`, or `all` when not splitting."""
    if not split:
        return ALL
    local = (posted_at or fallback).astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _month_bounds(part: str) -> tuple[date, date]:
    year, month = (int(x) for x in part.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def part_date(part: str, settlement_end: datetime, zone: ZoneInfo, *, final: bool) -> date:
    """The document date of a part: the settlement end date for the final part (kept inside the part's
    month), the month's last day for earlier parts."""
    end = local_date(settlement_end, zone)
    if part == ALL:
        return end
    first, last = _month_bounds(part)
    if not final:
        return last
    return min(max(end, first), last)


def clamp_to_part(day: date, part: str) -> date:
    if part == ALL:
        return day
    first, last = _month_bounds(part)
    return min(max(day, first), last)


def anchor_lines(
    nets: dict[str, Decimal],
    *,
    currency: str,
    accounts: FlowAccounts,
    settlement_negative: bool,
    marketplace: str,
) -> dict[str, list[JournalLine]]:
    """Carried-forward and deposit/payable lines per part, given each part's net (sum of Amazon amounts).

    The final part's anchor is a `deposit` on the bank account, or a `payable` on the payable account
    when the settlement total is negative. Zero amounts produce no line.
    """
    parts = sorted(nets)
    if not parts:
        return {}
    final = parts[-1]
    out: dict[str, list[JournalLine]] = {p: [] for p in parts}
    for part in parts[:-1]:
        net = nets[part]
        if net == 0:
            continue
        out[part].append(
            JournalLine(
                role=LineRole.CARRIED_FORWARD,
                account=accounts.carried_forward,
                amount=net,
                currency=currency,
                description=f"Amazon {marketplace} {part} carried forward to {final}",
                tracking=accounts.tracking,
                ref=part,
            )
        )
        out[final].append(
            JournalLine(
                role=LineRole.CARRIED_FORWARD,
                account=accounts.carried_forward,
                amount=-net,
                currency=currency,
                description=f"Amazon {marketplace} {part} brought forward",
                tracking=accounts.tracking,
                ref=part,
            )
        )
    total = sum(nets.values(), Decimal("0"))
    if total != 0:
        if settlement_negative:
            line = JournalLine(
                role=LineRole.PAYABLE,
                account=accounts.payable,
                amount=total,
                currency=currency,
                description=f"Amazon {marketplace} settlement owed to Amazon",
                tracking=accounts.tracking,
            )
        else:
            line = JournalLine(
                role=LineRole.DEPOSIT,
                account=accounts.bank,
                amount=total,
                currency=currency,
                description=f"Amazon {marketplace} settlement deposit",
                tracking=accounts.tracking,
            )
        out[final].append(line)
    return out


def final_part(parts: Iterable[str]) -> str:
    return max(parts)
