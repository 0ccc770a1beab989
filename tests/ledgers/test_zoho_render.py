"""Zoho Books rendering against the stand-in's organization: each document kind becomes the right Zoho object
with exact totals (the worked example of docs/accounting.md), taxed journal lines are sent net so Zoho's
added tax gives back Amazon's amount, foreign currencies carry the settlement rate, and the data centre
decides the URLs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from sellerledger.accounting.model import DocumentKind, FxInfo
from sellerledger.ledgers import zoho
from sellerledger.ledgers.base import LedgerDocument
from sellerledger.ledgers.connection import LedgerConnection
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.tax_codes import tax_on
from sellerledger.ledgers.zoho import regions
from sellerledger.ledgers.zoho.client import endpoints
from sellerledger.sandbox.server import SandboxServer
from tests.ledgers import mz_support as mz

D = Decimal


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    server = mz.start_sandbox("zoho", daily_limit=1_000_000)
    yield server
    server.stop()


@pytest.fixture
def client(server: SandboxServer, fresh_db: str) -> zoho.ZohoClient:
    mz.reset(server)
    return mz.client(zoho, mz.zoho_connection(server), fresh_db)


def rendered(client: zoho.ZohoClient, fresh_db: str, mode: str, **kwargs: str) -> list[tuple[DocumentKind, LedgerDocument]]:
    docs = mz.build([mz.worked_example(fresh_db, "we-zoho", **kwargs)], "zoho", mode, "we-zoho")
    return list(zip([d.kind for d in docs], client.render(docs), strict=True))


def account_id(client: zoho.ZohoClient, code: str) -> str:
    return str(client.refs.account(code)["account_id"])


def sides(doc: LedgerDocument, client: zoho.ZohoClient, code: str) -> list[tuple[str, Decimal]]:
    return [(line["debit_or_credit"], line["amount"]) for line in doc.payload["line_items"]
            if line["account_id"] == account_id(client, code)]


def test_summary_parts_are_published_journals_landing_the_payout_in_the_bank(client: zoho.ZohoClient,
                                                                            fresh_db: str) -> None:
    (_, june), (_, july) = rendered(client, fresh_db, "summary")
    for doc, total in ((june, D("93.20")), (july, D("96.55"))):
        assert doc.kind == "journal" and doc.payload["status"] == "published"
        debits = sum((line["amount"] for line in doc.payload["line_items"] if line["debit_or_credit"] == "debit"), D(0))
        credits = sum((line["amount"] for line in doc.payload["line_items"] if line["debit_or_credit"] == "credit"), D(0))
        assert debits == credits == doc.total == total
        assert all(line["amount"] > 0 for line in doc.payload["line_items"])
    assert sides(june, client, "1100") == [("debit", D("64.16"))] and not sides(june, client, "1000")
    assert sides(july, client, "1000") == [("debit", D("33.56"))]
    assert sides(july, client, "1100") == [("credit", D("64.16"))]
    assert july.payload["reference_number"] == july.reference and len(july.reference) == 19


def test_a_negative_settlement_is_owed_to_amazon_not_paid_from_the_bank(client: zoho.ZohoClient,
                                                                       fresh_db: str) -> None:
    july = rendered(client, fresh_db, "summary", storage_fee="-100.00")[1][1]
    assert sides(july, client, "2200") == [("credit", D("66.44"))] and not sides(july, client, "1000")


def test_per_order_invoice_lines_carry_quantities_accounts_and_the_order_id(client: zoho.ZohoClient,
                                                                           fresh_db: str) -> None:
    docs = rendered(client, fresh_db, "per_order")
    assert [doc.kind for _, doc in docs] == ["invoice", "journal", "invoice", "creditnote", "journal"]
    invoice = docs[0][1]
    assert invoice.total == D("43.20") and invoice.payload["reference_number"] == "111-0000001-0000001"
    assert invoice.payload["custom_fields"] == [{"api_name": "cf_posting_key", "value": invoice.key}]
    assert invoice.payload["is_inclusive_tax"] is True
    lines = [(i["name"], i["quantity"], i["rate"], i["account_id"]) for i in invoice.payload["line_items"]]
    assert lines == [("MUG-01", 2, D("20.00"), account_id(client, "4000")),
                     ("MUG-01", 1, D("3.20"), account_id(client, "2120"))]
    customer = client.refs.customer("Amazon.com", "USD")
    assert invoice.payload["customer_id"] == customer["contact_id"] and customer["currency_code"] == "USD"
    second = docs[2][1]
    assert [(i["quantity"], i["rate"]) for i in second.payload["line_items"]][-1] == (1, D("-4.99"))
    assert sum((i["quantity"] * i["rate"] for i in second.payload["line_items"]), D(0)) == second.total == D("25.00")
    credit = docs[3][1]
    assert credit.payload["creditnote_number"] == credit.reference and credit.total == D("20.00")
    assert [(i["rate"], i["account_id"]) for i in credit.payload["line_items"]] == [
        (D("20.00"), account_id(client, "4030"))]


def test_clearing_lines_hit_accounts_receivable_for_the_marketplace_customer(client: zoho.ZohoClient,
                                                                            fresh_db: str) -> None:
    july = rendered(client, fresh_db, "per_order")[4][1]
    receivable = [line for line in july.payload["line_items"] if line["account_id"] == account_id(client, "1200")]
    assert sorted((line["debit_or_credit"], line["amount"]) for line in receivable) == [
        ("credit", D("25.00")), ("debit", D("20.00"))]
    assert {line["customer_id"] for line in receivable} == {client.refs.customer("Amazon.com", "USD")["contact_id"]}


def test_a_taxed_journal_line_is_sent_net_so_zohos_tax_gives_back_the_amount(client: zoho.ZohoClient,
                                                                            fresh_db: str) -> None:
    doc = mz.build([mz.worked_example(fresh_db, "we-zoho")], "zoho", "summary", "we-zoho")[1]
    taxed = replace(doc, lines=tuple(replace(line, tax_code="VAT19") if line.account == "4000" else line
                                     for line in doc.lines))
    out = client.render([taxed])[0]
    line = next(i for i in out.payload["line_items"] if i["account_id"] == account_id(client, "4000"))
    tax = client.refs.tax("VAT19")
    assert line["tax_id"] == tax["tax_id"] and tax["tax_name"] == "VAT 19%"
    assert line["amount"] + tax_on(line["amount"], D(19), "USD") == D("25.00") and line["amount"] == D("21.01")
    assert out.total == doc.debit_total


def test_a_foreign_currency_document_carries_currency_id_and_exchange_rate(client: zoho.ZohoClient,
                                                                          fresh_db: str) -> None:
    doc = mz.build([mz.worked_example(fresh_db, "we-zoho")], "zoho", "summary", "we-zoho")[1]
    eur = replace(doc, currency="EUR", lines=tuple(replace(line, currency="EUR") for line in doc.lines),
                  fx=FxInfo("USD", D("1.0850")))
    out = client.render([eur])[0]
    assert (out.payload["currency_id"], out.payload["exchange_rate"]) == (client.refs.currency_id("EUR"), D("1.0850"))
    with pytest.raises(FatalError, match="EUR.*USD"):
        client.render([replace(eur, fx=None)])


def test_without_a_unique_field_invoices_carry_our_number(server: SandboxServer, fresh_db: str) -> None:
    mz.reset(server)
    plain = mz.client(zoho, mz.zoho_connection(server, unique_field=""), fresh_db)
    invoice = rendered(plain, fresh_db, "per_order")[0][1]
    assert invoice.payload["invoice_number"] == invoice.reference and "custom_fields" not in invoice.payload


def test_unknown_codes_fail_naming_them(client: zoho.ZohoClient, fresh_db: str) -> None:
    doc = mz.build([mz.worked_example(fresh_db, "we-zoho")], "zoho", "summary", "we-zoho")[1]
    with pytest.raises(FatalError, match="7777"):
        client.render([replace(doc, lines=tuple(replace(line, account="7777") if line.account == "6010" else line
                                                for line in doc.lines))])
    with pytest.raises(FatalError, match="JCT10"):
        client.refs.tax("JCT10")
    assert client.refs.tax("NONE") is None and client.refs.tax("GST10")["tax_name"] == "GST 10%"


def conn(**fields: Any) -> LedgerConnection:
    base = {"ledger": "zoho", "conn_id": "z", "client_id": "c", "client_secret": "s", "refresh_token": "r",
            "tenant_id": "1", "base_url": "", "token_url": "", "extra": {}}
    return LedgerConnection(**{**base, **fields})


def test_data_centres_give_their_own_hosts() -> None:
    assert regions.urls("com") == ("https://www.zohoapis.com/books/v3", "https://accounts.zoho.com/oauth/v2/token")
    assert regions.urls("CA")[1] == "https://accounts.zohocloud.ca/oauth/v2/token"
    assert regions.urls("AU")[0] == "https://www.zohoapis.com.au/books/v3"
    assert regions.urls(".eu", "http://127.0.0.1:9/zoho") == ("http://127.0.0.1:9/zoho/api/eu/books/v3",
                                                             "http://127.0.0.1:9/zoho/accounts/eu/oauth/v2/token")
    assert {regions.data_centre(r) for r in ("US", "zoho.in", "jp", "uk", "sa", "cn")} == {
        "com", "in", "jp", "uk", "sa", "com.cn"}
    with pytest.raises(ValueError, match="com.au"):
        regions.data_centre("mars")
    assert endpoints(conn(extra={"region": "eu"})) == ("eu", "https://www.zohoapis.eu/books/v3",
                                                       "https://accounts.zoho.eu/oauth/v2/token")
    assert endpoints(conn(base_url="https://books.zoho.in/api/v3/books/v3", token_url="https://t/x",
                          extra={"region": "in"})) == ("in", "https://books.zoho.in/api/v3/books/v3", "https://t/x")


def test_an_amount_no_taxed_net_reaches_keeps_its_cent_untaxed() -> None:
    from sellerledger.ledgers.tax_codes import inclusive_parts

    assert inclusive_parts(D("246.92"), D(19), "EUR") == (D("207.49"), D("39.42"), D("0.01"))
    assert inclusive_parts(D("25.00"), D(19), "EUR") == (D("21.01"), D("3.99"), D("0"))
    for cents in range(1, 5000, 7):
        amount = D(cents) / 100
        net, tax, rest = inclusive_parts(amount, D(19), "EUR")
        assert net + tax + rest == amount and tax == tax_on(net, D(19), "EUR") and D(0) <= rest <= D("0.01")
