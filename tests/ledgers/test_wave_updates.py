"""Changing what Wave holds, with write-once documents: a changed money transaction is reversed exactly and
posted again (twice in a row, and after a crash between the two steps), a changed invoice is deleted and
re-created (or reversed when Wave will not delete it), and an order refunded after its invoice was posted
ends with the income the settlements say."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

import pytest

from sellerledger.accounting.model import DocumentKind
from sellerledger.ledgers.base import Found
from sellerledger.ledgers.poster import post_documents
from sellerledger.staging.posting_log import PostingLog
from tests.ledgers.wave_support import Sandbox, build, expected_balances, post_all, stage, wave, wave_server

__all__ = ["wave", "wave_server"]
INCOME = ("4000", "4010", "4020", "4030", "4040")


def test_a_changed_transaction_is_reversed_exactly_then_posted_again(wave: Sandbox, fresh_db: str) -> None:
    documents = build(stage(fresh_db)[1], "summary", "wave-upd")
    client = wave.client(fresh_db)
    log = PostingLog(fresh_db, "wave-upd", "wave", client.tenant)
    post_documents(client, log, client.render(documents), conn_id="wave_test")
    truth = expected_balances(documents)
    assert wave.trial_balance() == truth
    target = documents[-1]
    for round_ in (1, 2):  # a second change reverses the re-posted version, not the original again
        changed = [replace(doc, narration=f"{doc.narration} (corrected {round_})") if doc.key == target.key else doc
                   for doc in documents]
        summary = post_documents(client, log, client.render(changed), conn_id="wave_test")
        assert summary.updated == [target.key] and len(summary.skipped) == len(documents) - 1
        assert wave.trial_balance() == truth
    refs = [d["reference"] for d in wave.documents() if target.key in d["reference"]]
    assert len(refs) == 5 and refs[0] == target.key and refs[1] == f"{target.key}@r"
    assert refs[3] == f"{refs[2]}@r" and refs[2].startswith(f"{target.key}@u") and refs[4] != refs[2]
    assert post_documents(client, log, client.render(changed), conn_id="wave_test").skipped


def test_an_update_interrupted_between_reversal_and_repost_is_finished_not_repeated(wave: Sandbox,
                                                                                   fresh_db: str) -> None:
    documents = build(stage(fresh_db)[1], "summary", "wave-crash")
    client = wave.client(fresh_db)
    rendered = client.render(documents)
    first = client.create(rendered)
    truth = expected_balances(documents)
    changed = client.render([replace(documents[0], narration="changed")])[0]
    found = Found(first[0].ledger_id or "", first[0].version)
    done = client.update(changed, found)
    again = client.update(changed, found)  # the log never heard of the first update: it runs again
    assert done.ok and again.ok and done.ledger_id != again.ledger_id
    assert again.ledger_id.startswith(f"externalId:{rendered[0].key}@u")  # refused as already there: found
    assert wave.trial_balance() == truth
    posted = [d for d in wave.documents() if d["reference"].startswith(rendered[0].key)]
    assert len(posted) == 3 and all(d["attempts"] == 2 for d in posted[1:])  # each refused once as a repeat


@pytest.mark.parametrize("delete_allowed", [True, False])
def test_a_changed_invoice_is_replaced_and_income_counted_once(wave: Sandbox, fresh_db: str,
                                                              delete_allowed: bool) -> None:
    documents = build(stage(fresh_db)[0], "per_order", "wave-inv")
    client = wave.client(fresh_db)
    log = PostingLog(fresh_db, "wave-inv", "wave", client.tenant)
    post_documents(client, log, client.render(documents), conn_id="wave_test")
    truth = expected_balances(documents)
    invoice = next(d for d in documents if d.kind == DocumentKind.ORDER_INVOICE)
    if not delete_allowed:
        client.delete_invoice = lambda invoice_id: False  # type: ignore[method-assign]
    changed = [replace(d, narration="Order re-described") if d.key == invoice.key else d for d in documents]
    summary = post_documents(client, log, client.render(changed), conn_id="wave_test")
    assert summary.updated == [invoice.key]
    assert wave.trial_balance() == truth
    invoices = [d for d in wave.documents() if d["type"] == "Invoice" and d["reference"].startswith(
        client.render([invoice])[0].reference)]
    if delete_allowed:
        assert [d["status"] for d in invoices] == ["DELETED", "SAVED"]
        assert invoices[0]["reference"] == invoices[1]["reference"]
    else:
        assert [d["status"] for d in invoices] == ["SAVED", "SAVED"]
        assert invoices[1]["reference"].startswith(f"{invoices[0]['reference']}-U")
        assert any(d["type"] == "MoneyTransaction" and "@r" in d["reference"] for d in wave.documents())
    assert post_documents(client, log, client.render(changed), conn_id="wave_test").skipped


def ledger_income(wave: Sandbox) -> dict[str, Decimal]:
    """Income per Amazon order as the Wave books hold it: entries on income accounts of each order's
    invoices (poNumber) and credit-note transactions (externalId)."""
    income: dict[str, Decimal] = defaultdict(Decimal)
    for document in wave.business().documents.values():
        if document.type == "Invoice":
            order = document.data["poNumber"]
        elif "/credit_note/" in document.reference:
            order = document.reference.split("/credit_note/")[1].split("~")[0].split("/")[0]
        else:
            continue
        income[order] -= sum((e.amount for e in document.entries if e.account in INCOME), Decimal(0))
    return dict(income)


def settled_income(settlements: list, order: str) -> Decimal:
    return sum((ln.amount for s in settlements for ln in s.lines if ln.order_id == order
                and ln.amount_type in ("ItemPrice", "Promotion") and "Tax" not in ln.amount_description), Decimal(0))


def test_an_order_refunded_after_its_invoice_nets_to_what_the_settlements_say(wave: Sandbox, fresh_db: str) -> None:
    settlements = stage(fresh_db)
    order = "111-3897599-4100217"  # sold in the first settlement, refunded in the second
    client = wave.client(fresh_db)
    log = PostingLog(fresh_db, "wave-refund", "wave", client.tenant)
    batches = [build(s, "per_order", "wave-refund") for s in settlements]
    post_all(client, log, batches[:1])
    sold = settled_income(settlements[:1], order)
    assert sold > 0 and ledger_income(wave)[order] == sold
    post_all(client, log, batches[1:2])
    net = settled_income(settlements[:2], order)
    assert net < sold and ledger_income(wave)[order] == net == Decimal(0)
    post_all(client, log, batches[2:])
    income = ledger_income(wave)
    for refunded in ("112-4890700-5847613", "111-4104042-9975236"):
        assert income[refunded] == settled_income(settlements, refunded)
    assert wave.trial_balance() == expected_balances([doc for batch in batches for doc in batch])
