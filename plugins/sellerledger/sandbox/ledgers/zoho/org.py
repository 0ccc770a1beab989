"""A Zoho Books organization: its data centre, the demo chart as `chartofaccounts`, the demo tax rates
as `settings/taxes`, currencies (base first), the unique invoice custom fields used for upserts, and
Zoho-style ids (long digit strings) and timestamps.

Records are kept in Zoho's field names; keys starting with `_` are the stand-in's own (book account code).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.ledgers.common import ChartTenant, Tenant, stable_digits
from sellerledger.sandbox.ledgers.mwz_shared import minor_units, tax_account

# data centre -> (region, accounts server host, API host) of the real service (notes §5.1)
DATA_CENTRES = {
    "com": ("US", "accounts.zoho.com", "www.zohoapis.com"),
    "eu": ("EU", "accounts.zoho.eu", "www.zohoapis.eu"),
    "in": ("IN", "accounts.zoho.in", "www.zohoapis.in"),
    "com.au": ("AU", "accounts.zoho.com.au", "www.zohoapis.com.au"),
    "jp": ("JP", "accounts.zoho.jp", "www.zohoapis.jp"),
    "ca": ("CA", "accounts.zohocloud.ca", "www.zohoapis.ca"),
    "com.cn": ("CN", "accounts.zoho.com.cn", "www.zohoapis.com.cn"),
    "sa": ("SA", "accounts.zoho.sa", "www.zohoapis.sa"),
    "uk": ("UK", "accounts.zoho.uk", "www.zohoapis.uk"),
}
# which data centre each demo tenant's organization lives in (knob `data_centres`)
DEFAULT_DC = {"demo": "com", "second": "com.au"}

ACCOUNT_TYPES = {"bank": "bank", "current_asset": "other_current_asset", "receivable": "accounts_receivable",
                 "payable": "accounts_payable", "current_liability": "other_current_liability",
                 "revenue": "income", "other_income": "other_income", "expense": "expense"}
TYPE_GROUPS = {  # filter_by AccountType.<group>
    "Asset": {"other_asset", "other_current_asset", "cash", "bank", "fixed_asset", "accounts_receivable",
              "stock", "payment_clearing", "input_tax"},
    "Liability": {"other_current_liability", "credit_card", "long_term_liability", "other_liability",
                  "accounts_payable", "output_tax"},
    "Equity": {"equity"},
    "Income": {"income", "other_income"},
    "Expense": {"expense", "cost_of_goods_sold", "other_expense"},
}
BANK_TYPES = frozenset({"bank", "cash", "credit_card"})

CURRENCIES = {
    "USD": ("US Dollar", "$"), "AUD": ("Australian Dollar", "$"), "CAD": ("Canadian Dollar", "$"),
    "EUR": ("Euro", "€"), "GBP": ("Pound Sterling", "£"), "INR": ("Indian Rupee", "₹"),
    "JPY": ("Japanese Yen", "¥"), "MXN": ("Mexican Peso", "$"), "SEK": ("Swedish Krona", "kr"),
    "PLN": ("Polish Zloty", "zł"), "AED": ("UAE Dirham", "AED"), "SAR": ("Saudi Riyal", "SAR"),
    "SGD": ("Singapore Dollar", "$"), "BRL": ("Brazilian Real", "R$"),
}
# unique invoice custom fields (API names) a client can use with X-Unique-Identifier-Key
INVOICE_UNIQUE_FIELDS = {"cf_amazon_order_id": "Amazon Order ID", "cf_posting_key": "Posting Key"}


def zoho_time(moment: datetime) -> str:
    """`2013-11-18T02:17:40-0800`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


class Organization(Tenant):
    """One Zoho Books organization."""

    def __init__(self, chart_tenant: ChartTenant, dc: str, now: datetime) -> None:
        super().__init__("zoho", chart_tenant, stable_digits("zoho", chart_tenant.key, "org", digits=9))
        self.dc = dc
        self.created_at = now
        self._seed(now)

    def new_id(self) -> str:
        return f"{self.id[:6]}{self.next_number('id') + 500000000:09d}"

    def _seed(self, now: datetime) -> None:
        stamp = zoho_time(now)
        for account in self.accounts.values():
            account_id = f"{self.id[:6]}000{account.code}00"
            self.records["account"][account_id] = {
                "account_id": account_id, "account_name": account.name, "account_code": account.code,
                "account_type": ACCOUNT_TYPES.get(account.kind, "other_current_liability"),
                "is_user_created": False, "is_system_account": account.kind in ("receivable", "payable"),
                "is_active": True, "description": account.name, "parent_account_id": "", "parent_account_name": "",
                "has_attachment": False, "is_involved_in_transaction": False, "created_time": stamp,
                "last_modified_time": stamp, "_book": account.code,
            }
        for index, tax in enumerate(self.tax_rates.values()):
            collected = tax_account(tax)
            if collected is None:
                continue  # Zoho has no zero-rate tax; a line without tax_id is untaxed
            tax_id = f"{self.id[:6]}001{index:06d}"
            self.records["tax"][tax_id] = {
                "tax_id": tax_id, "tax_name": tax.name, "tax_percentage": tax.rate, "tax_type": "tax",
                "is_value_added": tax.code.startswith("VAT"), "is_default_tax": False, "is_editable": True,
                "_code": tax.code, "_account": collected,
            }
        for index, (code, (name, symbol)) in enumerate(CURRENCIES.items()):
            currency_id = f"{self.id[:6]}002{index:06d}"
            self.records["currency"][currency_id] = {
                "currency_id": currency_id, "currency_code": code, "currency_name": f"{code}- {name}",
                "currency_symbol": symbol, "price_precision": minor_units(code), "currency_format": "1,234,567.89",
                "is_base_currency": code == self.base_currency,
                "exchange_rate": Decimal(1) if code == self.base_currency else Decimal(0),
                "effective_date": "",
            }
        for index, (api_name, label) in enumerate(INVOICE_UNIQUE_FIELDS.items()):
            field_id = int(f"{self.id[:6]}003{index:03d}")
            self.records["customfield"][api_name] = {"customfield_id": field_id, "api_name": api_name,
                                                     "label": label, "is_unique": True}

    # lookups
    def base_currency_id(self) -> str:
        return next(c["currency_id"] for c in self.records["currency"].values() if c["is_base_currency"])

    def account_by_code(self, code: str) -> dict[str, Any]:
        return next(a for a in self.records["account"].values() if a["_book"] == code)

    def custom_field(self, key: Any) -> dict[str, Any] | None:
        """A custom field by API name, label or id."""
        for field in self.records["customfield"].values():
            if key in (field["api_name"], field["label"], field["customfield_id"], str(field["customfield_id"])):
                return field
        return None
