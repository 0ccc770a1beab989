"""Buyer and ship-to details of Amazon orders → the mapped ledger customer (MYOB first).

`ops.contact_map` links a ledger contact to Amazon order ids; the latest mapped order is the one whose
details count. Buyer PII is fetched with a Restricted Data Token (getOrder with `buyerInfo` and
`shippingAddress`), held in memory only, compared with the MYOB customer, and written to it with its
RowVersion when something differs. Logs, audit rows and exceptions name the contact UID, the order id
and the *names* of changed fields, never a value. A dry run reads both sides and writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sellerledger.amazon.errors import AmazonApiError
from sellerledger.amazon.tokens import RestrictedToken, TokensApi
from sellerledger.ledgers.errors import ConflictError, LedgerError

log = logging.getLogger(__name__)

CONFLICT_RETRIES = 3
# MYOB address fields ← Amazon ShippingAddress fields
ADDRESS_FIELDS = (("Street", ("AddressLine1", "AddressLine2", "AddressLine3")), ("City", ("City",)),
                  ("State", ("StateOrRegion",)), ("PostCode", ("PostalCode",)), ("Country", ("CountryCode",)),
                  ("Phone1", ("Phone",)))


@dataclass
class ContactChange:
    contact_id: str
    amazon_order_id: str
    status: str  # updated, unchanged, would_update, no_details, failed
    fields: list[str] = field(default_factory=list)  # names only
    detail: str = ""

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def mapped_contacts(conn: Any, flow_id: str) -> list[tuple[str, str]]:
    """(contact id, latest mapped Amazon order id) pairs of the flow."""
    rows = conn.execute(
        "SELECT DISTINCT ON (contact_id) contact_id, amazon_order_id FROM ops.contact_map WHERE flow_id = %s"
        " ORDER BY contact_id, mapped_at DESC, amazon_order_id DESC", (flow_id,)).fetchall()
    return [(str(c), str(o)) for c, o in rows]


def map_contact(conn: Any, flow_id: str, amazon_order_id: str, contact_id: str) -> None:
    """Link a ledger contact to an Amazon order (the most recent link of a contact wins)."""
    conn.execute(
        "INSERT INTO ops.contact_map (flow_id, amazon_order_id, contact_id) VALUES (%s, %s, %s)"
        " ON CONFLICT (flow_id, amazon_order_id) DO UPDATE SET contact_id = EXCLUDED.contact_id, mapped_at = now()",
        (flow_id, amazon_order_id, contact_id))


def buyer_details(order: dict[str, Any]) -> dict[str, str]:
    """The order's buyer name, e-mail and ship-to address as MYOB address fields (PII: keep in memory)."""
    buyer = order.get("BuyerInfo") or {}
    address = order.get("ShippingAddress") or {}
    out: dict[str, str] = {}
    if buyer.get("BuyerName") or address.get("Name"):
        out["ContactName"] = str(buyer.get("BuyerName") or address.get("Name"))
    if buyer.get("BuyerEmail"):
        out["Email"] = str(buyer["BuyerEmail"])
    if address.get("AddressLine1"):  # a full address (the RDT's shippingAddress), not just city and postcode
        for target, sources in ADDRESS_FIELDS:
            parts = [str(address[s]) for s in sources if address.get(s)]
            if parts:
                out[target] = "\n".join(parts)
    return out


def desired_customer(current: dict[str, Any], details: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The customer with its first address (Location 1) brought up to `details`; the changed field names."""
    addresses = [dict(a) for a in current.get("Addresses") or []]
    first = next((a for a in addresses if a.get("Location") == 1), None)
    if first is None:
        first = {"Location": 1}
        addresses.insert(0, first)
    changed = [name for name, value in details.items() if (first.get(name) or "") != value]
    body = {**current}
    body.pop("URI", None)
    if changed:
        first.update({name: details[name] for name in changed})
        body["Addresses"] = addresses
    if current.get("IsIndividual") and details.get("ContactName"):
        first_name, _, last_name = details["ContactName"].rpartition(" ")
        for name, value in (("FirstName", first_name[:20] or None), ("LastName", last_name[:30])):
            if (current.get(name) or None) != value:
                body[name] = value
                changed.append(name)
    return body, sorted(set(changed))


def sync_contacts(pairs: Sequence[tuple[str, str]], tokens: TokensApi, myob_api: Any, *,
                  dry_run: bool = False) -> list[ContactChange]:
    """Bring each mapped MYOB customer up to its order's buyer and ship-to details."""
    changes: list[ContactChange] = []
    rdt: RestrictedToken | None = None
    for contact_id, order_id in pairs:
        change = ContactChange(contact_id, order_id, "unchanged")
        changes.append(change)
        try:
            if not tokens.fresh(rdt):
                rdt = tokens.order_pii_token()
            assert rdt is not None
            details = buyer_details(tokens.restricted_order(rdt, order_id))
        except AmazonApiError as exc:
            change.status, change.detail = "failed", f"Amazon: {type(exc).__name__} {exc.status or ''}".strip()
            continue
        if not details:
            change.status = "no_details"
            continue
        try:
            change.status, change.fields = _update_customer(myob_api, contact_id, details, dry_run)
        except LedgerError as exc:
            change.status = "failed"
            change.detail = f"MYOB: {type(exc).__name__} {exc.status or ''} {exc.code or ''}".strip()
        log.info("contact %s (order %s): %s %s", contact_id, order_id, change.status, ",".join(change.fields))
    return changes


def _update_customer(api: Any, contact_id: str, details: dict[str, str], dry_run: bool) -> tuple[str, list[str]]:
    last: ConflictError | None = None
    for _ in range(CONFLICT_RETRIES):
        current = api.get(f"Contact/Customer/{contact_id}")
        body, changed = desired_customer(current, details)
        if not changed:
            return "unchanged", []
        if dry_run:
            return "would_update", changed
        try:
            api.put("Contact/Customer", contact_id, body)
        except ConflictError as exc:
            last = exc
            continue
        return "updated", changed
    assert last is not None
    raise last


def counts(changes: Sequence[ContactChange]) -> dict[str, int]:
    out: dict[str, int] = {}
    for change in changes:
        out[change.status] = out.get(change.status, 0) + 1
    return dict(sorted(out.items()))
