"""QBO transactions on the book (Invoice, CreditMemo, Deposit, JournalEntry), SyncToken concurrency,
requestid replay, the query language, batch with Faults inside a 200, duplicates, voids and deletes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.sandbox.ledgers.helpers import Session, documents, set_faults, tb

D = Decimal


class Company:
    """Ids a QBO client looks up before posting: accounts by AcctNum, tax codes by name, a customer, an item."""

    def __init__(self, qbo: Session) -> None:
        self.qbo = qbo
        self.accounts = {a["AcctNum"]: a["Id"] for a in qbo.query("select * from Account maxresults 1000")["Account"]}
        self.tax = {c["Name"]: c["Id"] for c in qbo.query("select * from TaxCode")["TaxCode"]}
        self.customer = self.create("customer", {"DisplayName": "Amazon.com"})["Customer"]["Id"]
        self.item = self.create("item", {"Name": "Amazon Sales", "Type": "Service",
                                         "IncomeAccountRef": {"value": self.accounts["4000"]}})["Item"]["Id"]

    def create(self, entity: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
        response = self.qbo.post(entity, body, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def invoice(self, number: str | None, *lines: tuple[str, str, str], kind: str = "Invoice", **extra: Any) -> dict[str, Any]:
        """Lines are (qty, unit price, tax code name)."""
        body = {"CustomerRef": {"value": self.customer}, "TxnDate": "2026-11-01", **extra, "Line": [
            {"Amount": str((D(q) * D(u)).quantize(D("0.01"))), "DetailType": "SalesItemLineDetail",
             "SalesItemLineDetail": {"ItemRef": {"value": self.item}, "Qty": q, "UnitPrice": u,
                                     "TaxCodeRef": {"value": self.tax[t]}}} for q, u, t in lines]}
        if number is not None:
            body["DocNumber"] = number
        return body

    def deposit(self, note: str, *lines: tuple[str, str], to: str = "1000", **extra: Any) -> dict[str, Any]:
        return {"DepositToAccountRef": {"value": self.accounts[to]}, "PrivateNote": note, "TxnDate": "2026-11-10",
                **extra, "Line": [{"Amount": amount, "DetailType": "DepositLineDetail",
                                   "DepositLineDetail": {"AccountRef": {"value": self.accounts[account]}}}
                                  for account, amount in lines]}

    def journal(self, *lines: tuple[str, str, str], **extra: Any) -> dict[str, Any]:
        """Lines are (Debit|Credit, AcctNum, amount)."""
        return {"TxnDate": "2026-11-10", **extra, "Line": [
            {"Amount": amount, "DetailType": "JournalEntryLineDetail",
             "JournalEntryLineDetail": {"PostingType": side, "AccountRef": {"value": self.accounts[account]}}}
            for side, account, amount in lines]}


@pytest.fixture
def co(qbo: Session) -> Company:
    return Company(qbo)


def fault_code(response: Any) -> str:
    return response.json()["Fault"]["Error"][0]["code"]


def test_an_invoice_debits_receivable_and_credits_income_and_tax(co: Company) -> None:
    created = co.create("invoice", co.invoice("AMZ-1", ("2", "10.00", "VAT20"), ("1", "4.99", "NONE")))["Invoice"]
    assert (created["TotalAmt"], created["TxnTaxDetail"]["TotalTax"], created["SyncToken"]) == (28.99, 4.0, "0")
    assert tb(co.qbo.http, "qbo") == {("1200", "USD"): D("28.99"), ("4000", "USD"): D("-24.99"),
                                      ("2110", "USD"): D("-4.00")}


def test_a_line_amount_must_equal_qty_times_unit_price(co: Company) -> None:
    body = co.invoice("AMZ-Q", ("2", "10.00", "NONE"))
    body["Line"][0]["Amount"] = "19.99"
    response = co.qbo.post("invoice", body)
    assert (response.status_code, fault_code(response), tb(co.qbo.http, "qbo")) == (400, "6070", {})


def test_a_credit_memo_reverses_the_invoice(co: Company) -> None:
    co.create("invoice", co.invoice("AMZ-2", ("1", "50.00", "VAT20")))
    memo = co.create("creditmemo", co.invoice("AMZ-2R", ("1", "50.00", "VAT20")))["CreditMemo"]
    assert (memo["RemainingCredit"], tb(co.qbo.http, "qbo")) == (60.0, {})


def test_a_deposit_debits_the_deposit_to_account_and_credits_its_lines(co: Company) -> None:
    deposit = co.create("deposit", co.deposit("Settlement 77", ("1100", "250.00"), ("6000", "-30.50"),
                                              ("6010", "-19.50")))["Deposit"]
    assert deposit["TotalAmt"] == 200.0
    assert tb(co.qbo.http, "qbo") == {("1000", "USD"): D("200.00"), ("1100", "USD"): D("-250.00"),
                                      ("6000", "USD"): D("30.50"), ("6010", "USD"): D("19.50")}


def test_a_negative_deposit_is_refused(co: Company) -> None:
    response = co.qbo.post("deposit", co.deposit("Negative", ("6000", "-5.00")))
    assert (response.status_code, fault_code(response), tb(co.qbo.http, "qbo")) == (400, "6000", {})


def test_a_journal_entry_posts_debits_and_credits(co: Company) -> None:
    co.create("journalentry", co.journal(("Debit", "6000", "12.34"), ("Credit", "1100", "12.34"), DocNumber="J-1"))
    assert tb(co.qbo.http, "qbo") == {("6000", "USD"): D("12.34"), ("1100", "USD"): D("-12.34")}


def test_an_unbalanced_journal_entry_is_a_6000_business_validation_error(co: Company) -> None:
    response = co.qbo.post("journalentry", co.journal(("Debit", "6000", "12.34"), ("Credit", "1100", "12.33")))
    assert (response.status_code, fault_code(response), tb(co.qbo.http, "qbo")) == (400, "6000", {})


def test_a_receivable_line_needs_a_customer(co: Company) -> None:
    bare = co.qbo.post("journalentry", co.journal(("Debit", "1100", "5.00"), ("Credit", "1200", "5.00")))
    named = co.journal(("Debit", "1100", "5.00"), ("Credit", "1200", "5.00"))
    named["Line"][1]["JournalEntryLineDetail"]["Entity"] = {"Type": "Customer",
                                                             "EntityRef": {"value": co.customer}}
    assert "Accounts Receivable" in bare.json()["Fault"]["Error"][0]["Detail"]
    assert co.qbo.post("journalentry", named).status_code == 200


def test_lines_carry_a_marketplace_class(co: Company) -> None:
    klass = co.qbo.query("select * from Class where Name = 'Amazon.de'")["Class"][0]
    body = co.journal(("Debit", "6000", "1.00"), ("Credit", "1100", "1.00"))
    body["Line"][0]["JournalEntryLineDetail"]["ClassRef"] = {"value": klass["Id"]}
    created = co.create("journalentry", body)["JournalEntry"]
    bad = co.journal(("Debit", "6000", "1.00"), ("Credit", "1100", "1.00"))
    bad["Line"][0]["JournalEntryLineDetail"]["ClassRef"] = {"value": "999999"}
    assert created["Line"][0]["JournalEntryLineDetail"]["ClassRef"]["name"] == "Amazon.de"
    assert fault_code(co.qbo.post("journalentry", bad)) == "2500"


def test_a_query_finds_an_invoice_by_doc_number(co: Company) -> None:
    co.create("invoice", co.invoice("FIND-ME", ("1", "1.00", "NONE")))
    co.create("invoice", co.invoice("OTHER", ("1", "2.00", "NONE")))
    found = co.qbo.query("select * from Invoice where DocNumber = 'FIND-ME'")
    assert [i["DocNumber"] for i in found["Invoice"]] == ["FIND-ME"]


def test_a_query_without_matches_omits_the_entity_key(co: Company) -> None:
    assert co.qbo.query("select * from Invoice where DocNumber = 'nothing'") == {"startPosition": 1, "maxResults": 0}


def test_queries_count_page_and_refuse_or(co: Company) -> None:
    for n in range(5):
        co.create("invoice", co.invoice(f"PG-{n}", ("1", f"{n + 1}.00", "NONE")))
    count = co.qbo.query("select count(*) from Invoice where TotalAmt >= '2'")
    page = co.qbo.query("SELECT * FROM Invoice ORDERBY DocNumber DESC STARTPOSITION 2 MAXRESULTS 2")
    with_or = co.qbo.get("query", params={"query": "select * from Invoice where DocNumber = 'a' or DocNumber = 'b'"})
    assert (count, [i["DocNumber"] for i in page["Invoice"]], with_or.status_code, fault_code(with_or)) == \
        ({"totalCount": 4}, ["PG-3", "PG-2"], 400, "4000")


def test_an_entity_is_read_by_id_and_an_unknown_id_is_610(co: Company) -> None:
    created = co.create("invoice", co.invoice("RD-1", ("1", "1.00", "NONE")))["Invoice"]
    read = co.qbo.get(f"invoice/{created['Id']}")
    missing = co.qbo.get("invoice/999999")
    assert (read.json()["Invoice"]["DocNumber"], missing.status_code, fault_code(missing)) == ("RD-1", 400, "610")


def test_a_sparse_update_keeps_other_fields_and_bumps_the_sync_token(co: Company) -> None:
    created = co.create("invoice", co.invoice("SP-1", ("1", "10.00", "NONE"), PrivateNote="keep"))["Invoice"]
    updated = co.create("invoice", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "CustomerMemo": {"value": "hi"}})
    assert (updated["Invoice"]["SyncToken"], updated["Invoice"]["PrivateNote"]) == ("1", "keep")


def test_a_full_update_drops_omitted_fields_and_reposts(co: Company) -> None:
    created = co.create("invoice", co.invoice("FU-1", ("1", "10.00", "NONE"), PrivateNote="gone"))["Invoice"]
    body = co.invoice("FU-1", ("3", "10.00", "NONE"))
    updated = co.create("invoice", {**body, "Id": created["Id"], "SyncToken": "0"})["Invoice"]
    assert ("PrivateNote" in updated, tb(co.qbo.http, "qbo")) == \
        (False, {("1200", "USD"): D("30.00"), ("4000", "USD"): D("-30.00")})


def test_a_stale_sync_token_is_http_400_fault_5010_and_changes_nothing(co: Company) -> None:
    created = co.create("invoice", co.invoice("ST-1", ("1", "10.00", "NONE")))["Invoice"]
    co.create("invoice", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "first"})
    stale = co.qbo.post("invoice", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "second"})
    note = co.qbo.get(f"invoice/{created['Id']}").json()["Invoice"]["PrivateNote"]
    assert (stale.status_code, fault_code(stale), note) == (400, "5010", "first")


def test_a_concurrent_edit_fault_makes_a_fresh_sync_token_stale(co: Company) -> None:
    created = co.create("invoice", co.invoice("CF-1", ("1", "10.00", "NONE")))["Invoice"]
    set_faults(co.qbo.http, {"api": "qbo", "operation": "updateInvoice", "kind": "conflict", "count": 1})
    first = co.qbo.post("invoice", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"})
    current = co.qbo.get(f"invoice/{created['Id']}").json()["Invoice"]["SyncToken"]
    retry = co.qbo.post("invoice", {"Id": created["Id"], "SyncToken": current, "sparse": True, "PrivateNote": "x"})
    assert (fault_code(first), current, retry.status_code) == ("5010", "1", 200)


def test_a_repeated_requestid_returns_the_first_answer_without_a_second_write(co: Company) -> None:
    body = co.invoice("RQ-1", ("1", "10.00", "NONE"))
    first = co.qbo.post("invoice", body, params={"requestid": "run1-RQ-1"})
    second = co.qbo.post("invoice", body, params={"requestid": "run1-RQ-1"})
    docs = documents(co.qbo.http, "qbo")
    assert (second.content == first.content, len(docs), docs[0]["attempts"]) == (True, 1, 2)


def test_a_requestid_over_50_characters_is_refused(co: Company) -> None:
    response = co.qbo.post("invoice", co.invoice("RQ-2", ("1", "1.00", "NONE")), params={"requestid": "r" * 51})
    assert (response.status_code, documents(co.qbo.http, "qbo")) == (400, [])


def test_a_lost_response_retried_with_its_requestid_writes_once(co: Company) -> None:
    set_faults(co.qbo.http, {"api": "qbo", "operation": "Deposit", "kind": "lost_response", "count": 1})
    body = co.deposit("Settlement LR", ("1100", "10.00"))
    lost = co.qbo.post("deposit", body, params={"requestid": "dep-LR"})
    retried = co.qbo.post("deposit", body, params={"requestid": "dep-LR"})
    assert (lost.status_code, retried.status_code, len(documents(co.qbo.http, "qbo"))) == (500, 200, 1)


def test_a_duplicate_doc_number_is_6140_unless_allowed(co: Company) -> None:
    co.create("invoice", co.invoice("DUP-1", ("1", "1.00", "NONE")))
    duplicate = co.qbo.post("invoice", co.invoice("DUP-1", ("1", "1.00", "NONE")))
    allowed = co.qbo.post("invoice", co.invoice("DUP-1", ("1", "1.00", "NONE")),
                          params={"include": "allowduplicatedocnum"})
    assert (fault_code(duplicate), allowed.status_code, len(documents(co.qbo.http, "qbo"))) == ("6140", 200, 2)


def test_a_doc_number_longer_than_21_characters_is_refused(co: Company) -> None:
    response = co.qbo.post("invoice", co.invoice("X" * 22, ("1", "1.00", "NONE")))
    assert (response.status_code, fault_code(response)) == (400, "2050")


def test_a_voided_invoice_stays_readable_but_leaves_the_book(co: Company) -> None:
    created = co.create("invoice", co.invoice("VD-1", ("1", "10.00", "NONE")))["Invoice"]
    voided = co.create("invoice", {"Id": created["Id"], "SyncToken": "0"}, operation="void")["Invoice"]
    assert (voided["TotalAmt"], voided["PrivateNote"], tb(co.qbo.http, "qbo")) == (0, "Voided", {})


def test_a_deleted_deposit_leaves_the_book_and_reads_as_610(co: Company) -> None:
    created = co.create("deposit", co.deposit("Settlement DEL", ("1100", "10.00")))["Deposit"]
    deleted = co.create("deposit", {"Id": created["Id"], "SyncToken": "0"}, operation="delete")["Deposit"]
    assert (deleted["status"], fault_code(co.qbo.get(f"deposit/{created['Id']}")), tb(co.qbo.http, "qbo")) == \
        ("Deleted", "610", {})


def test_a_batch_commits_good_items_and_returns_faults_inside_a_200(co: Company) -> None:
    response = co.qbo.post("batch", {"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Invoice": co.invoice("BT-1", ("1", "5.00", "NONE"))},
        {"bId": "2", "operation": "create", "Invoice": co.invoice("BT-1", ("1", "5.00", "NONE"))},
        {"bId": "3", "Query": "select count(*) from Invoice"},
    ]})
    items = {i["bId"]: i for i in response.json()["BatchItemResponse"]}
    assert (response.status_code, items["1"]["Invoice"]["DocNumber"], items["2"]["Fault"]["Error"][0]["code"],
            items["3"]["QueryResponse"]["totalCount"]) == (200, "BT-1", "6140", 1)


def test_batch_items_cannot_see_entities_created_earlier_in_the_batch(co: Company) -> None:
    probe = co.create("customer", {"DisplayName": "Probe"})["Customer"]["Id"]
    next_id = str(int(probe) + 1)  # ids are sequential: the batch's customer gets this one
    items = co.qbo.post("batch", {"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Another Buyer"}},
        {"bId": "2", "operation": "create", "Invoice": {**co.invoice("BT-2", ("1", "1.00", "NONE")),
                                                        "CustomerRef": {"value": next_id}}},
    ]}).json()["BatchItemResponse"]
    after = co.qbo.post("invoice", {**co.invoice("BT-2", ("1", "1.00", "NONE")), "CustomerRef": {"value": next_id}})
    assert (items[0]["Customer"]["Id"], items[1]["Fault"]["Error"][0]["code"], after.status_code) == \
        (next_id, "2500", 200)


def test_a_batch_over_30_items_is_refused(co: Company) -> None:
    items = [{"bId": str(n), "Query": "select count(*) from Invoice"} for n in range(31)]
    response = co.qbo.post("batch", {"BatchItemRequest": items})
    assert (response.status_code, "Fault" in response.json()) == (400, True)


def test_a_batch_requestid_plus_bid_must_fit_in_50_characters(co: Company) -> None:
    response = co.qbo.post("batch", {"BatchItemRequest": [{"bId": "12345", "Query": "select * from Item"}]},
                           params={"requestid": "r" * 46})
    assert response.status_code == 400


def test_a_fault_can_come_back_with_http_200(co: Company) -> None:
    set_faults(co.qbo.http, {"api": "qbo", "operation": "Invoice", "kind": "fault_in_200", "count": 1})
    response = co.qbo.post("invoice", co.invoice("F200", ("1", "1.00", "NONE")))
    assert (response.status_code, "Fault" in response.json(), documents(co.qbo.http, "qbo")) == (200, True, [])


def test_a_foreign_currency_deposit_needs_a_bank_account_in_that_currency(co: Company) -> None:
    refused = co.qbo.post("deposit", co.deposit("GBP to USD bank", ("1100", "10.00"), CurrencyRef={"value": "GBP"},
                                                ExchangeRate="1.27"))
    gbp_bank = co.create("account", {"Name": "Business Bank GBP", "AccountType": "Bank", "AcctNum": "1010",
                                     "CurrencyRef": {"value": "GBP"}})["Account"]
    co.accounts["1010"] = gbp_bank["Id"]
    co.create("deposit", co.deposit("GBP settlement", ("1100", "10.00"), to="1010", CurrencyRef={"value": "GBP"},
                                    ExchangeRate="1.27"))
    assert (fault_code(refused), tb(co.qbo.http, "qbo")) == \
        ("6000", {("1010", "GBP"): D("10.00"), ("1100", "GBP"): D("-10.00")})


def test_a_customer_display_name_is_unique(co: Company) -> None:
    response = co.qbo.post("customer", {"DisplayName": "amazon.com"})
    assert (response.status_code, fault_code(response)) == (400, "6240")
