"""Xero documents on the book: invoices, credit notes, manual journals with tracking, bank transactions and
payments; batches with summarizeErrors; Idempotency-Key; reads, filters and paging; updates and voids.
Every response checked against its schema in Xero's OpenAPI spec."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sellerledger.sandbox.server import SandboxServer
from tests.sandbox.ledgers.helpers import Session, advance, documents, set_faults, tb, validate_xero

D = Decimal


def invoice(number: str, *lines: tuple[str, str, str, str], **extra: Any) -> dict[str, Any]:
    """An AUTHORISED ACCREC invoice; lines are (quantity, unit amount, account, tax type)."""
    return {"Type": "ACCREC", "Contact": {"Name": "Amazon.co.uk"}, "InvoiceNumber": number, "Status": "AUTHORISED",
            "Date": "2026-11-01", "DueDate": "2026-11-15", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": f"line {i}", "Quantity": q, "UnitAmount": u, "AccountCode": a, "TaxType": t}
                          for i, (q, u, a, t) in enumerate(lines)], **extra}


def journal(narration: str, *lines: tuple[str, str], status: str = "POSTED", option: str = "Amazon.com") -> dict[str, Any]:
    return {"Narration": narration, "Status": status, "Date": "2026-11-10",
            "JournalLines": [{"LineAmount": amount, "AccountCode": account, "Description": f"{account}",
                              "Tracking": [{"Name": "Marketplace", "Option": option}]} for account, amount in lines]}


def test_an_authorised_invoice_debits_receivable_and_credits_income_and_tax(xero: Session) -> None:
    response = xero.put("Invoices", {"Invoices": [invoice("AMZ-1", ("2", "10.00", "4000", "VAT20"),
                                                          ("1", "4.99", "4010", "VAT20"))]})
    validate_xero(response, "/Invoices")
    assert tb(xero.http, "xero") == {("1200", "USD"): D("29.99"), ("4000", "USD"): D("-20.00"),
                                     ("4010", "USD"): D("-4.99"), ("2110", "USD"): D("-5.00")}


def test_inclusive_amounts_split_the_tax_out_of_the_line(xero: Session) -> None:
    xero.put("Invoices", {"Invoices": [invoice("AMZ-INC", ("1", "12.00", "4000", "VAT20"),
                                               LineAmountTypes="Inclusive")]})
    assert tb(xero.http, "xero") == {("1200", "USD"): D("12.00"), ("4000", "USD"): D("-10.00"),
                                     ("2110", "USD"): D("-2.00")}


def test_a_credit_note_reverses_what_the_invoice_posted(xero: Session) -> None:
    xero.put("Invoices", {"Invoices": [invoice("AMZ-2", ("1", "50.00", "4000", "VAT20"))]})
    note = {"Type": "ACCRECCREDIT", "Contact": {"Name": "Amazon.co.uk"}, "CreditNoteNumber": "AMZ-2-R",
            "Status": "AUTHORISED", "Date": "2026-11-03", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "refund", "Quantity": "1", "UnitAmount": "50.00", "AccountCode": "4000",
                           "TaxType": "VAT20"}]}
    response = xero.put("CreditNotes", {"CreditNotes": [note]})
    validate_xero(response, "/CreditNotes")
    assert (response.json()["CreditNotes"][0]["Total"], tb(xero.http, "xero")) == (60.0, {})


def test_a_manual_journal_posts_its_signed_lines_with_marketplace_tracking(xero: Session) -> None:
    response = xero.put("ManualJournals", {"ManualJournals": [journal(
        "Settlement 1001", ("1100", "-100.00"), ("6000", "15.25"), ("6010", "4.75"), ("2200", "80.00"))]})
    validate_xero(response, "/ManualJournals")
    lines = response.json()["ManualJournals"][0]["JournalLines"]
    assert {line["Tracking"][0]["Option"] for line in lines} == {"Amazon.com"}
    assert tb(xero.http, "xero") == {("1100", "USD"): D("-100.00"), ("6000", "USD"): D("15.25"),
                                     ("6010", "USD"): D("4.75"), ("2200", "USD"): D("80.00")}


def test_a_journal_whose_lines_do_not_net_to_zero_is_refused_and_not_posted(xero: Session) -> None:
    response = xero.put("ManualJournals", {"ManualJournals": [journal("Bad", ("1100", "-100.00"), ("6000", "99.99"))]})
    element = response.json()["ManualJournals"][0]
    assert (response.status_code, element["StatusAttributeString"], tb(xero.http, "xero")) == (200, "ERROR", {})
    assert "must equal total credits" in element["ValidationErrors"][0]["Message"]


def test_a_journal_cannot_post_to_a_bank_account(xero: Session) -> None:
    response = xero.put("ManualJournals", {"ManualJournals": [journal("Bank", ("1000", "-5.00"), ("6000", "5.00"))]})
    messages = [e["Message"] for e in response.json()["ManualJournals"][0]["ValidationErrors"]]
    assert any("bank account" in m for m in messages) and tb(xero.http, "xero") == {}


def test_an_unknown_tracking_option_is_a_validation_error(xero: Session) -> None:
    response = xero.put("ManualJournals", {"ManualJournals": [journal(
        "Tracked", ("1100", "-1.00"), ("6000", "1.00"), option="Amazon.moon")]})
    assert "does not exist" in response.json()["ManualJournals"][0]["ValidationErrors"][0]["Message"]


def test_the_marketplace_tracking_category_is_seeded_with_an_option_per_marketplace(xero: Session) -> None:
    response = xero.get("TrackingCategories")
    validate_xero(response, "/TrackingCategories")
    category = response.json()["TrackingCategories"][0]
    assert category["Name"] == "Marketplace"
    assert {"Amazon.com", "Amazon.co.uk", "Amazon.de", "Amazon.co.jp"} <= {o["Name"] for o in category["Options"]}


def test_a_new_tracking_option_can_be_added(xero: Session) -> None:
    category_id = xero.get("TrackingCategories").json()["TrackingCategories"][0]["TrackingCategoryID"]
    created = xero.put(f"TrackingCategories/{category_id}/Options", {"Name": "Amazon.ie"})
    posted = xero.put("ManualJournals", {"ManualJournals": [journal("IE", ("1100", "-1.00"), ("6000", "1.00"),
                                                                    option="Amazon.ie")]})
    assert (created.status_code, posted.json()["ManualJournals"][0]["StatusAttributeString"]) == (200, "OK")


def test_an_invoice_number_is_unique_for_sales_invoices(xero: Session) -> None:
    xero.put("Invoices", {"Invoices": [invoice("AMZ-3", ("1", "10.00", "4000", "NONE"))]})
    again = xero.put("Invoices", {"Invoices": [invoice("AMZ-3", ("1", "10.00", "4000", "NONE"))]})
    validate_xero(again, "/Invoices")
    element = again.json()["Invoices"][0]
    assert (element["ValidationErrors"], tb(xero.http, "xero")[("1200", "USD")]) == \
        ([{"Message": "Invoice # must be unique."}], D("10.00"))


def test_summarize_errors_false_commits_the_good_elements_and_flags_the_bad(xero: Session) -> None:
    batch = [invoice("B-1", ("1", "10.00", "4000", "NONE")), invoice("B-2", ("1", "5.00", "9998", "NONE")),
             invoice("B-3", ("1", "7.00", "4000", "NONE"))]
    response = xero.put("Invoices", {"Invoices": batch}, params={"summarizeErrors": "false"})
    validate_xero(response, "/Invoices")
    flags = [(e.get("InvoiceNumber"), e["StatusAttributeString"], e.get("HasErrors", False))
             for e in response.json()["Invoices"]]
    assert flags == [("B-1", "OK", False), ("B-2", "ERROR", True), ("B-3", "OK", False)]
    assert [d["reference"] for d in documents(xero.http, "xero")] == ["B-1", "B-3"]


def test_summarize_errors_true_answers_400_and_commits_nothing(xero: Session) -> None:
    batch = [invoice("S-1", ("1", "10.00", "4000", "NONE")), invoice("S-2", ("1", "5.00", "4000", "NOPE"))]
    response = xero.put("Invoices", {"Invoices": batch}, params={"summarizeErrors": "true"})
    validate_xero(response, "/Invoices")
    body = response.json()
    assert (response.status_code, body["Type"], body["ErrorNumber"], len(body["Elements"])) == \
        (400, "ValidationException", 10, 1)
    assert documents(xero.http, "xero") == []


def test_a_batch_over_50_elements_is_refused_whole(xero: Session) -> None:
    batch = [invoice(f"L-{i}", ("1", "1.00", "4000", "NONE")) for i in range(51)]
    response = xero.put("Invoices", {"Invoices": batch})
    assert (response.status_code, documents(xero.http, "xero")) == (400, [])


def test_an_idempotency_key_replays_the_original_answer_without_writing_again(xero: Session) -> None:
    body = {"Invoices": [invoice("IK-1", ("1", "10.00", "4000", "NONE"))]}
    first = xero.put("Invoices", body, headers={"Idempotency-Key": "ik-1"})
    second = xero.put("Invoices", body, headers={"Idempotency-Key": "ik-1"})
    docs = documents(xero.http, "xero")
    assert (second.content == first.content, len(docs), docs[0]["attempts"]) == (True, 1, 2)


def test_an_idempotency_key_reused_with_another_body_is_refused(xero: Session) -> None:
    xero.put("Invoices", {"Invoices": [invoice("IK-2", ("1", "10.00", "4000", "NONE"))]},
             headers={"Idempotency-Key": "ik-2"})
    other = xero.put("Invoices", {"Invoices": [invoice("IK-3", ("1", "10.00", "4000", "NONE"))]},
                     headers={"Idempotency-Key": "ik-2"})
    assert (other.status_code, len(documents(xero.http, "xero"))) == (400, 1)


def test_an_idempotency_key_is_forgotten_after_six_minutes(xero: Session) -> None:
    body = {"ManualJournals": [journal("Repeated", ("1100", "-1.00"), ("6000", "1.00"))]}
    xero.put("ManualJournals", body, headers={"Idempotency-Key": "ik-4"})
    advance(xero.http, 361)
    xero.refresh()
    xero.put("ManualJournals", body, headers={"Idempotency-Key": "ik-4"})
    assert len(documents(xero.http, "xero")) == 2


def test_a_lost_response_is_recovered_by_retrying_with_the_same_idempotency_key(xero: Session) -> None:
    set_faults(xero.http, {"api": "xero", "operation": "createInvoices", "kind": "lost_response", "count": 1})
    body = {"Invoices": [invoice("LR-1", ("1", "10.00", "4000", "NONE"))]}
    lost = xero.put("Invoices", body, headers={"Idempotency-Key": "lr-1"})
    retried = xero.put("Invoices", body, headers={"Idempotency-Key": "lr-1"})
    docs = documents(xero.http, "xero")
    assert (lost.status_code, retried.status_code, len(docs), docs[0]["attempts"]) == (500, 200, 1, 2)


def test_without_a_key_a_lost_response_retry_is_refused_as_a_duplicate_number(xero: Session) -> None:
    set_faults(xero.http, {"api": "xero", "operation": "createInvoices", "kind": "lost_response", "count": 1})
    body = {"Invoices": [invoice("LR-2", ("1", "10.00", "4000", "NONE"))]}
    xero.put("Invoices", body)
    retried = xero.put("Invoices", body).json()["Invoices"][0]
    assert (retried["StatusAttributeString"], len(documents(xero.http, "xero"))) == ("ERROR", 1)


def test_invoices_are_read_by_id_by_number_and_by_where(xero: Session) -> None:
    created = xero.put("Invoices", {"Invoices": [invoice("R-1", ("1", "10.00", "4000", "NONE"), Reference="order-1"),
                                                 invoice("R-2", ("1", "20.00", "4000", "NONE"))]}).json()["Invoices"]
    by_id = xero.get(f"Invoices/{created[0]['InvoiceID']}")
    by_numbers = xero.get("Invoices", params={"InvoiceNumbers": "R-2"})
    by_where = xero.get("Invoices", params={"where": 'Reference=="order-1" AND Status=="AUTHORISED"', "page": "1"})
    for response in (by_id, by_numbers, by_where):
        validate_xero(response, "/Invoices/{InvoiceID}" if response is by_id else "/Invoices", "get")
    assert (by_id.json()["Invoices"][0]["InvoiceNumber"], by_numbers.json()["Invoices"][0]["Total"],
            [i["InvoiceNumber"] for i in by_where.json()["Invoices"]]) == ("R-1", 20.0, ["R-1"])


def test_an_unknown_invoice_is_404(xero: Session) -> None:
    assert xero.get("Invoices/00000000-0000-0000-0000-000000000000").status_code == 404


def test_invoices_page_with_pagination_and_omit_lines_without_a_page(xero: Session) -> None:
    xero.put("Invoices", {"Invoices": [invoice(f"P-{i}", ("1", "1.00", "4000", "NONE")) for i in range(5)]})
    third = xero.get("Invoices", params={"page": "3", "pageSize": "2", "order": "InvoiceNumber ASC"})
    validate_xero(third, "/Invoices")
    unpaged = xero.get("Invoices").json()["Invoices"]
    assert (third.json()["pagination"], [i["InvoiceNumber"] for i in third.json()["Invoices"]]) == \
        ({"page": 3, "pageSize": 2, "pageCount": 3, "itemCount": 5}, ["P-4"])
    assert (len(unpaged), any("LineItems" in i for i in unpaged)) == (5, False)


def test_if_modified_since_returns_only_newer_documents(xero: Session) -> None:
    xero.put("Invoices", {"Invoices": [invoice("M-1", ("1", "1.00", "4000", "NONE"))]})
    cutoff = xero.http.get("/_sandbox/clock").json()["now"]
    advance(xero.http, 5)
    xero.put("Invoices", {"Invoices": [invoice("M-2", ("1", "1.00", "4000", "NONE"))]})
    newer = xero.get("Invoices", headers={"If-Modified-Since": cutoff}, params={"page": "1"}).json()["Invoices"]
    assert [i["InvoiceNumber"] for i in newer] == ["M-2"]


def test_an_authorised_unpaid_invoice_can_be_updated_and_the_book_follows(xero: Session) -> None:
    created = xero.put("Invoices", {"Invoices": [invoice("U-1", ("1", "10.00", "4000", "NONE"))]}).json()["Invoices"][0]
    updated = xero.post(f"Invoices/{created['InvoiceID']}", {"Invoices": [{
        "LineItems": [{"Description": "fixed", "Quantity": "3", "UnitAmount": "10.00", "AccountCode": "4000",
                       "TaxType": "NONE"}]}]})
    validate_xero(updated, "/Invoices/{InvoiceID}")
    assert tb(xero.http, "xero") == {("1200", "USD"): D("30.00"), ("4000", "USD"): D("-30.00")}


def test_a_payment_clears_receivable_and_locks_the_invoice(xero: Session) -> None:
    created = xero.put("Invoices", {"Invoices": [invoice("PAY-1", ("1", "10.00", "4000", "NONE"))]}).json()["Invoices"][0]
    payment = xero.put("Payments", {"Payments": [{"Invoice": {"InvoiceID": created["InvoiceID"]},
                                                  "Account": {"Code": "1100"}, "Date": "2026-11-12",
                                                  "Amount": "10.00"}]})
    validate_xero(payment, "/Payments")
    edit = xero.post(f"Invoices/{created['InvoiceID']}", {"Invoices": [{"Reference": "changed"}]})
    status = xero.get(f"Invoices/{created['InvoiceID']}").json()["Invoices"][0]["Status"]
    assert (edit.status_code, status, tb(xero.http, "xero")) == \
        (400, "PAID", {("1100", "USD"): D("10.00"), ("4000", "USD"): D("-10.00")})


def test_a_voided_invoice_leaves_the_book_and_cannot_be_edited(xero: Session) -> None:
    created = xero.put("Invoices", {"Invoices": [invoice("V-1", ("1", "10.00", "4000", "NONE"))]}).json()["Invoices"][0]
    voided = xero.post(f"Invoices/{created['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]})
    edit = xero.post(f"Invoices/{created['InvoiceID']}", {"Invoices": [{"Reference": "late"}]})
    assert (voided.json()["Invoices"][0]["Status"], edit.status_code, tb(xero.http, "xero")) == ("VOIDED", 400, {})
    assert edit.json()["Elements"][0]["ValidationErrors"] == [{"Message": "Invoice not of valid status for modification"}]


def test_a_foreign_currency_invoice_posts_in_its_own_currency(xero: Session) -> None:
    xero.put("Invoices", {"Invoices": [invoice("FX-1", ("1", "100.00", "4000", "VAT20"), CurrencyCode="GBP",
                                               CurrencyRate="1.27")]})
    xero.put("Invoices", {"Invoices": [invoice("FX-2", ("1", "10.00", "4000", "NONE"))]})
    body = xero.http.get("/_sandbox/xero/trial-balance").json()
    assert tb(xero.http, "xero")[("1200", "GBP")] == D("120.00")
    assert body["totals"] == {"GBP": "0.00", "USD": "0.00"}


def test_an_invoice_line_with_an_item_code_takes_the_item_price_and_account(xero: Session) -> None:
    items = xero.put("Items", {"Items": [{"Code": "SKU-1", "Name": "Widget",
                                          "SalesDetails": {"UnitPrice": "12.50", "AccountCode": "4000",
                                                           "TaxType": "NONE"}}]})
    validate_xero(items, "/Items")
    xero.put("Invoices", {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "Amazon.com"}, "InvoiceNumber": "IT-1",
                                        "Status": "AUTHORISED", "LineItems": [{"ItemCode": "SKU-1", "Quantity": "2"}]}]})
    assert tb(xero.http, "xero") == {("1200", "USD"): D("25.00"), ("4000", "USD"): D("-25.00")}


def test_a_contact_name_is_unique_and_an_unknown_name_on_an_invoice_creates_the_contact(xero: Session) -> None:
    first = xero.put("Contacts", {"Contacts": [{"Name": "Amazon.de"}]})
    validate_xero(first, "/Contacts")
    again = xero.put("Contacts", {"Contacts": [{"Name": "amazon.de"}]}).json()["Contacts"][0]
    xero.put("Invoices", {"Invoices": [invoice("C-1", ("1", "1.00", "4000", "NONE"))]})
    names = [c["Name"] for c in xero.get("Contacts").json()["Contacts"]]
    assert again["StatusAttributeString"] == "ERROR" and names == ["Amazon.co.uk", "Amazon.de"]


def test_a_receive_bank_transaction_debits_the_bank(xero: Session) -> None:
    response = xero.put("BankTransactions", {"BankTransactions": [{
        "Type": "RECEIVE", "Contact": {"Name": "Amazon"}, "BankAccount": {"Code": "1000"}, "Reference": "Payout 9",
        "LineAmountTypes": "NoTax", "LineItems": [{"Description": "payout", "Quantity": "1", "UnitAmount": "80.00",
                                                   "AccountCode": "1100"}]}]})
    validate_xero(response, "/BankTransactions")
    assert tb(xero.http, "xero") == {("1000", "USD"): D("80.00"), ("1100", "USD"): D("-80.00")}


def test_accounts_and_tax_rates_come_from_the_demo_chart(xero: Session) -> None:
    accounts = xero.get("Accounts", params={"where": 'Code=="1000"'})
    rates = xero.get("TaxRates", params={"where": 'TaxType=="VAT20"'})
    validate_xero(accounts, "/Accounts")
    validate_xero(rates, "/TaxRates")
    assert (accounts.json()["Accounts"][0]["Type"], rates.json()["TaxRates"][0]["EffectiveRate"]) == ("BANK", 20)


def test_a_journal_cannot_post_to_the_receivable_system_account(xero: Session) -> None:
    response = xero.put("ManualJournals", {"ManualJournals": [journal("AR", ("1200", "-5.00"), ("6000", "5.00"))]})
    messages = [e["Message"] for e in response.json()["ManualJournals"][0]["ValidationErrors"]]
    assert messages == ["Account code '1200' is a system account and cannot be used in manual journals."]


def test_documents_dated_on_or_before_the_lock_date_are_refused(server: SandboxServer, xero: Session) -> None:
    api = server.state.apis["xero"]
    api.lock_date = date(2026, 10, 31)
    try:
        locked = xero.put("Invoices", {"Invoices": [invoice("LK-1", ("1", "1.00", "4000", "NONE"), Date="2026-10-31")]})
        open_ = xero.put("Invoices", {"Invoices": [invoice("LK-2", ("1", "1.00", "4000", "NONE"), Date="2026-11-01")]})
    finally:
        api.lock_date = None
    assert ([e["StatusAttributeString"] for e in (locked.json()["Invoices"][0], open_.json()["Invoices"][0])],
            [d["reference"] for d in documents(xero.http, "xero")]) == (["ERROR", "OK"], ["LK-2"])


def test_a_body_over_the_size_limit_is_413(xero: Session) -> None:
    padding = "x" * 3_600_000
    response = xero.put("Invoices", {"Invoices": [invoice("BIG", ("1", "1.00", "4000", "NONE"), Reference=padding)]})
    assert (response.status_code, documents(xero.http, "xero")) == (413, [])


def test_where_literals_take_escaped_quotes_and_any_script(xero: Session) -> None:
    name = 'Käufer "Tokyo" 日本'
    xero.put("Contacts", {"Contacts": [{"Name": name}, {"Name": "Other"}]})
    literal = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    exact = xero.get("Contacts", params={"where": f"Name=={literal}"}).json()["Contacts"]
    contains = xero.get("Contacts", params={"where": 'Name.Contains("\\"tokyo\\"")'}).json()["Contacts"]
    assert [c["Name"] for c in exact] == [name] == [c["Name"] for c in contains]
