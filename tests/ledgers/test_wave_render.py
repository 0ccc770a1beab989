"""Accounting documents rendered as Wave objects (against the stand-in's reference data over HTTP): each
document kind becomes the right invoice or money transaction, totals are exact, taxed lines carry Wave's
sales tax, the clearing books what an invoice could not carry, and what cannot be rendered says why."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sellerledger.accounting.model import DocumentKind, LineRole
from sellerledger.accounting.source import Settlement, SettlementLine
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.wave.api import Mutation
from sellerledger.ledgers.wave.render import INVOICE, TRANSACTION
from sellerledger.staging.posting_log import PostingLog
from tests.accounting.factories import settlement_from_tsv
from tests.ledgers.wave_support import Sandbox, build, expected_balances, post_all, stage, wave, wave_server

__all__ = ["wave", "wave_server"]
D = Decimal
DOC = Path(__file__).resolve().parents[2] / "docs" / "accounting.md"


def worked_example() -> Settlement:
    match = re.search(r"```tsv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, "docs/accounting.md lost its settlement block"
    return settlement_from_tsv(match.group(1))


def au_settlement() -> Settlement:
    """An Amazon.com.au settlement (GST inside prices): an order with shipping whose GST cannot be
    reached exactly by any net (5.55 at 10%), a promotion, a refund and fees."""
    rows = [  # type, order, amount type, description, amount, sku, quantity
        ("Order", "250-1", "ItemPrice", "Principal", "33.00", "KETTLE-AU", 2),
        ("Order", "250-1", "ItemPrice", "Shipping", "5.55", "KETTLE-AU", 2),
        ("Order", "250-1", "Promotion", "Principal", "-1.10", "KETTLE-AU", 2),
        ("Order", "250-1", "ItemFees", "Commission", "-4.95", "KETTLE-AU", 2),
        ("Refund", "250-2", "ItemPrice", "Principal", "-11.00", "MUG-AU", 1),
        ("Refund", "250-2", "ItemFees", "Commission", "1.65", "MUG-AU", 1),
        ("ServiceFee", "", "other-transaction", "Storage Fee", "-2.20", "", None),
    ]
    when = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)
    lines = tuple(
        SettlementLine(settlement_id="77000000001", line_number=n, transaction_type=t, amount_type=at,
                       amount_description=desc, amount=D(amount), currency="AUD", posted_at=when,
                       marketplace="amazon.com.au", order_id=order, adjustment_id="R1" if t == "Refund" else "",
                       sku=sku, quantity=qty, order_item_code=f"{order}-1" if order else "")
        for n, (t, order, at, desc, amount, sku, qty) in enumerate(rows, start=1))
    total = sum((line.amount for line in lines), D(0))
    return Settlement(settlement_id="77000000001", start=datetime(2026, 10, 5, tzinfo=UTC),
                      end=datetime(2026, 10, 19, tzinfo=UTC), deposit_date=datetime(2026, 10, 22, tzinfo=UTC),
                      total=total, currency="AUD", lines=lines)


def by_display(wave: Sandbox, tenant: int = 0) -> dict[str, str]:
    """Wave account id → displayId of the business."""
    return {record["id"]: record["displayId"] for record in wave.business(tenant).records["Account"].values()}


def items_by_account(payload: dict[str, Any], names: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(account, balance, amount, tax amount) of each line item."""
    return [(names[i["accountId"]], i["balance"], str(i["amount"]), str(i["taxes"][0]["amount"]) if i.get("taxes") else "")
            for i in payload["lineItems"]]


def test_summary_parts_become_money_transactions_anchored_on_the_bank(wave: Sandbox, fresh_db: str) -> None:
    client = wave.client(fresh_db)
    earlier, final = client.render(build(worked_example(), "summary", "demo-us-wave"))
    names = by_display(wave)
    assert (earlier.kind, final.kind) == (TRANSACTION, TRANSACTION)
    assert final.payload["externalId"] == final.key == "sl1/demo-us-wave/90000000001/US/2026-07/settlement_summary/-/v1"
    assert final.payload["anchor"]["direction"] == "DEPOSIT" and final.payload["anchor"]["amount"] == D("33.56")
    assert names[final.payload["anchor"]["accountId"]] == "1000" and final.total == D("33.56")
    assert items_by_account(final.payload, names) == [
        ("4000", "INCREASE", "25.00", ""), ("4010", "INCREASE", "4.99", ""), ("4020", "DECREASE", "4.99", ""),
        ("6000", "INCREASE", "3.75", ""), ("6010", "INCREASE", "4.25", ""), ("4030", "DECREASE", "20.00", ""),
        ("6000", "DECREASE", "2.40", ""), ("1110", "INCREASE", "30.00", ""), ("1100", "DECREASE", "64.16", "")]
    # the June part moves no money: a zero anchor on the bank, its lines net to zero
    assert (names[earlier.payload["anchor"]["accountId"]], earlier.payload["anchor"]["amount"], earlier.total) == (
        "1000", D(0), D(0))
    assert ("1100", "INCREASE", "64.16", "") in items_by_account(earlier.payload, names)


def test_per_order_invoices_credit_notes_and_the_clearing(wave: Sandbox, fresh_db: str) -> None:
    client = wave.client(fresh_db)
    documents = build(worked_example(), "per_order", "demo-us-wave")
    by_key = {r.key: r for r in client.render(documents)}
    names = by_display(wave)
    invoice_one = by_key[next(d.key for d in documents if d.ref == "111-0000001-0000001")]
    assert invoice_one.kind == INVOICE and invoice_one.total == D("40.00")  # the 3.20 tax is not on the invoice
    payload = invoice_one.payload
    assert (payload["status"], payload["poNumber"], payload["invoiceNumber"]) == (
        "SAVED", "111-0000001-0000001", invoice_one.reference)
    assert [(i["quantity"], i["unitPrice"], i["taxes"]) for i in payload["items"]] == [(D(2), D("20.00"), [])]
    customer = wave.business().records["Customer"][payload["customerId"]]
    product = wave.business().records["Product"][payload["items"][0]["productId"]]
    assert (customer["name"], product["name"], names[product["incomeAccountId"]]) == ("Amazon.com", "MUG-01", "4000")

    invoice_two = by_key[next(d.key for d in documents if d.ref == "111-0000002-0000002")]
    assert [(i["unitPrice"]) for i in invoice_two.payload["items"]] == [D("25.00"), D("4.99"), D("-4.99")]
    assert invoice_two.total == D("25.00")

    credit = by_key[next(d.key for d in documents if d.kind == DocumentKind.CREDIT_NOTE)]
    assert credit.kind == TRANSACTION and credit.payload["anchor"]["amount"] == D(0)
    assert items_by_account(credit.payload, names) == [("1200", "DECREASE", "20.00", ""), ("4030", "DECREASE", "20.00", "")]
    assert all(i["customerId"] == payload["customerId"] for i in credit.payload["lineItems"] if names[i["accountId"]] == "1200")

    june = by_key[next(d.key for d in documents if d.kind == DocumentKind.SETTLEMENT_CLEARING and d.part == "2026-06")]
    june_items = items_by_account(june.payload, names)
    assert ("1200", "DECREASE", "40.00", "") in june_items  # 43.20 receivable less the 3.20 the invoice left out
    assert ("2120", "INCREASE", "3.20", "") in june_items and ("2120", "DECREASE", "3.20", "") in june_items
    assert june.total == D(0) and june.payload["anchor"]["amount"] == D(0)


def test_a_clearing_without_its_invoices_is_refused(wave: Sandbox, fresh_db: str) -> None:
    documents = build(worked_example(), "per_order", "demo-us-wave-x")
    clearing = [d for d in documents if d.kind == DocumentKind.SETTLEMENT_CLEARING]
    with pytest.raises(FatalError, match="render a settlement's documents together"):
        wave.client(fresh_db).render(clearing)


def test_unknown_accounts_tax_codes_and_currencies_are_named(wave: Sandbox, fresh_db: str) -> None:
    client = wave.client(fresh_db)
    summary = build(worked_example(), "summary", "demo-us-wave")[-1]
    wrong_account = replace(summary, lines=tuple(replace(ln, account="4999") if ln.account == "4000" else ln
                                                 for ln in summary.lines))
    with pytest.raises(FatalError, match="account 4999"):
        client.render([wrong_account])
    wrong_tax = replace(summary, lines=tuple(replace(ln, tax_code="GST99") if ln.account == "4000" else ln
                                             for ln in summary.lines))
    with pytest.raises(FatalError, match="GST99"):
        client.render([wrong_tax])
    euros = build(au_settlement(), "summary", "au-wave")[0]
    with pytest.raises(FatalError, match="AUD.*USD"):
        client.render([euros])  # an AUD settlement cannot post to the USD business's bank account


def test_a_negative_settlement_owed_on_a_card_is_a_withdrawal(wave: Sandbox, fresh_db: str) -> None:
    client = wave.client(fresh_db)
    card = wave.business().add_account("Amazon card", "CREDIT_CARD", "USD", "2300", None, "2300",
                                       datetime(2026, 1, 1, tzinfo=UTC), local="2300")
    summary = build(worked_example(), "summary", "demo-us-wave")[-1]
    owed = -summary.anchor.amount  # the same settlement as if Amazon were owed its net
    lines = tuple(replace(ln, role=LineRole.PAYABLE, account="2200", amount=owed) if ln.role == LineRole.DEPOSIT
                  else replace(ln, amount=-ln.amount) for ln in summary.lines)
    negative = replace(summary, lines=lines)
    on_liability = client.render([negative])[0]
    names = by_display(wave)
    assert on_liability.payload["anchor"]["amount"] == D(0) and on_liability.total == D(0)
    assert ("2200", "INCREASE", "33.56", "") in items_by_account(on_liability.payload, names)
    client = wave.client(fresh_db, conn_id="wave_card")
    on_card = client.render([replace(negative, lines=tuple(replace(ln, account="2300") if ln.role == LineRole.PAYABLE
                                                           else ln for ln in lines))])[0]
    assert on_card.payload["anchor"] == {"accountId": card["id"], "amount": D("33.56"), "direction": "WITHDRAWAL"}
    assert on_card.total == D("-33.56")


@pytest.mark.parametrize("mode", ["summary", "per_order"])
def test_gst_inside_prices_posts_exactly_to_an_aud_business(wave: Sandbox, fresh_db: str, mode: str) -> None:
    client = wave.client(fresh_db, "wave_au", tenant=1)
    documents = build(au_settlement(), mode, f"au-{mode}")
    rendered = client.render(documents)
    names = by_display(wave, 1)
    if mode == "per_order":
        invoice = next(r for r in rendered if r.kind == INVOICE)
        assert invoice.total == D("37.45")
        assert [(str(i["quantity"]), str(i["unitPrice"]), len(i["taxes"])) for i in invoice.payload["items"]] == [
            ("2", "15.00", 1), ("1", "5.04", 1), ("1", "0.01", 0), ("1", "-1.00", 1)]  # 5.55 = 5.04 + 0.50 GST + 0.01
        credit = next(r for r in rendered if r.meta["document_kind"] == "credit_note")
        assert ("4030", "DECREASE", "10.00", "1.00") in items_by_account(credit.payload, names)
    else:
        summary = rendered[0]
        assert ("4000", "INCREASE", "30.00", "3.00") in items_by_account(summary.payload, names)
        assert ("4010", "INCREASE", "5.05", "0.50") in items_by_account(summary.payload, names)
    log = PostingLog(fresh_db, f"au-{mode}", "wave", client.tenant)
    post_all(client, log, [documents], conn_id="wave_au")
    assert wave.trial_balance(1) == expected_balances(documents)
    assert wave.trial_balance(1)[("2100", "AUD")] == D("-2.40")  # 3.00 + 0.50 - 0.10 collected, 1.00 refunded


def test_a_product_name_taken_on_another_income_account_gets_the_account_number(wave: Sandbox,
                                                                                fresh_db: str) -> None:
    client = wave.client(fresh_db)
    accounts = {display: account_id for account_id, display in by_display(wave).items()}
    taken = client.api.mutate([Mutation("productCreate", "ProductCreateInput", {
        "businessId": client.refs.business_id, "name": "TEE-02", "unitPrice": "1", "incomeAccountId": accounts["4010"]},
        "product { id }")])[0]
    assert taken.succeeded
    documents = build(worked_example(), "per_order", "demo-us-wave")
    invoice = next(r for r in client.render(documents) if r.payload.get("poNumber") == "111-0000002-0000002")
    products = wave.business().records["Product"]
    named = [(products[i["productId"]]["name"], by_display(wave)[products[i["productId"]]["incomeAccountId"]])
             for i in invoice.payload["items"]]
    assert named[0] == ("TEE-02 (4000)", "4000") and products[invoice.payload["items"][0]["productId"]]["id"] != \
        taken.output["product"]["id"]
    again = next(r for r in client.render(documents) if r.payload.get("poNumber") == "111-0000002-0000002")
    assert again.payload == invoice.payload  # the same products next time: the rendering is stable


@pytest.mark.parametrize("fault", [None, "lost_response"])
def test_missing_products_are_created_several_a_request_each_exactly_once(wave: Sandbox, fresh_db: str,
                                                                      fault: str | None) -> None:
    documents = [doc for s in stage(fresh_db) for doc in build(s, "per_order", "wave-products")]
    if fault:  # the first batch commits, its answer is lost: the list is read again, nothing is sent twice
        wave.faults({"api": "wave", "operation": "productCreate", "kind": fault, "count": 1})
    client = wave.client(fresh_db)
    client.render(documents)
    assert not fault or [r["fired"] for r in wave.http.get("/_sandbox/faults").json()["rules"]] == [1]
    products = [p["name"] for p in wave.business().records["Product"].values()]
    assert len(products) == len(set(products)) > 1
    requests = sum(n for (operation, _), n in wave.stats().items() if operation == "productCreate")
    assert requests == math.ceil(len(products) / client.max_batch)  # not one request per product
    assert client.calls.get("products", 0) == (1 if fault else 0)  # the first page came with the business
    client.render(documents)  # rendered again: every product is known, none is created
    assert sum(n for (operation, _), n in wave.stats().items() if operation == "productCreate") == requests
