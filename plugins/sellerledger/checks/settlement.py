"""Pure checks of one settlement and of the documents built from it. No database, no I/O.

Input checks (before building): the lines sum exactly to total-amount; the Finances event group total
agrees when Amazon gives one; one currency; posted dates inside the settlement window; no duplicate
lines. Document checks (after building): every line mapped (or routed to suspense, reported); every
document balanced; the documents' deposits/payables net exactly to total-amount and carried-forward to
zero; every settlement line carried exactly once; the clearing account left at zero (per_order); a
converted payout shared exactly.

A failed `error` check holds the settlement; a `warning` is reported only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from sellerledger.accounting.build import BuildResult
from sellerledger.accounting.model import Document, LineRole, SourceRef
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.source import Settlement

Severity = Literal["error", "warning"]
Suite = Literal["settlement", "sql", "gx"]
ZERO = Decimal("0")


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome; amounts (observed/expected) in `currency`."""

    name: str
    passed: bool
    message: str
    severity: Severity = "error"
    suite: Suite = "settlement"
    observed: Decimal | None = None
    expected: Decimal | None = None
    currency: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        """True when this result holds the settlement."""
        return not self.passed and self.severity == "error"


@dataclass(frozen=True)
class CheckOptions:
    """Tolerances of the posted-date window, as the settlement parser has them: lines posted up to
    `early_slack` before the start (deferred DD+7 / B2B transactions released into this settlement) or up
    to `late_slack` after the end pass, and the early ones are listed; anything further out holds."""

    early_slack: timedelta = timedelta(days=45)
    late_slack: timedelta = timedelta(days=1)
    max_listed: int = 20  # offending line numbers listed in details
    max_line_amount: Decimal = Decimal("10000000")  # a line beyond this (major units; x100 for JPY-like) is absurd


def _refs(lines: list[int], limit: int) -> list[int]:
    return sorted(lines)[:limit]


# ------------------------------------------------------------------------------------------------ input


def check_lines_sum_to_total(settlement: Settlement) -> CheckResult:
    total, lines_sum = settlement.total, settlement.lines_sum
    ok = lines_sum == total
    diff = total - lines_sum
    if ok:
        msg = f"{len(settlement.lines)} lines sum to total-amount {total} {settlement.currency}"
    else:
        msg = (
            f"settlement file short of its total: lines sum to {lines_sum} {settlement.currency}, "
            f"total-amount is {total} {settlement.currency} (difference {diff}); Amazon may have shipped an "
            "incomplete file: refetch it or open a case, do not post"
        )
    return CheckResult(
        "lines_sum_to_total", ok, msg, observed=lines_sum, expected=total, currency=settlement.currency,
        details={"line_count": len(settlement.lines), "difference": str(diff)},
    )


def check_event_group_total(settlement: Settlement) -> CheckResult:
    group = settlement.event_group_total
    if group is None:
        return CheckResult("event_group_total", True, "no Finances event group total to compare (skipped)",
                           severity="warning", details={"skipped": True})
    if group.currency != settlement.currency:
        return CheckResult(
            "event_group_total", False,
            f"event group total is in {group.currency}, settlement in {settlement.currency}",
            observed=group.amount, expected=settlement.total, currency=settlement.currency,
        )
    ok = group.amount == settlement.total
    msg = (
        f"event group total {group} agrees with total-amount"
        if ok
        else f"event group total {group} differs from total-amount {settlement.total} {settlement.currency}"
    )
    return CheckResult("event_group_total", ok, msg, observed=group.amount, expected=settlement.total,
                       currency=settlement.currency)


def check_one_currency(settlement: Settlement) -> CheckResult:
    counts = Counter(line.currency for line in settlement.lines)
    others = {c: n for c, n in counts.items() if c != settlement.currency}
    ok = not others
    msg = (
        f"every line is in {settlement.currency}"
        if ok
        else f"lines in other currencies than {settlement.currency}: "
        + ", ".join(f"{n} in {c}" for c, n in sorted(others.items()))
    )
    return CheckResult("one_currency", ok, msg, details={"currencies": dict(sorted(counts.items()))})


def check_dates_in_window(settlement: Settlement, options: CheckOptions | None = None) -> CheckResult:
    opts = options or CheckOptions()
    earliest = settlement.start - opts.early_slack
    latest = settlement.end + opts.late_slack
    dated = [ln for ln in settlement.lines if ln.posted_at is not None]
    early = [ln.line_number for ln in dated if ln.posted_at < earliest]  # type: ignore[operator]
    late = [ln.line_number for ln in dated if ln.posted_at > latest]  # type: ignore[operator]
    deferred = [ln.line_number for ln in dated if earliest <= ln.posted_at < settlement.start]  # type: ignore[operator]
    undated = [ln.line_number for ln in settlement.lines if ln.posted_at is None]
    window = f"{settlement.start.isoformat()} .. {settlement.end.isoformat()}"
    ok = not early and not late
    if ok:
        msg = f"every posted date lies in {window}"
        if deferred:
            msg += f" or up to {opts.early_slack.days} days before it ({len(deferred)} deferred lines)"
        if undated:
            msg += f"; {len(undated)} lines have no posted date and count at the settlement end"
    else:
        msg = (
            f"{len(early)} lines posted before the settlement start, {len(late)} after its end "
            f"({window}, allowing {opts.early_slack.days} days before and {opts.late_slack} after)"
        )
    return CheckResult(
        "dates_in_window", ok, msg,
        details={
            "before_start": _refs(early, opts.max_listed),
            "after_end": _refs(late, opts.max_listed),
            "deferred": _refs(deferred, opts.max_listed),
            "undated": _refs(undated, opts.max_listed),
        },
    )


_IDENTITY_FIELDS = (
    "transaction_type", "order_id", "adjustment_id", "shipment_id", "order_item_code",
    "merchant_adjustment_item_id", "sku", "amount_type", "amount_description", "amount", "posted_at",
    "fulfillment_id", "promotion_id", "marketplace",
)


def check_no_duplicate_lines(settlement: Settlement, options: CheckOptions | None = None) -> CheckResult:
    """Duplicate line numbers, and item-level lines (with an order item or adjustment item code) repeated
    field for field. Account-level rows without item codes may legitimately repeat and are not flagged."""
    opts = options or CheckOptions()
    numbers = Counter(ln.line_number for ln in settlement.lines)
    dup_numbers = sorted(n for n, c in numbers.items() if c > 1)
    seen: dict[tuple[Any, ...], int] = {}
    dup_lines: list[int] = []
    for ln in settlement.lines:
        if not (ln.order_item_code or ln.merchant_adjustment_item_id):
            continue
        ident = tuple(getattr(ln, f) for f in _IDENTITY_FIELDS)
        if ident in seen:
            dup_lines.append(ln.line_number)
        else:
            seen[ident] = ln.line_number
    ok = not dup_numbers and not dup_lines
    msg = (
        "no duplicate lines"
        if ok
        else f"{len(dup_numbers)} repeated line numbers, {len(dup_lines)} item lines repeated field for field"
    )
    return CheckResult(
        "no_duplicate_lines", ok, msg,
        details={"line_numbers": dup_numbers[: opts.max_listed], "repeated_lines": _refs(dup_lines, opts.max_listed)},
    )


def check_amount_precision(settlement: Settlement, options: CheckOptions | None = None) -> CheckResult:
    """No amount has more decimal places than its currency has (a 25.0001 USD line cannot be posted)."""
    from sellerledger.accounting.convert import minor_unit

    opts = options or CheckOptions()
    places = -minor_unit(settlement.currency).as_tuple().exponent  # type: ignore[operator]
    bad = [line.line_number for line in settlement.lines
           if -line.amount.normalize().as_tuple().exponent > places]  # type: ignore[operator]
    if not bad:
        return CheckResult("amount_precision", True, f"every amount has at most {places} decimal places")
    return CheckResult("amount_precision", False,
                       f"{len(bad)} line(s) have more decimal places than {settlement.currency} has ({places}): "
                       f"lines {_refs(bad, opts.max_listed)}", details={"lines": _refs(bad, opts.max_listed)})


def check_amounts_plausible(settlement: Settlement, options: CheckOptions | None = None) -> CheckResult:
    """No single line is absurdly large for a settlement (a mis-keyed or corrupted amount)."""
    from sellerledger.accounting.convert import minor_unit

    opts = options or CheckOptions()
    bound = opts.max_line_amount * (100 if minor_unit(settlement.currency) == 1 else 1)
    bad = [line.line_number for line in settlement.lines if abs(line.amount) > bound]
    if not bad:
        return CheckResult("amounts_plausible", True, f"every line is within ±{bound} {settlement.currency}")
    return CheckResult("amounts_plausible", False,
                       f"{len(bad)} line(s) exceed ±{bound} {settlement.currency}: lines {_refs(bad, opts.max_listed)}",
                       currency=settlement.currency, details={"lines": _refs(bad, opts.max_listed)})


def input_checks(settlement: Settlement, options: CheckOptions | None = None) -> list[CheckResult]:
    return [
        check_lines_sum_to_total(settlement),
        check_amount_precision(settlement, options),
        check_amounts_plausible(settlement, options),
        check_event_group_total(settlement),
        check_one_currency(settlement),
        check_dates_in_window(settlement, options),
        check_no_duplicate_lines(settlement, options),
    ]


# --------------------------------------------------------------------------------------------- documents


def check_every_line_mapped(build: BuildResult, policy: AccountingPolicy) -> CheckResult:
    report = [row.as_dict() for row in build.unmapped_report]
    count = len(build.unmapped)
    if not count:
        return CheckResult("every_line_mapped", True, "every line maps to a category and an account",
                           details={"unmapped": []})
    kinds = ", ".join(
        f"{r['transaction_type']}/{r['amount_type']}/{r['amount_description']} ({r['count']} lines, {r['total']} "
        f"{r['currency']})"
        for r in report[:5]
    )
    if policy.unmapped == "suspense":
        return CheckResult(
            "every_line_mapped", True,
            f"{count} unmapped lines routed to the suspense account: {kinds}",
            severity="warning", details={"unmapped": report, "routed_to": "suspense"},
        )
    return CheckResult(
        "every_line_mapped", False,
        f"{count} lines have no mapping, settlement held: {kinds}; add them to include/mappings and rerun",
        details={"unmapped": report, "routed_to": "hold"},
    )


def check_documents_balanced(documents: tuple[Document, ...] | list[Document]) -> CheckResult:
    bad = []
    for doc in documents:
        total = sum((ln.amount for ln in doc.lines), ZERO)
        mixed = {ln.currency for ln in doc.lines} - {doc.currency}
        if total != 0 or mixed:
            bad.append({"key": doc.key, "imbalance": str(total), "other_currencies": sorted(mixed)})
    ok = not bad
    msg = f"{len(documents)} documents balance (debits = credits), one currency each" if ok else (
        f"{len(bad)} documents do not balance or mix currencies"
    )
    return CheckResult("documents_balanced", ok, msg, details={"unbalanced": bad})


def check_documents_net_to_total(settlement: Settlement, documents: tuple[Document, ...] | list[Document]) -> CheckResult:
    """Deposit and payable lines sum exactly to total-amount; carried-forward lines sum to zero."""
    anchors = ZERO
    carried = ZERO
    for doc in documents:
        if doc.currency != settlement.currency:
            return CheckResult("documents_net_to_total", False,
                               f"{doc.key} is in {doc.currency}, the settlement in {settlement.currency}")
        for ln in doc.lines:
            if ln.role in (LineRole.DEPOSIT, LineRole.PAYABLE):
                anchors += ln.amount
            elif ln.role == LineRole.CARRIED_FORWARD:
                carried += ln.amount
    ok = anchors == settlement.total and carried == 0
    msg = (
        f"documents land exactly {anchors} {settlement.currency} = total-amount"
        if ok
        else f"documents land {anchors} {settlement.currency} (carried forward left {carried}), "
        f"total-amount is {settlement.total}"
    )
    return CheckResult("documents_net_to_total", ok, msg, observed=anchors, expected=settlement.total,
                       currency=settlement.currency, details={"carried_forward_balance": str(carried)})


def check_lines_carried_once(settlement: Settlement, build: BuildResult) -> CheckResult:
    """Every staged line sits in exactly one document line or netted group: recognised once, never lost."""
    counts: Counter[SourceRef] = Counter()
    for doc in build.documents:
        for ln in doc.lines:
            counts.update(ln.sources)
        for group in doc.netted:
            counts.update(group.sources)
    for group in build.orphan_netted:
        counts.update(group.sources)
    expected = {ln.ref for ln in settlement.lines}
    missing = sorted(r.line_number for r in expected if counts[r] == 0)
    twice = sorted(r.line_number for r, c in counts.items() if c > 1)
    foreign = sorted(r.line_number for r in counts if r not in expected)
    ok = not missing and not twice and not foreign
    msg = (
        f"each of the {len(expected)} lines is carried exactly once"
        if ok
        else f"{len(missing)} lines missing from the documents, {len(twice)} carried more than once, "
        f"{len(foreign)} not in the settlement"
    )
    return CheckResult("lines_carried_once", ok, msg,
                       details={"missing": missing[:20], "repeated": twice[:20], "foreign": foreign[:20]})


def check_clearing_nets_to_zero(documents: tuple[Document, ...] | list[Document]) -> CheckResult:
    """per_order: receivable and clearing lines cancel, so the clearing account keeps nothing of these orders."""
    balance = ZERO
    cleared: Counter[str] = Counter()
    identities = set()
    for doc in documents:
        identities.add(doc.identity)
        for ln in doc.lines:
            if ln.role in (LineRole.RECEIVABLE, LineRole.CLEARING):
                balance += ln.amount
            if ln.role == LineRole.CLEARING and ln.ref:
                cleared[ln.ref] += 1
    orders = [d for d in documents if any(ln.role == LineRole.RECEIVABLE for ln in d.lines)]
    uncleared = [d.identity for d in orders if cleared[d.identity] != 1]
    dangling = [ref for ref in cleared if ref not in identities]
    ok = balance == 0 and not uncleared and not dangling
    msg = (
        f"clearing account nets to zero over {len(orders)} invoices and credit notes"
        if ok
        else f"clearing account left at {balance}; {len(uncleared)} documents not cleared exactly once, "
        f"{len(dangling)} clearing lines point nowhere"
    )
    return CheckResult("clearing_nets_to_zero", ok, msg, observed=balance, expected=ZERO,
                       details={"uncleared": uncleared[:20], "dangling": dangling[:20]})


def check_deposit_converted(settlement: Settlement, documents: tuple[Document, ...] | list[Document]) -> CheckResult:
    deposit = settlement.deposit
    if deposit is None or deposit.currency == settlement.currency:
        return CheckResult("deposit_conversion", True, "payout in the settlement currency", severity="warning",
                           details={"skipped": True})
    shares = [d.fx.deposit_amount for d in documents if d.fx and d.fx.deposit_amount is not None]
    total = sum(shares, ZERO)
    ok = total == deposit.amount and all(d.fx and d.fx.deposit_currency == deposit.currency for d in documents)
    msg = (
        f"converted payout {deposit} shared exactly across {len(shares)} documents"
        if ok
        else f"converted payout {deposit} but documents carry {total} {deposit.currency}"
    )
    return CheckResult("deposit_conversion", ok, msg, observed=total, expected=deposit.amount,
                       currency=deposit.currency)


def document_checks(settlement: Settlement, build: BuildResult, policy: AccountingPolicy) -> list[CheckResult]:
    results = [check_every_line_mapped(build, policy)]
    if build.held:
        return results
    results += [
        check_documents_balanced(build.documents),
        check_documents_net_to_total(settlement, build.documents),
        check_lines_carried_once(settlement, build),
    ]
    if policy.mode == "per_order":
        results.append(check_clearing_nets_to_zero(build.documents))
    results.append(check_deposit_converted(settlement, build.documents))
    return results
