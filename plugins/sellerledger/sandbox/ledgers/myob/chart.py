"""A MYOB company file's starting data: the demo chart as `GeneralLedger/Account`, its tax rates as
`GeneralLedger/TaxCode` (MYOB codes are at most 3 characters, see `TAX_CODES`) and currencies.

Records are stored in MYOB's JSON shape; keys starting with `_` are the stand-in's own (the book account
code, the tax rate) and never leave the server. A link to another entity carries `_path` (its resource)
so its `URI` can be written for the base URL of each request.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.ledgers.common import ChartAccount, Tenant, stable_uuid
from sellerledger.sandbox.ledgers.mwz_shared import tax_account

# demo tax code -> MYOB TaxCode.Code (3 characters at most); the Description is the demo rate's name
TAX_CODES = {"NONE": "N-T", "VAT20": "V20", "VAT19": "V19", "GST10": "GST", "GST5": "G05", "JCT10": "J10"}

# demo class / kind -> (DisplayID prefix digit, Classification, Type)
_CLASSES = {
    "asset": ("1", "Asset", "OtherCurrentAsset"),
    "liability": ("2", "Liability", "OtherCurrentLiability"),
    "equity": ("3", "Equity", "Equity"),
    "revenue": ("4", "Income", "Income"),
    "expense": ("6", "Expense", "Expense"),
}
_KIND_TYPES = {"bank": "Bank", "receivable": "AccountReceivable", "payable": "AccountsPayable",
               "other_income": "OtherIncome"}

CURRENCIES = {
    "USD": ("US Dollar", "$", 2), "AUD": ("Australian Dollar", "$", 2), "NZD": ("New Zealand Dollar", "$", 2),
    "CAD": ("Canadian Dollar", "$", 2), "MXN": ("Mexican Peso", "$", 2), "BRL": ("Brazilian Real", "R$", 2),
    "GBP": ("Pound Sterling", "£", 2), "EUR": ("Euro", "€", 2), "SEK": ("Swedish Krona", "kr", 2),
    "PLN": ("Polish Zloty", "zł", 2), "TRY": ("Turkish Lira", "₺", 2), "AED": ("UAE Dirham", "د.إ", 2),
    "SAR": ("Saudi Riyal", "﷼", 2), "INR": ("Indian Rupee", "₹", 2), "JPY": ("Japanese Yen", "¥", 0),
    "SGD": ("Singapore Dollar", "$", 2), "EGP": ("Egyptian Pound", "£", 2),
}


def row_version() -> str:
    """A new RowVersion: MYOB writes a signed 64-bit number as a string."""
    return str(secrets.randbits(63) - 2**62)


def myob_datetime(moment: datetime) -> str:
    """MYOB's local date-time form, without offset: `2026-11-20T10:15:00`."""
    return moment.replace(tzinfo=None, microsecond=0).isoformat()


def link(record: dict[str, Any], path: str, *fields: str) -> dict[str, Any]:
    """A `{UID, <fields>, URI}` link to `record` (URI written at render time)."""
    result: dict[str, Any] = {"UID": record["UID"]}
    for name in fields:
        result[name] = record.get(name)
    result["_path"] = path
    return result


def account_record(tenant_key: str, account: ChartAccount, now: datetime) -> dict[str, Any]:
    digit, classification, type_ = _CLASSES[account.klass]
    if account.kind == "other_income":
        digit, classification = "8", "OtherIncome"
    return {
        "UID": stable_uuid("myob", tenant_key, "account", account.code),
        "Name": account.name,
        "DisplayID": f"{digit}-{account.code}",
        "Classification": classification,
        "Type": _KIND_TYPES.get(account.kind, type_),
        "Number": int(account.code),
        "Description": account.name,
        "ParentAccount": None,
        "IsActive": True,
        "TaxCode": None,
        "Level": 4,
        "OpeningBalance": Decimal("0.00"),
        "CurrentBalance": Decimal("0.00"),
        "IsHeader": False,
        "LastReconciledDate": None,
        "BankingDetails": None,
        "LastModified": myob_datetime(now),
        "RowVersion": row_version(),
        "_book": account.code,
        "_class": account.klass,
    }


def seed_company_file(tenant: Tenant, now: datetime) -> None:
    """Accounts, tax codes and currencies of a new company file."""
    accounts = tenant.records["Account"]
    by_code: dict[str, dict[str, Any]] = {}
    for account in tenant.accounts.values():
        record = account_record(tenant.key, account, now)
        accounts[record["UID"]] = record
        by_code[account.code] = record
    for tax in tenant.tax_rates.values():
        code = TAX_CODES.get(tax.code, tax.code[:3])
        collected = tax_account(tax)
        collected_link = link(by_code[collected], "GeneralLedger/Account", "Name", "DisplayID") if collected else None
        record = {
            "UID": stable_uuid("myob", tenant.key, "taxcode", tax.code),
            "Code": code,
            "Description": tax.name,
            "Type": "GoodsServicesTax",
            "Rate": tax.rate,
            "IsRateNegative": False,
            "TaxCollectedAccount": collected_link,
            "TaxPaidAccount": collected_link,
            "LastModified": myob_datetime(now),
            "RowVersion": row_version(),
            "_rate": tax.rate,
            "_account": collected,
        }
        tenant.records["TaxCode"][record["UID"]] = record
    for code, (name, symbol, places) in CURRENCIES.items():
        record = {
            "UID": stable_uuid("myob", tenant.key, "currency", code),
            "Code": code,
            "CurrencyName": name,
            "CurrencyRate": Decimal(1) if code == tenant.base_currency else Decimal("1.000000"),
            "Symbol": symbol,
            "DecimalPlaces": places,
            "IsLocal": code == tenant.base_currency,
            "RowVersion": row_version(),
        }
        tenant.records["Currency"][record["UID"]] = record


def first_financial_year_start(today: date) -> date:
    """The company file's first financial year (⚠ a knob): 1 July three years before `today`."""
    return date(today.year - 3, 7, 1)
