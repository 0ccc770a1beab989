"""Tax codes of a mapping file matched to a ledger's own tax records, and tax-inclusive splits.

Mapping files name tax codes the way the seller's chart does (`VAT20`, `GST10`, `NONE`); a ledger lists
its tax records by its own code and name (MYOB `V20` "VAT 20%", Zoho "VAT 20%"). A code matches a record
whose code or name is equal to it, ignoring case, blanks and punctuation ("VAT 20%" ~ `VAT20`), after
the connection's explicit `tax_codes` aliases ({mapping code: ledger code or name}) are applied.

Amazon amounts include the tax they carry, so documents post tax-inclusive. A ledger that adds tax on
top of a line (Zoho journals) gets the net that, with the ledger's own rounding, gives back the amount;
where no net does (246.92 at 19%: 207.49 gives 246.91, 207.50 gives 246.93), the missing cent is posted
untaxed beside it, so the account and tax together always hold Amazon's amount exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

T = TypeVar("T")
NO_TAX = "NONE"
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3}


def normalise(text: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def match(code: str, records: Iterable[tuple[Iterable[str | None], T]], aliases: Mapping[str, str] | None = None
          ) -> T | None:
    """The record whose names match `code` (or its alias); None when no record does."""
    wanted = {normalise(code)}
    for key, alias in (aliases or {}).items():
        if normalise(key) == normalise(code):
            wanted = {normalise(alias)}
    for names, record in records:
        if any(normalise(name) in wanted for name in names if name):
            return record
    return None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-_MINOR_UNITS.get(currency.upper(), 2))


def tax_on(net: Decimal, rate: Decimal, currency: str) -> Decimal:
    """Tax a ledger adds on top of `net` at `rate` percent (half-up to the currency's minor unit)."""
    return (net * rate / 100).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def inclusive_parts(amount: Decimal, rate: Decimal, currency: str) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, rest) of a positive tax-inclusive `amount` for a ledger adding tax on top: the largest net
    whose net + tax_on(net) does not exceed the amount, and the rest (0, or the cent no net reaches) to
    post untaxed beside it. net + tax + rest == amount always."""
    exact = inclusive_net(amount, rate, currency)
    if exact is not None:
        return exact[0], exact[1], Decimal(0)
    step = quantum(currency)
    net = (amount * 100 / (100 + rate)).quantize(step, rounding=ROUND_HALF_UP) + step
    while net + tax_on(net, rate, currency) > amount:
        net -= step
    tax = tax_on(net, rate, currency)
    return net, tax, amount - net - tax


def inclusive_net(amount: Decimal, rate: Decimal, currency: str) -> tuple[Decimal, Decimal] | None:
    """(net, tax) with net + tax_on(net) == amount exactly, or None when no such net exists."""
    if rate == 0:
        return amount, Decimal(0)
    step = quantum(currency)
    first = (amount * rate / (100 + rate)).quantize(step, rounding=ROUND_HALF_UP)
    for delta in (0, -1, 1, -2, 2):
        net = amount - first + delta * step
        if net + tax_on(net, rate, currency) == amount:
            return net, amount - net
    return None
