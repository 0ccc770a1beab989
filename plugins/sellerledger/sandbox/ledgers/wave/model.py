"""A Wave business: the demo chart as Wave accounts (types, subtypes, normal balances), the demo tax
rates as sales taxes, customers, products, invoices and money transactions, with Wave's global ids
(base64 of `Type:<id>;Business:<uuid>`).

Records are kept in Wave's field names; keys starting with `_` are the stand-in's own (the book account,
the tax account, the owning business).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from sellerledger.sandbox.ledgers.common import ChartTenant, Tenant, stable_uuid
from sellerledger.sandbox.ledgers.mwz_shared import tax_account

ACCOUNT_TYPES = {  # value -> (name, normal balance)
    "ASSET": ("Assets", "DEBIT"),
    "LIABILITY": ("Liabilities & Credit Cards", "CREDIT"),
    "EQUITY": ("Equity", "CREDIT"),
    "INCOME": ("Income", "CREDIT"),
    "EXPENSE": ("Expenses", "DEBIT"),
}
SUBTYPES = {  # value -> (name, type)
    "CASH_AND_BANK": ("Cash and Bank", "ASSET"),
    "MONEY_IN_TRANSIT": ("Money in Transit", "ASSET"),
    "RECEIVABLE": ("Accounts Receivable", "ASSET"),
    "RECEIVABLE_INVOICES": ("Accounts Receivable (invoices)", "ASSET"),
    "RECEIVABLE_OTHER": ("Other Receivables", "ASSET"),
    "INVENTORY": ("Inventory", "ASSET"),
    "OTHER_CURRENT_ASSETS": ("Other Short-Term Asset", "ASSET"),
    "OTHER_LONG_TERM_ASSETS": ("Other Long-Term Asset", "ASSET"),
    "PROPERTY_PLANT_EQUIPMENT": ("Property, Plant, Equipment", "ASSET"),
    "DEPRECIATION_AND_AMORTIZATION": ("Depreciation and Amortization", "ASSET"),
    "VENDOR_PREPAYMENTS_AND_CREDITS": ("Vendor Prepayments and Vendor Credits", "ASSET"),
    "CREDIT_CARD": ("Credit Card", "LIABILITY"),
    "LOANS": ("Loan and Line of Credit", "LIABILITY"),
    "PAYABLE": ("Accounts Payable", "LIABILITY"),
    "PAYABLE_BILLS": ("Accounts Payable (bills)", "LIABILITY"),
    "PAYABLE_OTHER": ("Other Payables", "LIABILITY"),
    "SALES_TAX": ("Sales Taxes", "LIABILITY"),
    "DUE_FOR_PAYROLL": ("Due For Payroll", "LIABILITY"),
    "OTHER_CURRENT_LIABILITY": ("Other Short-Term Liability", "LIABILITY"),
    "OTHER_LONG_TERM_LIABILITY": ("Other Long-Term Liability", "LIABILITY"),
    "CUSTOMER_PREPAYMENTS_AND_CREDITS": ("Customer Prepayments and Customer Credits", "LIABILITY"),
    "DUE_TO_YOU_AND_OTHER_OWNERS": ("Due to You and Other Business Owners", "LIABILITY"),
    "TRANSFERS": ("Transfers", "LIABILITY"),
    "NON_RETAINED_EARNINGS": ("Business Owner Contribution and Drawing", "EQUITY"),
    "RETAINED_EARNINGS": ("Retained Earnings: Profit", "EQUITY"),
    "INCOME": ("Income", "INCOME"),
    "DISCOUNTS": ("Discount", "INCOME"),
    "OTHER_INCOME": ("Other Income", "INCOME"),
    "GAIN_ON_FOREIGN_EXCHANGE": ("Gain On Foreign Exchange", "INCOME"),
    "UNCATEGORIZED_INCOME": ("Uncategorized Income", "INCOME"),
    "EXPENSE": ("Operating Expense", "EXPENSE"),
    "COST_OF_GOODS_SOLD": ("Cost of Goods Sold", "EXPENSE"),
    "PAYMENT_PROCESSING_FEES": ("Payment Processing Fee", "EXPENSE"),
    "PAYROLL_EXPENSES": ("Payroll Expense", "EXPENSE"),
    "LOSS_ON_FOREIGN_EXCHANGE": ("Loss On Foreign Exchange", "EXPENSE"),
    "UNCATEGORIZED_EXPENSE": ("Uncategorized Expense", "EXPENSE"),
}
CONTRA_SUBTYPES = frozenset({"DISCOUNTS", "DEPRECIATION_AND_AMORTIZATION"})
ANCHOR_SUBTYPES = frozenset({"CASH_AND_BANK", "CREDIT_CARD", "MONEY_IN_TRANSIT"})  # ⚠ inferred (notes §4.2)
INCOME_SUBTYPES = frozenset({"INCOME", "DISCOUNTS", "OTHER_INCOME"})

_KIND_SUBTYPES = {"bank": "CASH_AND_BANK", "current_asset": "OTHER_CURRENT_ASSETS", "receivable": "RECEIVABLE",
                  "payable": "PAYABLE", "current_liability": "OTHER_CURRENT_LIABILITY", "revenue": "INCOME",
                  "other_income": "OTHER_INCOME", "expense": "EXPENSE"}


def global_id(type_name: str, local: str, business_uuid: str | None = None) -> str:
    raw = f"{type_name}:{local}" + (f";Business:{business_uuid}" if business_uuid else "")
    return base64.b64encode(raw.encode()).decode()


def parse_global_id(value: str) -> tuple[str, str, str | None] | None:
    """(type, local id, business uuid) of a global id; None when it is not one."""
    try:
        raw = base64.b64decode(value.encode(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    head, _, business = raw.partition(";Business:")
    type_name, sep, local = head.partition(":")
    if not sep or not type_name or not local:
        return None
    return type_name, local, business or None


def normal_balance(subtype: str) -> str:
    return ACCOUNT_TYPES[SUBTYPES[subtype][1]][1]


class Business(Tenant):
    """One Wave business (tenant) with its own user."""

    def __init__(self, chart_tenant: ChartTenant, now: datetime) -> None:
        self.uuid = stable_uuid("wave", chart_tenant.key, "business")
        super().__init__("wave", chart_tenant, global_id("Business", self.uuid))
        self.created_at = now
        self.is_classic_accounting = False
        self.user_id = global_id("User", stable_uuid("wave", chart_tenant.key, "user"))
        self._seed(now)

    def gid(self, type_name: str, local: str) -> str:
        return global_id(type_name, local, self.uuid)

    def new_id(self, type_name: str) -> str:
        return self.gid(type_name, str(self.next_number(f"id:{type_name}") + 1000))

    def _seed(self, now: datetime) -> None:
        for account in self.accounts.values():
            subtype = _KIND_SUBTYPES.get(account.kind, "OTHER_CURRENT_LIABILITY")
            if account.kind == "current_liability" and account.code in ("2100", "2110", "2120"):
                subtype = "SALES_TAX"
            self.add_account(account.name, subtype, self.base_currency, account.code, account.name, account.code,
                             now, local=account.code)
        for tax in self.tax_rates.values():
            collected = tax_account(tax)
            if collected is None:
                continue  # Wave has no zero-rate sales tax; a line without taxes is untaxed
            tax_id = self.gid("SalesTax", tax.code)
            self.records["SalesTax"][tax_id] = {
                "id": tax_id, "name": tax.name, "abbreviation": tax.code, "description": tax.name,
                "taxNumber": None, "showTaxNumberOnInvoices": False, "rate": tax.rate / 100,
                "isCompound": False, "isRecoverable": True, "isArchived": False, "createdAt": now,
                "modifiedAt": now, "_account": collected,
            }

    def add_account(self, name: str, subtype: str, currency: str, display_id: str | None,
                    description: str | None, book: str, now: datetime, local: str | None = None) -> dict[str, Any]:
        account_id = self.gid("Account", local) if local else self.new_id("Account")
        record = {
            "id": account_id, "name": name, "description": description, "displayId": display_id,
            "currency": currency, "subtype": subtype, "isArchived": False, "sequence": 1,
            "createdAt": now, "modifiedAt": now, "_book": book,
        }
        self.records["Account"][account_id] = record
        return record

    def account_by_book(self, code: str) -> dict[str, Any]:
        return next(a for a in self.records["Account"].values() if a["_book"] == code)
