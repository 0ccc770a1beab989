"""Bringing a posted Xero document in line with a changed rendering (the poster saw a new payload hash).

- Invoice / credit note still AUTHORISED with nothing paid or allocated: updated in place.
- Paid, part-paid or allocated (Xero refuses edits): the difference per account, tax type and tracking
  goes out as an adjustment document numbered `<number>-A<hash>` (a credit note when the customer is
  owed more, an invoice when less), so the ledger's income for the order equals the new figures. Earlier
  adjustments count, so a second change adjusts only what is still different.
- Settlement journal and bank transaction: updated in place (Xero allows editing posted manual journals
  and unreconciled bank transactions); clearing payments whose amount changed are deleted and re-made,
  missing ones created, ones no longer wanted deleted.
"""

from __future__ import annotations

import hashlib
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sellerledger.accounting.keys import short_key
from sellerledger.accounting.model import DocumentKind
from sellerledger.ledgers.base import Found, LedgerDocument, PostResult
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.xero import render as rx
from sellerledger.ledgers.xero.errors import element_errors
from sellerledger.ledgers.xero.refdata import where_literal

if TYPE_CHECKING:
    from sellerledger.ledgers.xero.client import XeroClient

log = logging.getLogger(__name__)
Key = tuple[str, str, tuple[tuple[str, str], ...]]


def _key(document: LedgerDocument, what: str) -> str:
    return "sl-upd-" + hashlib.sha256(f"{what}|{document.key}|{document.payload_hash}".encode()).hexdigest()[:56]


def _post(client: XeroClient, document: LedgerDocument, collection: str, object_id: str,
          body: dict[str, Any]) -> dict[str, Any]:
    params = {} if collection == rx.JOURNALS else {"unitdp": "4"}
    answer = client.http.json(f"update{collection[:-1]}", "POST", f"/{collection}/{object_id}", params=params,
                              json_body={collection: [{**body, rx.ID_FIELD[collection]: object_id}]},
                              headers={"Idempotency-Key": _key(document, f"{collection}/{object_id}")})
    element = (answer.get(collection) or [{}])[0]
    messages = element_errors(element)
    if messages:
        raise FatalError(f"xero update {collection} {object_id}: {'; '.join(messages)}", ledger="xero",
                         operation=f"update{collection[:-1]}")
    return element


def update_document(client: XeroClient, document: LedgerDocument, found: Found) -> PostResult:
    parts = rx.parts_of(document)
    if document.kind in (DocumentKind.ORDER_INVOICE, DocumentKind.CREDIT_NOTE):
        return _update_sales(client, document, found, parts[0])
    return _update_settlement(client, document, found, parts)


def _net(lines: list[tuple[str, str, tuple[tuple[str, str], ...], Decimal]], sign: int = 1) -> dict[Key, Decimal]:
    totals: dict[Key, Decimal] = {}
    for account, tax, tracking, amount in lines:
        totals[(account, tax, tracking)] = totals.get((account, tax, tracking), Decimal("0")) + sign * amount
    return totals


def _update_sales(client: XeroClient, document: LedgerDocument, found: Found, part: rx.Part) -> PostResult:
    collection = part.collection
    primary = found.ledger_id.split("~")[0]
    current = client.get_one(collection, primary)
    status = str(current.get("Status", "")).upper()
    if status in ("DELETED", "VOIDED"):
        raise FatalError(f"xero: {part.ref} is {status} in Xero; repost it by hand or clear its posting log entry",
                         ledger="xero", operation="update")
    total = Decimal(str(current.get("Total", "0")))
    if collection == rx.INVOICES:
        settled = Decimal(str(current.get("AmountPaid", "0"))) + Decimal(str(current.get("AmountCredited", "0")))
    else:
        settled = total - Decimal(str(current.get("RemainingCredit", total)))
    if status == "AUTHORISED" and settled == 0:
        _post(client, document, collection, primary, part.body)
        return PostResult(document.key, ledger_id=found.ledger_id, action="update")
    adjustment = _adjust(client, document, part, current)
    ledger_id = found.ledger_id + (f"~{adjustment}" if adjustment and adjustment not in found.ledger_id else "")
    return PostResult(document.key, ledger_id=ledger_id, action="update")


def _adjust(client: XeroClient, document: LedgerDocument, part: rx.Part, current: dict[str, Any]) -> str | None:
    """Post the difference between the new lines and what Xero holds (original plus earlier adjustments);
    returns `I:<InvoiceID>` or `C:<CreditNoteID>` of the adjustment, None when amounts already agree."""
    original = part.collection
    other = rx.CREDIT_NOTES if original == rx.INVOICES else rx.INVOICES
    held = _net(rx.sales_lines(current))
    prefix = f"{part.ref}-A"
    for collection, sign in ((original, 1), (other, -1)):
        for row in client._list(collection, f"{rx.NUMBER_FIELD[collection]}.StartsWith({where_literal(prefix)})"):
            if str(row.get("Status", "")).upper() in ("DELETED", "VOIDED"):
                continue
            for key, amount in _net(rx.sales_lines(row), sign).items():
                held[key] = held.get(key, Decimal("0")) + amount
    wanted = _net(rx.sales_lines(part.body))
    diff = {k: wanted.get(k, Decimal("0")) - held.get(k, Decimal("0")) for k in set(wanted) | set(held)}
    diff = {k: v for k, v in diff.items() if v != 0}
    if not diff:
        log.info("xero: %s is settled; only non-amount fields changed, which Xero does not allow to edit", part.ref)
        return None
    total = sum(diff.values(), Decimal("0"))
    collection = original if total >= 0 else other
    sign = 1 if total >= 0 else -1
    number = f"{prefix}{short_key(document.key + '|' + document.payload_hash, 4)}"
    doc_type = {rx.INVOICES: "ACCREC", rx.CREDIT_NOTES: "ACCRECCREDIT"}[collection]
    lines = [{"Description": f"Adjustment of {part.ref}", "Quantity": Decimal("1"), "UnitAmount": sign * amount,
              "LineAmount": sign * amount, "AccountCode": account, "TaxType": tax,
              "Tracking": [{"Name": n, "Option": o} for n, o in tracking]}
             for (account, tax, tracking), amount in sorted(diff.items())]
    body = {key: value for key, value in part.body.items() if key not in ("LineItems", "InvoiceNumber",
                                                                             "CreditNoteNumber", "Type", "DueDate")}
    body.update({"Type": doc_type, rx.NUMBER_FIELD[collection]: number, "LineItems": lines,
                 "Reference": f"Adjusts {part.ref}"})
    if collection == rx.INVOICES:
        body["DueDate"] = body["Date"]
    from sellerledger.ledgers.xero.client import _Progress

    progress = _Progress(document)
    client._put(collection, [(progress, rx.Part(collection, number, body))])
    if progress.error is not None:
        raise progress.error
    log.warning("xero: %s was already settled; posted adjustment %s for %s", part.ref, number, total)
    return f"{'I' if collection == rx.INVOICES else 'C'}:{progress.ids[number]}"


def _update_settlement(client: XeroClient, document: LedgerDocument, found: Found, parts: list[rx.Part]) -> PostResult:
    from sellerledger.ledgers.xero.client import _Progress

    journal_id, _, bank_id = found.ledger_id.partition("+")
    doc_tag = str(document.meta.get("tag", ""))
    wanted = {p.ref: p for p in parts if p.collection == rx.PAYMENTS}
    have = client._list(rx.PAYMENTS, f"Reference.StartsWith({where_literal(doc_tag + ' ')})") if doc_tag else []
    ids: dict[str, str] = {}
    for row in have:
        if str(row.get("Status", "")).upper() in ("DELETED", "VOIDED"):
            continue
        ref, payment_id = str(row.get("Reference")), str(row["PaymentID"])
        part = wanted.get(ref)
        if part is not None and Decimal(str(row.get("Amount"))) == Decimal(str(part.body["Amount"])):
            ids[ref] = payment_id
        else:
            _post(client, document, rx.PAYMENTS, payment_id, {"Status": "DELETED"})
    progress = _Progress(document, ids)
    missing = [(progress, p) for p in wanted.values() if p.ref not in ids]
    for start in range(0, len(missing), rx_batch(client)):
        client._put(rx.PAYMENTS, missing[start:start + rx_batch(client)])
    if progress.error is not None:
        raise progress.error
    journal = next(p for p in parts if p.collection == rx.JOURNALS)
    _post(client, document, rx.JOURNALS, journal_id, journal.body)
    bank = next((p for p in parts if p.collection == rx.BANK), None)
    if bank is not None and bank_id:
        _post(client, document, rx.BANK, bank_id, bank.body)
    elif bank is not None:
        client._put(rx.BANK, [(progress, bank)])
        if progress.error is not None:
            raise progress.error
        bank_id = progress.ids[bank.ref]
    elif bank_id:
        _post(client, document, rx.BANK, bank_id, {"Status": "DELETED"})
        bank_id = ""
    return PostResult(document.key, ledger_id=journal_id + (f"+{bank_id}" if bank_id else ""), action="update")


def rx_batch(client: XeroClient) -> int:
    return max(1, client.max_batch)
