"""A Xero organisation's reference data, read once per client and cached: accounts by code, tax rates,
tracking categories and options, contacts by name, items by code, the base currency.

What the documents need but the organisation lacks is created, each at most once: a contact for a
marketplace's generic Amazon customer, an item per SKU, a tracking option per marketplace. A missing
account, tax rate or tracking category is a `FatalError` naming it (the chart is the bookkeeper's).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.http import LedgerHttp

ITEM_CODE_MAX = 30
ITEM_NAME_MAX = 50


def where_literal(value: str) -> str:
    """A string literal for Xero's `where` filter."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(*parts: str) -> str:
    return "sl-ref-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:48]


class XeroRefs:
    """Cached look-ups against one organisation (see the module docstring)."""

    def __init__(self, http: LedgerHttp) -> None:
        self.http = http
        self._accounts: dict[str, dict[str, Any]] | None = None
        self._tax: dict[str, str] | None = None
        self._tracking: dict[str, dict[str, Any]] | None = None
        self._contacts: dict[str, str] = {}
        self._items: dict[str, str] | None = None
        self._organisation: dict[str, Any] | None = None

    # organisation ------------------------------------------------------------------------------------
    def organisation(self) -> dict[str, Any]:
        if self._organisation is None:
            body = self.http.json("getOrganisations", "GET", "/Organisation")
            self._organisation = (body.get("Organisations") or [{}])[0]
        return self._organisation

    @property
    def base_currency(self) -> str:
        return str(self.organisation().get("BaseCurrency") or "")

    # accounts and tax --------------------------------------------------------------------------------
    def account(self, code: str) -> dict[str, Any]:
        if self._accounts is None:
            body = self.http.json("getAccounts", "GET", "/Accounts")
            self._accounts = {str(a["Code"]): a for a in body.get("Accounts", [])
                              if a.get("Code") and a.get("Status", "ACTIVE") == "ACTIVE"}
        found = self._accounts.get(code)
        if found is None:
            raise FatalError(f"xero: account code {code!r} is not an active account of the organisation; fix the "
                             "mapping or add the account", ledger="xero", operation="render")
        return found

    def tax_type(self, code: str | None) -> str:
        if self._tax is None:
            body = self.http.json("getTaxRates", "GET", "/TaxRates")
            self._tax = {}
            for rate in body.get("TaxRates", []):
                if rate.get("Status", "ACTIVE") != "ACTIVE":
                    continue
                for name in (rate.get("TaxType"), rate.get("Name")):
                    if name:
                        self._tax.setdefault(str(name).upper(), str(rate["TaxType"]))
        wanted = (code or "NONE").upper()
        found = self._tax.get(wanted)
        if found is None:
            raise FatalError(f"xero: tax rate {code!r} is not a tax type or tax rate name of the organisation",
                             ledger="xero", operation="render")
        return found

    # tracking ----------------------------------------------------------------------------------------
    def _categories(self) -> dict[str, dict[str, Any]]:
        if self._tracking is None:
            body = self.http.json("getTrackingCategories", "GET", "/TrackingCategories")
            self._tracking = {}
            for category in body.get("TrackingCategories", []):
                options = {str(o["Name"]).lower(): str(o["Name"]) for o in category.get("Options", [])
                           if o.get("Status", "ACTIVE") == "ACTIVE"}
                self._tracking[str(category["Name"]).lower()] = {
                    "id": category["TrackingCategoryID"], "name": category["Name"], "options": options}
        return self._tracking

    def tracking(self, pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
        """`[{Name, Option}]` for the pairs; a missing option of an existing category is created."""
        rendered = []
        for name, option in pairs:
            category = self._categories().get(name.lower())
            if category is None:
                raise FatalError(f"xero: tracking category {name!r} does not exist in the organisation; create it "
                                 "or change the mapping's tracking", ledger="xero", operation="render")
            if option.lower() not in category["options"]:
                self.http.json("createTrackingOptions", "PUT", f"/TrackingCategories/{category['id']}/Options",
                               json_body={"Name": option},
                               headers={"Idempotency-Key": _key("option", category["id"], option)})
                category["options"][option.lower()] = option
            rendered.append({"Name": category["name"], "Option": category["options"][option.lower()]})
        return rendered

    # contacts ----------------------------------------------------------------------------------------
    def contact_id(self, name: str) -> str:
        """The ContactID of the active contact called `name`, created when there is none."""
        if name in self._contacts:
            return self._contacts[name]
        body = self.http.json("getContacts", "GET", "/Contacts",
                              params={"where": f"Name=={where_literal(name)}", "page": "1"})
        found = [c for c in body.get("Contacts", []) if c.get("ContactStatus", "ACTIVE") == "ACTIVE"]
        if not found:
            created = self.http.json("createContacts", "PUT", "/Contacts", params={"summarizeErrors": "true"},
                                     json_body={"Contacts": [{"Name": name, "IsCustomer": True}]},
                                     headers={"Idempotency-Key": _key("contact", name)})
            found = created.get("Contacts", [])
        if not found:
            raise FatalError(f"xero: contact {name!r} could not be found or created", ledger="xero",
                             operation="render")
        self._contacts[name] = str(found[0]["ContactID"])
        return self._contacts[name]

    # items -------------------------------------------------------------------------------------------
    def item_codes(self) -> dict[str, str]:
        if self._items is None:
            body = self.http.json("getItems", "GET", "/Items")
            self._items = {str(i["Code"]).lower(): str(i["Code"]) for i in body.get("Items", []) if i.get("Code")}
        return self._items

    def ensure_items(self, wanted: dict[str, tuple[str, str]]) -> None:
        """Create the items (code → (name, sales account)) the organisation does not have, in one call."""
        known = self.item_codes()
        missing = {code: spec for code, spec in wanted.items() if usable_item_code(code) and code.lower() not in known}
        if not missing:
            return
        items = [{"Code": code, "Name": name[:ITEM_NAME_MAX], "Description": f"Amazon SKU {code}", "IsSold": True,
                  "SalesDetails": {"AccountCode": account}} for code, (name, account) in sorted(missing.items())]
        for start in range(0, len(items), 500):
            chunk = items[start:start + 500]
            body = self.http.json("createItems", "PUT", "/Items", params={"summarizeErrors": "false"},
                                  json_body={"Items": chunk},
                                  headers={"Idempotency-Key": _key("items", *(i["Code"] for i in chunk))})
            for item in body.get("Items", []):
                if item.get("Code"):  # created, or already there ("already exists") — usable either way
                    known[str(item["Code"]).lower()] = str(item["Code"])

    def item_code(self, sku: str | None) -> str | None:
        if not sku or not usable_item_code(sku):
            return None
        return self.item_codes().get(sku.lower())


def usable_item_code(code: str) -> bool:
    return 0 < len(code) <= ITEM_CODE_MAX
