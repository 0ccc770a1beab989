"""Xero line items: defaults from items, amounts (quantity × unit, discounts), tax by LineAmountTypes, and
the net/tax split each document posts to the book."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sellerledger.sandbox.ledgers.common import Tenant, tax_liability_account, to_decimal
from sellerledger.sandbox.ledgers.xero import chart
from sellerledger.sandbox.ledgers.xero.formats import money

LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


@dataclass(frozen=True)
class Posting:
    """What one line posts: `net` to `account`, `tax` to `tax_account` (same sign)."""

    account: str
    net: Decimal
    tax: Decimal
    tax_account: str | None


def amount(raw: dict[str, Any], field: str, errors: list[str], where: str) -> Decimal | None:
    if raw.get(field) is None:
        return None
    try:
        return to_decimal(raw[field])
    except ValueError:
        errors.append(f"{where}: {field} {raw[field]!r} is not a number")
        return None


def find_item(tenant: Tenant, code: str) -> dict[str, Any] | None:
    return next((i for i in tenant.records["Item"].values() if i["Code"].lower() == code.lower()), None)


def tax_of(line_amount: Decimal, rate: Decimal, amount_types: str) -> Decimal:
    if amount_types == "Exclusive":
        return money(line_amount * rate / 100)
    if amount_types == "Inclusive":
        return money(line_amount * rate / (100 + rate))
    return Decimal("0.00")


def build_lines(tenant: Tenant, raw_lines: Any, amount_types: str, unitdp: int, require_account: bool,
                errors: list[str]) -> tuple[list[dict[str, Any]], list[Posting]]:
    """Rendered `LineItems` and their postings; problems are appended to `errors`."""
    if raw_lines is None:
        raw_lines = []
    if not isinstance(raw_lines, list):
        errors.append("LineItems must be a list")
        return [], []
    unit_q = Decimal(1).scaleb(-unitdp)
    rendered, postings = [], []
    for index, raw in enumerate(raw_lines, start=1):
        where = f"Line {index}"
        if not isinstance(raw, dict):
            errors.append(f"{where}: must be an object")
            continue
        line: dict[str, Any] = {"LineItemID": raw.get("LineItemID") or str(uuid.uuid4())}
        item = None
        if raw.get("ItemCode"):
            item = find_item(tenant, str(raw["ItemCode"]))
            if item is None:
                errors.append(f"Item code '{raw['ItemCode']}' is not valid")
            else:
                line["ItemCode"] = item["Code"]
                line["Item"] = {"ItemID": item["ItemID"], "Code": item["Code"], "Name": item.get("Name", item["Code"])}
        sales = (item or {}).get("SalesDetails") or {}
        description = raw.get("Description") or (item or {}).get("Description")
        if description:
            line["Description"] = str(description)
        quantity = amount(raw, "Quantity", errors, where)
        unit = amount(raw, "UnitAmount", errors, where)
        if unit is None and sales.get("UnitPrice") is not None:
            unit = Decimal(sales["UnitPrice"])
        given_line = amount(raw, "LineAmount", errors, where)
        discount = amount(raw, "DiscountRate", errors, where) or Decimal(0)
        if unit is not None:
            quantity = Decimal(1) if quantity is None else quantity
            unit = unit.quantize(unit_q, rounding=ROUND_HALF_UP)
            line_amount = money(quantity * unit * (100 - discount) / 100)
            if given_line is not None and money(given_line) != line_amount:
                errors.append(f"{where}: LineAmount {given_line} does not equal Quantity × UnitAmount "
                              f"({line_amount})")
        elif given_line is not None:
            line_amount = money(given_line)
            quantity = Decimal(1) if quantity is None else quantity
            unit = (line_amount / quantity).quantize(unit_q, rounding=ROUND_HALF_UP) if quantity else line_amount
        else:
            line_amount, quantity, unit = Decimal("0.00"), quantity or Decimal(0), Decimal("0.00")
        line["Quantity"] = quantity
        line["UnitAmount"] = unit
        if discount:
            line["DiscountRate"] = discount
        account_code = raw.get("AccountCode") or sales.get("AccountCode")
        record = None
        if raw.get("AccountID") and not raw.get("AccountCode"):
            record = chart.account(tenant, account_id=str(raw["AccountID"]))
        elif account_code:
            record = chart.account(tenant, code=str(account_code))
        if record is None and (account_code or raw.get("AccountID")):
            errors.append(f"Account code '{account_code or raw.get('AccountID')}' is not a valid code for this document.")
        elif record is None and require_account and line_amount != 0:
            errors.append(f"{where}: an AccountCode is required")
        if record is not None:
            line["AccountCode"] = record["Code"]
            line["AccountID"] = record["AccountID"]
        tax_type = str(raw.get("TaxType") or sales.get("TaxType") or "NONE")
        rate_record = chart.tax_rate(tenant, tax_type)
        if rate_record is None:
            errors.append(f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of "
                          "transaction.")
            rate = Decimal(0)
        else:
            rate = chart.rate_of(rate_record)
        tax = tax_of(line_amount, rate, amount_types)
        given_tax = amount(raw, "TaxAmount", errors, where)
        if given_tax is not None and amount_types != "NoTax":
            tax = money(given_tax)
        line["TaxType"] = tax_type
        line["TaxAmount"] = tax
        line["LineAmount"] = line_amount
        tracking, tracking_errors = chart.resolve_tracking(tenant, raw.get("Tracking"))
        errors.extend(tracking_errors)
        line["Tracking"] = tracking
        rendered.append(line)
        net = line_amount - tax if amount_types == "Inclusive" else line_amount
        if record is not None:
            tax_account = tax_liability_account(tax_type) if tax else None
            if tax and tax_account is None:
                tax_account = "2100"
            postings.append(Posting(record["Code"], net, tax, tax_account))
    return rendered, postings


def totals(postings: list[Posting], rendered: list[dict[str, Any]], amount_types: str) -> tuple[Decimal, Decimal]:
    """(SubTotal, TotalTax) of rendered lines."""
    tax = sum((line["TaxAmount"] for line in rendered), Decimal("0.00"))
    gross = sum((line["LineAmount"] for line in rendered), Decimal("0.00"))
    sub = gross - tax if amount_types == "Inclusive" else gross
    return money(sub), money(tax)
