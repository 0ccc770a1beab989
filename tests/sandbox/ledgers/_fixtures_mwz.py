"""Fixtures and clients for the MYOB, Wave and Zoho stand-in tests: one sandbox serving only those three on
loopback per module (reset before each test), a signed-in client per ledger, the trial-balance reader,
and a checker that a GraphQL response matches the schema types of the query that produced it.

Test modules import what they use: `from tests.sandbox.ledgers._fixtures_mwz import mwz, mwz_server`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer

TIME_SCALE = 60.0  # one real second is a virtual minute
TODAY = date(2026, 11, 20)


def start_server(**options: Any) -> SandboxServer:
    """A running sandbox with only MYOB, Wave and Zoho; `options` become `SandboxConfig.options`."""
    config = SandboxConfig(today=TODAY, time_scale=TIME_SCALE, options=options)
    return SandboxServer(config, only=("myob", "wave", "zoho")).start()


@pytest.fixture(scope="module")
def mwz_server() -> Iterator[SandboxServer]:
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def mwz(mwz_server: SandboxServer) -> Iterator[httpx.Client]:
    """A client on the sandbox, reset first (documents, tokens, limits, faults), time scale restored, rate
    limits off."""
    with httpx.Client(base_url=mwz_server.url, timeout=10) as client:
        reset(client)
        yield client


def reset(client: httpx.Client) -> None:
    """Forget everything; rate limits off so bursts of test calls are not throttled (`slow_clock` turns
    them on for the tests about limits)."""
    client.post("/_sandbox/reset").raise_for_status()
    client.post("/_sandbox/clock", json={"time_scale": TIME_SCALE, "rate_limits": False}).raise_for_status()


def trial_balance(client: httpx.Client, ledger: str, tenant: str | None = None) -> dict[tuple[str, str], Decimal]:
    """{(account, currency): balance} of a tenant (debits positive)."""
    body = client.get(f"/_sandbox/{ledger}/trial-balance", params={"tenant": tenant} if tenant else {}).json()
    return {(row["account"], row["currency"]): Decimal(row["balance"]) for row in body["accounts"]}


def totals(client: httpx.Client, ledger: str, tenant: str | None = None) -> dict[str, Decimal]:
    body = client.get(f"/_sandbox/{ledger}/trial-balance", params={"tenant": tenant} if tenant else {}).json()
    return {currency: Decimal(total) for currency, total in body["totals"].items()}


def documents(client: httpx.Client, ledger: str, tenant: str | None = None) -> list[dict[str, Any]]:
    return client.get(f"/_sandbox/{ledger}/documents", params={"tenant": tenant} if tenant else {}).json()["documents"]


def set_faults(client: httpx.Client, *rules: dict[str, Any]) -> None:
    client.post("/_sandbox/faults", json={"rules": list(rules)}).raise_for_status()


def advance(client: httpx.Client, seconds: float) -> None:
    client.post("/_sandbox/clock", json={"advance_seconds": seconds}).raise_for_status()


def slow_clock(client: httpx.Client) -> None:
    """Rate limits on and virtual time nearly stopped, so buckets do not refill while a test spends them."""
    client.post("/_sandbox/clock", json={"time_scale": 0.001, "rate_limits": True}).raise_for_status()


def credentials(client: httpx.Client, ledger: str) -> dict[str, Any]:
    return client.get("/_sandbox/credentials").json()[ledger]


# ----------------------------------------------------------------------------------------- MYOB
class Myob:
    """A signed-in MYOB connection to one company file."""

    def __init__(self, client: httpx.Client, index: int = 0) -> None:
        self.client = client
        self.creds = credentials(client, "myob")
        self.file = self.creds["tenants"][index]
        self.refresh_token = self.file["refresh_token"]
        self.token = self.refresh()["access_token"]
        self._accounts: dict[str, dict[str, Any]] | None = None
        self._taxes: dict[str, dict[str, Any]] | None = None

    def refresh(self) -> dict[str, Any]:
        response = self.client.post(self.creds["token_url"], data={
            "client_id": self.creds["client_id"], "client_secret": self.creds["client_secret"],
            "grant_type": "refresh_token", "refresh_token": self.refresh_token})
        response.raise_for_status()
        body = response.json()
        self.refresh_token = body["refresh_token"]
        return body

    def headers(self, **override: str | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", "x-myobapi-key": self.creds["api_key"],
                   "x-myobapi-version": "v2", "x-myobapi-cftoken": self.file["cftoken"]}
        for name, value in override.items():
            key = name.replace("_", "-")
            if value is None:
                headers.pop(key, None)
            else:
                headers[key] = value
        return headers

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.file['company_file_uri']}/{path}"

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
                ) -> httpx.Response:
        return self.client.request(method, self.url(path), headers=headers or self.headers(), **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, json=body, **kwargs)

    def account(self, code: str) -> dict[str, str]:
        if self._accounts is None:
            items = self.get("GeneralLedger/Account").json()["Items"]
            self._accounts = {str(a["Number"]): a for a in items}
        return {"UID": self._accounts[code]["UID"]}

    def tax(self, code: str) -> dict[str, str]:
        if self._taxes is None:
            self._taxes = {t["Code"]: t for t in self.get("GeneralLedger/TaxCode").json()["Items"]}
        return {"UID": self._taxes[code]["UID"]}

    def currency(self, code: str) -> dict[str, str]:
        items = self.get("GeneralLedger/Currency", params={"$filter": f"Code eq '{code}'"}).json()["Items"]
        return {"UID": items[0]["UID"]}

    def customer(self, name: str = "Amazon Customer") -> dict[str, str]:
        response = self.post("Contact/Customer", {"CompanyName": name, "SellingDetails": {
            "TaxCode": self.tax("GST"), "FreightTaxCode": self.tax("GST")}}, params={"returnBody": "true"})
        response.raise_for_status()
        return {"UID": response.json()["UID"]}

    def service_invoice(self, customer: dict[str, str], total: str, tax: str = "GST", number: str | None = None,
                        **extra: Any) -> httpx.Response:
        body = {"Date": "2026-11-01T00:00:00", "Customer": customer, "Lines": [
            {"Description": "Amazon order", "Account": self.account("4000"), "Total": total, "TaxCode": self.tax(tax)}],
            **extra}
        if number:
            body["Number"] = number
        return self.post("Sale/Invoice/Service", body, params={"returnBody": "true"})


# ----------------------------------------------------------------------------------------- Wave
class Wave:
    """A signed-in Wave connection to one business."""

    def __init__(self, client: httpx.Client, index: int = 0) -> None:
        self.client = client
        self.creds = credentials(client, "wave")
        self.business = self.creds["tenants"][index]
        self.business_id = self.business["business_id"]
        response = client.post(self.creds["token_url"], data={
            "client_id": self.creds["client_id"], "client_secret": self.creds["client_secret"],
            "grant_type": "refresh_token", "refresh_token": self.business["refresh_token"]})
        response.raise_for_status()
        self.token_body = response.json()
        self.token = self.token_body["access_token"]
        self._accounts: dict[str, str] | None = None
        self._taxes: dict[str, str] | None = None

    def post(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return self.client.post(self.creds["graphql_url"], headers=headers,
                                json={"query": query, "variables": variables or {}})

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        return response.json()

    def accounts(self) -> dict[str, str]:
        if self._accounts is None:
            data = self.gql("query($b: ID!) { business(id: $b) { accounts(pageSize: 200) { edges { node { id "
                            "displayId } } } } }", {"b": self.business_id})["data"]
            self._accounts = {e["node"]["displayId"]: e["node"]["id"]
                              for e in data["business"]["accounts"]["edges"]}
        return self._accounts

    def taxes(self) -> dict[str, str]:
        if self._taxes is None:
            data = self.gql("query($b: ID!) { business(id: $b) { salesTaxes { edges { node { id abbreviation } } } } }",
                            {"b": self.business_id})["data"]
            self._taxes = {e["node"]["abbreviation"]: e["node"]["id"] for e in data["business"]["salesTaxes"]["edges"]}
        return self._taxes

    def create(self, mutation: str, input_type: str, data: dict[str, Any], selection: str) -> dict[str, Any]:
        query = f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ didSucceed inputErrors {{ path message code }} " \
                f"{selection} }} }}"
        return self.gql(query, {"i": {"businessId": self.business_id, **data}})["data"][mutation]

    def customer(self, name: str = "Buyer") -> str:
        return self.create("customerCreate", "CustomerCreateInput", {"name": name}, "customer { id }")["customer"]["id"]

    def product(self, name: str = "SKU-1", price: str = "10.00", income: str = "4000") -> str:
        out = self.create("productCreate", "ProductCreateInput",
                          {"name": name, "unitPrice": price, "incomeAccountId": self.accounts()[income]},
                          "product { id }")
        return out["product"]["id"]

    def money(self, external_id: str, anchor: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
        return self.create("moneyTransactionCreate", "MoneyTransactionCreateInput", {
            "externalId": external_id, "date": "2026-11-05", "description": "Amazon settlement",
            "anchor": anchor, "lineItems": lines}, "transaction { id }")


# ----------------------------------------------------------------------------------------- Zoho
class Zoho:
    """A signed-in Zoho Books connection to one organization (in its data centre)."""

    def __init__(self, client: httpx.Client, index: int = 0) -> None:
        self.client = client
        self.creds = credentials(client, "zoho")
        self.org = self.creds["tenants"][index]
        body = self.refresh(self.org["refresh_token"])
        self.token = body["access_token"]
        self.books = body["api_domain"] + "/books/v3"
        self._accounts: dict[str, str] | None = None
        self._taxes: dict[str, str] | None = None

    def refresh(self, refresh_token: str, accounts_server: str | None = None) -> dict[str, Any]:
        response = self.client.post(f"{accounts_server or self.org['accounts_server']}/oauth/v2/token", params={
            "refresh_token": refresh_token, "client_id": self.creds["client_id"],
            "client_secret": self.creds["client_secret"], "grant_type": "refresh_token"})
        response.raise_for_status()
        return response.json()

    def call(self, method: str, path: str, params: dict[str, Any] | None = None, token: str | None = None,
             headers: dict[str, str] | None = None, books: str | None = None, **kwargs: Any) -> httpx.Response:
        query = {"organization_id": self.org["organization_id"], **(params or {})}
        all_headers = {"Authorization": f"Zoho-oauthtoken {token or self.token}", **(headers or {})}
        return self.client.request(method, f"{books or self.books}{path}", params=query, headers=all_headers,
                                   **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.call(method, path, **kwargs)
        body = response.json()
        assert response.status_code in (200, 201) and body["code"] == 0, response.text
        return body

    def account(self, code: str) -> str:
        if self._accounts is None:
            rows = self.ok("GET", "/chartofaccounts")["chartofaccounts"]
            self._accounts = {r["account_code"]: r["account_id"] for r in rows}
        return self._accounts[code]

    def tax(self, name: str) -> str:
        if self._taxes is None:
            self._taxes = {t["tax_name"]: t["tax_id"] for t in self.ok("GET", "/settings/taxes")["taxes"]}
        return self._taxes[name]

    def currency(self, code: str) -> str:
        rows = self.ok("GET", "/settings/currencies")["currencies"]
        return next(r["currency_id"] for r in rows if r["currency_code"] == code)

    def contact(self, name: str = "Amazon Customer") -> str:
        return self.ok("POST", "/contacts", json={"contact_name": name})["contact"]["contact_id"]

    def invoice(self, customer: str, rate: str = "10.00", quantity: int = 1, tax: str | None = "GST 10%",
                number: str | None = None, params: dict[str, Any] | None = None, **extra: Any) -> httpx.Response:
        line: dict[str, Any] = {"name": "Widget", "rate": rate, "quantity": quantity, "account_id": self.account("4000")}
        if tax:
            line["tax_id"] = self.tax(tax)
        body = {"customer_id": customer, "date": "2026-11-01", "line_items": [line], **extra}
        query = dict(params or {})
        if number:
            body["invoice_number"] = number
            query["ignore_auto_number_generation"] = "true"
        return self.call("POST", "/invoices", params=query, json=body)


# ----------------------------------------------------------------------------------------- GraphQL response check
def check_response(schema: GraphQLSchema, query: str, data: Any) -> list[str]:
    """Where `data` breaks the schema types of `query`'s selections (nullability, lists, objects, enums,
    Int/Boolean/String/ID and Wave's Decimal/Date/DateTime strings). An empty list means it matches."""
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root = schema.get_root_type(operation.operation)
    problems: list[str] = []
    if data is not None:
        _check_selection(schema, root, operation.selection_set, data, "data", fragments, problems)
    return problems


def _fields(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> list[FieldNode]:
    result: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            result.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            result.extend(_fields(selection.selection_set, fragments))
        elif isinstance(selection, FragmentSpreadNode):
            result.extend(_fields(fragments[selection.name.value].selection_set, fragments))
    return result


def _check_selection(schema: GraphQLSchema, parent: Any, selection_set: SelectionSetNode, value: Any, path: str,
                     fragments: dict[str, FragmentDefinitionNode], problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{path}: expected an object, got {value!r}")
        return
    for field in _fields(selection_set, fragments):
        key = field.alias.value if field.alias else field.name.value
        if field.name.value == "__typename":
            continue
        if key not in value:
            problems.append(f"{path}.{key}: missing")
            continue
        definition = parent.fields[field.name.value]
        _check_value(schema, definition.type, field, value[key], f"{path}.{key}", fragments, problems)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check_value(schema: GraphQLSchema, type_: Any, field: FieldNode, value: Any, path: str,
                 fragments: dict[str, FragmentDefinitionNode], problems: list[str]) -> None:
    if isinstance(type_, GraphQLNonNull):
        if value is None:
            problems.append(f"{path}: null for a non-null {type_}")
            return
        type_ = type_.of_type
    if value is None:
        return
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list")
            return
        for index, item in enumerate(value):
            _check_value(schema, type_.of_type, field, item, f"{path}[{index}]", fragments, problems)
        return
    if isinstance(type_, GraphQLObjectType):
        assert field.selection_set is not None
        _check_selection(schema, type_, field.selection_set, value, path, fragments, problems)
        return
    if isinstance(type_, GraphQLEnumType):
        if value not in type_.values:
            problems.append(f"{path}: {value!r} is not a {type_.name}")
        return
    if isinstance(type_, GraphQLScalarType):
        ok = {
            "Int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "Boolean": lambda v: isinstance(v, bool),
            "String": lambda v: isinstance(v, str),
            "ID": lambda v: isinstance(v, str),
            "Decimal": lambda v: isinstance(v, str) and _is_decimal(v),
            "Date": lambda v: isinstance(v, str) and bool(_DATE.match(v)),
            "DateTime": lambda v: isinstance(v, str) and _is_datetime(v),
        }.get(type_.name, lambda v: True)
        if not ok(value):
            problems.append(f"{path}: {value!r} is not a {type_.name}")
        return
    problems.append(f"{path}: unchecked type {type_}")


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def decode_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode()


__all__ = ["Myob", "Wave", "Zoho", "advance", "check_response", "credentials", "decode_id", "documents",
           "mwz", "mwz_server", "reset", "set_faults", "slow_clock", "start_server", "totals", "trial_balance"]
