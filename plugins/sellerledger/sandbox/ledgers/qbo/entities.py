"""QBO company set-up and name lists: accounts, tax codes and tax rates seeded from the demo chart, and the
Customer, Item and Account writes (create, sparse or full update). None of these post to the book."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.ledgers.common import MARKETPLACES, Tenant, to_decimal
from sellerledger.sandbox.ledgers.qbo.formats import (
    QboError,
    business,
    duplicate_name,
    invalid,
    invalid_reference,
    length,
    missing,
    qbo_time,
)

ACCOUNT_TYPES = {  # demo chart kind -> (AccountType, Classification, AccountSubType)
    "bank": ("Bank", "Asset", "Checking"),
    "receivable": ("Accounts Receivable", "Asset", "AccountsReceivable"),
    "current_asset": ("Other Current Asset", "Asset", "OtherCurrentAssets"),
    "payable": ("Accounts Payable", "Liability", "AccountsPayable"),
    "current_liability": ("Other Current Liability", "Liability", "OtherCurrentLiabilities"),
    "revenue": ("Income", "Revenue", "SalesOfProductIncome"),
    "other_income": ("Other Income", "Revenue", "OtherMiscellaneousIncome"),
    "expense": ("Expense", "Expense", "OtherMiscellaneousServiceCost"),
}
CLASSIFICATION = {t: c for t, c, _ in ACCOUNT_TYPES.values()} | {"Equity": "Equity", "Cost of Goods Sold": "Expense",
                                                                  "Other Expense": "Expense", "Credit Card": "Liability",
                                                                  "Long Term Liability": "Liability",
                                                                  "Fixed Asset": "Asset", "Other Asset": "Asset"}


@dataclass
class Ctx:
    """One request's view of a company."""

    tenant: Tenant
    now: datetime
    duplicate_doc_numbers: bool = False  # include=allowduplicatedocnum, or the company preference off
    invisible: set[str] = field(default_factory=set)  # ids created earlier in the same batch


def meta(now: datetime, created: str | None = None) -> dict[str, str]:
    return {"CreateTime": created or qbo_time(now), "LastUpdatedTime": qbo_time(now)}


def new_id(tenant: Tenant) -> str:
    return str(tenant.next_number("id"))


def seed(tenant: Tenant, now: datetime) -> None:
    """Accounts (AcctNum = demo chart code), tax rates and tax codes (Name = demo chart tax code)."""
    for account in tenant.accounts.values():
        account_type, classification, sub_type = ACCOUNT_TYPES.get(account.kind, ACCOUNT_TYPES["current_asset"])
        account_id = new_id(tenant)
        tenant.records["Account"][account_id] = {
            "Name": account.name, "SubAccount": False, "FullyQualifiedName": account.name, "Active": True,
            "Classification": classification, "AccountType": account_type, "AccountSubType": sub_type,
            "AcctNum": account.code, "CurrentBalance": Decimal("0"), "CurrentBalanceWithSubAccounts": Decimal("0"),
            "CurrencyRef": {"value": tenant.base_currency}, "domain": "QBO", "sparse": False, "Id": account_id,
            "SyncToken": "0", "MetaData": meta(now),
        }
    for rate in tenant.tax_rates.values():
        rate_id = new_id(tenant)
        tenant.records["TaxRate"][rate_id] = {
            "Name": rate.name, "Description": rate.name, "Active": True, "RateValue": rate.rate,
            "SpecialTaxType": "NONE", "DisplayType": "ReadOnly", "domain": "QBO", "sparse": False, "Id": rate_id,
            "SyncToken": "0", "MetaData": meta(now),
        }
        code_id = new_id(tenant)
        tenant.records["TaxCode"][code_id] = {
            "Name": rate.code, "Description": rate.name, "Active": True, "Hidden": False, "Taxable": rate.rate > 0,
            "TaxGroup": False,
            "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": rate_id, "name": rate.name},
                                                    "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]},
            "PurchaseTaxRateList": {"TaxRateDetail": []},
            "domain": "QBO", "sparse": False, "Id": code_id, "SyncToken": "0", "MetaData": meta(now),
        }


    for kind in ("Class", "Department"):
        for name in MARKETPLACES:
            record_id = new_id(tenant)
            tenant.records[kind][record_id] = {
                "Name": name, "SubClass" if kind == "Class" else "SubDepartment": False, "FullyQualifiedName": name,
                "Active": True, "domain": "QBO", "sparse": False, "Id": record_id, "SyncToken": "0",
                "MetaData": meta(now),
            }


def ref_value(body: dict[str, Any], name: str) -> str | None:
    ref = body.get(name)
    if isinstance(ref, dict) and ref.get("value") not in (None, ""):
        return str(ref["value"])
    if isinstance(ref, str | int) and str(ref):
        return str(ref)
    return None


def lookup(ctx: Ctx, kind: str, value: str | None, what: str, required: bool = True) -> dict[str, Any] | None:
    """The active record a `*Ref` names (2020 when required and absent, 2500 when unknown)."""
    if value is None:
        if required:
            raise missing(what)
        return None
    record = ctx.tenant.records[kind].get(value)
    if record is None or value in ctx.invisible or not record.get("Active", True):
        raise invalid_reference(what, value)
    return record


def tax_code(ctx: Ctx, value: str | None) -> dict[str, Any] | None:
    """A tax code by Id or Name (Name is the demo chart code, e.g. `VAT20`)."""
    if value is None:
        return None
    codes = ctx.tenant.records["TaxCode"]
    found = codes.get(value) or next((c for c in codes.values() if c["Name"].lower() == value.lower()), None)
    if found is None:
        raise invalid_reference("TaxCodeRef", value)
    return found


def tax_rate_of(ctx: Ctx, code: dict[str, Any]) -> Decimal:
    details = code["SalesTaxRateList"]["TaxRateDetail"]
    return sum((Decimal(ctx.tenant.records["TaxRate"][d["TaxRateRef"]["value"]]["RateValue"]) for d in details),
               Decimal(0))


def posting_code(account: dict[str, Any]) -> str:
    """The book's account code: AcctNum, or the Id for an account without a number."""
    return str(account.get("AcctNum") or f"qbo-{account['Id']}")


Planner = Callable[[Ctx, dict[str, Any], dict[str, Any] | None], tuple[dict[str, Any], Callable[[], dict[str, Any]]]]


def _store(ctx: Ctx, kind: str, record: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    def commit() -> dict[str, Any]:
        ctx.tenant.records[kind][record["Id"]] = record
        return record
    return commit


def _base(ctx: Ctx, existing: dict[str, Any] | None) -> dict[str, Any]:
    if existing is None:
        return {"domain": "QBO", "sparse": False, "Id": new_id(ctx.tenant), "SyncToken": "0", "MetaData": meta(ctx.now)}
    return {"domain": "QBO", "sparse": False, "Id": existing["Id"], "SyncToken": str(int(existing["SyncToken"]) + 1),
            "MetaData": meta(ctx.now, existing["MetaData"]["CreateTime"])}


def _unique_name(ctx: Ctx, kind: str, field_name: str, value: str, self_id: str | None) -> None:
    for record in ctx.tenant.records[kind].values():
        if record["Id"] != self_id and str(record.get(field_name, "")).lower() == value.lower():
            raise duplicate_name(value)


def plan_customer(ctx: Ctx, body: dict[str, Any], existing: dict[str, Any] | None) -> tuple[dict[str, Any], Callable[[], dict[str, Any]]]:
    name = body.get("DisplayName") or " ".join(p for p in (body.get("GivenName"), body.get("FamilyName")) if p) \
        or body.get("CompanyName")
    if not name:
        raise missing("DisplayName")
    name = str(name).strip()
    if len(name) > 500:
        raise length("DisplayName", len(name), 500)
    record = _base(ctx, existing)
    _unique_name(ctx, "Customer", "DisplayName", name, record["Id"] if existing else None)
    currency = ref_value(body, "CurrencyRef") or (existing or {}).get("CurrencyRef", {}).get("value") \
        or ctx.tenant.base_currency
    if existing and existing.get("CurrencyRef", {}).get("value") not in (None, currency):
        raise business("You can't change the currency of a customer that already has a currency.", "CurrencyRef")
    record.update(DisplayName=name, FullyQualifiedName=name, PrintOnCheckName=str(body.get("PrintOnCheckName", name)),
                  Active=bool(body.get("Active", True)), Taxable=bool(body.get("Taxable", False)), Job=False,
                  BillWithParent=False, Balance=(existing or {}).get("Balance", Decimal("0")),
                  BalanceWithJobs=(existing or {}).get("Balance", Decimal("0")),
                  CurrencyRef={"value": currency}, PreferredDeliveryMethod="None")
    for optional in ("GivenName", "FamilyName", "CompanyName", "PrimaryEmailAddr", "BillAddr", "ShipAddr",
                     "Notes", "PrimaryPhone"):
        if body.get(optional) is not None:
            record[optional] = body[optional]
    return record, _store(ctx, "Customer", record)


def plan_item(ctx: Ctx, body: dict[str, Any], existing: dict[str, Any] | None) -> tuple[dict[str, Any], Callable[[], dict[str, Any]]]:
    name = str(body.get("Name") or "").strip()
    if not name:
        raise missing("Name")
    if len(name) > 100:
        raise length("Name", len(name), 100)
    record = _base(ctx, existing)
    _unique_name(ctx, "Item", "Name", name, record["Id"] if existing else None)
    item_type = str(body.get("Type") or "Service")
    if item_type not in ("Service", "NonInventory"):
        raise invalid(f"Type {item_type} (the sandbox serves Service and NonInventory items)", "Type")
    income = lookup(ctx, "Account", ref_value(body, "IncomeAccountRef"), "IncomeAccountRef")
    assert income is not None
    record.update(Name=name, FullyQualifiedName=name, Active=bool(body.get("Active", True)), Type=item_type,
                  Taxable=bool(body.get("Taxable", False)), SubItem=False, TrackQtyOnHand=False,
                  IncomeAccountRef={"value": income["Id"], "name": income["Name"]})
    try:
        record["UnitPrice"] = to_decimal(body.get("UnitPrice", 0))
    except ValueError:
        raise invalid("UnitPrice", "UnitPrice") from None
    for optional in ("Sku", "Description", "PurchaseDesc"):
        if body.get(optional) is not None:
            record[optional] = str(body[optional])
    return record, _store(ctx, "Item", record)


def plan_account(ctx: Ctx, body: dict[str, Any], existing: dict[str, Any] | None) -> tuple[dict[str, Any], Callable[[], dict[str, Any]]]:
    name = str(body.get("Name") or "").strip()
    if not name:
        raise missing("Name")
    if len(name) > 100:
        raise length("Name", len(name), 100)
    record = _base(ctx, existing)
    accounts = ctx.tenant.records["Account"].values()
    if any(a["Name"].lower() == name.lower() and a["Id"] != record["Id"] for a in accounts):
        raise duplicate_name(name)
    number = body.get("AcctNum")
    if number is not None and any(a.get("AcctNum") == str(number) and a["Id"] != record["Id"] for a in accounts):
        raise QboError("6210", "Duplicate Account Number", f"Account number {number} has already been used.")
    account_type = str(body.get("AccountType") or (existing or {}).get("AccountType") or "")
    if account_type not in CLASSIFICATION:
        raise missing("AccountType") if not account_type else invalid(f"AccountType {account_type}", "AccountType")
    currency = ref_value(body, "CurrencyRef") or ctx.tenant.base_currency
    record.update(Name=name, SubAccount=False, FullyQualifiedName=name, Active=bool(body.get("Active", True)),
                  Classification=CLASSIFICATION[account_type], AccountType=account_type,
                  AccountSubType=str(body.get("AccountSubType") or ""), CurrentBalance=Decimal("0"),
                  CurrentBalanceWithSubAccounts=Decimal("0"), CurrencyRef={"value": currency})
    if number is not None:
        record["AcctNum"] = str(number)
    return record, _store(ctx, "Account", record)


def _plan_segment(kind: str) -> Planner:
    """Class or Department: a unique Name (the pipeline's tracking dimension per marketplace)."""

    def plan(ctx: Ctx, body: dict[str, Any], existing: dict[str, Any] | None) -> tuple[dict[str, Any], Callable[[], dict[str, Any]]]:
        name = str(body.get("Name") or "").strip()
        if not name:
            raise missing("Name")
        if len(name) > 100:
            raise length("Name", len(name), 100)
        record = _base(ctx, existing)
        _unique_name(ctx, kind, "Name", name, record["Id"] if existing else None)
        record.update({"Name": name, "Sub" + kind: False, "FullyQualifiedName": name,
                       "Active": bool(body.get("Active", True))})
        return record, _store(ctx, kind, record)

    return plan


def segment_ref(ctx: Ctx, body: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A ClassRef / DepartmentRef checked against the company's list (None when absent)."""
    value = ref_value(body, name)
    if value is None:
        return None
    record = lookup(ctx, "Class" if name == "ClassRef" else "Department", value, name)
    assert record is not None
    return {"value": record["Id"], "name": record["Name"]}


NAME_LISTS: dict[str, Planner] = {"Customer": plan_customer, "Item": plan_item, "Account": plan_account,
                                  "Class": _plan_segment("Class"), "Department": _plan_segment("Department")}
READ_ONLY = ("TaxCode", "TaxRate")
