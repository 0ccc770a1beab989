"""Read resolvers of the Wave stand-in: objects whose attributes (or methods taking `info` and the field
arguments) are the GraphQL fields, so graphql-core's default resolver serves them.

Reads check the token's scopes (`FORBIDDEN`) and only reach the token's own business (`NOT_FOUND`).
Paging is Wave's: 1-based `page`, `pageSize`, `pageInfo{currentPage, totalPages, totalCount}`.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLResolveInfo

from sellerledger.sandbox.ledgers.mwz_shared import minor_units
from sellerledger.sandbox.ledgers.wave.model import ACCOUNT_TYPES, SUBTYPES, Business, normal_balance

if TYPE_CHECKING:
    from sellerledger.sandbox.ledgers.wave.api import WaveContext

CURRENCY_NAMES = {
    "USD": ("US dollar", "$", "US dollars"), "CAD": ("Canadian dollar", "$", "Canadian dollars"),
    "AUD": ("Australian dollar", "$", "Australian dollars"), "GBP": ("Pound sterling", "£", "Pounds sterling"),
    "EUR": ("Euro", "€", "Euros"), "JPY": ("Japanese yen", "¥", "Japanese yen"),
    "MXN": ("Mexican peso", "$", "Mexican pesos"), "INR": ("Indian rupee", "₹", "Indian rupees"),
    "SEK": ("Swedish krona", "kr", "Swedish kronor"), "PLN": ("Polish zloty", "zł", "Polish zlotys"),
}


def forbidden(scope: str) -> GraphQLError:
    return GraphQLError(f"The access token is missing the {scope} scope.", extensions={"code": "FORBIDDEN"})


def require_scope(info: GraphQLResolveInfo, scope: str) -> None:
    context: WaveContext = info.context
    if scope not in context.scopes:
        raise forbidden(scope)


def currency_view(code: str) -> dict[str, Any]:
    name, symbol, plural = CURRENCY_NAMES.get(code, (code, code, code))
    return {"code": code, "symbol": symbol, "name": name, "plural": plural, "exponent": minor_units(code)}


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    exponent = minor_units(currency)
    return {"raw": int((amount * (Decimal(10) ** exponent)).to_integral_value()), "value": format(amount, "f"),
            "currency": currency_view(currency)}


def connection(items: list[Any], page: int, page_size: int) -> dict[str, Any]:
    if page < 1 or page_size < 1:
        raise GraphQLError("page and pageSize must be positive.", extensions={"code": "BAD_USER_INPUT"})
    total = len(items)
    start = (page - 1) * page_size
    return {
        "edges": [{"node": item} for item in items[start:start + page_size]],
        "pageInfo": {"currentPage": page, "totalPages": max(1, math.ceil(total / page_size)), "totalCount": total},
    }


def _modified_filter(record: dict[str, Any], after: datetime | None, before: datetime | None) -> bool:
    moment = record.get("modifiedAt")
    return (after is None or moment > after) and (before is None or moment < before)


def account_type(value: str) -> dict[str, Any]:
    name, normal = ACCOUNT_TYPES[value]
    return {"name": name, "normalBalanceType": normal, "value": value}


def account_subtype(value: str) -> dict[str, Any]:
    name, type_value = SUBTYPES[value]
    return {"name": name, "value": value, "type": account_type(type_value)}


class AccountView:
    def __init__(self, business: Business, record: dict[str, Any]) -> None:
        self._business = business
        self._r = record
        self.id = record["id"]
        self.classicId = None
        self.name = record["name"]
        self.description = record["description"]
        self.displayId = record["displayId"]
        self.currency = currency_view(record["currency"])
        self.type = account_type(SUBTYPES[record["subtype"]][1])
        self.subtype = account_subtype(record["subtype"])
        self.normalBalanceType = normal_balance(record["subtype"])
        self.isArchived = record["isArchived"]
        self.sequence = record["sequence"]

    def business(self, info: GraphQLResolveInfo) -> BusinessView:
        return BusinessView(self._business)

    def balance(self, info: GraphQLResolveInfo) -> Decimal:
        debit = self._business.book.trial_balance().get((self._r["_book"], self._r["currency"]), Decimal(0))
        return debit if self.normalBalanceType == "DEBIT" else -debit

    def balanceInBusinessCurrency(self, info: GraphQLResolveInfo) -> Decimal | None:
        if self._r["currency"] != self._business.base_currency:
            return None
        return self.balance(info)


class CustomerView:
    def __init__(self, business: Business, record: dict[str, Any]) -> None:
        self._business = business
        for key, value in record.items():
            if not key.startswith("_"):
                setattr(self, key, value)
        self.currency = currency_view(record["currency"]) if record.get("currency") else None

    def business(self, info: GraphQLResolveInfo) -> BusinessView:
        return BusinessView(self._business)


class SalesTaxView:
    def __init__(self, business: Business, record: dict[str, Any]) -> None:
        self._business = business
        self._rate = record["rate"]
        for key, value in record.items():
            if not key.startswith("_") and key != "rate":
                setattr(self, key, value)
        self.rates = [{"effective": date(2000, 1, 1), "rate": self._rate}]

    def rate(self, info: GraphQLResolveInfo, **_: Any) -> Decimal:
        return self._rate

    def business(self, info: GraphQLResolveInfo) -> BusinessView:
        return BusinessView(self._business)


class ProductView:
    def __init__(self, business: Business, record: dict[str, Any]) -> None:
        self._business = business
        self._r = record
        for key, value in record.items():
            if not key.startswith("_") and not key.endswith("Id") and not key.endswith("Ids"):
                setattr(self, key, value)

    def business(self, info: GraphQLResolveInfo) -> BusinessView:
        return BusinessView(self._business)

    def incomeAccount(self, info: GraphQLResolveInfo) -> AccountView | None:
        record = self._business.records["Account"].get(self._r.get("incomeAccountId") or "")
        return AccountView(self._business, record) if record else None

    def expenseAccount(self, info: GraphQLResolveInfo) -> AccountView | None:
        record = self._business.records["Account"].get(self._r.get("expenseAccountId") or "")
        return AccountView(self._business, record) if record else None

    def defaultSalesTaxes(self, info: GraphQLResolveInfo) -> list[SalesTaxView]:
        taxes = self._business.records["SalesTax"]
        return [SalesTaxView(self._business, taxes[t]) for t in self._r.get("defaultSalesTaxIds", []) if t in taxes]


class InvoiceView:
    def __init__(self, business: Business, record: dict[str, Any]) -> None:
        self._business = business
        self._r = record
        currency = record["currency"]
        for key in ("id", "createdAt", "modifiedAt", "status", "title", "subhead", "invoiceNumber", "poNumber",
                    "invoiceDate", "dueDate", "exchangeRate", "memo", "footer", "disableCreditCardPayments",
                    "disableBankPayments", "disableAmexPayments", "itemTitle", "unitTitle", "priceTitle",
                    "amountTitle", "hideName", "hideDescription", "hideUnit", "hidePrice", "hideAmount",
                    "lastSentAt", "lastSentVia", "lastViewedAt"):
            setattr(self, key, record.get(key))
        self.internalId = record["id"]
        self.source = None
        self.pdfUrl = f"https://sandbox.invalid/wave/invoices/{record['id']}.pdf"
        self.viewUrl = f"https://sandbox.invalid/wave/invoices/{record['id']}"
        self.currency = currency_view(currency)
        self.total = money(record["total"], currency)
        self.taxTotal = money(record["taxTotal"], currency)
        self.amountPaid = money(Decimal(0), currency)
        self.amountDue = money(record["total"], currency)

    def business(self, info: GraphQLResolveInfo) -> BusinessView:
        return BusinessView(self._business)

    def customer(self, info: GraphQLResolveInfo) -> CustomerView:
        return CustomerView(self._business, self._business.records["Customer"][self._r["customerId"]])

    def items(self, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        currency = self._r["currency"]
        records = self._business.records
        result = []
        for item in self._r["items"]:
            result.append({
                "account": AccountView(self._business, records["Account"][item["accountId"]]),
                "product": ProductView(self._business, records["Product"][item["productId"]]),
                "description": item["description"],
                "quantity": item["quantity"],
                "price": item["unitPrice"],
                "unitPrice": item["unitPrice"],
                "subtotal": money(item["subtotal"], currency),
                "total": money(item["total"], currency),
                "taxes": [
                    {"amount": money(tax["amount"], currency), "rate": tax["rate"],
                     "salesTax": SalesTaxView(self._business, records["SalesTax"][tax["salesTaxId"]])}
                    for tax in item["taxes"]
                ],
            })
        return result


class BusinessView:
    """`Business` and its connections."""

    def __init__(self, business: Business) -> None:
        self._b = business
        self.id = business.id
        self.name = business.name
        self.isPersonal = False
        self.organizationalType = None
        self.type = None
        self.subtype = None
        self.currency = currency_view(business.base_currency)
        self.timezone = "UTC"
        self.address = None
        self.phone = self.fax = self.mobile = self.tollFree = self.website = None
        self.isClassicAccounting = business.is_classic_accounting
        self.isClassicInvoicing = False
        self.isArchived = False
        self.createdAt = business.created_at
        self.modifiedAt = business.created_at
        self.accentColor = None
        self.logoUrl = None

    def _one(self, kind: str, view: Any, wanted: str) -> Any:
        record = self._b.records[kind].get(wanted)
        return view(self._b, record) if record is not None else None

    def account(self, info: GraphQLResolveInfo, id: str) -> AccountView | None:
        require_scope(info, "account:read")
        return self._one("Account", AccountView, id)

    def accounts(self, info: GraphQLResolveInfo, page: int = 1, pageSize: int = 45,
                 subtypes: list[str] | None = None, types: list[str] | None = None,
                 isArchived: bool | None = False, **_: Any) -> dict[str, Any]:
        require_scope(info, "account:read")
        rows = [
            r for r in self._b.records["Account"].values()
            if (not subtypes or r["subtype"] in subtypes) and (not types or SUBTYPES[r["subtype"]][1] in types)
            and (isArchived is None or r["isArchived"] == isArchived)
        ]
        return connection([AccountView(self._b, r) for r in rows], page, pageSize)

    def customer(self, info: GraphQLResolveInfo, id: str) -> CustomerView | None:
        require_scope(info, "customer:read")
        return self._one("Customer", CustomerView, id)

    def customers(self, info: GraphQLResolveInfo, page: int = 1, pageSize: int = 45,
                  sort: list[str] | None = None, email: str | None = None,
                  modifiedAtAfter: datetime | None = None, modifiedAtBefore: datetime | None = None,
                  **_: Any) -> dict[str, Any]:
        require_scope(info, "customer:read")
        rows = [r for r in self._b.records["Customer"].values()
                if (email is None or r.get("email") == email) and _modified_filter(r, modifiedAtAfter, modifiedAtBefore)]
        rows = _sorted(rows, sort or ["CREATED_AT_DESC"])
        return connection([CustomerView(self._b, r) for r in rows], page, pageSize)

    def product(self, info: GraphQLResolveInfo, id: str) -> ProductView | None:
        require_scope(info, "product:read")
        return self._one("Product", ProductView, id)

    def products(self, info: GraphQLResolveInfo, page: int = 1, pageSize: int = 45,
                 sort: list[str] | None = None, isSold: bool | None = None, isBought: bool | None = None,
                 isArchived: bool | None = False, modifiedAtAfter: datetime | None = None,
                 modifiedAtBefore: datetime | None = None, **_: Any) -> dict[str, Any]:
        require_scope(info, "product:read")
        rows = [r for r in self._b.records["Product"].values()
                if (isSold is None or r["isSold"] == isSold) and (isBought is None or r["isBought"] == isBought)
                and (isArchived is None or r["isArchived"] == isArchived)
                and _modified_filter(r, modifiedAtAfter, modifiedAtBefore)]
        rows = _sorted(rows, sort or ["CREATED_AT_DESC"])
        return connection([ProductView(self._b, r) for r in rows], page, pageSize)

    def _invoices(self) -> list[dict[str, Any]]:
        with self._b.lock:
            return [d.data for d in self._b.documents.values() if d.type == "Invoice" and d.status != "DELETED"]

    def invoice(self, info: GraphQLResolveInfo, id: str) -> InvoiceView | None:
        require_scope(info, "invoice:read")
        record = next((r for r in self._invoices() if r["id"] == id), None)
        return InvoiceView(self._b, record) if record else None

    def invoices(self, info: GraphQLResolveInfo, page: int = 1, pageSize: int = 45,
                 sort: list[str] | None = None, status: str | None = None, customerId: str | None = None,
                 currency: str | None = None, invoiceDateStart: date | None = None,
                 invoiceDateEnd: date | None = None, modifiedAtAfter: datetime | None = None,
                 modifiedAtBefore: datetime | None = None, invoiceNumber: str | None = None,
                 **_: Any) -> dict[str, Any]:
        require_scope(info, "invoice:read")
        rows = [
            r for r in self._invoices()
            if (status is None or r["status"] == status) and (customerId is None or r["customerId"] == customerId)
            and (currency is None or r["currency"] == currency)
            and (invoiceDateStart is None or r["invoiceDate"] >= invoiceDateStart.isoformat())
            and (invoiceDateEnd is None or r["invoiceDate"] <= invoiceDateEnd.isoformat())
            and (invoiceNumber is None or r["invoiceNumber"] == invoiceNumber)
            and _modified_filter(r, modifiedAtAfter, modifiedAtBefore)
        ]
        rows = _sorted(rows, sort or ["CREATED_AT_DESC"])
        return connection([InvoiceView(self._b, r) for r in rows], page, pageSize)

    def salesTax(self, info: GraphQLResolveInfo, id: str) -> SalesTaxView | None:
        require_scope(info, "sales_tax:read")
        return self._one("SalesTax", SalesTaxView, id)

    def salesTaxes(self, info: GraphQLResolveInfo, isArchived: bool | None = False, page: int = 1,
                   pageSize: int = 45, modifiedAtAfter: datetime | None = None,
                   modifiedAtBefore: datetime | None = None, **_: Any) -> dict[str, Any]:
        require_scope(info, "sales_tax:read")
        rows = [r for r in self._b.records["SalesTax"].values()
                if (isArchived is None or r["isArchived"] == isArchived)
                and _modified_filter(r, modifiedAtAfter, modifiedAtBefore)]
        return connection([SalesTaxView(self._b, r) for r in rows], page, pageSize)

    def vendors(self, info: GraphQLResolveInfo, page: int = 1, pageSize: int = 45, **_: Any) -> dict[str, Any]:
        require_scope(info, "vendor:read")
        return connection([], page, pageSize)

    def vendor(self, info: GraphQLResolveInfo, **_: Any) -> None:
        require_scope(info, "vendor:read")
        return None


def _sorted(rows: list[dict[str, Any]], sort: list[str]) -> list[dict[str, Any]]:
    result = list(rows)
    for key in reversed(sort):
        field, _, direction = key.rpartition("_")
        name = {"CREATED_AT": "createdAt", "MODIFIED_AT": "modifiedAt", "INVOICE_DATE": "invoiceDate",
                "INVOICE_NUMBER": "invoiceNumber", "NAME": "name", "DUE_DATE": "dueDate",
                "AMOUNT_DUE": "total", "AMOUNT_PAID": "total", "TOTAL": "total", "STATUS": "status",
                "CUSTOMER_NAME": "customerId"}.get(field)
        if name is None:
            continue
        result.sort(key=lambda r, n=name: (r.get(n) is not None, r.get(n) or ""), reverse=direction == "DESC")
    return result
