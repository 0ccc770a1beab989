"""MYOB rendering against the stand-in's company file: each document kind becomes the right MYOB object with
exact totals (the worked example of docs/accounting.md), references fit MYOB's fields, reference data is
resolved to UIDs, and what cannot be resolved fails naming it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest

from sellerledger.accounting.model import DocumentKind, FxInfo
from sellerledger.ledgers import myob
from sellerledger.ledgers.base import LedgerDocument
from sellerledger.ledgers.errors import FatalError
from sellerledger.ledgers.myob.render import quantity_and_price
from sellerledger.ledgers.tax_codes import inclusive_net, match, tax_on
from sellerledger.sandbox.server import SandboxServer
from tests.ledgers import mz_support as mz

D = Decimal


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    server = mz.start_sandbox("myob")
    yield server
    server.stop()


@pytest.fixture
def client(server: SandboxServer, fresh_db: str) -> myob.MyobClient:
    mz.reset(server)
    return mz.client(myob, mz.myob_connection(server), fresh_db)


def rendered(client: myob.MyobClient, fresh_db: str, mode: str, **kwargs: str) -> list[tuple[DocumentKind, LedgerDocument]]:
    docs = mz.build([mz.worked_example(fresh_db, "we-myob", **kwargs)], "myob", mode, "we-myob")
    return list(zip([d.kind for d in docs], client.render(docs), strict=True))


def uid_of(client: myob.MyobClient, display_id: str) -> str:
    return str(client.refs.account(display_id)["UID"])


def test_summary_deposit_part_is_receive_money_into_the_bank_and_the_earlier_part_a_journal(
        client: myob.MyobClient, fresh_db: str) -> None:
    (_, june), (_, july) = rendered(client, fresh_db, "summary")
    assert june.kind == "GeneralLedger/GeneralJournal"
    debits = sum((line["Amount"] for line in june.payload["Lines"] if not line["IsCredit"]), D(0))
    credits = sum((line["Amount"] for line in june.payload["Lines"] if line["IsCredit"]), D(0))
    assert debits == credits == june.total == D("93.20")
    carried = [line for line in june.payload["Lines"] if line["Account"]["UID"] == uid_of(client, "1-1100")]
    assert [(line["Amount"], line["IsCredit"]) for line in carried] == [(D("64.16"), False)]

    assert july.kind == "Banking/ReceiveMoneyTxn"
    assert july.payload["Account"]["UID"] == uid_of(client, "1-1000")
    assert july.payload["AmountReceived"] == july.total == D("33.56")
    assert sum((line["Amount"] for line in july.payload["Lines"]), D(0)) == D("33.56")
    by_account = {(line["Account"]["UID"], line["Amount"]) for line in july.payload["Lines"]}
    assert (uid_of(client, "4-4000"), D("25.00")) in by_account  # a credit is a positive receive-money line
    assert (uid_of(client, "1-1110"), D("-30.00")) in by_account  # a debit (reserve held) is negative
    assert july.payload["IsTaxInclusive"] is True
    assert len(july.reference) == 13 and july.payload["ReceiptNumber"] == july.reference
    assert july.payload["Contact"]["UID"] == str(client.refs.customer("Amazon.com")["UID"])


def test_a_negative_settlement_is_a_journal_owing_amazon_never_a_bank_line(client: myob.MyobClient,
                                                                           fresh_db: str) -> None:
    (_, june), (_, july) = rendered(client, fresh_db, "summary", storage_fee="-100.00")
    assert july.kind == "GeneralLedger/GeneralJournal"
    payable = [line for line in july.payload["Lines"] if line["Account"]["UID"] == uid_of(client, "2-2200")]
    assert [(line["Amount"], line["IsCredit"]) for line in payable] == [(D("66.44"), True)]
    assert not [line for line in july.payload["Lines"] if line["Account"]["UID"] == uid_of(client, "1-1000")]


def test_per_order_invoices_have_item_lines_quantities_and_the_order_id(client: myob.MyobClient,
                                                                       fresh_db: str) -> None:
    docs = rendered(client, fresh_db, "per_order")
    kinds = [(kind, doc.kind) for kind, doc in docs]
    assert kinds == [
        (DocumentKind.ORDER_INVOICE, "Sale/Invoice/Item"), (DocumentKind.SETTLEMENT_CLEARING,
                                                            "GeneralLedger/GeneralJournal"),
        (DocumentKind.ORDER_INVOICE, "Sale/Invoice/Item"), (DocumentKind.CREDIT_NOTE, "Sale/Invoice/Service"),
        (DocumentKind.SETTLEMENT_CLEARING, "Banking/ReceiveMoneyTxn")]
    first = docs[0][1]
    assert first.total == D("43.20") and first.payload["CustomerPurchaseOrderNumber"] == "111-0000001-0000001"
    assert first.payload["Number"] == first.reference and len(first.reference) == 13
    mug = first.payload["Lines"][0]
    assert (mug["ShipQuantity"], mug["UnitPrice"], mug["Total"]) == (2, D("20.00"), D("40.00"))
    item = client.api.get(f"Inventory/Item/{mug['Item']['UID']}")
    assert (item["Number"], item["IncomeAccount"]["DisplayID"]) == ("MUG-01", "4-4000")
    assert "111-0000001-0000001" in first.payload["Comment"] and "Amazon.com" in first.payload["Comment"]
    second = docs[2][1]
    promotion = [line for line in second.payload["Lines"] if line["Total"] < 0]
    assert [(p["ShipQuantity"], p["UnitPrice"], p["Total"]) for p in promotion] == [(-1, D("4.99"), D("-4.99"))]
    assert second.total == sum((line["Total"] for line in second.payload["Lines"]), D(0)) == D("25.00")


def test_a_credit_note_is_a_negative_invoice_and_falls_back_to_account_lines(client: myob.MyobClient,
                                                                             fresh_db: str) -> None:
    credit = rendered(client, fresh_db, "per_order")[3][1]
    # MUG-01 posts to sales (4-4000); the refund goes to 4-4030, so the credit uses the service layout
    assert credit.total == D("-20.00")
    assert [(line["Account"]["UID"], line["Total"]) for line in credit.payload["Lines"]] == [
        (uid_of(client, "4-4030"), D("-20.00"))]


def test_clearing_lines_take_the_invoices_off_the_receivable_account(client: myob.MyobClient,
                                                                    fresh_db: str) -> None:
    july_clearing = rendered(client, fresh_db, "per_order")[4][1]
    receivable = uid_of(client, "1-1200")
    cleared = sorted(line["Amount"] for line in july_clearing.payload["Lines"]
                     if line["Account"]["UID"] == receivable)
    assert cleared == [D("-20.00"), D("25.00")]  # the credit note re-debited, the invoice credited
    assert july_clearing.payload["AmountReceived"] == D("33.56")


def test_a_foreign_currency_document_carries_the_settlement_rate(client: myob.MyobClient, fresh_db: str) -> None:
    docs = mz.build([mz.worked_example(fresh_db, "we-myob")], "myob", "summary", "we-myob")
    eur = [replace(d, currency="EUR", lines=tuple(replace(line, currency="EUR") for line in d.lines),
                   fx=FxInfo("USD", D("1.0850"))) for d in docs]
    out = client.render(eur)[1]
    assert out.payload["CurrencyExchangeRate"] == D("1.0850")
    assert out.payload["ForeignCurrency"]["UID"] == str(client.refs.currency("EUR")["UID"])
    with pytest.raises(FatalError, match="EUR.*USD"):
        client.render([replace(eur[1], fx=None)])


def test_unknown_codes_fail_naming_them(client: myob.MyobClient, fresh_db: str) -> None:
    # the demo mapping writes 4-4040 for reimbursements; the file classes that account as other income
    assert client.refs.account("4-4040")["DisplayID"] == "8-4040"
    doc = mz.build([mz.worked_example(fresh_db, "we-myob")], "myob", "summary", "we-myob")[1]
    bad_account = replace(doc, lines=tuple(replace(line, account="6-9999") if line.account == "6-6010" else line
                                           for line in doc.lines))
    with pytest.raises(FatalError, match="6-9999"):
        client.render([bad_account])
    bad_tax = replace(doc, lines=tuple(replace(line, tax_code="XYZ7") if line.account == "6-6010" else line
                                       for line in doc.lines))
    with pytest.raises(FatalError, match="XYZ7"):
        client.render([bad_tax])


def test_mapping_tax_codes_resolve_to_the_files_codes(client: myob.MyobClient, server: SandboxServer,
                                                     fresh_db: str) -> None:
    assert client.refs.tax("VAT20")["Code"] == "V20"  # by description "VAT 20%"
    assert client.refs.tax(None)["Code"] == client.refs.tax("NONE")["Code"] == "N-T"
    with pytest.raises(FatalError, match="JCT10"):
        client.refs.tax("JCT10")  # "Consumption Tax 10%": no automatic match
    aliased = mz.client(myob, mz.myob_connection(server, tax_codes={"JCT10": "J10"}), fresh_db)
    assert aliased.refs.tax("JCT10")["Code"] == "J10"


def test_quantity_and_price_multiply_back_exactly() -> None:
    from sellerledger.accounting.model import InvoiceLine

    def line(amount: str, quantity: int | None) -> InvoiceLine:
        return InvoiceLine("principal", "4-4000", D(amount), "USD", "x", quantity=quantity)

    assert quantity_and_price(line("40.00", 2), D("40.00")) == (2, D("20.00"))
    assert quantity_and_price(line("10.00", 3), D("10.00")) == (1, D("10.00"))  # 3.3333.. is not exact
    assert quantity_and_price(line("10.01", 4), D("-10.01")) == (-4, D("2.5025"))
    assert quantity_and_price(line("5.00", None), D("-5.00")) == (-1, D("5.00"))


def test_tax_helpers_match_names_and_split_inclusive_amounts_exactly() -> None:
    records = [(("V20", "VAT 20%"), "v20"), (("N-T", "No Tax"), "nt")]
    assert match("VAT20", records) == "v20" and match("vat-20", records) == "v20"
    assert match("NONE", records) is None and match("NONE", records, {"NONE": "N-T"}) == "nt"
    for amount in (D("10.01"), D("0.05"), D("119.99"), D("-24.99")):
        split = inclusive_net(amount, D(19), "EUR")
        assert split is not None
        net, tax = split
        assert net + tax_on(net, D(19), "EUR") == amount
    assert inclusive_net(D("1000"), D(10), "JPY") == (D("909"), D("91"))
