"""The Wave stand-in over real HTTP: OAuth, bearer auth answered as Wave answers it, schema validation of
requests and responses, write-once money transactions keyed by externalId, invoices, paging, limits and
faults, and what each mutation does to the book."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
from graphql import build_client_schema, parse, validate

from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.ledgers.wave.schema import SCHEMA_PATH
from sellerledger.sandbox.server import SandboxServer
from tests.sandbox.ledgers import _fixtures_mwz as fx
from tests.sandbox.ledgers._fixtures_mwz import (
    TIME_SCALE,
    TODAY,
    Wave,
    advance,
    check_response,
    credentials,
    decode_id,
    documents,
    set_faults,
    slow_clock,
    start_server,
    trial_balance,
)

mwz_server = fx.mwz_server
mwz = fx.mwz
D = Decimal
SCHEMA = build_client_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["data"])
BUSINESS_QUERY = """
query($b: ID!, $page: Int!) {
  business(id: $b) {
    id name isClassicAccounting currency { code exponent }
    accounts(page: $page, pageSize: 5, types: [ASSET, INCOME]) {
      pageInfo { currentPage totalPages totalCount }
      edges { node { id name displayId normalBalanceType sequence balance type { value } subtype { value } } }
    }
    salesTaxes { edges { node { id name abbreviation rate isRecoverable rates { effective rate } } } }
  }
  accountTypes { name value normalBalanceType }
}
"""
MONEY = ("mutation($i: MoneyTransactionCreateInput!) { moneyTransactionCreate(input: $i) "
         "{ didSucceed inputErrors { path message code } transaction { id } } }")


def _deposit(wave: Wave, amount: str = "85.00", external_id: str = "SETTLE-1") -> dict:
    accounts = wave.accounts()
    return wave.money(external_id, {"accountId": accounts["1000"], "amount": amount, "direction": "DEPOSIT"}, [
        {"accountId": accounts["1200"], "amount": "100.00", "balance": "DECREASE"},
        {"accountId": accounts["6000"], "amount": "15.00", "balance": "INCREASE"}])


def _invoice(wave: Wave, status: str = "SAVED", **extra: object) -> dict:
    selection = "invoice { id invoiceNumber status total { value raw } taxTotal { value } }"
    data = {"customerId": wave.customer(), "status": status, "invoiceDate": "2026-11-01",
            "items": [{"productId": wave.product(), "quantity": "2", "taxes": [{"salesTaxId": wave.taxes()["GST10"]}]}],
            **extra}
    return wave.create("invoiceCreate", "InvoiceCreateInput", data, selection)


def _limited_token(client: httpx.Client, scope: str) -> str:
    creds = credentials(client, "wave")
    redirect = client.get(creds["authorize_url"], params={
        "client_id": creds["client_id"], "redirect_uri": "https://app.example/cb", "response_type": "code",
        "scope": scope})
    code = parse_qs(urlparse(redirect.headers["location"]).query)["code"][0]
    return client.post(creds["token_url"], data={
        "client_id": creds["client_id"], "client_secret": creds["client_secret"], "grant_type": "authorization_code",
        "code": code, "redirect_uri": "https://app.example/cb"}).json()["access_token"]


# ----------------------------------------------------------------------------------------- auth
def test_token_answer_carries_business_id_user_id_and_lifetime(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    body = wave.token_body
    assert (body["businessId"], body["expires_in"], bool(body["userId"])) == (wave.business_id, 7200, True)


def test_request_without_bearer_token_is_http_401(mwz: httpx.Client) -> None:
    creds = credentials(mwz, "wave")
    response = mwz.post(creds["graphql_url"], json={"query": "{ user { id } }"})
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (401, "UNAUTHENTICATED")


def test_expired_token_is_a_graphql_error_with_http_200(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    advance(mwz, 7201)
    response = wave.post("{ user { id } }")
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (200, "UNAUTHENTICATED")


def test_expired_token_is_http_401_when_configured() -> None:
    server = start_server(wave={"auth_errors": "http"})
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            wave = Wave(client)
            advance(client, 7201)
            assert wave.post("{ user { id } }").status_code == 401
    finally:
        server.stop()


def test_revoked_token_is_unauthenticated(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    mwz.post("/_sandbox/wave/revoke", json={"token": wave.token}).raise_for_status()
    assert wave.post("{ user { id } }").json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_used_refresh_token_is_invalid_grant(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    response = mwz.post(wave.creds["token_url"], data={
        "client_id": wave.creds["client_id"], "client_secret": wave.creds["client_secret"],
        "grant_type": "refresh_token", "refresh_token": wave.business["refresh_token"]})
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


def test_invalid_grant_fault(mwz: httpx.Client) -> None:
    set_faults(mwz, {"api": "wave", "operation": "oauth2.token", "kind": "invalid_grant", "count": 1})
    creds = credentials(mwz, "wave")
    response = mwz.post(creds["token_url"], data={
        "client_id": creds["client_id"], "client_secret": creds["client_secret"], "grant_type": "refresh_token",
        "refresh_token": creds["tenants"][0]["refresh_token"]})
    assert response.json() == {"error": "invalid_grant"}


def test_missing_scope_is_forbidden(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    token = _limited_token(mwz, "business:read")
    response = wave.post(MONEY, {"i": {"businessId": wave.business_id, "externalId": "x", "date": "2026-11-01",
                                       "description": "x", "anchor": {"accountId": "x", "amount": "1",
                                                                      "direction": "DEPOSIT"}, "lineItems": []}},
                         token=token)
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_another_business_is_not_found(mwz: httpx.Client) -> None:
    first, second = Wave(mwz, 0), Wave(mwz, 1)
    body = first.gql("query($b: ID!) { business(id: $b) { id } }", {"b": second.business_id})
    assert (body["data"]["business"], body["errors"][0]["extensions"]["code"]) == (None, "NOT_FOUND")


# ----------------------------------------------------------------------------------------- schema
def test_unparsable_document_is_http_400(mwz: httpx.Client) -> None:
    response = Wave(mwz).post("{ business { id ")
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == (400, "GRAPHQL_PARSE_FAILED")


def test_document_invalid_for_the_schema_is_refused_with_http_200(mwz: httpx.Client) -> None:
    response = Wave(mwz).post("{ business { notAField } }")
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"]) == \
        (200, "GRAPHQL_VALIDATION_FAILED")


def test_variable_of_the_wrong_type_is_refused_before_execution(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    response = wave.post(MONEY, {"i": {"businessId": wave.business_id, "externalId": "x", "date": "not-a-date",
                                       "description": "x", "anchor": {"accountId": "x", "amount": "1",
                                                                      "direction": "SIDEWAYS"}, "lineItems": []}})
    assert (response.json().get("data"), len(response.json()["errors"]) >= 1) == (None, True)


def test_queries_the_tests_send_are_valid_for_the_schema() -> None:
    queries = [BUSINESS_QUERY, MONEY, "{ user { id defaultEmail } businesses { edges { node { id } } } }"]
    assert [validate(SCHEMA, parse(q)) for q in queries] == [[], [], []]


def test_query_response_matches_the_schema_types(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    body = wave.gql(BUSINESS_QUERY, {"b": wave.business_id, "page": 2})
    assert (check_response(SCHEMA, BUSINESS_QUERY, body["data"]), "errors" in body) == ([], False)


def test_invoice_mutation_response_matches_the_schema_types(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    query = """mutation($i: InvoiceCreateInput!) { invoiceCreate(input: $i) { didSucceed
      inputErrors { path message code }
      invoice { id invoiceNumber status invoiceDate dueDate createdAt exchangeRate title
        customer { id name currency { code } } currency { code symbol exponent }
        total { raw value currency { code } } amountDue { value } taxTotal { value }
        items { quantity unitPrice price description account { id displayId } product { id name unitPrice isSold }
                subtotal { value } total { value } taxes { rate amount { value } salesTax { id abbreviation } } } } } }"""
    body = wave.gql(query, {"i": {"businessId": wave.business_id, "customerId": wave.customer(), "status": "SAVED",
                                  "items": [{"productId": wave.product(), "quantity": "3",
                                             "taxes": [{"salesTaxId": wave.taxes()["VAT20"]}]}]}})
    assert (check_response(SCHEMA, query, body["data"]), body["data"]["invoiceCreate"]["didSucceed"]) == ([], True)


def test_money_transaction_response_matches_the_schema_types(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    accounts = wave.accounts()
    body = wave.gql(MONEY, {"i": {"businessId": wave.business_id, "externalId": "E1", "date": "2026-11-05",
                                  "description": "d", "anchor": {"accountId": accounts["1000"], "amount": "5.00",
                                                                 "direction": "DEPOSIT"},
                                  "lineItems": [{"accountId": accounts["4000"], "amount": "5.00"}]}})
    assert check_response(SCHEMA, MONEY, body["data"]) == []


def test_ids_are_base64_global_ids(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    assert decode_id(wave.business_id).startswith("Business:")


# ----------------------------------------------------------------------------------------- money transactions
def test_money_transaction_posts_anchor_and_line_items(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    assert _deposit(wave)["didSucceed"] is True
    assert trial_balance(mwz, "wave") == {("1000", "USD"): D("85.00"), ("1200", "USD"): D("-100.00"),
                                          ("6000", "USD"): D("15.00")}


def test_second_create_with_the_same_external_id_is_refused_and_not_posted(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    _deposit(wave)
    again = _deposit(wave)
    assert ([e["code"] for e in again["inputErrors"]], trial_balance(mwz, "wave")[("1000", "USD")]) == \
        (["DUPLICATE"], D("85.00"))


def test_duplicates_are_accepted_when_dedupe_is_off() -> None:
    server = start_server(wave={"dedupe_external_id": False})
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            wave = Wave(client)
            _deposit(wave)
            _deposit(wave)
            assert trial_balance(client, "wave")[("1000", "USD")] == D("170.00")
    finally:
        server.stop()


def test_lost_response_commits_so_the_retry_is_refused_as_duplicate(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    accounts = wave.accounts()
    set_faults(mwz, {"api": "wave", "operation": "moneyTransactionCreate", "kind": "lost_response", "count": 1})
    variables = {"i": {"businessId": wave.business_id, "externalId": "LOST", "date": "2026-11-05", "description": "d",
                       "anchor": {"accountId": accounts["1000"], "amount": "5.00", "direction": "DEPOSIT"},
                       "lineItems": [{"accountId": accounts["4000"], "amount": "5.00"}]}}
    first = wave.post(MONEY, variables).status_code
    retry = wave.gql(MONEY, variables)["data"]["moneyTransactionCreate"]["inputErrors"][0]["code"]
    assert (first, retry, [d["attempts"] for d in documents(mwz, "wave")]) == (500, "DUPLICATE", [2])


def test_anchor_not_equal_to_the_lines_is_an_input_error(mwz: httpx.Client) -> None:
    result = _deposit(Wave(mwz), amount="84.99")
    assert (result["didSucceed"], result["inputErrors"][0]["path"], trial_balance(mwz, "wave")) == \
        (False, ["input", "anchor", "amount"], {})


def test_negative_amount_is_an_input_error(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    accounts = wave.accounts()
    result = wave.money("NEG", {"accountId": accounts["1000"], "amount": "-5.00", "direction": "DEPOSIT"},
                        [{"accountId": accounts["4000"], "amount": "-5.00"}])
    assert result["didSucceed"] is False


def test_anchor_must_be_a_bank_account(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    accounts = wave.accounts()
    result = wave.money("X", {"accountId": accounts["1100"], "amount": "5.00", "direction": "DEPOSIT"},
                        [{"accountId": accounts["4000"], "amount": "5.00"}])
    assert result["inputErrors"][0]["path"] == ["input", "anchor", "accountId"]


def test_withdrawal_credits_the_anchor_and_debit_credit_balances_are_explicit(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    accounts = wave.accounts()
    wave.money("W", {"accountId": accounts["1000"], "amount": "30.00", "direction": "WITHDRAWAL"}, [
        {"accountId": accounts["6010"], "amount": "40.00", "balance": "DEBIT"},
        {"accountId": accounts["4040"], "amount": "10.00", "balance": "CREDIT"}])
    assert trial_balance(mwz, "wave") == {("1000", "USD"): D("-30.00"), ("6010", "USD"): D("40.00"),
                                          ("4040", "USD"): D("-10.00")}


def test_line_taxes_post_to_the_sales_tax_account(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    accounts = wave.accounts()
    wave.money("T", {"accountId": accounts["1000"], "amount": "11.00", "direction": "DEPOSIT"}, [
        {"accountId": accounts["4000"], "amount": "10.00",
         "taxes": [{"salesTaxId": wave.taxes()["GST10"], "amount": "1.00"}]}])
    assert trial_balance(mwz, "wave") == {("1000", "USD"): D("11.00"), ("4000", "USD"): D("-10.00"),
                                          ("2100", "USD"): D("-1.00")}


def test_increase_on_a_contra_account_is_inverted(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    created = wave.create("accountCreate", "AccountCreateInput",
                          {"name": "Promotions", "subtype": "DISCOUNTS", "displayId": "4025"}, "account { id }")
    accounts = wave.accounts()
    wave.money("C", {"accountId": accounts["1000"], "amount": "95.00", "direction": "DEPOSIT"}, [
        {"accountId": accounts["4000"], "amount": "100.00"},
        {"accountId": created["account"]["id"], "amount": "5.00", "balance": "INCREASE"}])
    assert trial_balance(mwz, "wave")[("4025", "USD")] == D("5.00")


def test_foreign_currency_bank_posts_in_its_currency(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    bank = wave.create("accountCreate", "AccountCreateInput",
                       {"name": "EUR bank", "subtype": "CASH_AND_BANK", "currency": "EUR", "displayId": "1010"},
                       "account { id }")["account"]["id"]
    wave.money("EUR1", {"accountId": bank, "amount": "50.00", "direction": "DEPOSIT"},
               [{"accountId": wave.accounts()["4000"], "amount": "50.00"}])
    assert trial_balance(mwz, "wave") == {("1010", "EUR"): D("50.00"), ("4000", "EUR"): D("-50.00")}


def test_classic_accounting_business_refuses_money_transactions() -> None:
    server = start_server(wave={"classic_accounting": ["demo"]})
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            assert _deposit(Wave(client))["didSucceed"] is False
    finally:
        server.stop()


# ----------------------------------------------------------------------------------------- invoices and masters
def test_saved_invoice_debits_receivable_and_credits_income_and_tax(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    _invoice(wave)
    assert trial_balance(mwz, "wave") == {("1200", "USD"): D("22.00"), ("4000", "USD"): D("-20.00"),
                                          ("2100", "USD"): D("-2.00")}


def test_draft_invoice_stays_out_of_the_book_until_approved(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    invoice = _invoice(wave, "DRAFT")["invoice"]
    before = trial_balance(mwz, "wave")
    wave.gql("mutation($i: InvoiceApproveInput!) { invoiceApprove(input: $i) { didSucceed } }",
             {"i": {"invoiceId": invoice["id"]}})
    assert (before, trial_balance(mwz, "wave")[("1200", "USD")]) == ({}, D("22.00"))


def test_deleted_invoice_leaves_the_book(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    invoice = _invoice(wave)["invoice"]
    wave.gql("mutation($i: InvoiceDeleteInput!) { invoiceDelete(input: $i) { didSucceed } }",
             {"i": {"invoiceId": invoice["id"]}})
    assert trial_balance(mwz, "wave") == {}


def test_invoice_number_defaults_to_the_highest_plus_one(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    _invoice(wave, invoiceNumber="41")
    assert _invoice(wave)["invoice"]["invoiceNumber"] == "42"


def test_invoice_in_a_foreign_currency_needs_an_exchange_rate(mwz: httpx.Client) -> None:
    result = _invoice(Wave(mwz), currency="EUR")
    assert result["inputErrors"][0]["path"] == ["input", "exchangeRate"]


def test_invoices_filter_by_invoice_number(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    _invoice(wave, invoiceNumber="AMZ-1")
    _invoice(wave, invoiceNumber="AMZ-2")
    data = wave.gql('query($b: ID!) { business(id: $b) { invoices(invoiceNumber: "AMZ-2") { edges { node { '
                    'invoiceNumber } } } } }', {"b": wave.business_id})["data"]
    assert [e["node"]["invoiceNumber"] for e in data["business"]["invoices"]["edges"]] == ["AMZ-2"]


def test_product_income_account_must_be_an_income_account(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    result = wave.create("productCreate", "ProductCreateInput",
                         {"name": "X", "unitPrice": "1", "incomeAccountId": wave.accounts()["6000"]}, "product { id }")
    assert result["inputErrors"][0]["path"] == ["input", "incomeAccountId"]


def test_customers_page_with_offset_page_info(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    for name in ("A", "B", "C"):
        wave.customer(name)
    data = wave.gql("query($b: ID!) { business(id: $b) { customers(page: 2, pageSize: 2, sort: [NAME_ASC]) { "
                    "pageInfo { currentPage totalPages totalCount } edges { node { name } } } } }",
                    {"b": wave.business_id})["data"]["business"]["customers"]
    assert (data["pageInfo"], [e["node"]["name"] for e in data["edges"]]) == \
        ({"currentPage": 2, "totalPages": 2, "totalCount": 3}, ["C"])


def test_account_patch_with_a_stale_sequence_is_refused(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    account = wave.accounts()["6000"]
    query = ("mutation($i: AccountPatchInput!) { accountPatch(input: $i) { didSucceed "
             "inputErrors { path code } account { sequence } } }")
    wave.gql(query, {"i": {"id": account, "sequence": 1, "name": "Fees"}})
    stale = wave.gql(query, {"i": {"id": account, "sequence": 1, "name": "Fees again"}})
    assert stale["data"]["accountPatch"]["inputErrors"][0]["code"] == "STALE"


# ----------------------------------------------------------------------------------------- limits and faults
def test_sixty_first_call_in_a_minute_is_429_with_retry_after(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    slow_clock(mwz)
    statuses = [wave.post("{ user { id } }").status_code for _ in range(61)]
    last = wave.post("{ user { id } }")
    assert (statuses[-1], statuses.count(200), int(last.headers["retry-after"]) > 0) == (429, 60, True)


def test_graphql_error_fault_answers_200_with_errors_and_commits_nothing(mwz: httpx.Client) -> None:
    wave = Wave(mwz)
    wave.accounts()
    set_faults(mwz, {"api": "wave", "operation": "moneyTransactionCreate", "kind": "graphql_error", "count": 1})
    accounts = wave.accounts()
    response = wave.post(MONEY, {"i": {"businessId": wave.business_id, "externalId": "G", "date": "2026-11-05",
                                       "description": "d", "anchor": {"accountId": accounts["1000"], "amount": "1.00",
                                                                      "direction": "DEPOSIT"},
                                       "lineItems": [{"accountId": accounts["4000"], "amount": "1.00"}]}})
    assert (response.status_code, response.json()["errors"][0]["extensions"]["code"], trial_balance(mwz, "wave")) == \
        (200, "INTERNAL_SERVER_ERROR", {})


# ----------------------------------------------------------------------------------------- state
def test_transactions_and_book_survive_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(today=TODAY, time_scale=TIME_SCALE, state_dir=str(tmp_path))
    with SandboxServer(config, only=("myob", "wave", "zoho")) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        wave = Wave(client)
        _deposit(wave)
        _invoice(wave)
        before = trial_balance(client, "wave")
    with SandboxServer(config, only=("myob", "wave", "zoho")) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        after = trial_balance(client, "wave")
        retry = _deposit(Wave(client))
    assert (after, retry["inputErrors"][0]["code"]) == (before, "DUPLICATE")
