"""MYOB `Inventory/Adjustment` (inventory journals): quantity adjustments of inventoried items.

`POST /accountright/{cf}/Inventory/Adjustment` with `{"InventoryJournalNumber", "Date", "Memo",
"IsYearEndAdjustment", "Lines": [{"Item": {"UID"}, "Quantity": 5, "UnitCost": 0, "Amount": 0,
"Account": {"UID"}, "Memo"}]}` adds each line's (signed) quantity to the item's `QuantityOnHand` and
`QuantityAvailable` and gives the item a new RowVersion, as AccountRight does. Each line needs an
inventoried item and an account. The stand-in records quantity-only adjustments: a line with a non-zero
UnitCost or Amount is refused (it would move value the stand-in's book does not post). An adjustment
cannot be changed once recorded (post another one to correct it); a quantity on hand never goes below 0.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sellerledger.sandbox.ledgers.common import Tenant, to_decimal
from sellerledger.sandbox.ledgers.myob.chart import link, row_version
from sellerledger.sandbox.ledgers.myob.errors import MyobError, invalid, not_found_reference, required


def build_adjustment(tenant: Tenant, body: dict[str, Any], existing: dict[str, Any] | None,
                     number: str) -> dict[str, Any]:
    """Validate the adjustment, apply its quantities to the items (all or none), return the record."""
    if existing is not None:
        raise invalid("UID", "An inventory adjustment cannot be changed; record another adjustment instead")
    lines = body.get("Lines")
    if not isinstance(lines, list) or not lines:
        raise required("Lines")
    changes: dict[str, Decimal] = {}
    kept: list[dict[str, Any]] = []
    for position, line in enumerate(lines, start=1):
        where = f"Lines[{position}]"
        if not isinstance(line, dict):
            raise required(where)
        item_ref = line.get("Item") or {}
        if not isinstance(item_ref, dict) or not item_ref.get("UID"):
            raise required(f"{where}.Item.UID")
        item = tenant.records["Item"].get(str(item_ref["UID"]))
        if item is None:
            raise not_found_reference(f"{where}.Item", item_ref["UID"])
        if not item.get("IsInventoried"):
            raise invalid(f"{where}.Item", f"Item {item['Number']} is not inventoried; only inventoried items "
                          "can be adjusted")
        account_ref = line.get("Account") or {}
        if not isinstance(account_ref, dict) or not account_ref.get("UID"):
            raise required(f"{where}.Account.UID")
        account = tenant.records["Account"].get(str(account_ref["UID"]))
        if account is None:
            raise not_found_reference(f"{where}.Account", account_ref["UID"])
        try:
            quantity = to_decimal(line.get("Quantity"))
            unit_cost = to_decimal(line.get("UnitCost", 0))
            amount = to_decimal(line.get("Amount", 0))
        except ValueError as exc:
            raise MyobError(400, "SerializationError", f"{where}: Quantity, UnitCost and Amount must be numbers",
                            where, 50) from exc
        if quantity == 0:
            raise invalid(f"{where}.Quantity", "Quantity must not be zero")
        if unit_cost != 0 or amount != 0:
            raise invalid(f"{where}.Amount", "The stand-in records quantity-only adjustments (UnitCost and Amount 0)")
        changes[item["UID"]] = changes.get(item["UID"], Decimal(0)) + quantity
        kept.append({"RowID": position, "Quantity": quantity, "UnitCost": unit_cost, "Amount": amount,
                     "Item": link(item, "Inventory/Item", "Number", "Name"),
                     "Account": link(account, "GeneralLedger/Account", "Name", "DisplayID"),
                     "Memo": line.get("Memo")})
    for uid, delta in changes.items():
        item = tenant.records["Item"][uid]
        if item.get("QuantityOnHand", Decimal(0)) + delta < 0:
            raise invalid("Lines.Quantity", f"Item {item['Number']} would have {item['QuantityOnHand'] + delta} "
                          "on hand; the quantity on hand cannot go below zero")
    for uid, delta in changes.items():
        item = tenant.records["Item"][uid]
        item["QuantityOnHand"] = item.get("QuantityOnHand", Decimal(0)) + delta
        item["QuantityAvailable"] = item["QuantityOnHand"] - item.get("QuantityCommitted", Decimal(0))
        item["RowVersion"] = row_version()
    return {"InventoryJournalNumber": number, "Date": body.get("Date"), "Memo": body.get("Memo"),
            "IsYearEndAdjustment": bool(body.get("IsYearEndAdjustment", False)), "Lines": kept}
