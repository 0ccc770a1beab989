"""Property-based tests over generated settlements: exact money in both modes, splits, deterministic keys."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerledger.accounting.build import build_documents
from sellerledger.accounting.mappings import load_mapping
from sellerledger.accounting.model import Document, LineRole, Money
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.source import Settlement, SettlementLine
from sellerledger.checks.settlement import document_checks

MAPPING = load_mapping("xero")
START = datetime(2026, 6, 20, tzinfo=UTC)
END = datetime(2026, 7, 4, tzinfo=UTC)

# (transaction type, amount type, description, usual sign, belongs to an order)
TYPES = [
    ("Order", "ItemPrice", "Principal", 1, True),
    ("Order", "ItemPrice", "Shipping", 1, True),
    ("Order", "ItemPrice", "Tax", 1, True),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", -1, True),
    ("Order", "Promotion", "Principal", -1, True),
    ("Order", "ItemFees", "Commission", -1, True),
    ("Order", "ItemFees", "FBAPerUnitFulfillmentFee", -1, True),
    ("Refund", "ItemPrice", "Principal", -1, True),
    ("Refund", "ItemPrice", "Tax", -1, True),
    ("Refund", "ItemFees", "Commission", 1, True),
    ("Refund", "ItemFees", "RefundCommission", -1, True),
    ("Refund", "Promotion", "Principal", 1, True),
    ("ServiceFee", "other-transaction", "Storage Fee", -1, False),
    ("ServiceFee", "other-transaction", "Subscription Fee", -1, False),
    ("Adjustment", "other-transaction", "WAREHOUSE_DAMAGE", 1, False),
    ("Transfer", "other-transaction", "Current Reserve Amount", -1, False),
    ("Transfer", "other-transaction", "Previous Reserve Amount Balance", 1, False),
    ("Order", "ItemFees", "UnknownFeeX", -1, True),  # unmapped: goes to suspense under these policies
]


@st.composite
def settlements(draw: st.DrawFn, currency: str = "USD") -> Settlement:
    count = draw(st.integers(min_value=1, max_value=40))
    lines = []
    for n in range(1, count + 1):
        tt, at, ad, sign, order = draw(st.sampled_from(TYPES))
        cents = draw(st.integers(min_value=0, max_value=60_000))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            sign = -sign  # now and then the unusual sign (fee reversals, clawbacks)
        offset = draw(st.integers(min_value=0, max_value=int((END - START).total_seconds())))
        lines.append(
            SettlementLine(
                settlement_id="S9",
                line_number=n,
                transaction_type=tt,
                amount_type=at,
                amount_description=ad,
                amount=Decimal(sign * cents).scaleb(-2),
                currency=currency,
                posted_at=START + timedelta(seconds=offset),
                marketplace=draw(st.sampled_from(["Amazon.com", "Amazon.com", "Amazon.ca", ""])),
                order_id=draw(st.sampled_from(["o-1", "o-2", "o-3", "o-4"])) if order else "",
                adjustment_id=draw(st.sampled_from(["", "a-1", "a-2"])) if tt == "Refund" else "",
                sku=draw(st.sampled_from(["SKU-A", "SKU-B"])) if order else "",
                quantity=draw(st.integers(min_value=1, max_value=3)) if order else None,
                order_item_code=f"i-{n}" if order else "",
            )
        )
    total = sum((ln.amount for ln in lines), Decimal("0"))
    return Settlement("S9", START, END, END + timedelta(days=2), total, currency, tuple(lines))


policies = st.builds(
    AccountingPolicy,
    mode=st.sampled_from(["summary", "per_order"]),
    timezone=st.sampled_from(["UTC", "Australia/Sydney", "America/Los_Angeles", "Europe/Berlin"]),
    unmapped=st.just("suspense"),
)

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def account_totals(docs: tuple[Document, ...], *, skip: set[LineRole] = frozenset()) -> dict[str, Decimal]:  # type: ignore[assignment]
    out: dict[str, Decimal] = defaultdict(Decimal)
    for doc in docs:
        for ln in doc.lines:
            if ln.role not in skip:
                out[ln.account] += ln.amount
    return {k: v for k, v in out.items() if v != 0}


@PROPERTY
@given(settlement=settlements(), policy=policies)
def test_documents_balance_and_net_exactly_to_total(settlement: Settlement, policy: AccountingPolicy) -> None:
    result = build_documents(settlement, MAPPING, policy, "flow-p")
    assert not result.held
    anchors = Decimal("0")
    carried = Decimal("0")
    for doc in result.documents:
        assert sum((ln.amount for ln in doc.lines), Decimal("0")) == 0
        assert {ln.currency for ln in doc.lines} == {settlement.currency}
        for ln in doc.lines:
            if ln.role in (LineRole.DEPOSIT, LineRole.PAYABLE):
                anchors += ln.amount
                assert (ln.role == LineRole.PAYABLE) == (settlement.total < 0)
            if ln.role == LineRole.CARRIED_FORWARD:
                carried += ln.amount
    assert anchors == settlement.total
    assert carried == 0
    failed = [c for c in document_checks(settlement, result, policy) if not c.passed]
    assert failed == []


@PROPERTY
@given(settlement=settlements(), policy=policies)
def test_month_split_preserves_every_total(settlement: Settlement, policy: AccountingPolicy) -> None:
    split = build_documents(settlement, MAPPING, policy, "flow-p").documents
    whole = build_documents(settlement, MAPPING, policy.model_copy(update={"split_by_month": False}), "flow-p")
    skip = {LineRole.CARRIED_FORWARD}
    assert account_totals(split, skip=skip) == account_totals(whole.documents, skip=skip)
    by_market: dict[str, Decimal] = defaultdict(Decimal)
    for doc in split:
        by_market[doc.marketplace] += doc.net.amount
        assert doc.part == "all" or doc.part[:4] == "2026"
    assert sum(by_market.values(), Decimal("0")) == settlement.total


@PROPERTY
@given(settlement=settlements(), timezone=st.sampled_from(["UTC", "Asia/Tokyo", "America/New_York"]))
def test_both_modes_post_the_same_effect_and_clear_the_clearing_account(settlement: Settlement, timezone: str) -> None:
    summary = build_documents(settlement, MAPPING, AccountingPolicy(timezone=timezone, unmapped="suspense"), "f")
    per_order = build_documents(
        settlement, MAPPING, AccountingPolicy(mode="per_order", timezone=timezone, unmapped="suspense"), "f"
    )
    assert account_totals(summary.documents) == account_totals(per_order.documents)
    clearing = MAPPING.flow_accounts("US").clearing
    assert account_totals(per_order.documents).get(clearing) is None
    receivable_and_clearing = sum(
        (ln.amount for d in per_order.documents for ln in d.lines if ln.role in (LineRole.RECEIVABLE, LineRole.CLEARING)),
        Decimal("0"),
    )
    assert receivable_and_clearing == 0


@PROPERTY
@given(settlement=settlements(), policy=policies, seed=st.randoms(use_true_random=False))
def test_reruns_give_identical_keys_whatever_the_line_order(settlement: Settlement, policy: AccountingPolicy, seed) -> None:  # type: ignore[no-untyped-def]
    first = build_documents(settlement, MAPPING, policy, "flow-p").documents
    lines = list(settlement.lines)
    seed.shuffle(lines)
    again = build_documents(replace(settlement, lines=tuple(lines)), MAPPING, policy, "flow-p").documents
    assert [d.key for d in first] == [d.key for d in again]
    assert [d.content_hash() for d in first] == [d.content_hash() for d in again]
    assert len({d.key for d in first}) == len(first)


@PROPERTY
@given(settlement=settlements(currency="EUR"), rate=st.integers(min_value=5_000, max_value=15_000))
def test_converted_payout_is_shared_to_the_cent(settlement: Settlement, rate: int) -> None:
    if settlement.total == 0:
        return
    deposit = (settlement.total * Decimal(rate).scaleb(-4)).quantize(Decimal("0.01"))
    if deposit == 0:
        return
    converted = replace(settlement, deposit=Money(deposit, "GBP"))
    docs = build_documents(converted, MAPPING, AccountingPolicy(unmapped="suspense"), "f").documents
    shares = [d.fx.deposit_amount for d in docs if d.fx and d.fx.deposit_amount is not None]
    assert sum(shares, Decimal("0")) == deposit
    assert all(d.currency == "EUR" and d.fx and d.fx.deposit_currency == "GBP" for d in docs)
