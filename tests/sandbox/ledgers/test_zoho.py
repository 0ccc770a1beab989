"""The Zoho Books stand-in over real HTTP: per-data-centre OAuth and API domains, the Zoho-oauthtoken
scheme, organization scoping, the `code` envelope, responses checked against Zoho's OAS files, invoice
numbering and custom-field upserts, statuses and what they do to the book, journals, credit notes, bank
transactions, paging and per-organization limits."""

from __future__ import annotations

import copy
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import yaml
from openapi_schema_validator import OAS30Validator

from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.sandbox.ledgers import _fixtures_mwz as fx
from tests.sandbox.ledgers._fixtures_mwz import (
    TIME_SCALE,
    TODAY,
    Zoho,
    advance,
    credentials,
    documents,
    set_faults,
    slow_clock,
    trial_balance,
)

mwz_server = fx.mwz_server
mwz = fx.mwz
D = Decimal
OAS_DIR = Path(__file__).resolve().parents[3] / "plugins/sellerledger/sandbox/ledgers/zoho/oas"

# Where the OAS files contradict the documented API, the documented behaviour wins (and is listed here):
# - invoices.yml types `total`, `balance` and `shipping_charge` as strings, yet its own examples are numbers,
#   bank-transactions.yml types `total`/`balance` as numbers, and the API returns numbers;
# - invoices.yml types `page_context` as an array; the pagination docs (zoho.com/books/api/v3/pagination)
#   show the object `{"page", "per_page", "has_more_page", ...}` the API returns;
# - bank-transactions.yml types `sub_total`, `total`, `bcy_total` and `exchange_rate` as integers, which no
#   amount in cents or rate can satisfy; its `amount` and `bank_charges` are numbers.
ERRATA_NUMBERS = {"invoices.yml": ("total", "balance", "shipping_charge"),
                  "bank-transactions.yml": ("sub_total", "total", "bcy_total", "exchange_rate")}


@lru_cache(maxsize=4)
def _spec(name: str) -> dict[str, Any]:
    spec = yaml.safe_load((OAS_DIR / name).read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for field in ERRATA_NUMBERS.get(name, ()):
        schemas[field] = {**schemas[field], "type": "number"}
    if name == "invoices.yml":
        context = schemas["list-invoices-response"]["properties"]["page_context"]
        schemas["list-invoices-response"]["properties"]["page_context"] = context["items"]
    return spec


def oas_errors(spec_name: str, schema_name: str, body: dict[str, Any]) -> list[str]:
    """Validation problems of `body` against `components.schemas[schema_name]` of a Zoho OAS file."""
    spec = _spec(spec_name)
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": copy.deepcopy(spec["components"])}
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in OAS30Validator(root).iter_errors(body)]


def response_schema(spec_name: str, path: str, method: str, status: str) -> str:
    ref = _spec(spec_name)["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def _sent_invoice(zoho: Zoho, **kwargs: Any) -> dict[str, Any]:
    invoice = zoho.invoice(zoho.contact(), **kwargs).json()["invoice"]
    zoho.ok("POST", f"/invoices/{invoice['invoice_id']}/status/sent")
    return invoice


def _journal(zoho: Zoho, debit: str, credit: str, **extra: Any) -> httpx.Response:
    return zoho.call("POST", "/journals", json={"journal_date": "2026-11-02", "reference_number": "SETTLE-9",
                                                "line_items": [
                                                    {"account_id": zoho.account("6000"), "debit_or_credit": "debit",
                                                     "amount": debit},
                                                    {"account_id": zoho.account("1100"), "debit_or_credit": "credit",
                                                     "amount": credit}], **extra})


def _auth_code(client: httpx.Client, dc: str) -> str:
    creds = credentials(client, "zoho")
    accounts = creds["data_centres"][dc]["accounts_server"]
    redirect = client.get(f"{accounts}/oauth/v2/auth", params={
        "client_id": creds["client_id"], "redirect_uri": "https://app.example/cb", "response_type": "code",
        "scope": "ZohoBooks.fullaccess.all", "access_type": "offline"})
    code = parse_qs(urlparse(redirect.headers["location"]).query)["code"][0]
    body = client.post(f"{accounts}/oauth/v2/token", params={
        "client_id": creds["client_id"], "client_secret": creds["client_secret"], "grant_type": "authorization_code",
        "code": code, "redirect_uri": "https://app.example/cb"}).json()
    return body["refresh_token"]


# ----------------------------------------------------------------------------------------- auth, DCs
def test_token_answer_names_the_api_domain_of_its_data_centre(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz, 1)
    assert (zoho.org["dc"], zoho.books) == ("com.au", zoho.org["books_url"])


def test_token_from_one_data_centre_is_refused_by_another(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    eu = credentials(mwz, "zoho")["data_centres"]["eu"]["api_domain"] + "/books/v3"
    response = zoho.call("GET", "/invoices", books=eu)
    assert (response.status_code, response.json()["code"]) == (401, 57)


def test_refresh_at_another_data_centres_accounts_server_is_invalid_code(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    eu = credentials(mwz, "zoho")["data_centres"]["eu"]["accounts_server"]
    assert zoho.refresh(zoho.org["refresh_token"], accounts_server=eu) == {"error": "invalid_code"}


def test_bearer_scheme_is_refused(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    response = mwz.get(f"{zoho.books}/invoices", params={"organization_id": zoho.org["organization_id"]},
                       headers={"Authorization": f"Bearer {zoho.token}"})
    assert (response.status_code, response.json()["code"]) == (401, 57)


def test_expired_access_token_is_401(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    advance(mwz, 3601)
    assert zoho.call("GET", "/invoices").status_code == 401


def test_revoked_refresh_token_stops_refreshing_and_its_access_tokens(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    mwz.post(f"{zoho.org['accounts_server']}/oauth/v2/token/revoke", params={"token": zoho.org["refresh_token"]})
    assert (zoho.refresh(zoho.org["refresh_token"]), zoho.call("GET", "/invoices").status_code) == \
        ({"error": "invalid_code"}, 401)


def test_refresh_tokens_never_rotate(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    assert "refresh_token" not in zoho.refresh(zoho.org["refresh_token"])


def test_twenty_first_refresh_token_evicts_the_oldest(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    newest = [_auth_code(mwz, "com") for _ in range(20)]
    assert (zoho.refresh(zoho.org["refresh_token"]), "access_token" in zoho.refresh(newest[-1])) == \
        ({"error": "invalid_code"}, True)


def test_minting_access_tokens_too_often_is_refused(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    slow_clock(mwz)
    answers = [zoho.client.post(f"{zoho.org['accounts_server']}/oauth/v2/token", params={
        "refresh_token": zoho.org["refresh_token"], "client_id": zoho.creds["client_id"],
        "client_secret": zoho.creds["client_secret"], "grant_type": "refresh_token"}).json() for _ in range(11)]
    assert (sum("access_token" in a for a in answers), "too many requests" in answers[-1]["error_description"]) == \
        (10, True)


def test_invalid_grant_fault_is_invalid_code(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    set_faults(mwz, {"api": "zoho", "operation": "oauth.token", "kind": "invalid_grant", "count": 1})
    assert zoho.refresh(zoho.org["refresh_token"]) == {"error": "invalid_code"}


def test_missing_organization_id_is_a_non_zero_code(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    response = mwz.get(f"{zoho.books}/invoices", headers={"Authorization": f"Zoho-oauthtoken {zoho.token}"})
    assert (response.status_code, response.json()["code"] != 0) == (400, True)


def test_organization_of_another_user_is_refused(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    other = credentials(mwz, "zoho")["tenants"][1]["organization_id"]
    assert zoho.call("GET", "/invoices", params={"organization_id": other}).json()["code"] != 0


def test_organizations_lists_the_users_organizations(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    body = zoho.ok("GET", "/organizations")
    assert [o["organization_id"] for o in body["organizations"]] == [zoho.org["organization_id"]]


# ----------------------------------------------------------------------------------------- envelope and OAS
def test_missing_invoice_is_404_code_1002(mwz: httpx.Client) -> None:
    response = Zoho(mwz).call("GET", "/invoices/123")
    assert (response.status_code, response.json()) == (404, {"code": 1002, "message": "Invoice does not exist."})


def test_invoice_responses_validate_against_the_oas(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    customer = zoho.contact()
    created = zoho.invoice(customer, quantity=2, custom_fields=[{"api_name": "cf_amazon_order_id", "value": "1-2"}])
    invoice_id = created.json()["invoice"]["invoice_id"]
    sent = zoho.call("POST", f"/invoices/{invoice_id}/status/sent")
    got = zoho.call("GET", f"/invoices/{invoice_id}")
    listed = zoho.call("GET", "/invoices")
    updated = zoho.call("PUT", f"/invoices/{invoice_id}", json={"customer_id": customer, "line_items": [
        {"name": "Widget", "rate": "12.50", "quantity": 1, "account_id": zoho.account("4000")}]})
    voided = zoho.call("POST", f"/invoices/{invoice_id}/status/void")
    deleted = zoho.call("DELETE", f"/invoices/{invoice_id}")
    checks = [
        (created, ("/invoices", "post", "201")), (sent, ("/invoices/{invoice_id}/status/sent", "post", "200")),
        (got, ("/invoices/{invoice_id}", "get", "200")), (listed, ("/invoices", "get", "200")),
        (updated, ("/invoices/{invoice_id}", "put", "200")),
        (voided, ("/invoices/{invoice_id}/status/void", "post", "200")),
        (deleted, ("/invoices/{invoice_id}", "delete", "200")),
    ]
    problems = [oas_errors("invoices.yml", response_schema("invoices.yml", *where), r.json()) for r, where in checks]
    assert problems == [[]] * len(checks)


def test_bank_transaction_responses_validate_against_the_oas(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    created = zoho.call("POST", "/banktransactions", json={
        "transaction_type": "deposit", "from_account_id": zoho.account("1100"),
        "to_account_id": zoho.account("1000"), "amount": "25.00", "date": "2026-11-03", "reference_number": "B-1"})
    transaction_id = created.json()["banktransaction"]["transaction_id"]
    got = zoho.call("GET", f"/banktransactions/{transaction_id}")
    listed = zoho.call("GET", "/banktransactions", params={"account_id": zoho.account("1000")})
    deleted = zoho.call("DELETE", f"/banktransactions/{transaction_id}")
    path = "/banktransactions/{bank_transaction_id}"
    problems = [
        oas_errors("bank-transactions.yml", response_schema("bank-transactions.yml", "/banktransactions", "post", "201"),
                   created.json()),
        oas_errors("bank-transactions.yml", response_schema("bank-transactions.yml", path, "get", "200"), got.json()),
        oas_errors("bank-transactions.yml", "get-transactions-list-response", listed.json()),
        oas_errors("bank-transactions.yml", response_schema("bank-transactions.yml", path, "delete", "200"),
                   deleted.json()),
    ]
    assert problems == [[], [], [], []]


def test_chart_of_accounts_list_validates_against_the_oas(mwz: httpx.Client) -> None:
    body = Zoho(mwz).call("GET", "/chartofaccounts", params={"filter_by": "AccountType.Income",
                                                             "showbalance": "true"}).json()
    assert (oas_errors("chart-of-accounts.yml", "list-chart-of-accounts-response", body),
            sorted(a["account_code"] for a in body["chartofaccounts"])) == \
        ([], ["4000", "4010", "4020", "4030", "4040"])


def test_the_oas_check_catches_a_wrongly_typed_field() -> None:
    assert oas_errors("invoices.yml", "get-an-invoice-response", {"code": 0, "invoice": {"sub_total": "1.00"}})


# ----------------------------------------------------------------------------------------- invoices
def test_invoice_number_is_generated_without_the_ignore_flag(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    assert zoho.invoice(zoho.contact()).json()["invoice"]["invoice_number"] == "INV-000001"


def test_duplicate_invoice_number_is_refused(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    customer = zoho.contact()
    zoho.invoice(customer, number="AMZ-1")
    response = zoho.invoice(customer, number="AMZ-1")
    assert (response.status_code, response.json()["code"] != 0) == (400, True)


def test_draft_invoice_is_not_in_the_book(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    zoho.invoice(zoho.contact())
    assert trial_balance(mwz, "zoho") == {}


def test_sent_invoice_debits_receivable_and_credits_income_and_tax(mwz: httpx.Client) -> None:
    _sent_invoice(Zoho(mwz), quantity=3)
    assert trial_balance(mwz, "zoho") == {("1200", "USD"): D("33.00"), ("4000", "USD"): D("-30.00"),
                                          ("2100", "USD"): D("-3.00")}


def test_tax_inclusive_invoice_splits_the_tax_out(mwz: httpx.Client) -> None:
    _sent_invoice(Zoho(mwz), rate="12.00", tax="VAT 20%", is_inclusive_tax=True)
    assert trial_balance(mwz, "zoho") == {("1200", "USD"): D("12.00"), ("4000", "USD"): D("-10.00"),
                                          ("2110", "USD"): D("-2.00")}


def test_void_takes_the_invoice_out_of_the_book(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    invoice = _sent_invoice(zoho)
    zoho.ok("POST", f"/invoices/{invoice['invoice_id']}/status/void")
    assert trial_balance(mwz, "zoho") == {}


def test_put_replaces_the_line_items(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    invoice = _sent_invoice(zoho, quantity=3)
    zoho.ok("PUT", f"/invoices/{invoice['invoice_id']}", json={"customer_id": invoice["customer_id"], "line_items": [
        {"name": "Other", "rate": "7.00", "quantity": 1, "account_id": zoho.account("4010")}]})
    assert trial_balance(mwz, "zoho") == {("1200", "USD"): D("7.00"), ("4010", "USD"): D("-7.00")}


def test_upsert_with_a_matching_unique_value_updates_that_invoice(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    customer = zoho.contact()
    zoho.invoice(customer, custom_fields=[{"api_name": "cf_amazon_order_id", "value": "111-1"}])
    headers = {"X-Unique-Identifier-Key": "cf_amazon_order_id", "X-Unique-Identifier-Value": "111-1"}
    zoho.ok("PUT", "/invoices", headers=headers, json={"customer_id": customer, "line_items": [
        {"name": "Widget", "rate": "99.00", "account_id": zoho.account("4000")}]})
    listed = zoho.ok("GET", "/invoices")["invoices"]
    assert [i["total"] for i in listed] == [99.0]


def test_upsert_without_a_match_creates_when_x_upsert_is_true(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    headers = {"X-Unique-Identifier-Key": "cf_amazon_order_id", "X-Unique-Identifier-Value": "222-2",
               "X-Upsert": "true"}
    response = zoho.call("PUT", "/invoices", headers=headers, json={"customer_id": zoho.contact(), "line_items": [
        {"name": "Widget", "rate": "5.00", "account_id": zoho.account("4000")}]})
    fields = response.json()["invoice"]["custom_fields"]
    assert (response.status_code, [(f["api_name"], f["value"]) for f in fields]) == \
        (201, [("cf_amazon_order_id", "222-2")])


def test_upsert_without_a_match_and_without_x_upsert_is_not_found(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    headers = {"X-Unique-Identifier-Key": "cf_amazon_order_id", "X-Unique-Identifier-Value": "333-3"}
    response = zoho.call("PUT", "/invoices", headers=headers, json={"customer_id": zoho.contact(), "line_items": [
        {"name": "Widget", "rate": "5.00"}]})
    assert (response.status_code, response.json()["code"], zoho.ok("GET", "/invoices")["invoices"]) == \
        (404, 1002, [])


def test_unique_custom_field_value_cannot_repeat(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    customer = zoho.contact()
    zoho.invoice(customer, custom_fields=[{"api_name": "cf_posting_key", "value": "K1"}])
    response = zoho.invoice(customer, custom_fields=[{"api_name": "cf_posting_key", "value": "K1"}])
    assert (response.status_code, response.json()["code"] != 0) == (400, True)


def test_foreign_currency_needs_an_exchange_rate(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    response = zoho.invoice(zoho.contact(), currency_id=zoho.currency("EUR"))
    assert (response.status_code, response.json()["code"] != 0) == (400, True)


def test_foreign_currency_invoice_posts_in_its_currency(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    _sent_invoice(zoho, tax=None, currency_id=zoho.currency("EUR"), exchange_rate="1.0850")
    assert trial_balance(mwz, "zoho") == {("1200", "EUR"): D("10.00"), ("4000", "EUR"): D("-10.00")}


def test_invoices_filter_by_number_and_reference(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    customer = zoho.contact()
    zoho.invoice(customer, number="AMZ-1", reference_number="111-A")
    zoho.invoice(customer, number="AMZ-2", reference_number="111-B")
    by_number = zoho.ok("GET", "/invoices", params={"invoice_number": "AMZ-2"})["invoices"]
    by_reference = zoho.ok("GET", "/invoices", params={"reference_number": "111-A"})["invoices"]
    assert ([i["invoice_number"] for i in by_number], [i["invoice_number"] for i in by_reference]) == \
        (["AMZ-2"], ["AMZ-1"])


# ----------------------------------------------------------------------------------------- other documents
def test_open_credit_note_credits_receivable(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    zoho.ok("POST", "/creditnotes", json={"customer_id": zoho.contact(), "date": "2026-11-04", "line_items": [
        {"name": "Refund", "rate": "10.00", "account_id": zoho.account("4030"), "tax_id": zoho.tax("GST 10%")}]})
    assert trial_balance(mwz, "zoho") == {("1200", "USD"): D("-11.00"), ("4030", "USD"): D("10.00"),
                                          ("2100", "USD"): D("1.00")}


def test_published_journal_posts_its_lines(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    _journal(zoho, "15.00", "15.00").raise_for_status()
    assert trial_balance(mwz, "zoho") == {("6000", "USD"): D("15.00"), ("1100", "USD"): D("-15.00")}


def test_unbalanced_journal_is_refused(mwz: httpx.Client) -> None:
    response = _journal(Zoho(mwz), "15.00", "14.99")
    assert (response.status_code, response.json()["code"] != 0, trial_balance(mwz, "zoho")) == (400, True, {})


def test_draft_journal_posts_when_published(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    journal = _journal(zoho, "15.00", "15.00", status="draft").json()["journal"]
    before = trial_balance(mwz, "zoho")
    zoho.ok("POST", f"/journals/{journal['journal_id']}/status/publish")
    assert (before, trial_balance(mwz, "zoho")[("6000", "USD")]) == ({}, D("15.00"))


def test_journals_filter_by_reference_number(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    _journal(zoho, "1.00", "1.00")
    assert len(zoho.ok("GET", "/journals", params={"reference_number": "SETTLE-9"})["journals"]) == 1


def test_deleted_journal_leaves_the_book(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    journal = _journal(zoho, "15.00", "15.00").json()["journal"]
    zoho.ok("DELETE", f"/journals/{journal['journal_id']}")
    assert trial_balance(mwz, "zoho") == {}


def test_bank_deposit_debits_the_bank(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    zoho.ok("POST", "/banktransactions", json={"transaction_type": "deposit", "from_account_id": zoho.account("1100"),
                                               "to_account_id": zoho.account("1000"), "amount": "80.00"})
    assert trial_balance(mwz, "zoho") == {("1000", "USD"): D("80.00"), ("1100", "USD"): D("-80.00")}


def test_duplicate_contact_name_is_refused(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    zoho.contact("Same")
    response = zoho.call("POST", "/contacts", json={"contact_name": "Same"})
    assert (response.status_code, response.json()["code"] != 0) == (400, True)


def test_json_string_form_body_is_accepted(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    response = zoho.call("POST", "/contacts", data={"JSONString": '{"contact_name": "Form Buyer"}'})
    assert response.json()["contact"]["contact_name"] == "Form Buyer"


# ----------------------------------------------------------------------------------------- paging and limits
def test_paging_reports_has_more_page(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    for name in ("A", "B", "C"):
        zoho.contact(name)
    first = zoho.ok("GET", "/contacts", params={"per_page": 2})["page_context"]["has_more_page"]
    second = zoho.ok("GET", "/contacts", params={"per_page": 2, "page": 2})
    assert (first, second["page_context"]["has_more_page"], len(second["contacts"])) == (True, False, 1)


def test_per_page_over_200_is_clamped(mwz: httpx.Client) -> None:
    assert Zoho(mwz).ok("GET", "/contacts", params={"per_page": 500})["page_context"]["per_page"] == 200


def test_hundred_and_first_call_in_a_minute_is_429_for_that_organization_only(mwz: httpx.Client) -> None:
    zoho, other = Zoho(mwz, 0), Zoho(mwz, 1)
    slow_clock(mwz)
    statuses = [zoho.call("GET", "/settings/taxes").status_code for _ in range(101)]
    throttled = zoho.call("GET", "/settings/taxes")
    assert (statuses.count(200), throttled.status_code, throttled.json()["code"] != 0,
            "retry-after" in throttled.headers, other.call("GET", "/settings/taxes").status_code) == \
        (100, 429, True, True, 200)


def test_rate_limit_headers_count_down(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    slow_clock(mwz)
    first = int(zoho.call("GET", "/settings/taxes").headers["x-rate-limit-remaining"])
    second = int(zoho.call("GET", "/settings/taxes").headers["x-rate-limit-remaining"])
    assert first - second == 1


def test_injected_server_error_is_a_zoho_body(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    set_faults(mwz, {"api": "zoho", "operation": "list_invoices", "kind": "500", "count": 1})
    response = zoho.call("GET", "/invoices")
    assert (response.status_code, response.json()["code"]) == (500, 1000)


def test_injected_throttle_is_429_with_a_zoho_body(mwz: httpx.Client) -> None:
    zoho = Zoho(mwz)
    set_faults(mwz, {"api": "zoho", "operation": "list_invoices", "kind": "429", "count": 1})
    response = zoho.call("GET", "/invoices")
    assert (response.status_code, response.json()["code"] != 0) == (429, True)


@pytest.mark.parametrize("dc", ["com", "eu", "in", "com.au", "jp", "ca", "com.cn", "sa", "uk"])
def test_every_data_centre_serves_an_accounts_server_and_an_api_domain(mwz: httpx.Client, dc: str) -> None:
    creds = credentials(mwz, "zoho")["data_centres"][dc]
    response = mwz.get(f"{creds['api_domain']}/books/v3/organizations",
                       headers={"Authorization": "Zoho-oauthtoken nope"})
    assert (response.status_code, response.json()["code"]) == (401, 57)


# ----------------------------------------------------------------------------------------- state
def test_invoices_and_book_survive_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(today=TODAY, time_scale=TIME_SCALE, state_dir=str(tmp_path))
    with SandboxServer(config, only=("myob", "wave", "zoho")) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        _sent_invoice(Zoho(client), number="KEEP-1")
        before = (trial_balance(client, "zoho"), documents(client, "zoho"))
    with SandboxServer(config, only=("myob", "wave", "zoho")) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        zoho = Zoho(client)
        again = zoho.invoice(zoho.contact("Second Buyer"), number="KEEP-1").status_code
        assert ((trial_balance(client, "zoho"), documents(client, "zoho")), again) == (before, 400)
