"""Bringing a posted Wave document in line with a changed rendering: Wave documents are write-once here.

- Money transaction: Wave has no update, delete or read of a transaction. What was posted is kept in the
  posting log's `ledger_version` as a recipe (anchor and line items, `recipe`); the update posts its
  exact reversal (externalId `<old>@r`: anchor direction swapped, every line's balance inverted, taxes
  with their line) and then the new version under a new externalId (`<key>@u<digest of old id and new
  content>`). Both are write-once, so a rerun after a crash between them is refused as a duplicate and
  counts as done: never a second reversal, never a second copy.
- Invoice: deleted (`invoiceDelete`) and created again under the same number. Where Wave refuses the
  delete, a money transaction reverses it from its read-back (each item's account, subtotal and taxes,
  the total off receivable for its customer) and the new version gets a new number `<number>-U<digest>`.
  A rerun finds the new invoice by number before creating it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sellerledger.ledgers.base import Found, LedgerDocument, PostResult
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.wave.refdata import increases_on_debit
from sellerledger.ledgers.wave.render import INVOICE, TRANSACTION, external_id

if TYPE_CHECKING:
    from sellerledger.ledgers.wave.client import WaveClient

FLIP = {"INCREASE": "DECREASE", "DECREASE": "INCREASE", "DEBIT": "CREDIT", "CREDIT": "DEBIT"}


def recipe(payload: dict[str, Any]) -> str:
    """What a money transaction posted (enough to reverse it exactly), as compact JSON."""
    lines = [{k: v for k, v in item.items() if k != "description"} for item in payload["lineItems"]]
    return json.dumps({"x": payload["externalId"], "d": payload["date"], "a": payload["anchor"], "l": lines},
                      sort_keys=True, separators=(",", ":"), default=str)


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:10]


def reversal_of(posted: dict[str, Any], business_id: str, description: str) -> dict[str, Any]:
    anchor = dict(posted["a"])
    anchor["direction"] = "DEPOSIT" if anchor["direction"] == "WITHDRAWAL" else "WITHDRAWAL"
    items = [{**item, "balance": FLIP[item.get("balance") or "INCREASE"], "description": "Reversal"}
             for item in posted["l"]]
    return {"businessId": business_id, "externalId": external_id(f"{posted['x']}@r"), "date": posted["d"],
            "description": f"Reversal: {description}"[:255], "notes": f"sellerledger reverses {posted['x']}"[:255],
            "anchor": anchor, "lineItems": items}


def _post_transaction(client: WaveClient, owner: LedgerDocument, payload: dict[str, Any], suffix: str) -> PostResult:
    """Create one money transaction (a refusal of its externalId as already used counts as done)."""
    doc = LedgerDocument(key=f"{owner.key}#{suffix}", kind=TRANSACTION, reference=payload["externalId"],
                         currency=owner.currency, total=Decimal(0), payload=payload,
                         settlement_id=owner.settlement_id)
    return client.create([doc])[0]


def update_document(client: WaveClient, document: LedgerDocument, found: Found) -> PostResult:
    if document.kind == INVOICE:
        return _update_invoice(client, document, found)
    return _update_transaction(client, document, found)


def _update_transaction(client: WaveClient, document: LedgerDocument, found: Found) -> PostResult:
    try:
        posted = json.loads(found.version or "")
        _ = (posted["x"], posted["a"], posted["l"])  # the recipe's parts must all be there
    except (ValueError, TypeError, KeyError):
        return PostResult(document.key, error=FatalError(
            f"wave: cannot reverse {found.ledger_id}: what it posted was not recorded; reverse it by hand and "
            "mark the document replayable", ledger="wave", operation="update"), action="update")
    reversal = _post_transaction(client, document, reversal_of(posted, client.refs.business_id,
                                                               str(document.payload.get("description"))), "reversal")
    if not reversal.ok:
        return replace(reversal, key=document.key, action="update")
    new_ext = external_id(f"{document.key}@u{_digest(posted['x'], document.payload_hash)}")
    renewed = replace(document, reference=new_ext, payload={**document.payload, "externalId": new_ext})
    return replace(client.create([renewed])[0], key=document.key, action="update")


def _update_invoice(client: WaveClient, document: LedgerDocument, found: Found) -> PostResult:
    number = document.reference
    if not client.delete_invoice(found.ledger_id):
        invoice = client.invoice_detail(found.ledger_id)
        if invoice is not None:
            result = _post_transaction(client, document, _invoice_reversal(client, document, invoice), "reversal")
            if not result.ok:
                return replace(result, key=document.key, action="update")
        number = f"{document.reference}-U{_digest(found.ledger_id, document.payload_hash)[:6].upper()}"
    renewed = replace(document, reference=number, payload={**document.payload, "invoiceNumber": number})
    existing = client.find(renewed)
    if existing is not None:
        return PostResult(document.key, existing.ledger_id, existing.version, action="update")
    return replace(client.create([renewed])[0], key=document.key, action="update")


def _invoice_reversal(client: WaveClient, document: LedgerDocument, invoice: dict[str, Any]) -> dict[str, Any]:
    """A zero-anchor money transaction taking a posted invoice back out of the books."""
    refs = client.refs
    items: list[dict[str, Any]] = []
    for item in invoice["items"]:
        account = refs.account(str(item["account"]["displayId"]))
        subtotal = Decimal(str(item["subtotal"]["value"]))
        debit = subtotal > 0  # the invoice credited income with a positive subtotal: debit it back
        line: dict[str, Any] = {"accountId": account["id"], "amount": abs(subtotal),
                                "balance": "INCREASE" if debit == increases_on_debit(account) else "DECREASE",
                                "description": "Reversal of invoice item"}
        taxes = [{"salesTaxId": t["salesTax"]["id"], "amount": abs(Decimal(str(t["amount"]["value"])))}
                 for t in item.get("taxes") or [] if Decimal(str(t["amount"]["value"]))]
        if taxes:
            line["taxes"] = taxes
        items.append(line)
    receivable = refs.receivable()
    total = Decimal(str(invoice["total"]["value"]))
    items.append({"accountId": receivable["id"], "amount": abs(total),
                  "balance": "DECREASE" if (total > 0) == increases_on_debit(receivable) else "INCREASE",
                  "customerId": invoice["customer"]["id"], "description": "Reversal of invoice receivable"})
    return {"businessId": refs.business_id, "externalId": external_id(f"{document.key}@r{_digest(invoice['id'])}"),
            "date": invoice["invoiceDate"], "description": f"Reversal of Wave invoice {invoice['invoiceNumber']}",
            "notes": f"sellerledger {document.key}"[:255],
            "anchor": {"accountId": refs.default_anchor()["id"], "amount": Decimal(0), "direction": "DEPOSIT"},
            "lineItems": items}
