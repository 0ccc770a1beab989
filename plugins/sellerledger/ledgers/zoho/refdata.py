"""A Zoho Books organization's reference data, read once per client: accounts by account code, taxes,
currencies (and the base currency), and the generic Amazon customer of each marketplace.

A missing customer is created (contact names are unique in Zoho, so a repeat after a lost answer is
refused as a duplicate and found by name); one whose notes no longer say what we keep is updated with
PUT (Zoho has no concurrency token).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sellerledger.amazon.http import RetryPolicy
from sellerledger.ledgers import tax_codes
from sellerledger.ledgers.create_once import create_once
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.zoho.api import ZohoApi
from sellerledger.ledgers.zoho.errors import DUPLICATE

CUSTOMER_NOTES = "Amazon marketplace customer: orders and refunds posted by sellerledger"


def _fatal(message: str) -> FatalError:
    return FatalError(f"zoho: {message}", ledger="zoho", operation="render")


class ZohoRefData:
    """Cached lookups for one organization (see the module docstring)."""

    def __init__(self, api: ZohoApi, *, policy: RetryPolicy, tax_aliases: Mapping[str, str] | None = None,
                 receivable_account: str | None = None, sleep: Callable[[float], None] | None = None) -> None:
        self._api = api
        self._policy = policy
        self._aliases = dict(tax_aliases or {})
        self._receivable_code = receivable_account
        self._sleep = sleep
        self._accounts: dict[str, dict[str, Any]] | None = None
        self._taxes: list[dict[str, Any]] | None = None
        self._currencies: list[dict[str, Any]] | None = None
        self._contacts: dict[str, dict[str, Any]] = {}

    def accounts(self) -> dict[str, dict[str, Any]]:
        if self._accounts is None:
            rows = self._api.list("/chartofaccounts", "chartofaccounts", {"filter_by": "AccountType.Active"})
            self._accounts = {str(a.get("account_code") or ""): a for a in rows if a.get("account_code")}
        return self._accounts

    def account(self, code: str) -> dict[str, Any]:
        record = self.accounts().get(code)
        if record is None:
            raise _fatal(f"account code {code} is not in the organization's chart of accounts "
                         "(check the mapping's account codes)")
        return record

    def receivable_account(self) -> dict[str, Any]:
        """Where invoices are receivable (Accounts Receivable), for the lines that clear them."""
        if self._receivable_code:
            return self.account(self._receivable_code)
        found = [a for a in self.accounts().values() if a.get("account_type") == "accounts_receivable"]
        if not found:
            raise _fatal("no accounts_receivable account; set the connection's receivable_account")
        return found[0]

    def tax(self, code: str | None) -> dict[str, Any] | None:
        """The tax record of a mapping tax code; None for no tax (Zoho has no zero-rate tax record)."""
        if not code or tax_codes.normalise(code) == tax_codes.NO_TAX:
            return None
        if self._taxes is None:
            self._taxes = list(self._api.call("GET", "/settings/taxes").get("taxes") or [])
        record = tax_codes.match(code, (((t.get("tax_name"), t.get("tax_id")), t) for t in self._taxes),
                                 self._aliases)
        if record is None:
            raise _fatal(f"tax code {code!r} matches no tax of the organization; map it in the connection's "
                         "tax_codes")
        return record

    @staticmethod
    def tax_rate(record: dict[str, Any] | None) -> Decimal:
        return Decimal(str(record.get("tax_percentage") or 0)) if record else Decimal(0)

    def _currency_rows(self) -> list[dict[str, Any]]:
        if self._currencies is None:
            self._currencies = list(self._api.call("GET", "/settings/currencies").get("currencies") or [])
        return self._currencies

    def base_currency(self) -> str:
        for row in self._currency_rows():
            if row.get("is_base_currency"):
                return str(row["currency_code"])
        raise _fatal("the organization names no base currency")

    def currency_id(self, code: str) -> str:
        for row in self._currency_rows():
            if row.get("currency_code") == code:
                return str(row["currency_id"])
        raise _fatal(f"currency {code} is not enabled in the organization")

    # customers --------------------------------------------------------------------------------------
    def customer(self, name: str, currency: str) -> dict[str, Any]:
        """The marketplace's customer contact (created, or its notes brought up to date, as needed)."""
        name = name[:200]
        if name in self._contacts:
            return self._contacts[name]
        record = self._find_contact(name)
        if record is None:
            body = {"contact_name": name, "company_name": name, "contact_type": "customer",
                    "customer_sub_type": "business", "currency_id": self.currency_id(currency),
                    "notes": CUSTOMER_NOTES}
            record, _ = create_once(lambda: self._api.call("POST", "/contacts", body=body, once=True)["contact"],
                                    lambda: self._find_contact(name), what=f"zoho contact {name}",
                                    policy=self._policy, duplicate=lambda e: e.code == DUPLICATE,
                                    **({"sleep": self._sleep} if self._sleep else {}))
        elif "notes" in record and record.get("notes") != CUSTOMER_NOTES:
            record = self._api.call("PUT", f"/contacts/{record['contact_id']}",
                                    body={"contact_name": name, "notes": CUSTOMER_NOTES})["contact"]
        self._contacts[name] = record
        return record

    def _find_contact(self, name: str) -> dict[str, Any] | None:
        rows = self._api.call("GET", "/contacts", params={"contact_name": name}).get("contacts") or []
        exact = [r for r in rows if str(r.get("contact_name", "")).lower() == name.lower()]
        return exact[0] if exact else None
