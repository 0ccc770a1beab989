"""MYOB transactions the pipeline writes, validated as AccountRight validates them and turned into book
entries: sale invoices (Item and Service layouts; a negative invoice is a credit), receive and spend money,
and general journals.

Each `build_*` takes the request body (and the stored record on a PUT) and returns the record to store
with its entries; it raises `MyobError` for what MYOB refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.core.book import Entry
from sellerledger.sandbox.ledgers.common import Tenant, to_decimal
from sellerledger.sandbox.ledgers.mwz_shared import RECEIVABLE_ACCOUNT, round_money, split_tax
from sellerledger.sandbox.ledgers.myob.chart import link, row_version
from sellerledger.sandbox.ledgers.myob.errors import (
    DATE_BEFORE_FINANCIAL_YEAR,
    OUT_OF_BALANCE,
    MyobError,
    invalid,
    not_found_reference,
    required,
)

INVOICE_NUMBER_MAX = 13  # ⚠ AccountRight field limit (notes §3.3)


@dataclass
class Built:
    record: dict[str, Any]
    entries: list[Entry]
    currency: str
    total: Decimal
    reference: str


@dataclass(frozen=True)
class FileRules:
    """Company-file preferences the validation needs."""

    first_year_start: date
    invoice_number_max: int = INVOICE_NUMBER_MAX


class _Postings:
    """Entries of one document in one currency, merged per account."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self._amounts: dict[str, Decimal] = {}

    def add(self, account: str, amount: Decimal) -> None:
        self._amounts[account] = self._amounts.get(account, Decimal(0)) + amount

    def entries(self) -> list[Entry]:
        return [Entry(account, self.currency, amount) for account, amount in self._amounts.items() if amount != 0]


# ----------------------------------------------------------------------------------------- lookups
def _uid_of(value: Any, field: str, needed: bool = True) -> str | None:
    if value is None:
        if needed:
            raise required(field)
        return None
    if not isinstance(value, dict) or not value.get("UID"):
        raise required(f"{field}.UID")
    return str(value["UID"])


def _ref(tenant: Tenant, kind: str, value: Any, field: str, needed: bool = True) -> dict[str, Any] | None:
    uid = _uid_of(value, field, needed)
    if uid is None:
        return None
    record = tenant.records[kind].get(uid)
    if record is None:
        raise not_found_reference(field, uid)
    return record


def _amount(value: Any, field: str, default: Decimal | None = None) -> Decimal:
    if value is None:
        if default is None:
            raise required(field)
        return default
    try:
        return to_decimal(value)
    except ValueError as exc:
        raise MyobError(400, "SerializationError", f"{field} is not a number", field, 50) from exc


def _date(value: Any, field: str, rules: FileRules) -> str:
    if not value:
        raise required(field)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise MyobError(400, "SerializationError", f"{field} is not a date", field, 50) from exc
    if moment.date() < rules.first_year_start:
        raise MyobError(400, "DatePriorToBeginningOfFinancialYear",
                        f"{field} is before the start of the first financial year of the company file",
                        field, DATE_BEFORE_FINANCIAL_YEAR)
    return moment.replace(tzinfo=None).isoformat()


def _currency(tenant: Tenant, body: dict[str, Any]) -> tuple[str, dict[str, Any] | None, Decimal]:
    """(document currency, ForeignCurrency link, exchange rate)."""
    foreign = _ref(tenant, "Currency", body.get("ForeignCurrency"), "ForeignCurrency", needed=False)
    if foreign is None or foreign["Code"] == tenant.base_currency:
        return tenant.base_currency, None, Decimal(1)
    rate = body.get("CurrencyExchangeRate")
    if rate is None:
        raise required("CurrencyExchangeRate")
    rate = _amount(rate, "CurrencyExchangeRate")
    if rate <= 0:
        raise invalid("CurrencyExchangeRate", "CurrencyExchangeRate must be greater than zero")
    return foreign["Code"], link(foreign, "GeneralLedger/Currency", "Code", "CurrencyName"), rate


def _account_link(record: dict[str, Any]) -> dict[str, Any]:
    return link(record, "GeneralLedger/Account", "Name", "DisplayID")


def _tax_link(record: dict[str, Any]) -> dict[str, Any]:
    return link(record, "GeneralLedger/TaxCode", "Code")


def _lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    lines = body.get("Lines")
    if not isinstance(lines, list) or not lines:
        raise required("Lines")
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise MyobError(400, "SerializationError", f"Lines[{index}] is not an object", "Lines", 50)
    return lines


def _row_versions(lines: list[dict[str, Any]], existing: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Check PUT lines against the stored ones (RowID / RowVersion) and give every line its row fields."""
    old = {int(line["RowID"]): line for line in (existing or {}).get("Lines", [])}
    next_row = max(old, default=0) + 1
    result = []
    for line in lines:
        row_id = line.get("RowID")
        if existing is not None and row_id is not None:
            stored = old.get(int(row_id))
            if stored is None:
                raise MyobError(404, "NotFound", f"Line RowID {row_id} was not found", "RowID", 150)
            given = line.get("RowVersion")
            if given is not None and str(given) != str(stored["RowVersion"]):
                raise stale_row_version()
            result.append({"RowID": int(row_id), "RowVersion": row_version()})
        else:
            result.append({"RowID": next_row, "RowVersion": row_version()})
            next_row += 1
    return result


def stale_row_version() -> MyobError:
    return MyobError(409, "IncorrectRowVersionSupplied",
                     "An Update operation requires the latest RowVersion for each of the existing entities "
                     "being modified", "RowVersion", 111)


def _tax_amount(tax: dict[str, Any], amount: Decimal, inclusive: bool, currency: str) -> tuple[Decimal, Decimal]:
    return split_tax(amount, tax["_rate"], inclusive, currency)


# ----------------------------------------------------------------------------------------- invoices
def build_invoice(tenant: Tenant, body: dict[str, Any], layout: str, rules: FileRules, number: str,
                  existing: dict[str, Any] | None = None) -> Built:
    """A `Sale/Invoice/Item` or `Sale/Invoice/Service` (layout `Item` / `Service`)."""
    customer = _ref(tenant, "Customer", body.get("Customer"), "Customer")
    assert customer is not None
    occurred = _date(body.get("Date"), "Date", rules)
    if len(number) > rules.invoice_number_max:
        raise invalid("Number", f"Number must be at most {rules.invoice_number_max} characters")
    currency, foreign, rate = _currency(tenant, body)
    inclusive = bool(body.get("IsTaxInclusive", False))
    lines = _lines(body)
    rows = _row_versions(lines, existing)
    post = _Postings(currency)
    out_lines = []
    subtotal = total_tax = Decimal(0)
    for index, (line, row) in enumerate(zip(lines, rows, strict=True)):
        kind = line.get("Type", "Transaction")
        field = f"Lines[{index}]"
        if kind in ("Header", "Subtotal"):
            out_lines.append({**row, "Type": kind, "Description": line.get("Description")})
            continue
        tax = _ref(tenant, "TaxCode", line.get("TaxCode"), f"{field}.TaxCode")
        assert tax is not None
        if layout == "Item":
            item = _ref(tenant, "Item", line.get("Item"), f"{field}.Item")
            assert item is not None
            if not item.get("IsSold"):
                raise invalid(f"{field}.Item", f"Item {item['Number']} is not an item that is sold")
            account = tenant.records["Account"][item["IncomeAccount"]["UID"]]
            quantity = _amount(line.get("ShipQuantity"), f"{field}.ShipQuantity")
            price = _amount(line.get("UnitPrice"), f"{field}.UnitPrice",
                            default=item.get("SellingDetails", {}).get("BaseSellingPrice") or Decimal(0))
            discount = _amount(line.get("DiscountPercent"), f"{field}.DiscountPercent", default=Decimal(0))
            computed = round_money(quantity * price * (Decimal(100) - discount) / Decimal(100), currency)
            amount = _amount(line.get("Total"), f"{field}.Total", default=computed)
            detail = {"ShipQuantity": quantity, "UnitPrice": price, "DiscountPercent": discount,
                      "Item": link(item, "Inventory/Item", "Number", "Name")}
        else:
            account = _ref(tenant, "Account", line.get("Account"), f"{field}.Account")
            assert account is not None
            amount = _amount(line.get("Total"), f"{field}.Total")
            detail = {"Account": _account_link(account)}
        net, tax_amount = _tax_amount(tax, amount, inclusive, currency)
        post.add(account["_book"], -net)
        if tax_amount and tax["_account"]:
            post.add(tax["_account"], -tax_amount)
        subtotal += amount
        total_tax += tax_amount
        out_lines.append({**row, "Type": "Transaction", "Description": line.get("Description"), "Total": amount,
                          "TaxCode": _tax_link(tax), **detail})
    freight = _amount(body.get("Freight"), "Freight", default=Decimal(0))
    freight_tax = Decimal(0)
    freight_code = None
    if freight:
        freight_tax_rec = _ref(tenant, "TaxCode", body.get("FreightTaxCode"), "FreightTaxCode")
        assert freight_tax_rec is not None
        freight_code = _tax_link(freight_tax_rec)
        net, freight_tax = _tax_amount(freight_tax_rec, freight, inclusive, currency)
        post.add("4010", -net)
        if freight_tax and freight_tax_rec["_account"]:
            post.add(freight_tax_rec["_account"], -freight_tax)
    total_tax += freight_tax
    total = subtotal + freight + (Decimal(0) if inclusive else total_tax)
    post.add(RECEIVABLE_ACCOUNT, total)
    record = {
        "Number": number,
        "Date": occurred,
        "CustomerPurchaseOrderNumber": body.get("CustomerPurchaseOrderNumber"),
        "Customer": link(customer, "Contact/Customer", "Name", "DisplayID"),
        "Terms": body.get("Terms"),
        "IsTaxInclusive": inclusive,
        "Lines": out_lines,
        "Subtotal": subtotal,
        "Freight": freight,
        "FreightTaxCode": freight_code,
        "TotalTax": total_tax,
        "TotalAmount": total,
        "Category": body.get("Category"),
        "Comment": body.get("Comment"),
        "ShippingMethod": body.get("ShippingMethod"),
        "JournalMemo": body.get("JournalMemo") or f"Sale; {customer.get('Name')}",
        "BalanceDueAmount": total,
        "Status": "Open" if total >= 0 else "Credit",
        "InvoiceType": layout,
        "ForeignCurrency": foreign,
        "CurrencyExchangeRate": rate,
    }
    return Built(record, post.entries(), currency, total, number)


# ----------------------------------------------------------------------------------------- banking
def build_money(tenant: Tenant, body: dict[str, Any], kind: str, rules: FileRules, number: str,
                existing: dict[str, Any] | None = None) -> Built:
    """`Banking/ReceiveMoneyTxn` (kind `receive`) or `Banking/SpendMoneyTxn` (kind `spend`)."""
    receive = kind == "receive"
    target_field = "DepositTo" if receive else "PayFrom"
    if body.get(target_field, "Account") != "Account":
        raise invalid(target_field, f"{target_field} must be 'Account' in this company file")
    bank = _ref(tenant, "Account", body.get("Account"), "Account")
    assert bank is not None
    if bank["Type"] not in ("Bank", "CreditCard"):
        raise invalid("Account", f"Account {bank['DisplayID']} is not a bank or credit card account")
    contact = _ref(tenant, "Customer", body.get("Contact"), "Contact", needed=False)
    occurred = _date(body.get("Date"), "Date", rules)
    currency, foreign, rate = _currency(tenant, body)
    inclusive = bool(body.get("IsTaxInclusive", False))
    amount_field = "AmountReceived" if receive else "AmountPaid"
    stated = _amount(body.get(amount_field), amount_field)
    lines = _lines(body)
    rows = _row_versions(lines, existing)
    post = _Postings(currency)
    sign = Decimal(-1) if receive else Decimal(1)  # a receive-money line is a credit, a spend-money line a debit
    out_lines = []
    lines_total = total_tax = Decimal(0)
    for index, (line, row) in enumerate(zip(lines, rows, strict=True)):
        field = f"Lines[{index}]"
        account = _ref(tenant, "Account", line.get("Account"), f"{field}.Account")
        tax = _ref(tenant, "TaxCode", line.get("TaxCode"), f"{field}.TaxCode")
        assert account is not None and tax is not None
        amount = _amount(line.get("Amount"), f"{field}.Amount")
        net, tax_amount = _tax_amount(tax, amount, inclusive, currency)
        post.add(account["_book"], sign * net)
        if tax_amount and tax["_account"]:
            post.add(tax["_account"], sign * tax_amount)
        lines_total += amount
        total_tax += tax_amount
        out_lines.append({**row, "Account": _account_link(account), "TaxCode": _tax_link(tax), "Amount": amount,
                          "Memo": line.get("Memo"), "UnitCount": line.get("UnitCount")})
    total = lines_total + (Decimal(0) if inclusive else total_tax)
    if total != stated:
        raise MyobError(400, "OutOfBalance", f"{amount_field} {stated} does not equal the total of the lines {total}",
                        amount_field, OUT_OF_BALANCE)
    post.add(bank["_book"], -sign * total)
    record = {
        target_field: "Account",
        "Account": _account_link(bank),
        "Contact": link(contact, "Contact/Customer", "Name", "DisplayID") if contact else None,
        ("ReceiptNumber" if receive else "PaymentNumber"): number,
        "Date": occurred,
        amount_field: total,
        "IsTaxInclusive": inclusive,
        "TotalTax": total_tax,
        "PaymentMethod": body.get("PaymentMethod"),
        "Memo": body.get("Memo"),
        "Category": body.get("Category"),
        "Lines": out_lines,
        "ForeignCurrency": foreign,
        "CurrencyExchangeRate": rate,
    }
    return Built(record, post.entries(), currency, total, number)


# ----------------------------------------------------------------------------------------- journals
def build_journal(tenant: Tenant, body: dict[str, Any], rules: FileRules, number: str,
                  existing: dict[str, Any] | None = None) -> Built:
    """`GeneralLedger/GeneralJournal`: positive amounts with `IsCredit`; debits must equal credits."""
    occurred = _date(body.get("DateOccurred"), "DateOccurred", rules)
    currency, foreign, rate = _currency(tenant, body)
    inclusive = bool(body.get("IsTaxInclusive", False))
    lines = _lines(body)
    rows = _row_versions(lines, existing)
    post = _Postings(currency)
    debits = credits = Decimal(0)
    out_lines = []
    for index, (line, row) in enumerate(zip(lines, rows, strict=True)):
        field = f"Lines[{index}]"
        account = _ref(tenant, "Account", line.get("Account"), f"{field}.Account")
        assert account is not None
        tax = _ref(tenant, "TaxCode", line.get("TaxCode"), f"{field}.TaxCode", needed=False)
        amount = _amount(line.get("Amount"), f"{field}.Amount")
        if amount < 0:
            raise invalid(f"{field}.Amount", "Amount must not be negative; use IsCredit for the side")
        is_credit = bool(line.get("IsCredit", False))
        sign = Decimal(-1) if is_credit else Decimal(1)
        if tax is not None and tax["_rate"]:
            given = line.get("TaxAmount")
            if given is None:
                net, tax_amount = _tax_amount(tax, amount, inclusive, currency)
            else:
                tax_amount = _amount(given, f"{field}.TaxAmount")
                net = amount - tax_amount if inclusive else amount
        else:
            net, tax_amount = amount, Decimal(0)
        post.add(account["_book"], sign * net)
        if tax_amount and tax is not None and tax["_account"]:
            post.add(tax["_account"], sign * tax_amount)
        gross = net + tax_amount
        if is_credit:
            credits += gross
        else:
            debits += gross
        out_lines.append({**row, "Account": _account_link(account), "Job": None, "Memo": line.get("Memo"),
                          "TaxCode": _tax_link(tax) if tax else None, "Amount": amount, "IsCredit": is_credit,
                          "TaxAmount": tax_amount})
    if debits != credits:
        raise MyobError(400, "OutOfBalance", f"The journal is out of balance: debits {debits}, credits {credits}",
                        "Lines", OUT_OF_BALANCE)
    record = {
        "DisplayID": number,
        "DateOccurred": occurred,
        "IsTaxInclusive": inclusive,
        "Memo": body.get("Memo"),
        "GSTReportingMethod": body.get("GSTReportingMethod", "Sale"),
        "IsYearEndAdjustment": bool(body.get("IsYearEndAdjustment", False)),
        "Category": body.get("Category"),
        "Lines": out_lines,
        "ForeignCurrency": foreign,
        "CurrencyExchangeRate": rate,
    }
    return Built(record, post.entries(), currency, debits, number)
