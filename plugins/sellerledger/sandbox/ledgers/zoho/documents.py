"""Zoho Books documents the pipeline writes, validated as Zoho validates them and turned into book
entries: invoices and credit notes (line items on items or accounts, taxes, exclusive or inclusive),
journals (`debit_or_credit` with positive amounts; debits must equal credits) and bank transactions.

Postings follow Zoho's statuses: a draft invoice, credit note or journal is not in the books; a sent
invoice debits receivable and credits income and tax; an open credit note does the reverse; a published
journal posts its lines; a void or deleted document leaves the book. Amounts post in the document's
currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.core.book import Entry
from sellerledger.sandbox.ledgers.common import to_decimal
from sellerledger.sandbox.ledgers.mwz_shared import RECEIVABLE_ACCOUNT, round_money, split_tax
from sellerledger.sandbox.ledgers.zoho.org import BANK_TYPES, Organization

INVALID = 2  # ⚠ "Invalid value passed for ..." (the sandbox's choice for a refused field)
DUPLICATE = 1001  # ⚠ "... already exists"
NOT_FOUND = 1002  # "Invoice does not exist." (docs)
UNBALANCED = 13011  # ⚠ the sandbox's code for a journal whose debits and credits differ


class ZohoError(Exception):
    """Answered as `{"code": <non-zero>, "message": ...}` with `status`."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def invalid(field_name: str) -> ZohoError:
    return ZohoError(400, INVALID, f"Invalid value passed for {field_name}")


def not_found(what: str) -> ZohoError:
    return ZohoError(404, NOT_FOUND, f"{what} does not exist.")


def amount_of(value: Any, field_name: str, default: Decimal | None = None) -> Decimal:
    if value is None or value == "":
        if default is None:
            raise invalid(field_name)
        return default
    try:
        return to_decimal(value)
    except ValueError as exc:
        raise invalid(field_name) from exc


def date_of(value: Any, field_name: str, default: date) -> str:
    if value is None or value == "":
        return default.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise invalid(field_name) from exc


def record_of(org: Organization, kind: str, value: Any, field_name: str, what: str,
              needed: bool = True) -> dict[str, Any] | None:
    if value is None or value == "":
        if needed:
            raise invalid(field_name)
        return None
    record = org.records[kind].get(str(value))
    if record is None:
        raise ZohoError(400, INVALID, f"{what} does not exist. (Invalid value passed for {field_name})")
    return record


@dataclass
class Money:
    """Currency of a document: (currency record, exchange rate)."""

    currency: dict[str, Any]
    rate: Decimal

    @property
    def code(self) -> str:
        return str(self.currency["currency_code"])


def money_of(org: Organization, body: dict[str, Any], customer: dict[str, Any] | None = None) -> Money:
    currency_id = body.get("currency_id") or (customer or {}).get("currency_id") or org.base_currency_id()
    currency = record_of(org, "currency", currency_id, "currency_id", "Currency")
    assert currency is not None
    if currency["is_base_currency"]:
        return Money(currency, Decimal(1))
    if body.get("exchange_rate") in (None, ""):
        raise ZohoError(400, INVALID, "Exchange rate is required for a transaction in a foreign currency "
                                      "(Invalid value passed for exchange_rate)")
    rate = amount_of(body.get("exchange_rate"), "exchange_rate")
    if rate <= 0:
        raise invalid("exchange_rate")
    return Money(currency, rate)


@dataclass
class Built:
    record: dict[str, Any]
    entries: list[Entry]
    currency: str
    total: Decimal
    postings: dict[str, Decimal] = field(default_factory=dict)


def _add(postings: dict[str, Decimal], account: str, amount: Decimal) -> None:
    postings[account] = postings.get(account, Decimal(0)) + amount


def _entries(postings: dict[str, Decimal], currency: str) -> list[Entry]:
    return [Entry(account, currency, amount) for account, amount in postings.items() if amount != 0]


# ----------------------------------------------------------------------------------------- sales
def build_sales(org: Organization, body: dict[str, Any], kind: str, number: str, today: date,
                existing: dict[str, Any] | None = None) -> Built:
    """An invoice (`kind` "invoice") or credit note ("creditnote"); entries as if it were posted."""
    customer = record_of(org, "contact", body.get("customer_id"), "customer_id", "Customer")
    assert customer is not None
    money = money_of(org, body, customer)
    currency = money.code
    inclusive = bool(body.get("is_inclusive_tax", False))
    lines_in = body.get("line_items")
    if not isinstance(lines_in, list) or not lines_in:
        raise invalid("line_items")
    old_ids = {line["line_item_id"] for line in (existing or {}).get("line_items", [])}
    postings: dict[str, Decimal] = {}
    lines = []
    taxes: dict[str, Decimal] = {}
    sub_total = tax_total = Decimal(0)
    for index, line in enumerate(lines_in):
        if not isinstance(line, dict):
            raise invalid("line_items")
        item = record_of(org, "item", line.get("item_id"), "item_id", "Item", needed=False)
        rate = amount_of(line.get("rate"), "rate", default=item["rate"] if item else None)
        quantity = amount_of(line.get("quantity"), "quantity", default=Decimal(1))
        discount = amount_of(line.get("discount"), "discount", default=Decimal(0))
        account_id = line.get("account_id") or (item or {}).get("account_id") or org.account_by_code("4000")["account_id"]
        account = record_of(org, "account", account_id, "account_id", "Account")
        tax = record_of(org, "tax", line.get("tax_id") or (item or {}).get("tax_id"), "tax_id", "Tax", needed=False)
        assert account is not None
        name = line.get("name") or (item or {}).get("name")
        if not name and item is None:
            raise invalid("name")
        item_total = round_money(rate * quantity, currency) - discount
        net, tax_amount = split_tax(item_total, tax["tax_percentage"] if tax else Decimal(0), inclusive, currency)
        _add(postings, account["_book"], -net)
        if tax is not None and tax_amount:
            _add(postings, tax["_account"], -tax_amount)
            taxes[tax["tax_name"]] = taxes.get(tax["tax_name"], Decimal(0)) + tax_amount
        sub_total += item_total
        tax_total += tax_amount
        line_id = line.get("line_item_id") if line.get("line_item_id") in old_ids else org.new_id()
        lines.append({
            "line_item_id": line_id, "item_id": item["item_id"] if item else "", "name": name or "",
            "description": line.get("description") or "", "item_order": index + 1, "bcy_rate": rate * money.rate,
            "rate": rate, "quantity": quantity, "unit": line.get("unit") or "", "discount_amount": discount,
            "discount": discount, "tax_id": tax["tax_id"] if tax else "", "tax_name": tax["tax_name"] if tax else "",
            "tax_type": "tax" if tax else "", "tax_percentage": tax["tax_percentage"] if tax else Decimal(0),
            "item_total": item_total, "account_id": account["account_id"], "account_name": account["account_name"],
        })
    shipping = amount_of(body.get("shipping_charge"), "shipping_charge", default=Decimal(0))
    if shipping:
        _add(postings, "4010", -shipping)
    if amount_of(body.get("adjustment"), "adjustment", default=Decimal(0)) != 0:
        raise ZohoError(400, INVALID, "adjustment is not supported by the sandbox; use a line item")
    total = sub_total + shipping + (Decimal(0) if inclusive else tax_total)
    _add(postings, RECEIVABLE_ACCOUNT, total)
    sign = Decimal(1) if kind == "invoice" else Decimal(-1)
    postings = {account: sign * amount for account, amount in postings.items()}
    record = {
        "customer_id": customer["contact_id"], "customer_name": customer["contact_name"],
        "date": date_of(body.get("date"), "date", today),
        "reference_number": body.get("reference_number") or "",
        "currency_id": money.currency["currency_id"], "currency_code": currency,
        "exchange_rate": money.rate, "is_inclusive_tax": inclusive, "line_items": lines,
        "shipping_charge": shipping, "adjustment": Decimal(0), "sub_total": sub_total, "tax_total": tax_total,
        "total": total, "taxes": [{"tax_name": name, "tax_amount": amount} for name, amount in taxes.items()],
        "notes": body.get("notes") or "", "terms": body.get("terms") or "",
        "price_precision": money.currency["price_precision"],
    }
    if kind == "invoice":
        record.update({"invoice_number": number, "due_date": date_of(body.get("due_date"), "due_date",
                                                                      date.fromisoformat(record["date"])),
                       "balance": total, "payment_made": Decimal(0), "credits_applied": Decimal(0)})
    else:
        record.update({"creditnote_number": number, "balance": total})
    return Built(record, _entries(postings, currency), currency, total, postings)


# ----------------------------------------------------------------------------------------- journals
def build_journal(org: Organization, body: dict[str, Any], number: str, today: date,
                  existing: dict[str, Any] | None = None) -> Built:
    money = money_of(org, body)
    currency = money.code
    lines_in = body.get("line_items")
    if not isinstance(lines_in, list) or len(lines_in) < 2:
        raise ZohoError(400, INVALID, "A journal needs at least two line items (Invalid value passed for line_items)")
    postings: dict[str, Decimal] = {}
    debits = credits = Decimal(0)
    lines = []
    for line in lines_in:
        if not isinstance(line, dict):
            raise invalid("line_items")
        account = record_of(org, "account", line.get("account_id"), "account_id", "Account")
        assert account is not None
        side = line.get("debit_or_credit")
        if side not in ("debit", "credit"):
            raise invalid("debit_or_credit")
        amount = amount_of(line.get("amount"), "amount")
        if amount < 0:
            raise invalid("amount")
        tax = record_of(org, "tax", line.get("tax_id"), "tax_id", "Tax", needed=False)
        contact = record_of(org, "contact", line.get("customer_id"), "customer_id", "Customer", needed=False)
        _, tax_amount = split_tax(amount, tax["tax_percentage"] if tax else Decimal(0), False, currency)
        sign = Decimal(1) if side == "debit" else Decimal(-1)
        _add(postings, account["_book"], sign * amount)
        if tax is not None and tax_amount:
            _add(postings, tax["_account"], sign * tax_amount)
        if side == "debit":
            debits += amount + tax_amount
        else:
            credits += amount + tax_amount
        lines.append({
            "line_id": org.new_id(), "account_id": account["account_id"], "account_name": account["account_name"],
            "customer_id": contact["contact_id"] if contact else "",
            "customer_name": contact["contact_name"] if contact else "", "description": line.get("description") or "",
            "debit_or_credit": side, "amount": amount, "tax_id": tax["tax_id"] if tax else "",
            "tax_name": tax["tax_name"] if tax else "", "tax_amount": tax_amount,
        })
    if debits != credits:
        raise ZohoError(400, UNBALANCED, f"The journal is not balanced: debits {debits}, credits {credits}. "
                                         "Total debits and credits must be equal.")
    status = body.get("status") or (existing or {}).get("status") or "published"
    if status not in ("draft", "published"):
        raise invalid("status")
    record = {
        "entry_number": number, "reference_number": body.get("reference_number") or "",
        "journal_date": date_of(body.get("journal_date"), "journal_date", today),
        "notes": body.get("notes") or "", "journal_type": body.get("journal_type") or "both",
        "currency_id": money.currency["currency_id"], "currency_code": currency, "exchange_rate": money.rate,
        "status": status, "line_items": lines, "total": debits, "price_precision": money.currency["price_precision"],
    }
    return Built(record, _entries(postings, currency), currency, debits, postings)


# ----------------------------------------------------------------------------------------- banking
BANK_TRANSACTION_TYPES = frozenset({"deposit", "refund", "transfer_fund", "card_payment", "sales_without_invoices",
                                    "expense_refund", "owner_contribution", "interest_income", "other_income",
                                    "owner_drawings", "sales_return"})


def build_bank_transaction(org: Organization, body: dict[str, Any], today: date) -> Built:
    kind = body.get("transaction_type")
    if kind not in BANK_TRANSACTION_TYPES:
        raise invalid("transaction_type")
    source = record_of(org, "account", body.get("from_account_id"), "from_account_id", "Account")
    target = record_of(org, "account", body.get("to_account_id"), "to_account_id", "Account")
    assert source is not None and target is not None
    if source["account_type"] not in BANK_TYPES and target["account_type"] not in BANK_TYPES:
        raise ZohoError(400, INVALID, "One of the accounts must be a bank, cash or credit card account.")
    amount = amount_of(body.get("amount"), "amount")
    if amount <= 0:
        raise invalid("amount")
    if amount_of(body.get("bank_charges"), "bank_charges", default=Decimal(0)) != 0:
        raise ZohoError(400, INVALID, "bank_charges is not supported by the sandbox; record the charge separately")
    money = money_of(org, body)
    currency = money.code
    customer = record_of(org, "contact", body.get("customer_id"), "customer_id", "Customer", needed=False)
    postings: dict[str, Decimal] = {}
    _add(postings, target["_book"], amount)
    _add(postings, source["_book"], -amount)
    record = {
        "from_account_id": source["account_id"], "from_account_name": source["account_name"],
        "to_account_id": target["account_id"], "to_account_name": target["account_name"],
        "transaction_type": kind, "currency_id": money.currency["currency_id"], "currency_code": currency,
        "payment_mode": body.get("payment_mode") or "", "exchange_rate": money.rate,
        "date": date_of(body.get("date"), "date", today),
        "customer_id": customer["contact_id"] if customer else "",
        "customer_name": customer["contact_name"] if customer else "",
        "reference_number": body.get("reference_number") or "", "description": body.get("description") or "",
        "bank_charges": Decimal(0), "amount": amount, "sub_total": amount, "total": amount,
        "bcy_total": round_money(amount * money.rate, org.base_currency), "price_precision":
            money.currency["price_precision"], "status": "manually_added",
    }
    return Built(record, _entries(postings, currency), currency, amount, postings)
