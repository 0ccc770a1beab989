"""Helpers the MYOB, Wave and Zoho Books stand-ins share beyond `common.py`.

Currency rounding, the liability account each demo tax rate posts to, tax splits, one-time OAuth
authorization codes on the virtual clock, and the per-ledger option knobs read from
`SandboxConfig.options[<ledger>]`.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sellerledger.sandbox.core.clock import VirtualClock
from sellerledger.sandbox.core.state import SandboxState
from sellerledger.sandbox.ledgers.common import ChartTaxRate

# ISO 4217 minor units where they differ from 2
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2, "KWD": 3, "BHD": 3, "OMR": 3,
                "JOD": 3, "TND": 3}

# The book account (demo chart code) each demo tax rate's collected tax is credited to.
VAT_ACCOUNT = "2110"
SALES_TAX_ACCOUNT = "2100"
RECEIVABLE_ACCOUNT = "1200"


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's minor unit (cents, or yen)."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def tax_account(tax: ChartTaxRate) -> str | None:
    """Where a demo tax rate's tax goes: VAT rates to VAT Payable, other non-zero rates to Sales Tax
    Payable, a zero rate nowhere."""
    if tax.rate == 0:
        return None
    return VAT_ACCOUNT if tax.code.upper().startswith("VAT") else SALES_TAX_ACCOUNT


def split_tax(amount: Decimal, rate: Decimal, inclusive: bool, currency: str) -> tuple[Decimal, Decimal]:
    """(net, tax) of a line `amount` at `rate` percent; `inclusive` when the amount already holds the tax."""
    if rate == 0:
        return amount, Decimal(0)
    if inclusive:
        tax = round_money(amount * rate / (Decimal(100) + rate), currency)
        return amount - tax, tax
    return amount, round_money(amount * rate / Decimal(100), currency)


def option(state: SandboxState, ledger: str, name: str, default: Any) -> Any:
    """A knob from `SandboxConfig.options[ledger][name]` (⚠ values of the notes), else `default`."""
    options = state.config.options.get(ledger) or {}
    return options.get(name, default)


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    subject: dict[str, Any]
    expires_at: float


class AuthCodes:
    """One-time authorization codes (the consent step of the code grant), valid `ttl` virtual seconds."""

    def __init__(self, clock: VirtualClock, prefix: str, ttl: float = 600.0) -> None:
        self._clock = clock
        self._prefix = prefix
        self._ttl = ttl
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}

    def issue(self, client_id: str, redirect_uri: str, subject: dict[str, Any]) -> str:
        code = f"{self._prefix}-code-{secrets.token_urlsafe(16)}"
        with self._lock:
            self._codes[code] = _Code(client_id, redirect_uri, dict(subject), self._clock.monotonic() + self._ttl)
        return code

    def redeem(self, code: str, client_id: str, redirect_uri: str | None) -> dict[str, Any] | None:
        """The subject of a valid code (then spent); None when unknown, spent, expired or for another client."""
        with self._lock:
            entry = self._codes.pop(code, None)
        if entry is None or entry.client_id != client_id or self._clock.monotonic() >= entry.expires_at:
            return None
        if redirect_uri is not None and redirect_uri != entry.redirect_uri:
            return None
        return entry.subject

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
