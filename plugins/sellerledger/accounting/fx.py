"""Currency: documents stay in the marketplace (settlement) currency; a converted payout adds an FX note.

Amazon may pay a settlement out in another currency (e.g. a EUR settlement paid to a GBP account). The
documents then keep every amount in EUR and carry `FxInfo(deposit_currency, rate, deposit_amount)`:
`rate` is deposit units per settlement unit, chosen with the fewest decimals (6..12) that reproduce the
deposit exactly from the total; the deposit is shared among deposit-bearing documents in proportion to
their anchors, largest remainder first, so the shares sum exactly to the payout. A document never mixes
currencies (the Document constructor refuses it).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from sellerledger.accounting.model import Document, FxInfo, Money


class FxError(ValueError):
    """The payout conversion cannot be expressed (zero total with money paid, sign flip ...)."""


def conversion_rate(total: Money, deposit: Money) -> Decimal:
    """Deposit units per settlement unit, with the fewest decimals (6..12) reproducing `deposit` exactly."""
    if total.amount == 0:
        raise FxError(f"cannot derive an exchange rate from a zero total ({total}) paid as {deposit}")
    if (total.amount > 0) != (deposit.amount > 0) or deposit.amount == 0:
        raise FxError(f"converted payout {deposit} does not match the sign of the total {total}")
    quantum = Decimal(1).scaleb(deposit.amount.as_tuple().exponent)  # type: ignore[arg-type]
    exact = deposit.amount / total.amount
    for places in range(6, 13):
        rate = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        if (total.amount * rate).quantize(quantum, rounding=ROUND_HALF_EVEN) == deposit.amount:
            return rate
    return exact.quantize(Decimal(1).scaleb(-12), rounding=ROUND_HALF_EVEN)


def allocate(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `amount` in proportion to `weights` at `amount`'s precision; the parts sum to `amount`."""
    if not weights:
        return []
    total_weight = sum(weights, Decimal("0"))
    if total_weight == 0:
        raise FxError("cannot allocate against weights that sum to zero")
    quantum = Decimal(1).scaleb(amount.as_tuple().exponent)  # type: ignore[arg-type]
    raw = [amount * w / total_weight for w in weights]
    floors = [r.quantize(quantum, rounding=ROUND_DOWN) for r in raw]
    remainder = amount - sum(floors, Decimal("0"))
    steps = int((remainder / quantum).to_integral_value())
    order = sorted(range(len(raw)), key=lambda i: (-(abs(raw[i] - floors[i])), i))
    sign = 1 if steps >= 0 else -1
    for i in order[: abs(steps)]:
        floors[i] += sign * quantum
    return floors


def apply_fx(documents: list[Document], total: Money, deposit: Money | None) -> list[Document]:
    """Attach FxInfo to every document when the payout was converted; unchanged otherwise."""
    if deposit is None or deposit.currency == total.currency:
        return documents
    if total.amount == 0 and deposit.amount == 0:
        return documents
    rate = conversion_rate(total, deposit)
    anchored = [i for i, doc in enumerate(documents) if doc.anchor is not None]
    shares = allocate(deposit.amount, [documents[i].net.amount for i in anchored]) if anchored else []
    share_of = dict(zip(anchored, shares, strict=True))
    out = []
    for i, doc in enumerate(documents):
        out.append(replace(doc, fx=FxInfo(deposit.currency, rate, share_of.get(i))))
    return out
