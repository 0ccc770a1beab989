"""A MYOB company file's reference data, read once per client and kept: accounts by DisplayID, tax
codes, currencies, the generic Amazon customer of each marketplace, and items.

Customers and items are created when a document first needs them, through `create_once` (MYOB has no
idempotency key; a customer is found again by company name, an item by number). A customer whose details
no longer match what we keep (made inactive, notes changed) is updated with its RowVersion; a stale
RowVersion (409) is refetched and the update retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sellerledger.amazon.http import RetryPolicy
from sellerledger.ledgers import tax_codes
from sellerledger.ledgers.create_once import create_once
from sellerledger.ledgers.errors import ConflictError, FatalError
from sellerledger.ledgers.myob.api import MyobApi, odata_text

log = logging.getLogger(__name__)

DEFAULT_TAX_ALIASES = {"NONE": "N-T"}  # MYOB's "not reportable" code
CUSTOMER_NOTES = "Amazon marketplace customer: orders and refunds posted by sellerledger"
CONFLICT_RETRIES = 4
# MYOB classes by DisplayID digit: 4 income, 8 other income; 5 cost of sales, 6 expense, 9 other expense
SAME_SIDE = {"4": ("8",), "8": ("4",), "5": ("6", "9"), "6": ("5", "9"), "9": ("5", "6")}


def link(record: Mapping[str, Any]) -> dict[str, str]:
    return {"UID": str(record["UID"])}


class MyobRefData:
    """Cached lookups for one company file (see the module docstring)."""

    def __init__(self, api: MyobApi, *, policy: RetryPolicy, tax_aliases: Mapping[str, str] | None = None,
                 receivable_account: str | None = None, sleep: Callable[[float], None] | None = None) -> None:
        self._api = api
        self._policy = policy
        self._aliases = {**DEFAULT_TAX_ALIASES, **(tax_aliases or {})}
        self._receivable_code = receivable_account
        self._sleep = sleep
        self._accounts: dict[str, dict[str, Any]] | None = None
        self._taxes: list[dict[str, Any]] | None = None
        self._currencies: list[dict[str, Any]] | None = None
        self._customers: dict[str, dict[str, Any]] = {}
        self._items: dict[str, dict[str, Any]] | None = None

    # accounts ---------------------------------------------------------------------------------------
    def accounts(self) -> dict[str, dict[str, Any]]:
        if self._accounts is None:
            self._accounts = {str(a["DisplayID"]): a for a in self._api.list("GeneralLedger/Account")}
        return self._accounts

    def account(self, display_id: str) -> dict[str, Any]:
        """The account with this DisplayID; failing that, the only account with the same number in a class on
        the same side of the P&L (a mapping may write `4-4040` for what the file classes as other income,
        `8-4040`; income never becomes expense, nor anything a balance-sheet account)."""
        record = self.accounts().get(display_id)
        if record is None and "-" in display_id:
            klass, number = display_id.split("-", 1)
            same = [a for a in self.accounts().values()
                    if str(a["DisplayID"]).partition("-")[2] == number
                    and str(a["DisplayID"]).partition("-")[0] in SAME_SIDE.get(klass, ())]
            if len(same) == 1:
                record = same[0]
                log.warning("myob: account %s is %s in the company file; using it", display_id, record["DisplayID"])
                self.accounts()[display_id] = record
        if record is None:
            raise FatalError(f"myob: account {display_id} is not in the company file's chart of accounts "
                             "(check the mapping's account codes)", ledger="myob", operation="render")
        return record

    def receivable_account(self) -> dict[str, Any]:
        """The account sale invoices debit (the file's receivable account), where clearing lines go."""
        if self._receivable_code:
            return self.account(self._receivable_code)
        found = [a for a in self.accounts().values() if a.get("Type") == "AccountReceivable"]
        if not found:
            raise FatalError("myob: no AccountReceivable account in the company file; set the connection's "
                             "receivable_account", ledger="myob", operation="render")
        return found[0]

    # tax codes and currencies -----------------------------------------------------------------------
    def tax(self, code: str | None) -> dict[str, Any]:
        if self._taxes is None:
            self._taxes = self._api.list("GeneralLedger/TaxCode")
        wanted = code or tax_codes.NO_TAX
        record = tax_codes.match(wanted, (((t.get("Code"), t.get("Description")), t) for t in self._taxes),
                                 self._aliases)
        if record is None:
            raise FatalError(f"myob: tax code {wanted!r} matches no TaxCode of the company file; map it in the "
                             "connection's tax_codes", ledger="myob", operation="render")
        return record

    def _currency_rows(self) -> list[dict[str, Any]]:
        if self._currencies is None:
            self._currencies = self._api.list("GeneralLedger/Currency")
        return self._currencies

    def base_currency(self) -> str:
        local = [c for c in self._currency_rows() if c.get("IsLocal")]
        if not local:
            raise FatalError("myob: the company file names no local currency", ledger="myob", operation="render")
        return str(local[0]["Code"])

    def currency(self, code: str) -> dict[str, Any]:
        for row in self._currency_rows():
            if str(row.get("Code")) == code:
                return row
        raise FatalError(f"myob: currency {code} is not set up in the company file", ledger="myob",
                         operation="render")

    # customers --------------------------------------------------------------------------------------
    def customer(self, name: str) -> dict[str, Any]:
        """The marketplace's customer (created, or brought up to date, as needed)."""
        name = name[:50]
        if name in self._customers:
            return self._customers[name]
        record = self._find_customer(name)
        if record is None:
            no_tax = link(self.tax(None))
            body = {"CompanyName": name, "IsIndividual": False, "IsActive": True, "Notes": CUSTOMER_NOTES,
                    "SellingDetails": {"TaxCode": no_tax, "FreightTaxCode": no_tax}}
            record, _ = create_once(lambda: self._api.post_once("Contact/Customer", body),
                                    lambda: self._find_customer(name), what=f"myob customer {name}",
                                    policy=self._policy, **self._sleep_kw())
        elif not record.get("IsActive", True) or record.get("Notes") != CUSTOMER_NOTES:
            record = self._update_customer(record)
        self._customers[name] = record
        return record

    def _find_customer(self, name: str) -> dict[str, Any] | None:
        rows = self._api.first("Contact/Customer", f"CompanyName eq {odata_text(name)}")
        return rows[0] if rows else None

    def _update_customer(self, record: dict[str, Any]) -> dict[str, Any]:
        """Reactivate / re-describe a customer, with the RowVersion it has now (409: read it again)."""
        uid = str(record["UID"])
        last: ConflictError | None = None
        for _ in range(CONFLICT_RETRIES):
            current = self._api.get(f"Contact/Customer/{uid}")
            body = {**current, "IsActive": True, "Notes": CUSTOMER_NOTES}
            body.pop("URI", None)
            try:
                updated = self._api.put("Contact/Customer", uid, body)
            except ConflictError as exc:
                last = exc
                continue
            log.info("myob: customer %s updated (RowVersion %s)", current.get("CompanyName"), updated.get("RowVersion"))
            return updated or current
        assert last is not None
        raise last

    # items ------------------------------------------------------------------------------------------
    def item(self, number: str, name: str, income_account: dict[str, Any], tax: dict[str, Any]) -> dict[str, Any] | None:
        """The sold item `number` posting to `income_account` (created when missing); None when an item
        of that number exists with another income account (the caller then uses a service layout)."""
        if self._items is None:
            self._items = {str(i["Number"]): i for i in self._api.list("Inventory/Item")}
        record = self._items.get(number)
        if record is None:
            body = {"Number": number, "Name": name[:30], "IsActive": True, "IsSold": True, "IsBought": False,
                    "IsInventoried": False, "IncomeAccount": link(income_account),
                    "Description": name, "UseDescription": False,
                    "SellingDetails": {"TaxCode": link(tax), "IsTaxInclusive": True}}
            record, _ = create_once(lambda: self._api.post_once("Inventory/Item", body),
                                    lambda: self._find_item(number), what=f"myob item {number}",
                                    policy=self._policy, duplicate=lambda e: e.code == "DuplicateItemNumber",
                                    **self._sleep_kw())
            self._items[number] = record
        income = (record.get("IncomeAccount") or {}).get("UID")
        if not record.get("IsSold") or str(income) != str(income_account["UID"]):
            return None
        return record

    def _find_item(self, number: str) -> dict[str, Any] | None:
        rows = self._api.first("Inventory/Item", f"Number eq {odata_text(number)}")
        return rows[0] if rows else None

    def _sleep_kw(self) -> dict[str, Any]:
        return {"sleep": self._sleep} if self._sleep is not None else {}
