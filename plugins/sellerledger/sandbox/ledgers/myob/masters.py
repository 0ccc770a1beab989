"""MYOB master data the pipeline writes: `Contact/Customer` and `Inventory/Item`, validated as AccountRight
does (a customer's selling tax codes are required; an item's number is unique; a sold item needs an
income account). A PUT is a full update: fields left out are reset."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sellerledger.sandbox.ledgers.common import Tenant, to_decimal
from sellerledger.sandbox.ledgers.myob.chart import link
from sellerledger.sandbox.ledgers.myob.errors import MyobError, invalid, not_found_reference, required


def _ref(tenant: Tenant, kind: str, value: Any, field: str, needed: bool) -> dict[str, Any] | None:
    if value is None or (isinstance(value, dict) and not value.get("UID")):
        if needed:
            raise required(field)
        return None
    if not isinstance(value, dict):
        raise required(f"{field}.UID")
    record = tenant.records[kind].get(str(value["UID"]))
    if record is None:
        raise not_found_reference(field, value["UID"])
    return record


def _text(body: dict[str, Any], field: str, limit: int, needed: bool = False) -> str | None:
    value = body.get(field)
    if value is None or value == "":
        if needed:
            raise required(field)
        return None
    value = str(value)
    if len(value) > limit:
        raise invalid(field, f"{field} must be at most {limit} characters")
    return value


def build_customer(tenant: Tenant, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    individual = bool(body.get("IsIndividual", False))
    company = _text(body, "CompanyName", 50, needed=not individual)
    last = _text(body, "LastName", 30, needed=individual)
    first = _text(body, "FirstName", 20)
    selling = body.get("SellingDetails") or {}
    if not isinstance(selling, dict):
        raise required("SellingDetails")
    tax = _ref(tenant, "TaxCode", selling.get("TaxCode"), "SellingDetails.TaxCode", needed=True)
    freight = _ref(tenant, "TaxCode", selling.get("FreightTaxCode"), "SellingDetails.FreightTaxCode", needed=True)
    assert tax is not None and freight is not None
    name = company if not individual else ", ".join(p for p in (last, first) if p)
    return {
        "CompanyName": company,
        "LastName": last,
        "FirstName": first,
        "IsIndividual": individual,
        "Name": name,
        "DisplayID": _text(body, "DisplayID", 15) or "*None",
        "IsActive": bool(body.get("IsActive", True)),
        "Addresses": body.get("Addresses") or [],
        "Notes": body.get("Notes"),
        "Identifiers": body.get("Identifiers"),
        "CustomField1": body.get("CustomField1"),
        "CurrentBalance": Decimal("0.00"),
        "SellingDetails": {
            "SaleLayout": selling.get("SaleLayout", "NoDefault"),
            "PrintedForm": selling.get("PrintedForm"),
            "InvoiceDelivery": selling.get("InvoiceDelivery", "Print"),
            "ABN": selling.get("ABN"),
            "TaxIdNumber": selling.get("TaxIdNumber"),
            "TaxCode": link(tax, "GeneralLedger/TaxCode", "Code"),
            "FreightTaxCode": link(freight, "GeneralLedger/TaxCode", "Code"),
            "UseCustomerTaxCode": bool(selling.get("UseCustomerTaxCode", False)),
        },
    }


def build_item(tenant: Tenant, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    number = _text(body, "Number", 30, needed=True)
    for other in tenant.records["Item"].values():
        if other["Number"] == number and (existing is None or other["UID"] != existing["UID"]):
            raise MyobError(400, "DuplicateItemNumber", f"An item with Number {number} already exists", "Number")
    name = _text(body, "Name", 30, needed=True)
    is_sold, is_bought = bool(body.get("IsSold", False)), bool(body.get("IsBought", False))
    is_inventoried = bool(body.get("IsInventoried", False))
    income = _ref(tenant, "Account", body.get("IncomeAccount"), "IncomeAccount", needed=is_sold)
    expense = _ref(tenant, "Account", body.get("ExpenseAccount"), "ExpenseAccount", needed=False)
    asset = _ref(tenant, "Account", body.get("AssetAccount"), "AssetAccount", needed=is_inventoried)
    cost = _ref(tenant, "Account", body.get("CostOfSalesAccount"), "CostOfSalesAccount", needed=is_inventoried)
    selling = body.get("SellingDetails") or {}
    tax = _ref(tenant, "TaxCode", selling.get("TaxCode"), "SellingDetails.TaxCode", needed=False)
    try:
        price = to_decimal(selling.get("BaseSellingPrice", body.get("BaseSellingPrice", 0)))
    except ValueError as exc:
        raise MyobError(400, "SerializationError", "BaseSellingPrice is not a number", "BaseSellingPrice",
                        50) from exc

    def account_link(record: dict[str, Any] | None) -> dict[str, Any] | None:
        return link(record, "GeneralLedger/Account", "Name", "DisplayID") if record else None

    on_hand = existing.get("QuantityOnHand", Decimal(0)) if existing else Decimal(0)
    return {
        "Number": number,
        "Name": name,
        "IsActive": bool(body.get("IsActive", True)),
        "Description": body.get("Description"),
        "UseDescription": bool(body.get("UseDescription", False)),
        "QuantityOnHand": on_hand,
        "QuantityCommitted": Decimal(0),
        "QuantityOnOrder": Decimal(0),
        "QuantityAvailable": on_hand,
        "AverageCost": Decimal(0),
        "CurrentValue": Decimal(0),
        "BaseSellingPrice": price,
        "IsBought": is_bought,
        "IsSold": is_sold,
        "IsInventoried": is_inventoried,
        "CostOfSalesAccount": account_link(cost),
        "IncomeAccount": account_link(income),
        "ExpenseAccount": account_link(expense),
        "AssetAccount": account_link(asset),
        "SellingDetails": {
            "BaseSellingPrice": price,
            "SellingUnitOfMeasure": selling.get("SellingUnitOfMeasure"),
            "ItemsPerSellingUnit": selling.get("ItemsPerSellingUnit", 1),
            "TaxCode": link(tax, "GeneralLedger/TaxCode", "Code") if tax else None,
            "IsTaxInclusive": bool(selling.get("IsTaxInclusive", False)),
        },
    }
