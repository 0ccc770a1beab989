"""Mutations of the Wave stand-in, with Wave's validation answers: a refused input is HTTP 200 with
`didSucceed: false` and `inputErrors[{path, message, code}]`, and nothing is committed.

`moneyTransactionCreate` is write-once: there is no read, update or delete of a transaction, and a second
create with an `externalId` already used in the business is refused (knob `dedupe_external_id`, default
on). Entries: the anchor (DEPOSIT debits it, WITHDRAWAL credits it) and each line item by its `balance`
(INCREASE / DECREASE relative to the account's normal balance, inverted for the contra subtypes DISCOUNTS
and DEPRECIATION_AND_AMORTIZATION; or DEBIT / CREDIT), line taxes on the line's side; the anchor must
equal the net of the lines. Invoices post when SAVED (a DRAFT posts on `invoiceApprove`):
receivable debited with the total, income and sales-tax accounts credited; `invoiceDelete` takes them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sellerledger.sandbox.core.book import Entry
from sellerledger.sandbox.ledgers.common import Document
from sellerledger.sandbox.ledgers.mwz_shared import RECEIVABLE_ACCOUNT, round_money
from sellerledger.sandbox.ledgers.wave.model import (
    ANCHOR_SUBTYPES,
    CONTRA_SUBTYPES,
    INCOME_SUBTYPES,
    SUBTYPES,
    Business,
    normal_balance,
)
from sellerledger.sandbox.ledgers.wave.views import (
    AccountView,
    CustomerView,
    InvoiceView,
    ProductView,
)

if TYPE_CHECKING:
    from sellerledger.sandbox.ledgers.wave.api import WaveContext


@dataclass
class InputErrors(Exception):
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, path: list[str | int], message: str, code: str = "INVALID") -> None:
        self.errors.append({"path": ["input", *[str(p) for p in path]], "message": message, "code": code})

    def raise_any(self) -> None:
        if self.errors:
            raise self


def failed(errors: InputErrors, **empty: Any) -> dict[str, Any]:
    return {"didSucceed": False, "inputErrors": errors.errors, **{k: None for k in empty}}


def _business(context: WaveContext, business_id: str) -> Business:
    business = context.business(business_id)
    if business is None:
        errors = InputErrors()
        errors.add(["businessId"], "Business not found.", "NOT_FOUND")
        raise errors
    return business


def _lookup(business: Business, kind: str, value: str | None, path: list[str | int], errors: InputErrors,
            label: str) -> dict[str, Any] | None:
    if value is None:
        return None
    record = business.records[kind].get(value)
    if record is None:
        errors.add(path, f"{label} not found.", "NOT_FOUND")
    return record


# ----------------------------------------------------------------------------------------- masters
def customer_create(context: WaveContext, data: dict[str, Any]) -> dict[str, Any]:
    try:
        business = _business(context, data["businessId"])
        errors = InputErrors()
        if not str(data.get("name") or "").strip():
            errors.add(["name"], "Name is required.", "REQUIRED")
        errors.raise_any()
    except InputErrors as exc:
        return failed(exc, customer=None)
    now = context.now()
    with business.lock:
        customer_id = business.new_id("Customer")
        record = {
            "id": customer_id, "internalId": customer_id, "name": data["name"],
            "firstName": data.get("firstName"), "lastName": data.get("lastName"), "displayId": data.get("displayId"),
            "email": data.get("email"), "mobile": data.get("mobile"), "phone": data.get("phone"),
            "fax": data.get("fax"), "tollFree": data.get("tollFree"), "website": data.get("website"),
            "internalNotes": data.get("internalNotes"), "currency": data.get("currency") or business.base_currency,
            "address": None, "shippingDetails": None, "createdAt": now, "modifiedAt": now, "isArchived": False,
        }
        business.records["Customer"][customer_id] = record
    return {"didSucceed": True, "inputErrors": [], "customer": CustomerView(business, record)}


def product_create(context: WaveContext, data: dict[str, Any]) -> dict[str, Any]:
    try:
        business = _business(context, data["businessId"])
        errors = InputErrors()
        if not str(data.get("name") or "").strip():
            errors.add(["name"], "Name is required.", "REQUIRED")
        income = _lookup(business, "Account", data.get("incomeAccountId"), ["incomeAccountId"], errors, "Account")
        if income is not None and income["subtype"] not in INCOME_SUBTYPES:
            errors.add(["incomeAccountId"], "The income account must be an Income, Discount or Other Income account.")
        expense = _lookup(business, "Account", data.get("expenseAccountId"), ["expenseAccountId"], errors, "Account")
        if expense is not None and SUBTYPES[expense["subtype"]][1] != "EXPENSE":
            errors.add(["expenseAccountId"], "The expense account must be an Expense account.")
        if data.get("incomeAccountId") is None and data.get("expenseAccountId") is None:
            errors.add(["incomeAccountId"], "A product must be sold (incomeAccountId) or bought (expenseAccountId).")
        tax_ids = data.get("defaultSalesTaxIds") or []
        for index, tax_id in enumerate(tax_ids):
            _lookup(business, "SalesTax", tax_id, ["defaultSalesTaxIds", index], errors, "Sales tax")
        errors.raise_any()
    except InputErrors as exc:
        return failed(exc, product=None)
    now = context.now()
    with business.lock:
        product_id = business.new_id("Product")
        record = {
            "id": product_id, "internalId": product_id, "name": data["name"], "description": data.get("description"),
            "unitPrice": data["unitPrice"], "isSold": income is not None, "isBought": expense is not None,
            "isArchived": False, "createdAt": now, "modifiedAt": now,
            "incomeAccountId": income["id"] if income else None,
            "expenseAccountId": expense["id"] if expense else None, "defaultSalesTaxIds": list(tax_ids),
        }
        business.records["Product"][product_id] = record
    return {"didSucceed": True, "inputErrors": [], "product": ProductView(business, record)}


def account_create(context: WaveContext, data: dict[str, Any]) -> dict[str, Any]:
    try:
        business = _business(context, data["businessId"])
        errors = InputErrors()
        if not str(data.get("name") or "").strip():
            errors.add(["name"], "Name is required.", "REQUIRED")
        display_id = data.get("displayId")
        if display_id and any(a["displayId"] == display_id for a in business.records["Account"].values()):
            errors.add(["displayId"], "An account with this account number already exists.", "DUPLICATE")
        errors.raise_any()
    except InputErrors as exc:
        return failed(exc, account=None)
    with business.lock:
        code = display_id or f"W{business.next_number('account-code'):04d}"
        record = business.add_account(data["name"], data["subtype"], data.get("currency") or business.base_currency,
                                      display_id, data.get("description"), code, context.now())
    return {"didSucceed": True, "inputErrors": [], "account": AccountView(business, record)}


def account_patch(context: WaveContext, data: dict[str, Any]) -> dict[str, Any]:
    errors = InputErrors()
    business = context.business_of(data["id"])
    record = business.records["Account"].get(data["id"]) if business else None
    if business is None or record is None:
        errors.add(["id"], "Account not found.", "NOT_FOUND")
        return failed(errors, account=None)
    with business.lock:
        if data["sequence"] != record["sequence"]:
            errors.add(["sequence"], "The account was changed since it was read; read it again.", "STALE")
            return failed(errors, account=None)
        for name in ("name", "description", "displayId"):
            if data.get(name) is not None:
                record[name] = data[name]
        record["sequence"] += 1
        record["modifiedAt"] = context.now()
    return {"didSucceed": True, "inputErrors": [], "account": AccountView(business, record)}


# ----------------------------------------------------------------------------------------- invoices
def _invoice_entries(business: Business, record: dict[str, Any]) -> list[Entry]:
    currency = record["currency"]
    amounts: dict[str, Decimal] = {RECEIVABLE_ACCOUNT: record["total"]}
    accounts = business.records["Account"]
    for item in record["items"]:
        book = accounts[item["accountId"]]["_book"]
        amounts[book] = amounts.get(book, Decimal(0)) - item["subtotal"]
        for tax in item["taxes"]:
            tax_book = business.records["SalesTax"][tax["salesTaxId"]]["_account"]
            amounts[tax_book] = amounts.get(tax_book, Decimal(0)) - tax["amount"]
    return [Entry(account, currency, amount) for account, amount in amounts.items() if amount != 0]


def invoice_create(context: WaveContext, data: dict[str, Any]) -> dict[str, Any]:
    try:
        business = _business(context, data["businessId"])
        errors = InputErrors()
        customer = _lookup(business, "Customer", data["customerId"], ["customerId"], errors, "Customer")
        currency = data.get("currency") or business.base_currency
        rate = data.get("exchangeRate")
        if currency != business.base_currency and rate is None:
            errors.add(["exchangeRate"], "An exchange rate is required for an invoice in a foreign currency.",
                       "REQUIRED")
        items_in = data.get("items") or []
        if not items_in:
            errors.add(["items"], "An invoice needs at least one item.", "REQUIRED")
        items = []
        for index, item in enumerate(items_in):
            product = _lookup(business, "Product", item["productId"], ["items", index, "productId"], errors,
                              "Product")
            if product is None:
                continue
            if not product["isSold"]:
                errors.add(["items", index, "productId"], "The product is not sold (it has no income account).")
                continue
            quantity = item.get("quantity") if item.get("quantity") is not None else Decimal(1)
            price = item.get("unitPrice") if item.get("unitPrice") is not None else product["unitPrice"]
            subtotal = round_money(quantity * price, currency)
            taxes = []
            for t_index, tax in enumerate(item.get("taxes") or []):
                sales_tax = _lookup(business, "SalesTax", tax["salesTaxId"],
                                    ["items", index, "taxes", t_index, "salesTaxId"], errors, "Sales tax")
                if sales_tax is None:
                    continue
                amount = tax.get("amount")
                if amount is None:
                    amount = round_money(subtotal * sales_tax["rate"], currency)
                taxes.append({"salesTaxId": sales_tax["id"], "amount": amount, "rate": sales_tax["rate"]})
            items.append({"productId": product["id"], "accountId": product["incomeAccountId"],
                          "description": item.get("description") or product.get("description"),
                          "quantity": quantity, "unitPrice": price, "subtotal": subtotal, "taxes": taxes,
                          "total": subtotal + sum((t["amount"] for t in taxes), Decimal(0))})
        errors.raise_any()
        assert customer is not None
    except InputErrors as exc:
        return failed(exc, invoice=None)
    now = context.now()
    with business.lock:
        numbers = [int(d.data["invoiceNumber"]) for d in business.documents.values()
                   if d.type == "Invoice" and str(d.data["invoiceNumber"]).isdigit()]
        number = data.get("invoiceNumber") or str(max(numbers, default=0) + 1)
        invoice_date = (data.get("invoiceDate") or now.date()).isoformat()
        tax_total = sum((t["amount"] for i in items for t in i["taxes"]), Decimal(0))
        total = sum((i["total"] for i in items), Decimal(0))
        invoice_id = business.new_id("Invoice")
        status = data.get("status") or "DRAFT"
        record = {
            "id": invoice_id, "customerId": customer["id"], "status": status,
            "title": data.get("title") or "Invoice", "subhead": data.get("subhead"), "invoiceNumber": number,
            "poNumber": data.get("poNumber"), "invoiceDate": invoice_date,
            "dueDate": data["dueDate"].isoformat() if data.get("dueDate") else invoice_date, "currency": currency,
            "exchangeRate": rate if rate is not None else Decimal(1), "items": items, "memo": data.get("memo"),
            "footer": data.get("footer"), "taxTotal": tax_total, "total": total, "createdAt": now, "modifiedAt": now,
            "disableCreditCardPayments": bool(data.get("disableCreditCardPayments")),
            "disableBankPayments": bool(data.get("disableBankPayments")),
            "disableAmexPayments": bool(data.get("disableAmexPayments")),
            "itemTitle": data.get("itemTitle") or "Items", "unitTitle": data.get("unitTitle") or "Quantity",
            "priceTitle": data.get("priceTitle") or "Price", "amountTitle": data.get("amountTitle") or "Amount",
            "hideName": bool(data.get("hideName")), "hideDescription": bool(data.get("hideDescription")),
            "hideUnit": bool(data.get("hideUnit")), "hidePrice": bool(data.get("hidePrice")),
            "hideAmount": bool(data.get("hideAmount")), "lastSentAt": None, "lastSentVia": None,
            "lastViewedAt": None,
        }
        entries = _invoice_entries(business, record) if status == "SAVED" else []
        key = f"Invoice:{number}"
        business.count_attempt(key)
        business.add_document(Document(id=invoice_id, type="Invoice", reference=number, key=key, status=status,
                                       currency=currency, total=total, created_at=now, updated_at=now,
                                       entries=entries, data=record))
    return {"didSucceed": True, "inputErrors": [], "invoice": InvoiceView(business, record)}


def _invoice_document(context: WaveContext, invoice_id: str, errors: InputErrors
                      ) -> tuple[Business, Document] | None:
    business = context.business_of(invoice_id)
    document = business.documents.get(invoice_id) if business else None
    if business is None or document is None or document.type != "Invoice" or document.status == "DELETED":
        errors.add(["invoiceId"], "Invoice not found.", "NOT_FOUND")
        return None
    return business, document


def invoice_approve(context: WaveContext, data: dict[str, Any]) -> dict[str, Any]:
    errors = InputErrors()
    found = _invoice_document(context, data["invoiceId"], errors)
    if found is None:
        return failed(errors, invoice=None)
    business, document = found
    with business.lock:
        if document.status != "DRAFT":
            errors.add(["invoiceId"], "Only a draft invoice can be approved.")
            return failed(errors, invoice=None)
        document.data["status"] = "SAVED"
        document.data["modifiedAt"] = context.now()
        business.repost(document.id, _invoice_entries(business, document.data), status="SAVED",
                        updated_at=context.now())
    return {"didSucceed": True, "inputErrors": [], "invoice": InvoiceView(business, document.data)}


def invoice_delete(context: WaveContext, data: dict[str, Any]) -> dict[str, Any]:
    errors = InputErrors()
    found = _invoice_document(context, data["invoiceId"], errors)
    if found is None:
        return failed(errors)
    business, document = found
    business.remove_from_book(document.id, "DELETED", context.now())
    return {"didSucceed": True, "inputErrors": []}


# ----------------------------------------------------------------------------------------- transactions
def _side(subtype: str, balance: str) -> Decimal:
    """+1 for a debit, -1 for a credit."""
    if balance == "DEBIT":
        return Decimal(1)
    if balance == "CREDIT":
        return Decimal(-1)
    increase_is_debit = normal_balance(subtype) == "DEBIT"
    if subtype in CONTRA_SUBTYPES:
        increase_is_debit = not increase_is_debit
    debit = increase_is_debit if balance == "INCREASE" else not increase_is_debit
    return Decimal(1) if debit else Decimal(-1)


def money_transaction_create(context: WaveContext, data: dict[str, Any]) -> dict[str, Any]:
    try:
        business = _business(context, data["businessId"])
    except InputErrors as exc:
        return failed(exc, transaction=None)
    errors = InputErrors()
    external_id = str(data.get("externalId") or "")
    with business.lock:
        if external_id:
            business.count_attempt(f"MoneyTransaction:{external_id}")
        if business.is_classic_accounting:
            errors.add(["businessId"], "This mutation requires isClassicAccounting to be false.")
        if not external_id.strip():
            errors.add(["externalId"], "externalId is required.", "REQUIRED")
        elif context.dedupe_external_id and business.find_documents("MoneyTransaction", external_id):
            errors.add(["externalId"], "A transaction with this externalId already exists.", "DUPLICATE")
        if not str(data.get("description") or "").strip():
            errors.add(["description"], "description is required.", "REQUIRED")
        anchor_in = data["anchor"]
        anchor = _lookup(business, "Account", anchor_in["accountId"], ["anchor", "accountId"], errors, "Account")
        if anchor is not None and anchor["subtype"] not in ANCHOR_SUBTYPES:
            errors.add(["anchor", "accountId"], "The anchor account must be a cash, bank or credit card account.")
        if anchor_in["amount"] < 0:
            errors.add(["anchor", "amount"], "Amount must not be negative.")
        currency = anchor["currency"] if anchor else business.base_currency
        amounts: dict[str, Decimal] = {}

        def add(book: str, amount: Decimal) -> None:
            amounts[book] = amounts.get(book, Decimal(0)) + amount

        anchor_side = Decimal(1) if anchor_in["direction"] == "DEPOSIT" else Decimal(-1)
        if anchor is not None:
            add(anchor["_book"], anchor_side * anchor_in["amount"])
        if not data["lineItems"]:
            errors.add(["lineItems"], "At least one line item is required.", "REQUIRED")
        lines_net = Decimal(0)
        for index, line in enumerate(data["lineItems"]):
            account = _lookup(business, "Account", line["accountId"], ["lineItems", index, "accountId"], errors,
                              "Account")
            if line["amount"] < 0:
                errors.add(["lineItems", index, "amount"], "Amount must not be negative.")
            if account is None:
                continue
            side = _side(account["subtype"], line.get("balance") or "INCREASE")
            add(account["_book"], side * line["amount"])
            lines_net += side * line["amount"]
            for t_index, tax in enumerate(line.get("taxes") or []):
                sales_tax = _lookup(business, "SalesTax", tax["salesTaxId"],
                                    ["lineItems", index, "taxes", t_index, "salesTaxId"], errors, "Sales tax")
                if sales_tax is None:
                    continue
                if tax["amount"] < 0:
                    errors.add(["lineItems", index, "taxes", t_index, "amount"], "Amount must not be negative.")
                add(sales_tax["_account"], side * tax["amount"])
                lines_net += side * tax["amount"]
        if anchor is not None and not errors.errors and anchor_side * anchor_in["amount"] + lines_net != 0:
            errors.add(["anchor", "amount"],
                       "The anchor amount must equal the total of the line items (with their taxes).")
        if errors.errors:
            return failed(errors, transaction=None)
        now = context.now()
        transaction_id = business.new_id("Transaction")
        record = {"id": transaction_id, "externalId": external_id, "date": data["date"].isoformat(),
                  "description": data["description"], "notes": data.get("notes"),
                  "anchor": dict(anchor_in), "lineItems": [dict(line) for line in data["lineItems"]]}
        business.add_document(Document(
            id=transaction_id, type="MoneyTransaction", reference=external_id,
            key=f"MoneyTransaction:{external_id}", status="POSTED", currency=currency, total=anchor_in["amount"],
            created_at=now, updated_at=now,
            entries=[Entry(book, currency, amount) for book, amount in amounts.items() if amount != 0], data=record))
    return {"didSucceed": True, "inputErrors": [], "transaction": {"id": transaction_id}}
