"""A Wave business's reference data, read once per client and kept: the business (currency, classic
accounting), accounts by `displayId` (subtype, normal balance, currency), sales taxes, customers and
products.

The business query also asks for the first page of every list above, so a client's reference reads are
usually one request. Customers and products are created the first time a document needs them (look up
first, create when absent, cache); `ensure_products` creates the products a set of documents lacks as
aliased `productCreate` mutations, several per request. A create whose answer may have been lost is looked
for again by name before it is resent (`create_once`; for a batch, the product list is read again and only
what is still missing goes out), so a retry never makes a second "Amazon.com" customer or a second product.
A product is identified by its name and income account: the SKU (product sales) or the category label
(shipping, promotions, ...); when that name is taken by a product posting to another income account, the
account's displayId is added to the name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sellerledger.amazon.http import RetryPolicy
from sellerledger.ledgers import tax_codes
from sellerledger.ledgers.create_once import create_once, was_refused_unprocessed
from sellerledger.ledgers.errors import AuthBlocked, FatalError, LedgerError, RetriableError
from sellerledger.ledgers.wave.api import Mutation, WaveApi
from sellerledger.ledgers.wave.errors import input_error

log = logging.getLogger(__name__)

PAGE_SIZE = 100
INCOME_SUBTYPES = frozenset({"INCOME", "DISCOUNTS", "OTHER_INCOME"})
ANCHOR_SUBTYPES = frozenset({"CASH_AND_BANK", "CREDIT_CARD", "MONEY_IN_TRANSIT"})  # ⚠ notes §4.2: inferred
CONTRA_SUBTYPES = frozenset({"DISCOUNTS", "DEPRECIATION_AND_AMORTIZATION"})
RECEIVABLE_SUBTYPES = ("RECEIVABLE_INVOICES", "RECEIVABLE")
UNTAXED = frozenset({"", "NONE", "NOTAX", "NOVAT", "EXEMPT"})

_PAGED = {
    "accounts": ("accounts(page: $page, pageSize: $size, isArchived: null)",
                 "id name displayId normalBalanceType isArchived currency { code } subtype { value } type { value }"),
    "salesTaxes": ("salesTaxes(page: $page, pageSize: $size, isArchived: false)", "id name abbreviation rate"),
    "customers": ("customers(page: $page, pageSize: $size, sort: [CREATED_AT_DESC])", "id name isArchived"),
    "products": ("products(page: $page, pageSize: $size, isArchived: false)",
                 "id name isSold isArchived incomeAccount { id }"),
}
PRODUCT_SELECTION = "product { id name isSold isArchived incomeAccount { id } }"


def _connection(name: str) -> str:
    call, selection = _PAGED[name]
    return f"{name}: {call} {{ pageInfo {{ currentPage totalPages }} edges {{ node {{ {selection} }} }} }}"


BUSINESS = ("query($b: ID!, $page: Int!, $size: Int!) { business(id: $b) { id name isClassicAccounting "
            "currency { code } " + " ".join(_connection(name) for name in _PAGED) + " } }")


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
        self._first_pages: dict[str, dict[str, Any]] = {}  # list name -> page 1, read with the business

    # reads ------------------------------------------------------------------------------------------
    def _all(self, name: str) -> list[dict[str, Any]]:
        """Every node of a paged business connection (1-based offset pages); page 1 from the business
        query when it is still unused."""
        document = f"query($b: ID!, $page: Int!, $size: Int!) {{ business(id: $b) {{ {_connection(name)} }} }}"
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            connection = self._first_pages.pop(name, None) if page == 1 else None
            if connection is None:
                data = self.api.query(name, document, {"b": self.business_id, "page": page, "size": PAGE_SIZE})
                connection = ((data.get("business") or {}).get(name)) or {}
            rows.extend(edge["node"] for edge in connection.get("edges") or [])
            info = connection.get("pageInfo") or {}
            if page >= int(info.get("totalPages") or 1):
                return rows
            page += 1

    def business(self) -> dict[str, Any]:
        if self._business is None:
            business = self.api.query("business", BUSINESS, {"b": self.business_id, "page": 1, "size": PAGE_SIZE}
                                      ).get("business")
            if not business:
                raise FatalError(f"wave: business {self.business_id} not found for this token", ledger="wave",
                                 operation="business")
            self._first_pages = {name: business.pop(name) for name in _PAGED if isinstance(business.get(name), dict)}
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
            self.business()  # reads the first page of accounts with it
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
            self.business()  # reads the first page of sales taxes with it
            self._taxes = self._all("salesTaxes")
        record = tax_codes.match(wanted, (((t.get("abbreviation"), t.get("name")), t) for t in self._taxes))
        if record is None:
            raise FatalError(f"wave: tax code {wanted!r} matches no sales tax of the business; map it in the "
                             "connection's tax_codes (NONE for untaxed)", ledger="wave", operation="render")
        rate = Decimal(str(record["rate"]))
        return record, (rate * 100 if rate <= 1 else rate)

    # customers --------------------------------------------------------------------------------------
    def _customer_index(self) -> dict[str, dict[str, Any]]:
        self.business()
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
        self.business()
        return [p for p in self._all("products") if p.get("isSold") and not p.get("isArchived")]

    def _known_products(self) -> list[dict[str, Any]]:
        if self._products is None:
            self._products = self._product_list()
        return self._products

    def _resolve(self, name: str, income: Mapping[str, Any], known: list[dict[str, Any]]
                 ) -> tuple[dict[str, Any] | None, str]:
        """(the product of `known` to use, or None and the free name to create it under)."""
        wanted = name[:200]
        for candidate in (wanted, f"{name[:180]} ({income['displayId']})"):
            same = [p for p in known if p["name"] == candidate]
            match = next((p for p in same if _income_id(p) == income["id"]), None)
            if match is not None:
                return match, candidate
            wanted = candidate
            if not same:
                break  # the name is free: create it
        return None, wanted

    def _product_body(self, name: str, wanted: str, income: Mapping[str, Any]) -> dict[str, Any]:
        return {"businessId": self.business_id, "name": wanted, "unitPrice": "0", "incomeAccountId": income["id"],
                "description": f"Amazon: {name}"[:255]}

    def product(self, name: str, income: Mapping[str, Any]) -> dict[str, Any]:
        """The sold product `name` posting to `income` (created when missing; see the module docstring)."""
        known = self._known_products()
        match, wanted = self._resolve(name, income, known)
        if match is not None:
            return match
        body = self._product_body(name, wanted, income)
        record, _ = create_once(
            lambda: self._create("productCreate", "ProductCreateInput", body, PRODUCT_SELECTION, "product"),
            lambda: next((p for p in self._product_list() if p["name"] == wanted and _income_id(p) == income["id"]),
                         None),
            what=f"wave product {wanted}", policy=self._policy, **self._sleep_kw)
        known.append(record)
        return record

    def ensure_products(self, wanted: Sequence[tuple[str, Mapping[str, Any]]], per_request: int) -> None:
        """Create the products (name, income account) the business lacks, `per_request` aliased
        `productCreate`s a request. What a failed request leaves missing goes through `product` one by
        one, after the product list is read again when the failure may hide a commit."""
        known = self._known_products()
        planned: list[dict[str, Any]] = []
        for name, income in wanted:
            match, free = self._resolve(name, income, known + planned)
            if match is None:
                planned.append({**self._product_body(name, free, income), "incomeAccount": {"id": income["id"]},
                                "source": (name, income)})
        leftovers: list[tuple[str, Mapping[str, Any]]] = []
        reread = False
        for start in range(0, len(planned), max(1, per_request)):
            chunk = planned[start:start + max(1, per_request)]
            mutations = [Mutation("productCreate", "ProductCreateInput",
                                  {k: v for k, v in body.items() if k not in ("incomeAccount", "source")},
                                  PRODUCT_SELECTION) for body in chunk]
            try:
                outcomes = self.api.mutate(mutations)
            except AuthBlocked:
                raise
            except LedgerError as exc:
                log.warning("%s; creating those %d products one by one", exc, len(chunk))
                reread = reread or (isinstance(exc, RetriableError) and not was_refused_unprocessed(exc))
                leftovers += [body["source"] for body in chunk]
                continue
            for body, outcome in zip(chunk, outcomes, strict=True):
                if outcome.succeeded:
                    known.append(dict(outcome.output["product"]))  # type: ignore[index]
                    log.info("wave: productCreate created %s", body["name"])
                elif outcome.error is None:
                    raise input_error("productCreate", str(body["name"]), outcome.input_errors)
                else:
                    reread = reread or (isinstance(outcome.error, RetriableError)
                                        and not was_refused_unprocessed(outcome.error))
                    leftovers.append(body["source"])
        if reread:
            self._products = known = self._product_list()
        for name, income in leftovers:
            self.product(name, income)

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
