"""Xero master data the pipeline writes: Contacts and Items (batched, upserting), Accounts, tracking
categories and their options (one per request). Nothing here posts to the book."""

from __future__ import annotations

import uuid
from typing import Any

from sellerledger.sandbox.ledgers.common import to_decimal
from sellerledger.sandbox.ledgers.xero import chart
from sellerledger.sandbox.ledgers.xero.documents import Ctx, Kind, Plan
from sellerledger.sandbox.ledgers.xero.formats import ms_date

CONTACTS = Kind("Contacts", "Contact", "ContactID", None)
ITEMS = Kind("Items", "Item", "ItemID", None, batch_max=500)
CONTACT_FIELDS = ("FirstName", "LastName", "EmailAddress", "AccountNumber", "ContactNumber", "TaxNumber",
                  "DefaultCurrency", "Addresses", "Phones", "CompanyNumber", "BankAccountDetails",
                  "AccountsReceivableTaxType", "AccountsPayableTaxType", "SalesDefaultAccountCode")


def find_contact(ctx: Ctx, raw: dict[str, Any]) -> dict[str, Any] | None:
    contacts = ctx.tenant.records["Contact"]
    if raw.get("ContactID"):
        return contacts.get(str(raw["ContactID"]))
    if raw.get("ContactNumber"):
        return next((c for c in contacts.values() if c.get("ContactNumber") == raw["ContactNumber"]), None)
    return None


def plan_contact(ctx: Ctx, raw: dict[str, Any], existing: dict[str, Any] | None) -> Plan:
    errors: list[str] = []
    if raw.get("ContactID") and existing is None:
        return Plan(dict(raw), [f"Contact with ContactID '{raw['ContactID']}' could not be found"])
    old = existing or {}
    name = str(raw.get("Name", old.get("Name", "")) or "").strip()
    contact_id = old.get("ContactID") or str(uuid.uuid4())
    if not name:
        errors.append("The contact name must be specified")
    elif len(name) > 255:
        errors.append("The contact name must be 255 characters or fewer")
    else:
        clash = any(c["Name"].lower() == name.lower() and c["ContactStatus"] == "ACTIVE" and c["ContactID"] != contact_id
                    for c in ctx.tenant.records["Contact"].values())
        if clash or name.lower() in ctx.claimed["Contacts"]:
            errors.append(f"The contact name {name} is already assigned to another contact. The contact name "
                          "must be unique across all active contacts.")
    status = str(raw.get("ContactStatus", old.get("ContactStatus", "ACTIVE"))).upper()
    if status not in ("ACTIVE", "ARCHIVED"):
        errors.append(f"ContactStatus {status} is not valid")
    record: dict[str, Any] = {
        "ContactID": contact_id, "ContactStatus": status, "Name": name,
        "IsSupplier": bool(old.get("IsSupplier", False)), "IsCustomer": bool(old.get("IsCustomer", False)),
        "Addresses": [], "Phones": [], "ContactGroups": [], "ContactPersons": [], "HasAttachments": False,
        "HasValidationErrors": False, "UpdatedDateUTC": ms_date(ctx.now),
    }
    for name_ in CONTACT_FIELDS:
        if name_ in raw or name_ in old:
            record[name_] = raw.get(name_, old.get(name_))
    if errors:
        return Plan(dict(raw, ValidationErrors=[]), errors)
    ctx.claimed["Contacts"].add(name.lower())

    def commit() -> dict[str, Any]:
        ctx.tenant.records["Contact"][contact_id] = record
        return record

    return Plan(record, [], commit)


def find_item(ctx: Ctx, raw: dict[str, Any]) -> dict[str, Any] | None:
    items = ctx.tenant.records["Item"]
    if raw.get("ItemID"):
        return items.get(str(raw["ItemID"]))
    if raw.get("Code"):
        return next((i for i in items.values() if i["Code"].lower() == str(raw["Code"]).lower()), None)
    return None


def _details(ctx: Ctx, raw: Any, label: str, errors: list[str]) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.append(f"{label} must be an object")
        return None
    details: dict[str, Any] = {}
    if raw.get("UnitPrice") is not None:
        try:
            details["UnitPrice"] = to_decimal(raw["UnitPrice"])
        except ValueError:
            errors.append(f"{label}.UnitPrice {raw['UnitPrice']!r} is not a number")
    if raw.get("AccountCode"):
        if chart.account(ctx.tenant, code=str(raw["AccountCode"])) is None:
            errors.append(f"{label}.AccountCode '{raw['AccountCode']}' is not a valid account code")
        details["AccountCode"] = str(raw["AccountCode"])
    if raw.get("TaxType"):
        if chart.tax_rate(ctx.tenant, str(raw["TaxType"])) is None:
            errors.append(f"{label}.TaxType '{raw['TaxType']}' is not a valid tax type")
        details["TaxType"] = str(raw["TaxType"])
    return details


def plan_item(ctx: Ctx, raw: dict[str, Any], existing: dict[str, Any] | None) -> Plan:
    errors: list[str] = []
    if raw.get("ItemID") and existing is None:
        return Plan(dict(raw), [f"Item with ItemID '{raw['ItemID']}' could not be found"])
    old = existing or {}
    code = str(raw.get("Code", old.get("Code", "")) or "").strip()
    item_id = old.get("ItemID") or str(uuid.uuid4())
    if not code:
        errors.append("Item Code is required")
    elif len(code) > 30:
        errors.append("Item Code must be 30 characters or fewer")
    elif any(i["Code"].lower() == code.lower() and i["ItemID"] != item_id for i in ctx.tenant.records["Item"].values()) \
            or code.lower() in ctx.claimed["Items"]:
        errors.append(f"Item code '{code}' already exists")
    name = str(raw.get("Name", old.get("Name", code)) or code)
    if len(name) > 50:
        errors.append("Item Name must be 50 characters or fewer")
    sales = _details(ctx, raw["SalesDetails"], "SalesDetails", errors) if "SalesDetails" in raw \
        else old.get("SalesDetails")
    purchase = _details(ctx, raw["PurchaseDetails"], "PurchaseDetails", errors) if "PurchaseDetails" in raw \
        else old.get("PurchaseDetails")
    record: dict[str, Any] = {
        "ItemID": item_id, "Code": code, "Name": name,
        "IsSold": bool(raw.get("IsSold", old.get("IsSold", sales is not None))),
        "IsPurchased": bool(raw.get("IsPurchased", old.get("IsPurchased", purchase is not None))),
        "IsTrackedAsInventory": False, "UpdatedDateUTC": ms_date(ctx.now),
    }
    for field in ("Description", "PurchaseDescription"):
        if raw.get(field, old.get(field)) is not None:
            record[field] = str(raw.get(field, old.get(field)))
    if sales is not None:
        record["SalesDetails"] = sales
    if purchase is not None:
        record["PurchaseDetails"] = purchase
    if errors:
        return Plan(dict(raw), errors)
    ctx.claimed["Items"].add(code.lower())

    def commit() -> dict[str, Any]:
        ctx.tenant.records["Item"][item_id] = record
        return record

    return Plan(record, [], commit)


def plan_account(ctx: Ctx, raw: dict[str, Any]) -> Plan:
    errors: list[str] = []
    code, name, type_ = str(raw.get("Code") or ""), str(raw.get("Name") or ""), str(raw.get("Type") or "")
    accounts = ctx.tenant.records["Account"].values()
    if not code or len(code) > 10:
        errors.append("Account Code is required (10 characters or fewer)")
    elif any(a["Code"] == code for a in accounts):
        errors.append("Please enter a unique Code.")
    if not name:
        errors.append("Account Name is required")
    elif any(a["Name"].lower() == name.lower() for a in accounts):
        errors.append("Please enter a unique Name.")
    if type_ not in set(chart.ACCOUNT_TYPES.values()) | {"EQUITY", "DIRECTCOSTS", "OVERHEADS", "FIXED", "SALES"}:
        errors.append(f"Account Type '{type_}' is not valid")
    if errors:
        return Plan(dict(raw), errors)
    klass = {"BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "CURRLIAB": "LIABILITY", "EQUITY": "EQUITY",
             "REVENUE": "REVENUE", "SALES": "REVENUE", "OTHERINCOME": "REVENUE"}.get(type_, "EXPENSE")
    record = {"AccountID": str(uuid.uuid4()), "Code": code, "Name": name, "Type": type_, "Status": "ACTIVE",
              "TaxType": str(raw.get("TaxType") or "NONE"), "Class": klass, "EnablePaymentsToAccount": False,
              "ShowInExpenseClaims": False, "HasAttachments": False, "AddToWatchlist": False,
              "UpdatedDateUTC": ms_date(ctx.now)}
    if raw.get("Description"):
        record["Description"] = str(raw["Description"])

    def commit() -> dict[str, Any]:
        ctx.tenant.records["Account"][record["AccountID"]] = record
        return record

    return Plan(record, [], commit)


def plan_tracking_category(ctx: Ctx, raw: dict[str, Any]) -> Plan:
    name = str(raw.get("Name") or "").strip()
    categories = ctx.tenant.records[chart.TRACKING].values()
    errors = []
    if not name or len(name) > 100:
        errors.append("Tracking category Name is required (100 characters or fewer)")
    elif any(c["Name"].lower() == name.lower() and c["Status"] != "DELETED" for c in categories):
        errors.append(f"A tracking category called '{name}' already exists")
    elif sum(1 for c in categories if c["Status"] == "ACTIVE") >= 2:
        errors.append("You can only have 2 active tracking categories")
    if errors:
        return Plan(dict(raw), errors)
    record = {"TrackingCategoryID": str(uuid.uuid4()), "Name": name, "Status": "ACTIVE", "Options": []}

    def commit() -> dict[str, Any]:
        ctx.tenant.records[chart.TRACKING][record["TrackingCategoryID"]] = record
        return record

    return Plan(record, [], commit)


def plan_tracking_option(ctx: Ctx, category: dict[str, Any], raw: dict[str, Any]) -> Plan:
    name = str(raw.get("Name") or "").strip()
    errors = []
    if not name or len(name) > 100:
        errors.append("Tracking option Name is required (100 characters or fewer)")
    elif any(o["Name"].lower() == name.lower() and o["Status"] != "DELETED" for o in category["Options"]):
        errors.append(f"A tracking option called '{name}' already exists in '{category['Name']}'")
    if errors:
        return Plan(dict(raw), errors)
    option = {"TrackingOptionID": str(uuid.uuid4()), "Name": name, "Status": "ACTIVE",
              "TrackingCategoryID": category["TrackingCategoryID"]}

    def commit() -> dict[str, Any]:
        category["Options"].append({k: v for k, v in option.items() if k != "TrackingCategoryID"})
        return option

    return Plan(option, [], commit)
