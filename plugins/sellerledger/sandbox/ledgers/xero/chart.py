"""A Xero organisation's settings: accounts, tax rates and tracking categories seeded from the demo chart,
in Xero's JSON shape, with the look-ups the document handlers need."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.ledgers.common import MARKETPLACES, Tenant, stable_uuid
from sellerledger.sandbox.ledgers.xero.formats import ms_date

ACCOUNT_TYPES = {
    "bank": "BANK", "receivable": "CURRENT", "current_asset": "CURRENT", "payable": "CURRLIAB",
    "current_liability": "CURRLIAB", "revenue": "REVENUE", "other_income": "OTHERINCOME", "expense": "EXPENSE",
}
SYSTEM_ACCOUNTS = {"receivable": "DEBTORS", "payable": "CREDITORS"}
TRACKING = "TrackingCategory"


def seed(tenant: Tenant, now: datetime) -> None:
    """Accounts, tax rates and the `Marketplace` tracking category of a fresh organisation."""
    updated = ms_date(now)
    for account in tenant.accounts.values():
        account_id = stable_uuid("xero", tenant.key, "account", account.code)
        record: dict[str, Any] = {
            "AccountID": account_id, "Code": account.code, "Name": account.name,
            "Type": ACCOUNT_TYPES.get(account.kind, "CURRENT"), "Status": "ACTIVE", "TaxType": "NONE",
            "Class": account.klass.upper(),
            "EnablePaymentsToAccount": account.kind in ("bank", "current_asset"),
            "ShowInExpenseClaims": False, "HasAttachments": False, "AddToWatchlist": False,
            "UpdatedDateUTC": updated,
        }
        if account.kind == "bank":
            record.update(BankAccountType="BANK", BankAccountNumber="00-0000-0000000-00",
                          CurrencyCode=tenant.base_currency)
        if account.kind in SYSTEM_ACCOUNTS:
            record["SystemAccount"] = SYSTEM_ACCOUNTS[account.kind]
        tenant.records["Account"][account_id] = record
    for rate in tenant.tax_rates.values():
        tenant.records["TaxRate"][rate.code] = {
            "Name": rate.name, "TaxType": rate.code, "Status": "ACTIVE", "ReportTaxType": "OUTPUT",
            "CanApplyToAssets": True, "CanApplyToEquity": True, "CanApplyToExpenses": True,
            "CanApplyToLiabilities": True, "CanApplyToRevenue": True,
            "DisplayTaxRate": rate.rate, "EffectiveRate": rate.rate,
            "TaxComponents": [{"Name": rate.name, "Rate": rate.rate, "IsCompound": False, "IsNonRecoverable": False}],
        }
    category_id = stable_uuid("xero", tenant.key, "tracking", "Marketplace")
    tenant.records[TRACKING][category_id] = {
        "TrackingCategoryID": category_id, "Name": "Marketplace", "Status": "ACTIVE",
        "Options": [
            {"TrackingOptionID": stable_uuid("xero", tenant.key, "tracking", "Marketplace", name), "Name": name,
             "Status": "ACTIVE"}
            for name in MARKETPLACES
        ],
    }


def account(tenant: Tenant, code: str | None = None, account_id: str | None = None) -> dict[str, Any] | None:
    """An active account by Code or AccountID."""
    for record in tenant.records["Account"].values():
        if record["Status"] != "ACTIVE":
            continue
        if (code is not None and record["Code"] == code) or (account_id and record["AccountID"] == account_id):
            return record
    return None


def tax_rate(tenant: Tenant, tax_type: str) -> dict[str, Any] | None:
    record = tenant.records["TaxRate"].get(tax_type)
    return record if record and record["Status"] == "ACTIVE" else None


def rate_of(record: dict[str, Any]) -> Decimal:
    return Decimal(record["EffectiveRate"])


def resolve_tracking(tenant: Tenant, raw: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Line tracking (`[{Name, Option}]` or ids) → rendered tracking and errors; at most 2 categories."""
    if raw in (None, []):
        return [], []
    if not isinstance(raw, list):
        return [], ["Tracking must be a list"]
    rendered, errors = [], []
    if len(raw) > 2:
        errors.append("A line item can have no more than 2 tracking categories")
    for item in raw:
        if not isinstance(item, dict):
            errors.append("Tracking must be a list of objects")
            continue
        category = next(
            (c for c in tenant.records[TRACKING].values() if c["Status"] == "ACTIVE" and (
                (item.get("TrackingCategoryID") and c["TrackingCategoryID"] == item["TrackingCategoryID"])
                or (item.get("Name") and c["Name"].lower() == str(item["Name"]).lower()))),
            None,
        )
        if category is None:
            errors.append(f"Tracking category '{item.get('Name') or item.get('TrackingCategoryID')}' does not exist")
            continue
        wanted = item.get("Option")
        option = next(
            (o for o in category["Options"] if o["Status"] == "ACTIVE" and (
                (item.get("TrackingOptionID") and o["TrackingOptionID"] == item["TrackingOptionID"])
                or (wanted and o["Name"].lower() == str(wanted).lower()))),
            None,
        )
        if option is None:
            errors.append(f"Tracking option '{wanted or item.get('TrackingOptionID')}' does not exist "
                          f"in tracking category '{category['Name']}'")
            continue
        rendered.append({"Name": category["Name"], "Option": option["Name"],
                         "TrackingCategoryID": category["TrackingCategoryID"],
                         "TrackingOptionID": option["TrackingOptionID"]})
    return rendered, errors
