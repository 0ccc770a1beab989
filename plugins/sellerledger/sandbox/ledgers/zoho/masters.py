"""Zoho Books contacts and items: `contact_name` unique per organization, item `name` and `sku` unique,
an item's `rate` required; references (currency, account, tax) must exist."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sellerledger.sandbox.ledgers.zoho.documents import DUPLICATE, ZohoError, amount_of, invalid, record_of
from sellerledger.sandbox.ledgers.zoho.org import Organization


def _text(body: dict[str, Any], name: str, limit: int, needed: bool = False) -> str:
    value = body.get(name)
    if value is None or str(value).strip() == "":
        if needed:
            raise invalid(name)
        return ""
    value = str(value)
    if len(value) > limit:
        raise invalid(name)
    return value


def build_contact(org: Organization, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    name = _text(body, "contact_name", 200, needed=existing is None) or (existing or {}).get("contact_name", "")
    for other in org.records["contact"].values():
        if other["contact_name"].lower() == name.lower() and (existing is None or other is not existing):
            raise ZohoError(400, DUPLICATE, "The contact name already exists. Please specify a different name.")
    contact_type = body.get("contact_type") or (existing or {}).get("contact_type") or "customer"
    if contact_type not in ("customer", "vendor"):
        raise invalid("contact_type")
    currency_id = body.get("currency_id") or (existing or {}).get("currency_id") or org.base_currency_id()
    currency = record_of(org, "currency", currency_id, "currency_id", "Currency")
    assert currency is not None
    base = dict(existing or {})
    base.update({
        "contact_name": name, "company_name": body.get("company_name", base.get("company_name", "")) or "",
        "contact_type": contact_type,
        "customer_sub_type": body.get("customer_sub_type") or base.get("customer_sub_type") or "business",
        "email": body.get("email", base.get("email", "")) or "", "currency_id": currency["currency_id"],
        "currency_code": currency["currency_code"], "status": "active",
        "notes": body.get("notes", base.get("notes", "")) or "",
    })
    return base


def build_item(org: Organization, body: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    name = _text(body, "name", 100, needed=existing is None) or (existing or {}).get("name", "")
    sku = _text(body, "sku", 100) or (existing or {}).get("sku", "")
    for other in org.records["item"].values():
        if existing is not None and other is existing:
            continue
        if other["name"].lower() == name.lower():
            raise ZohoError(400, DUPLICATE, "The item name already exists.")
        if sku and other.get("sku") == sku:
            raise ZohoError(400, DUPLICATE, "The SKU already exists.")
    if existing is None and body.get("rate") in (None, ""):
        raise invalid("rate")
    rate = amount_of(body.get("rate"), "rate", default=(existing or {}).get("rate", Decimal(0)))
    account_id = body.get("account_id") or (existing or {}).get("account_id") or org.account_by_code("4000")["account_id"]
    account = record_of(org, "account", account_id, "account_id", "Account")
    tax = record_of(org, "tax", body.get("tax_id") or (existing or {}).get("tax_id"), "tax_id", "Tax", needed=False)
    assert account is not None
    product_type = body.get("product_type") or (existing or {}).get("product_type") or "goods"
    if product_type not in ("goods", "service", "digital_service"):
        raise invalid("product_type")
    base = dict(existing or {})
    base.update({
        "name": name, "sku": sku, "rate": rate, "description": body.get("description", base.get("description", ""))
        or "", "account_id": account["account_id"], "account_name": account["account_name"],
        "tax_id": tax["tax_id"] if tax else "", "tax_name": tax["tax_name"] if tax else "",
        "tax_percentage": tax["tax_percentage"] if tax else Decimal(0), "product_type": product_type,
        "item_type": body.get("item_type") or base.get("item_type") or "sales", "status": "active",
        "unit": body.get("unit", base.get("unit", "")) or "",
    })
    return base
