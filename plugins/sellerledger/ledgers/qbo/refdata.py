"""A QuickBooks Online company's reference data, read once per client and cached: accounts by number
(AcctNum), the Accounts Receivable account, tax codes, classes and departments (the marketplace
tracking), customers by display name, items by name, the home currency. The company info and the first
1,000 rows of every list come in one `/batch` request of queries (a batch item may be a `Query`, notes
§2.5), under a fresh `requestid` each time (a read must not be answered from an earlier one); a list
that is longer, or whose query the batch refused, is read on its own.

Customers (a marketplace's generic Amazon customer, or a matched one) and items (one per SKU, one per
other Amazon category) are created the first time a document needs them, with a `requestid` derived from
the name so a retried create is not a second customer. An unknown account number, tax code, class or
department is a `FatalError` naming it: the chart and its tracking are the bookkeeper's.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sellerledger.ledgers.errors import AuthBlocked, FatalError, LedgerError
from sellerledger.ledgers.qbo.errors import fault_of

if TYPE_CHECKING:
    from sellerledger.ledgers.qbo.client import QboClient

ITEM_NAME_MAX = 100
DUPLICATE_NAME = "6240"
LISTS = ("Account", "TaxCode", "Class", "Department", "Item")
PAGE = 1000
NAMESPACE = uuid.UUID("0b7c8e0e-57a4-4d3e-9d3e-5e11e71ed9e1")


def literal(value: str) -> str:
    """A string literal of the QBO query language (single quotes, backslash escapes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def select(entity: str, suffix: str = "", **equals: str) -> str:
    """`select * from <Entity> [where a = 'x' and ...] [suffix]`, values quoted as QBO literals. This is
    Intuit's query language, sent as a request parameter to Intuit, not SQL run by us."""
    clause = " and ".join(f"{field} = {literal(value)}" for field, value in equals.items())
    text = f"select * from {entity}" + (f" where {clause}" if clause else "")  # noqa: S608
    return f"{text} {suffix}".strip()


def request_id(*parts: str) -> str:
    """A deterministic `requestid` (36 characters, leaving room for batch item ids under 50)."""
    return str(uuid.uuid5(NAMESPACE, "\n".join(parts)))


class QboRefs:
    """Cached look-ups against one company (see the module docstring)."""

    def __init__(self, client: QboClient) -> None:
        self.client = client
        self._accounts: dict[str, dict[str, Any]] | None = None
        self._tax: dict[str, dict[str, Any]] | None = None
        self._segments: dict[str, dict[str, str]] = {}
        self._customers: dict[tuple[str, str], str] = {}
        self._items: dict[str, dict[str, Any]] | None = None
        self._company: dict[str, Any] | None = None
        self._first: dict[str, list[dict[str, Any]]] | None = None  # entity -> first page, from the batch

    def _prefetch(self) -> dict[str, list[dict[str, Any]]]:
        """CompanyInfo and each list's first page in one `/batch` (see the module docstring)."""
        if self._first is None:
            items = [{"bId": "CompanyInfo", "Query": "select * from CompanyInfo"}]
            items += [{"bId": entity, "Query": select(entity, f"STARTPOSITION 1 MAXRESULTS {PAGE}")} for entity in LISTS]
            try:
                answers = self.client.batch(items, str(uuid.uuid4()))
            except AuthBlocked:
                raise
            except LedgerError:
                answers = {}  # each is read on its own, as if there were no batch
            self._first = {}
            for entity in ("CompanyInfo", *LISTS):
                answer = answers.get(entity) or {}
                if fault_of(answer) is None and isinstance(answer.get("QueryResponse"), dict):
                    self._first[entity] = list(answer["QueryResponse"].get(entity) or [])
        return self._first

    def _rows(self, entity: str) -> list[dict[str, Any]]:
        """Every row of a list: the prefetched first page, then the rest (or all of it) by queries."""
        first = self._prefetch().pop(entity, None)
        if first is None:
            return self.client.query_all(entity)
        return first if len(first) < PAGE else first + self.client.query_all(entity, start=len(first) + 1)

    def company(self) -> dict[str, Any]:
        if self._company is None:
            rows = self._prefetch().pop("CompanyInfo", None)
            if rows:
                self._company = rows[0]
            else:
                body = self.client.get("readCompanyInfo", f"companyinfo/{self.client.tenant}")
                self._company = body.get("CompanyInfo") or {}
        return self._company

    @property
    def home_currency(self) -> str:
        for pair in self.company().get("NameValue") or []:
            if pair.get("Name") == "HomeCurrency":
                return str(pair.get("Value"))
        return "USD"

    # accounts, tax codes, classes ----------------------------------------------------------------------
    def _accounts_by_number(self) -> dict[str, dict[str, Any]]:
        if self._accounts is None:
            self._accounts = {}
            for row in self._rows("Account"):
                if row.get("Active", True) and row.get("AcctNum"):
                    self._accounts[str(row["AcctNum"])] = row
        return self._accounts

    def account(self, number: str) -> dict[str, Any]:
        found = self._accounts_by_number().get(number)
        if found is None:
            raise FatalError(f"qbo: no active account with number (AcctNum) {number!r}; fix the mapping or number "
                             "the account", ledger="qbo", operation="render")
        return found

    def receivable(self) -> dict[str, Any]:
        found = [a for a in self._accounts_by_number().values() if a.get("AccountType") == "Accounts Receivable"]
        if not found:
            raise FatalError("qbo: the company has no numbered Accounts Receivable account", ledger="qbo",
                             operation="render")
        return found[0]

    def tax_code(self, code: str | None) -> dict[str, Any] | None:
        """The tax code named `code`; None for no tax (absent, `NONE` or a non-taxable code)."""
        if self._tax is None:
            self._tax = {str(row["Name"]).upper(): row for row in self._rows("TaxCode")
                         if row.get("Active", True)}
        if not code or code.upper() == "NONE":
            return None
        found = self._tax.get(code.upper())
        if found is None:
            raise FatalError(f"qbo: tax code {code!r} does not exist in the company", ledger="qbo",
                             operation="render")
        return found if found.get("Taxable", True) else None

    def segment(self, kind: str, name: str) -> str:
        """The Id of the class (`kind` Class) or department (Department) called `name`."""
        if kind not in self._segments:
            self._segments[kind] = {str(row["Name"]).lower(): str(row["Id"]) for row in self._rows(kind)
                                    if row.get("Active", True)}
        found = self._segments[kind].get(name.lower())
        if found is None:
            raise FatalError(f"qbo: {kind.lower()} {name!r} does not exist in the company; create it or change the "
                             "mapping's tracking", ledger="qbo", operation="render")
        return found

    # customers and items -------------------------------------------------------------------------------
    def customer_id(self, name: str, currency: str) -> str:
        key = (name, currency)
        if key in self._customers:
            return self._customers[key]
        rows = self._customers_named(name)
        body = {"DisplayName": name, "CompanyName": name, "CurrencyRef": {"value": currency}}
        for attempt in range(2):  # a Fault (nothing saved) is replayed for its requestid: retry under a new one
            if rows:
                break
            try:
                rows = [self.client.post("Customer", "customer", body,
                                         request_id("customer", name, currency, str(attempt)))["Customer"]]
            except FatalError as exc:
                rows = self._customers_named(name) if exc.code == DUPLICATE_NAME else []
                if not rows and attempt == 1:
                    raise
        customer = rows[0]
        held = (customer.get("CurrencyRef") or {}).get("value", currency)
        if held != currency:
            raise FatalError(f"qbo: customer {name!r} is in {held}, the document in {currency}", ledger="qbo",
                             operation="render")
        self._customers[key] = str(customer["Id"])
        return self._customers[key]

    def _customers_named(self, name: str) -> list[dict[str, Any]]:
        rows = self.client.query(select("Customer", DisplayName=name)).get("Customer", [])
        return [row for row in rows if row.get("Active", True)]

    def items(self) -> dict[str, dict[str, Any]]:
        if self._items is None:
            self._items = {str(row["Name"]).lower(): row for row in self._rows("Item")}
        return self._items

    def ensure_items(self, wanted: dict[str, tuple[str, str, str | None]]) -> None:
        """Create the items (name → (description, income account number, sku)) the company lacks."""
        known = self.items()
        missing = {name: spec for name, spec in wanted.items() if name.lower() not in known}
        if not missing:
            return
        bodies = [(name, {"Name": name, "Type": "NonInventory", "Description": description,
                          "IncomeAccountRef": {"value": self.account(account)["Id"]},
                          **({"Sku": sku} if sku else {})})
                  for name, (description, account, sku) in sorted(missing.items())]
        for name, created in self.client.batch_create("Item", bodies):
            known[name.lower()] = created

    def item_id(self, name: str) -> str:
        found = self.items().get(name.lower())
        if found is None:
            raise FatalError(f"qbo: item {name!r} is missing", ledger="qbo", operation="render")
        return str(found["Id"])


def item_name(category: str, label: str, sku: str | None) -> str:
    """The QBO item a sales line is booked against: the SKU for product lines, the category otherwise."""
    if sku and category in ("principal", "refund_principal"):
        return sku[:ITEM_NAME_MAX]
    return f"Amazon {label}"[:ITEM_NAME_MAX]
