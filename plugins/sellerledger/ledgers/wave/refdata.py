"""A Wave business's reference data, read once per client and kept: the business (currency, classic
accounting), accounts by `displayId` (subtype, normal balance, currency), sales taxes, customers and
products.

Customers and products are created the first time a document needs them (look up first, create when
absent, cache). A create whose answer is lost is looked for again by name before it is resent
(`create_once`), so a retry never makes a second "Amazon.com" customer or a second product.
A product is identified by its name and income account: the SKU (product sales) or the category label
(shipping, promotions, ...); when that name is taken by a product posting to another income account, the
account's displayId is added to the name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sellerledger.amazon.http import RetryPolicy
from sellerledger.ledgers import tax_codes
from sellerledger.ledgers.create_once import create_once
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.wave.api import Mutation, WaveApi
from sellerledger.ledgers.wave.errors import input_error

log = logging.getLogger(__name__)

PAGE_SIZE = 100
INCOME_SUBTYPES = frozenset({"INCOME", "DISCOUNTS", "OTHER_INCOME"})
ANCHOR_SUBTYPES = frozenset({"CASH_AND_BANK", "CREDIT_CARD", "MONEY_IN_TRANSIT"})  # ⚠ notes §4.2: inferred
CONTRA_SUBTYPES = frozenset({"DISCOUNTS", "DEPRECIATION_AND_AMORTIZATION"})
RECEIVABLE_SUBTYPES = ("RECEIVABLE_INVOICES", "RECEIVABLE")
UNTAXED = frozenset({"", "NONE", "NOTAX", "NOVAT", "EXEMPT"})

BUSINESS = "query($b: ID!) { business(id: $b) { id name isClassicAccounting currency { code } } }"
_PAGED = {
    "accounts": ("accounts(page: $page, pageSize: $size, isArchived: null)",
                 "id name displayId normalBalanceType isArchived currency { code } subtype { value } type { value }"),
    "salesTaxes": ("salesTaxes(page: $page, pageSize: $size, isArchived: false)", "id name abbreviation rate"),
    "customers": ("customers(page: $page, pageSize: $size, sort: [CREATED_AT_DESC])", "id name isArchived"),
    "products": ("products(page: $page, pageSize: $size, isArchived: false)",
                 "id name isSold isArchived incomeAccount { id }"),
}


def increases_on_debit(account: Mapping[str, Any]) -> bool:
    """INCREASE means debit for accounts whose normal balance is debit, inverted for contra subtypes."""
    debit = str(account.get("normalBalanceType")) == "DEBIT"
    return (not debit) if subtype(account) in CONTRA_SUBTYPES else debit


def subtype(account: Mapping[str, Any]) -> str:
    return str((account.get("subtype") or {}).get("value") or "")


def currency_of(account: Mapping[str, Any]) -> str:
    return str((account.get("currency") or {}).get("code") or "")


class WaveRefData:
    """Cached look-ups for one business (see the module docstring)."""

    def __init__(self, api: WaveApi, business_id: str, *, policy: RetryPolicy,
                 tax_aliases: Mapping[str, str] | None = None, receivable_account: str | None = None,
                 anchor_account: str | None = None, sleep: Callable[[float], None] | None = None) -> None:
        self.api = api
        self.business_id = business_id
        self._policy = policy
        self._aliases = dict(tax_aliases or {})
        self._receivable_code = receivable_account
        self._anchor_code = anchor_account
        self._sleep_kw: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        self._business: dict[str, Any] | None = None
        self._accounts: dict[str, dict[str, Any]] | None = None
        self._taxes: list[dict[str, Any]] | None = None
        self._customers: dict[str, dict[str, Any]] | None = None
        self._products: list[dict[str, Any]] | None = None

    # reads ------------------------------------------------------------------------------------------
    def _all(self, name: str) -> list[dict[str, Any]]:
        """Every node of a paged business connection (1-based offset pages)."""
        call, selection = _PAGED[name]
        document = (f"query($b: ID!, $page: Int!, $size: Int!) {{ business(id: $b) {{ {call} {{ "
                    f"pageInfo {{ currentPage totalPages }} edges {{ node {{ {selection} }} }} }} }} }}")
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self.api.query(name, document, {"b": self.business_id, "page": page, "size": PAGE_SIZE})
            connection = ((data.get("business") or {}).get(name)) or {}
            rows.extend(edge["node"] for edge in connection.get("edges") or [])
            info = connection.get("pageInfo") or {}
            if page >= int(info.get("totalPages") or 1):
                return rows
            page += 1

    def business(self) -> dict[str, Any]:
        if self._business is None:
            business = self.api.query("business", BUSINESS, {"b": self.business_id}).get("business")
            if not business:
                raise FatalError(f"wave: business {self.business_id} not found for this token", ledger="wave",
                                 operation="business")
            self._business = business
        return self._business

    def base_currency(self) -> str:
        return str(self.business()["currency"]["code"])

    def require_transactions(self) -> None:
        """moneyTransactionCreate needs a business on Wave's new accounting (not classic)."""
        if self.business().get("isClassicAccounting"):
            raise FatalError("wave: the business uses classic accounting; moneyTransactionCreate requires "
                             "isClassicAccounting to be false", ledger="wave", operation="render")

    # accounts ---------------------------------------------------------------------------------------
    def accounts(self) -> dict[str, dict[str, Any]]:
        if self._accounts is None:
            self._accounts = {str(a["displayId"]): a for a in self._all("accounts") if a.get("displayId")}
        return self._accounts

    def account(self, code: str) -> dict[str, Any]:
        record = self.accounts().get(code)
        if record is None or record.get("isArchived"):
            state = "archived" if record else "not in the chart of accounts"
            raise FatalError(f"wave: account {code} is {state} (check the mapping's account codes against the "
                             "accounts' account numbers in Wave)", ledger="wave", operation="render")
        return record

    def _by_subtypes(self, wanted: tuple[str, ...], what: str, setting: str) -> dict[str, Any]:
        live = [a for a in self.accounts().values() if not a.get("isArchived")]
        for value in wanted:
            found = sorted((a for a in live if subtype(a) == value), key=lambda a: str(a["displayId"]))
            if found:
                return found[0]
        raise FatalError(f"wave: no {what} account in the business; set the connection's {setting}",
                         ledger="wave", operation="render")

    def receivable(self) -> dict[str, Any]:
        """The accounts receivable account Wave's invoices debit (per_order links go there)."""
        if self._receivable_code:
            return self.account(self._receivable_code)
        return self._by_subtypes(RECEIVABLE_SUBTYPES, "accounts receivable", "receivable_account")

    def default_anchor(self) -> dict[str, Any]:
        """The bank account a transaction without money movement is anchored on (with amount 0)."""
        if self._anchor_code:
            return self.account(self._anchor_code)
        return self._by_subtypes(("CASH_AND_BANK",), "cash and bank", "anchor_account")

    # sales taxes ------------------------------------------------------------------------------------
    def tax(self, code: str | None) -> tuple[dict[str, Any], Decimal] | None:
        """(sales tax, rate in percent) for a mapping tax code; None for an untaxed code."""
        wanted = code or tax_codes.NO_TAX
        wanted = next((alias for key, alias in self._aliases.items()
                       if tax_codes.normalise(key) == tax_codes.normalise(wanted)), wanted)
        if tax_codes.normalise(wanted) in UNTAXED:
            return None
        if self._taxes is None:
            self._taxes = self._all("salesTaxes")
        record = tax_codes.match(wanted, (((t.get("abbreviation"), t.get("name")), t) for t in self._taxes))
        if record is None:
            raise FatalError(f"wave: tax code {wanted!r} matches no sales tax of the business; map it in the "
                             "connection's tax_codes (NONE for untaxed)", ledger="wave", operation="render")
        rate = Decimal(str(record["rate"]))
        return record, (rate * 100 if rate <= 1 else rate)

    # customers --------------------------------------------------------------------------------------
    def _customer_index(self) -> dict[str, dict[str, Any]]:
        rows = self._all("customers")
        return {str(c["name"]): c for c in reversed(rows) if not c.get("isArchived")}  # oldest wins

    def customer(self, name: str) -> dict[str, Any]:
        if self._customers is None:
            self._customers = self._customer_index()
        if name not in self._customers:
            body = {"businessId": self.business_id, "name": name, "currency": self.base_currency(),
                    "internalNotes": "Amazon marketplace customer: orders and refunds posted by sellerledger"}
            record, _ = create_once(lambda: self._create("customerCreate", "CustomerCreateInput", body,
                                                         "customer { id name isArchived }", "customer"),
                                    lambda: self._customer_index().get(name), what=f"wave customer {name}",
                                    policy=self._policy, **self._sleep_kw)
            self._customers[name] = record
        return self._customers[name]

    # products ---------------------------------------------------------------------------------------
    def _product_list(self) -> list[dict[str, Any]]:
        return [p for p in self._all("products") if p.get("isSold") and not p.get("isArchived")]

    def product(self, name: str, income: Mapping[str, Any]) -> dict[str, Any]:
        """The sold product `name` posting to `income` (created when missing; see the module docstring)."""
        if self._products is None:
            self._products = self._product_list()
        wanted = name[:200]
        for candidate in (wanted, f"{name[:180]} ({income['displayId']})"):
            same = [p for p in self._products if p["name"] == candidate]
            match = next((p for p in same if _income_id(p) == income["id"]), None)
            if match is not None:
                return match
            wanted = candidate
            if not same:
                break  # the name is free: create it
        body = {"businessId": self.business_id, "name": wanted, "unitPrice": "0", "incomeAccountId": income["id"],
                "description": f"Amazon: {name}"[:255]}
        record, _ = create_once(
            lambda: self._create("productCreate", "ProductCreateInput", body,
                                 "product { id name isSold isArchived incomeAccount { id } }", "product"),
            lambda: next((p for p in self._product_list() if p["name"] == wanted and _income_id(p) == income["id"]),
                         None),
            what=f"wave product {wanted}", policy=self._policy, **self._sleep_kw)
        self._products.append(record)
        return record

    def _create(self, field: str, input_type: str, body: dict[str, Any], selection: str, key: str) -> dict[str, Any]:
        outcome = self.api.mutate([Mutation(field, input_type, body, selection)])[0]
        if outcome.error is not None:
            raise outcome.error
        if not outcome.succeeded:
            raise input_error(field, str(body.get("name")), outcome.input_errors)
        log.info("wave: %s created %s", field, body.get("name"))
        return dict(outcome.output[key])  # type: ignore[index]


def _income_id(product: Mapping[str, Any]) -> str | None:
    income = product.get("incomeAccount") or {}
    return str(income.get("id")) if income.get("id") else None
