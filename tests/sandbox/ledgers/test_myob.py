"""The MYOB stand-in over real HTTP: three-part auth, OAuth, POST/PUT/DELETE semantics, RowVersion,
OData reads, rate limits answered as 403, faults, and what each document does to the book."""

from __future__ import annotations

import base64
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx

from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.sandbox.ledgers import _fixtures_mwz as fx
from tests.sandbox.ledgers._fixtures_mwz import (
    TIME_SCALE,
    TODAY,
    Myob,
    advance,
    documents,
    set_faults,
    slow_clock,
    start_server,
    totals,
    trial_balance,
)

mwz_server = fx.mwz_server
mwz = fx.mwz
D = Decimal


# ----------------------------------------------------------------------------------------- auth
def test_token_answer_gives_expires_in_as_the_string_1200(mwz: httpx.Client) -> None:
    assert Myob(mwz).refresh()["expires_in"] == "1200"


def test_access_token_expires_after_twenty_minutes(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    advance(mwz, 1201)
    response = myob.get("GeneralLedger/Account")
    assert (response.status_code, response.json()["Errors"][0]["Name"]) == (401, "OAuthTokenIsInvalid")


def test_missing_bearer_token_is_401(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    assert myob.get("GeneralLedger/Account", headers=myob.headers(Authorization=None)).status_code == 401


def test_revoked_token_is_401(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    mwz.post("/_sandbox/myob/revoke", json={"token": myob.token}).raise_for_status()
    assert myob.get("GeneralLedger/Account").status_code == 401


def test_missing_api_key_is_403_developer_inactive(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    response = myob.get("GeneralLedger/Account", headers=myob.headers(x_myobapi_key=None))
    assert (response.status_code, response.json()["Errors"][0]["Name"]) == (403, "DeveloperInactive")


def test_missing_api_version_header_is_400(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    assert myob.get("GeneralLedger/Account", headers=myob.headers(x_myobapi_version=None)).status_code == 400


def test_wrong_company_file_password_is_401(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    bad = base64.b64encode(b"Administrator:wrong").decode()
    assert myob.get("GeneralLedger/Account", headers=myob.headers(x_myobapi_cftoken=bad)).status_code == 401


def test_missing_company_file_credentials_is_401(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    assert myob.get("GeneralLedger/Account", headers=myob.headers(x_myobapi_cftoken=None)).status_code == 401


def test_token_of_one_company_file_is_refused_by_another(mwz: httpx.Client) -> None:
    first, second = Myob(mwz, 0), Myob(mwz, 1)
    url = f"{second.file['company_file_uri']}/GeneralLedger/Account"
    headers = first.headers(x_myobapi_cftoken=second.file["cftoken"])
    assert mwz.get(url, headers=headers).status_code == 403


def test_unknown_company_file_is_404(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    url = myob.file["company_file_uri"].rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000/GeneralLedger/Account"
    assert mwz.get(url, headers=myob.headers()).status_code == 404


def test_refresh_token_rotates_and_the_old_one_is_refused(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    creds = myob.creds
    response = mwz.post(creds["token_url"], data={"client_id": creds["client_id"], "client_secret": creds["client_secret"],
                                                  "grant_type": "refresh_token", "refresh_token": myob.file["refresh_token"]})
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


def test_invalid_grant_fault_refuses_a_good_refresh_token(mwz: httpx.Client) -> None:
    set_faults(mwz, {"api": "myob", "operation": "oauth2.token", "kind": "invalid_grant", "count": 1})
    creds_json = mwz.get("/_sandbox/credentials").json()["myob"]
    response = mwz.post(creds_json["token_url"], data={
        "client_id": creds_json["client_id"], "client_secret": creds_json["client_secret"],
        "grant_type": "refresh_token", "refresh_token": creds_json["tenants"][0]["refresh_token"]})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_authorization_code_flow_returns_business_id_and_a_working_token(mwz: httpx.Client) -> None:
    creds = mwz.get("/_sandbox/credentials").json()["myob"]
    second = creds["tenants"][1]
    redirect = mwz.get(creds["authorize_url"], params={
        "client_id": creds["client_id"], "redirect_uri": "https://app.example/cb", "response_type": "code",
        "scope": creds["scope"], "businessId": second["company_file_uid"]})
    query = parse_qs(urlparse(redirect.headers["location"]).query)
    token = mwz.post(creds["token_url"], data={
        "client_id": creds["client_id"], "client_secret": creds["client_secret"], "grant_type": "authorization_code",
        "code": query["code"][0], "redirect_uri": "https://app.example/cb"}).json()["access_token"]
    response = mwz.get(f"{second['company_file_uri']}/GeneralLedger/Account", headers={
        "Authorization": f"Bearer {token}", "x-myobapi-key": creds["api_key"], "x-myobapi-version": "v2",
        "x-myobapi-cftoken": second["cftoken"]})
    assert (query["businessId"][0], response.status_code) == (second["company_file_uid"], 200)


def test_missing_scope_is_403_access_denied(mwz: httpx.Client) -> None:
    creds = mwz.get("/_sandbox/credentials").json()["myob"]
    first = creds["tenants"][0]
    redirect = mwz.get(creds["authorize_url"], params={
        "client_id": creds["client_id"], "redirect_uri": "https://app.example/cb", "scope": "sme-sales"})
    code = parse_qs(urlparse(redirect.headers["location"]).query)["code"][0]
    token = mwz.post(creds["token_url"], data={
        "client_id": creds["client_id"], "client_secret": creds["client_secret"], "grant_type": "authorization_code",
        "code": code}).json()["access_token"]
    response = mwz.get(f"{first['company_file_uri']}/Banking/ReceiveMoneyTxn", headers={
        "Authorization": f"Bearer {token}", "x-myobapi-key": creds["api_key"], "x-myobapi-version": "v2",
        "x-myobapi-cftoken": first["cftoken"]})
    assert (response.status_code, response.json()["Errors"][0]["Name"]) == (403, "AccessDenied")


def test_every_answer_carries_a_request_id(mwz: httpx.Client) -> None:
    assert Myob(mwz).get("GeneralLedger/TaxCode").headers.get("x-myobapi-requestid")


# ----------------------------------------------------------------------------------------- writes
def test_post_answers_201_with_location_and_no_body(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    response = myob.post("Contact/Customer", {"CompanyName": "Amazon", "SellingDetails": {
        "TaxCode": myob.tax("GST"), "FreightTaxCode": myob.tax("GST")}})
    assert (response.status_code, response.content, "/Contact/Customer/" in response.headers["location"]) == \
        (201, b"", True)


def test_post_with_return_body_answers_the_entity(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    response = myob.service_invoice(myob.customer(), "100.00")
    assert (response.status_code, response.json()["TotalAmount"]) == (201, 110.0)


def test_post_carrying_a_uid_is_refused(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    response = myob.post("Contact/Customer", {"UID": "x", "CompanyName": "A", "SellingDetails": {
        "TaxCode": myob.tax("GST"), "FreightTaxCode": myob.tax("GST")}})
    assert response.status_code == 400


def test_customer_without_selling_tax_codes_is_refused_as_required(mwz: httpx.Client) -> None:
    response = Myob(mwz).post("Contact/Customer", {"CompanyName": "A"})
    assert (response.status_code, response.json()["Errors"][0]["ErrorCode"]) == (400, 100)


def test_repeated_post_creates_a_duplicate(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    customer = myob.customer()
    myob.service_invoice(customer, "50.00", number="AMZ0001")
    myob.service_invoice(customer, "50.00", number="AMZ0001")
    found = myob.get("Sale/Invoice/Service", params={"$filter": "Number eq 'AMZ0001'"}).json()
    assert found["Count"] == 2


def test_lost_response_commits_the_invoice_so_a_query_finds_it(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    customer = myob.customer()
    set_faults(mwz, {"api": "myob", "operation": "Sale/Invoice/Service.post", "kind": "lost_response", "count": 1})
    failed = myob.service_invoice(customer, "20.00", number="LOST1")
    found = myob.get("Sale/Invoice", params={"$filter": "Number eq 'LOST1'"}).json()["Count"]
    assert (failed.status_code, found) == (500, 1)


def test_invoice_number_longer_than_13_characters_is_refused(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    assert myob.service_invoice(myob.customer(), "1.00", number="AMZ-1234567890").status_code == 400


def test_invoice_without_number_gets_the_next_eight_digit_number(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    customer = myob.customer()
    myob.service_invoice(customer, "1.00")
    assert myob.service_invoice(customer, "1.00").json()["Number"] == "00000002"


# ----------------------------------------------------------------------------------------- RowVersion
def _customer_record(myob: Myob) -> dict:
    location = myob.post("Contact/Customer", {"CompanyName": "Row", "SellingDetails": {
        "TaxCode": myob.tax("GST"), "FreightTaxCode": myob.tax("GST")}}).headers["location"]
    return myob.get(location).json()


def test_put_with_stale_row_version_is_409_error_111(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    record = _customer_record(myob)
    myob.put(record["URI"], {**record, "Notes": "first"}).raise_for_status()
    response = myob.put(record["URI"], {**record, "Notes": "second"})
    assert (response.status_code, response.json()["Errors"][0]["ErrorCode"]) == (409, 111)


def test_put_with_current_row_version_changes_it(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    record = _customer_record(myob)
    myob.put(record["URI"], {**record, "Notes": "updated"}).raise_for_status()
    assert myob.get(record["URI"]).json()["RowVersion"] != record["RowVersion"]


def test_conflict_fault_bumps_row_version_under_the_writer(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    record = _customer_record(myob)
    set_faults(mwz, {"api": "myob", "operation": "Contact/Customer.put", "kind": "conflict", "count": 1})
    assert myob.put(record["URI"], {**record, "Notes": "mine"}).status_code == 409


def test_put_on_a_missing_uid_is_404(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    record = _customer_record(myob)
    url = record["URI"].rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000001"
    assert myob.put(url, record).status_code == 404


def test_get_with_if_none_match_of_the_current_version_is_304(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    record = _customer_record(myob)
    headers = {**myob.headers(), "If-None-Match": f'"{record["RowVersion"]}"'}
    assert myob.get(record["URI"], headers=headers).status_code == 304


def test_updating_an_invoice_reposts_it(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    invoice = myob.service_invoice(myob.customer(), "100.00").json()
    line = invoice["Lines"][0]
    body = {**invoice, "Lines": [{**line, "Total": "200.00"}]}
    myob.put(invoice["URI"], body).raise_for_status()
    assert trial_balance(mwz, "myob")[("1200", "USD")] == D("220.00")


# ----------------------------------------------------------------------------------------- reads
def test_filter_paging_answers_next_page_link_and_count(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    page = myob.get("GeneralLedger/Account", params={"$filter": "Classification eq 'Expense'", "$top": "2",
                                                      "$skip": "0", "$orderby": "Number desc"}).json()
    from sellerledger.sandbox.ledgers.common import load_chart

    expense = sorted((int(a.code) for a in load_chart().accounts if a.klass == "expense"), reverse=True)
    assert ([a["Number"] for a in page["Items"]], page["Count"], "$skip=2" in page["NextPageLink"]) == \
        (expense[:2], len(expense), True)


def test_top_over_1000_is_400(mwz: httpx.Client) -> None:
    assert Myob(mwz).get("GeneralLedger/Account", params={"$top": "1001"}).status_code == 400


def test_filter_with_functions_and_dates(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    customer = myob.customer()
    myob.service_invoice(customer, "10.00", number="AMZ-A1")
    myob.service_invoice(customer, "10.00", number="OTHER1")
    query = "startswith(Number, 'AMZ') and Date ge datetime'2026-11-01T00:00:00' and TotalAmount gt 10"
    assert myob.get("Sale/Invoice", params={"$filter": query}).json()["Count"] == 1


# ----------------------------------------------------------------------------------------- the book
def test_sale_invoice_debits_receivable_and_credits_income_and_tax(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    myob.service_invoice(myob.customer(), "100.00").raise_for_status()
    assert trial_balance(mwz, "myob") == {("1200", "USD"): D("110.00"), ("2100", "USD"): D("-10.00"),
                                          ("4000", "USD"): D("-100.00")}


def test_tax_inclusive_item_invoice_splits_the_tax_out(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    item = myob.post("Inventory/Item", {"Number": "SKU1", "Name": "Widget", "IsSold": True,
                                        "IncomeAccount": myob.account("4000"),
                                        "SellingDetails": {"BaseSellingPrice": "11.00"}},
                     params={"returnBody": "true"}).json()
    myob.post("Sale/Invoice/Item", {"Date": "2026-11-01T00:00:00", "Customer": myob.customer(), "IsTaxInclusive": True,
                                    "Lines": [{"ShipQuantity": 2, "Item": {"UID": item["UID"]},
                                               "TaxCode": myob.tax("GST")}]}).raise_for_status()
    assert trial_balance(mwz, "myob") == {("1200", "USD"): D("22.00"), ("2100", "USD"): D("-2.00"),
                                          ("4000", "USD"): D("-20.00")}


def test_negative_invoice_is_a_credit_that_reverses_the_sale(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    customer = myob.customer()
    myob.service_invoice(customer, "100.00").raise_for_status()
    credit = myob.service_invoice(customer, "-100.00").json()
    assert (credit["Status"], trial_balance(mwz, "myob")) == ("Credit", {})


def test_receive_money_debits_the_bank_and_credits_its_lines(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    body = {"Account": myob.account("1000"), "Date": "2026-11-10T00:00:00", "AmountReceived": "85.00",
            "Lines": [{"Account": myob.account("1200"), "Amount": "100.00", "TaxCode": myob.tax("N-T")},
                      {"Account": myob.account("6000"), "Amount": "-15.00", "TaxCode": myob.tax("N-T")}]}
    myob.post("Banking/ReceiveMoneyTxn", body).raise_for_status()
    assert trial_balance(mwz, "myob") == {("1000", "USD"): D("85.00"), ("1200", "USD"): D("-100.00"),
                                          ("6000", "USD"): D("15.00")}


def test_receive_money_whose_lines_miss_the_amount_received_is_refused(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    body = {"Account": myob.account("1000"), "Date": "2026-11-10T00:00:00", "AmountReceived": "90.00",
            "Lines": [{"Account": myob.account("1200"), "Amount": "100.00", "TaxCode": myob.tax("N-T")}]}
    assert myob.post("Banking/ReceiveMoneyTxn", body).status_code == 400


def test_receive_money_into_a_non_bank_account_is_refused(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    body = {"Account": myob.account("1100"), "Date": "2026-11-10T00:00:00", "AmountReceived": "1.00",
            "Lines": [{"Account": myob.account("1200"), "Amount": "1.00", "TaxCode": myob.tax("N-T")}]}
    assert myob.post("Banking/ReceiveMoneyTxn", body).status_code == 400


def _journal(myob: Myob, debit: str, credit: str) -> dict:
    return {"DateOccurred": "2026-11-12T00:00:00", "Memo": "Amazon fees", "Lines": [
        {"Account": myob.account("6010"), "Amount": debit, "IsCredit": False, "TaxCode": myob.tax("N-T")},
        {"Account": myob.account("1100"), "Amount": credit, "IsCredit": True, "TaxCode": myob.tax("N-T")}]}


def test_general_journal_posts_its_lines(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    myob.post("GeneralLedger/GeneralJournal", _journal(myob, "12.34", "12.34")).raise_for_status()
    assert trial_balance(mwz, "myob") == {("6010", "USD"): D("12.34"), ("1100", "USD"): D("-12.34")}


def test_unbalanced_general_journal_is_refused(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    assert myob.post("GeneralLedger/GeneralJournal", _journal(myob, "12.34", "12.35")).status_code == 400


def test_negative_journal_amount_is_refused(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    assert myob.post("GeneralLedger/GeneralJournal", _journal(myob, "-1.00", "-1.00")).status_code == 400


def test_date_before_the_first_financial_year_is_error_25008(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    body = {**_journal(myob, "1.00", "1.00"), "DateOccurred": "2019-01-01T00:00:00"}
    assert myob.post("GeneralLedger/GeneralJournal", body).json()["Errors"][0]["ErrorCode"] == 25008


def test_unknown_account_is_error_150(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    body = _journal(myob, "1.00", "1.00")
    body["Lines"][0]["Account"] = {"UID": "00000000-0000-0000-0000-00000000abcd"}
    assert myob.post("GeneralLedger/GeneralJournal", body).json()["Errors"][0]["ErrorCode"] == 150


def test_deleted_document_leaves_the_book_and_the_api(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    invoice = myob.service_invoice(myob.customer(), "100.00").json()
    myob.request("DELETE", invoice["URI"]).raise_for_status()
    assert (trial_balance(mwz, "myob"), myob.get(invoice["URI"]).status_code) == ({}, 404)


def test_delete_is_error_25003_when_the_file_must_reverse() -> None:
    server = start_server(myob={"must_reverse": True})
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            myob = Myob(client)
            invoice = myob.service_invoice(myob.customer(), "10.00").json()
            response = myob.request("DELETE", invoice["URI"])
            assert response.json()["Errors"][0]["ErrorCode"] == 25003
    finally:
        server.stop()


def test_foreign_currency_invoice_posts_in_its_currency(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    myob.service_invoice(myob.customer(), "100.00", tax="N-T", ForeignCurrency=myob.currency("EUR"),
                         CurrencyExchangeRate="1.08").raise_for_status()
    assert trial_balance(mwz, "myob") == {("1200", "EUR"): D("100.00"), ("4000", "EUR"): D("-100.00")}


def test_foreign_currency_without_exchange_rate_is_refused(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    response = myob.service_invoice(myob.customer(), "100.00", ForeignCurrency=myob.currency("EUR"))
    assert response.status_code == 400


def test_tenants_have_separate_books(mwz: httpx.Client) -> None:
    first, second = Myob(mwz, 0), Myob(mwz, 1)
    second.service_invoice(second.customer(), "10.00", tax="N-T").raise_for_status()
    assert (trial_balance(mwz, "myob", first.file["key"]), trial_balance(mwz, "myob", second.file["key"])) == \
        ({}, {("1200", "AUD"): D("10.00"), ("4000", "AUD"): D("-10.00")})


def test_account_current_balance_follows_the_book(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    myob.service_invoice(myob.customer(), "100.00").raise_for_status()
    account = myob.get("GeneralLedger/Account", params={"$filter": "Number eq 4000"}).json()["Items"][0]
    assert account["CurrentBalance"] == 100.0


# ----------------------------------------------------------------------------------------- limits and faults
def test_ninth_call_in_a_second_is_403_rate_limit_error(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    slow_clock(mwz)
    statuses = [myob.get("GeneralLedger/TaxCode").status_code for _ in range(9)]
    last = myob.get("GeneralLedger/TaxCode").json()["Errors"][0]["Name"]
    assert (statuses, last) == ([200] * 8 + [403], "RateLimitError")


def test_injected_throttle_is_403_never_429(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    set_faults(mwz, {"api": "myob", "kind": "429", "count": 1})
    response = myob.get("GeneralLedger/TaxCode")
    assert (response.status_code, response.json()["Errors"][0]["Name"]) == (403, "RateLimitError")


def test_injected_gateway_timeout_is_504(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    set_faults(mwz, {"api": "myob", "kind": "lost_response", "params": {"status": 504}, "count": 1})
    assert myob.get("GeneralLedger/TaxCode").status_code == 504


# ----------------------------------------------------------------------------------------- state
def test_documents_attempts_and_book_survive_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(today=TODAY, time_scale=TIME_SCALE, state_dir=str(tmp_path))
    with SandboxServer(config, only=("myob", "wave", "zoho")) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        myob = Myob(client)
        myob.service_invoice(myob.customer(), "40.00").raise_for_status()
        before = (trial_balance(client, "myob"), documents(client, "myob"))
    with SandboxServer(config, only=("myob", "wave", "zoho")) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        after = (trial_balance(client, "myob"), documents(client, "myob"))
    assert after == before


def test_reset_forgets_documents(mwz: httpx.Client) -> None:
    myob = Myob(mwz)
    myob.service_invoice(myob.customer(), "40.00").raise_for_status()
    mwz.post("/_sandbox/reset").raise_for_status()
    assert (documents(mwz, "myob"), totals(mwz, "myob")) == ([], {})
