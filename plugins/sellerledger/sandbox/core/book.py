"""A double-entry general ledger per ledger tenant, so tests can ask what the trial balance says.

Every document a ledger stand-in accepts posts balanced entries here: positive amounts are debits,
negative amounts credits, per account and currency. A posting whose entries do not net to zero in every
currency is refused: the stand-in has a bug, never the pipeline's data.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Entry:
    """One side of a posting: `amount` > 0 debits the account, < 0 credits it."""

    account: str
    currency: str
    amount: Decimal


class UnbalancedPosting(ValueError):
    """Entries of one document do not net to zero in some currency."""


class Book:
    """The entries of one tenant, by document."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._postings: dict[str, list[Entry]] = {}

    def post(self, document_id: str, entries: list[Entry]) -> None:
        """Record (or replace, for an updated document) the entries of `document_id`."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for entry in entries:
            if not isinstance(entry.amount, Decimal):
                raise TypeError(f"{document_id}: amount {entry.amount!r} is not a Decimal")
            totals[entry.currency] += entry.amount
        off = {currency: total for currency, total in totals.items() if total != 0}
        if off:
            raise UnbalancedPosting(f"{document_id}: entries do not balance: {off}")
        with self._lock:
            self._postings[document_id] = [entry for entry in entries if entry.amount != 0]

    def void(self, document_id: str) -> None:
        """Remove a document's entries (voided or deleted document)."""
        with self._lock:
            self._postings.pop(document_id, None)

    def trial_balance(self) -> dict[tuple[str, str], Decimal]:
        """Balance per (account, currency); debits positive."""
        balances: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        with self._lock:
            for entries in self._postings.values():
                for entry in entries:
                    balances[(entry.account, entry.currency)] += entry.amount
        return {key: value for key, value in sorted(balances.items()) if value != 0}

    def entries(self, document_id: str) -> list[Entry]:
        with self._lock:
            return list(self._postings.get(document_id, []))

    def trial_balance_json(self) -> dict[str, object]:
        """JSON form: rows of account, currency, balance (decimal string) and the total per currency."""
        rows = [
            {"account": account, "currency": currency, "balance": str(balance)}
            for (account, currency), balance in self.trial_balance().items()
        ]
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for (_, currency), balance in self.trial_balance().items():
            totals[currency] += balance
        return {"accounts": rows, "totals": {currency: str(total) for currency, total in totals.items()}}
