"""The double-entry book behind Xero and QBO: after any sequence of documents (accepted or refused), each
tenant's trial balance equals what the documents should have posted and nets to zero per currency; state
survives a restart; reset forgets it; the inspection and credentials routes have their documented shape."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerledger.sandbox.core.state import SandboxConfig
from sellerledger.sandbox.server import SandboxServer
from tests.sandbox.ledgers.helpers import TIME_SCALE, Session, documents, tb

D = Decimal
CENT = D("0.01")
RATES = {"NONE": D(0), "VAT20": D(20), "GST10": D(10), "VAT19": D(19)}
TAX_ACCOUNT = {"VAT20": "2110", "VAT19": "2110", "GST10": "2100"}
JOURNAL_ACCOUNTS = ("1100", "1110", "2100", "2200", "4030", "6000", "6010", "6020", "9999")
HYPOTHESIS = settings(max_examples=20, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

cents = st.integers(min_value=1, max_value=99_999).map(lambda c: (D(c) / 100).quantize(CENT))
sale_lines = st.lists(st.tuples(st.integers(1, 3), cents, st.sampled_from(("4000", "4010", "4020")),
                                st.sampled_from(tuple(RATES))), min_size=1, max_size=3)
journal_amounts = st.lists(st.integers(-50_000, 50_000).filter(bool).map(lambda c: (D(c) / 100).quantize(CENT)),
                           min_size=1, max_size=4)
operations = st.lists(st.one_of(
    st.tuples(st.just("invoice"), sale_lines, st.sampled_from(("Exclusive", "Inclusive")), st.sampled_from(("USD", "GBP"))),
    st.tuples(st.just("credit"), sale_lines, st.sampled_from(("Exclusive", "Inclusive")), st.sampled_from(("USD", "GBP"))),
    st.tuples(st.just("journal"), journal_amounts, st.lists(st.sampled_from(JOURNAL_ACCOUNTS), min_size=5, max_size=5)),
    st.tuples(st.just("void"), st.integers(0, 10)),
    st.tuples(st.just("deposit"), journal_amounts),
), min_size=1, max_size=7)


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def expected_sale(lines: list[tuple[int, Decimal, str, str]], mode: str, currency: str,
                  sign: int) -> dict[tuple[str, str], Decimal]:
    """What a sales document should post: receivable against income and tax (sign -1 for a credit)."""
    post: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for quantity, unit, account, tax_code in lines:
        amount = round_cents(quantity * unit)
        rate = RATES[tax_code]
        tax = round_cents(amount * rate / 100) if mode == "Exclusive" else round_cents(amount * rate / (100 + rate))
        net = amount if mode == "Exclusive" else amount - tax
        post[(account, currency)] -= sign * net
        if tax:
            post[(TAX_ACCOUNT[tax_code], currency)] -= sign * tax
        post[("1200", currency)] += sign * (net + tax)
    return post


def apply(book: dict[tuple[str, str], Decimal], post: dict[tuple[str, str], Decimal], sign: int = 1) -> None:
    for key, amount in post.items():
        book[key] += sign * amount


def cleaned(book: dict[tuple[str, str], Decimal]) -> dict[tuple[str, str], Decimal]:
    return {key: value for key, value in book.items() if value != 0}


def assert_book(http: httpx.Client, ledger: str, expected: dict[tuple[str, str], Decimal]) -> None:
    body = http.get(f"/_sandbox/{ledger}/trial-balance").json()
    assert tb(http, ledger) == cleaned(expected)
    assert all(D(total) == 0 for total in body["totals"].values())


def reset(http: httpx.Client) -> None:
    http.post("/_sandbox/reset").raise_for_status()
    http.post("/_sandbox/clock", json={"time_scale": TIME_SCALE, "rate_limits": False}).raise_for_status()


# ------------------------------------------------------------------------------------------------ Xero
def xero_sale(kind: str, number: str, lines: list[Any], mode: str, currency: str) -> dict[str, Any]:
    body = {"Type": "ACCREC" if kind == "invoice" else "ACCRECCREDIT", "Contact": {"Name": "Amazon"},
            "Status": "AUTHORISED", "LineAmountTypes": mode, "CurrencyCode": currency,
            "LineItems": [{"Description": "x", "Quantity": str(q), "UnitAmount": str(u), "AccountCode": a,
                           "TaxType": t} for q, u, a, t in lines]}
    body["InvoiceNumber" if kind == "invoice" else "CreditNoteNumber"] = number
    return {("Invoices" if kind == "invoice" else "CreditNotes"): [body]}


@HYPOTHESIS
@given(ops=operations)
def test_xero_trial_balance_matches_the_accepted_documents(http: httpx.Client, ops: list[Any]) -> None:
    reset(http)
    xero = Session(http, "xero")
    book: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    voidable: list[tuple[str, dict[tuple[str, str], Decimal]]] = []
    for n, op in enumerate(ops):
        if op[0] in ("invoice", "credit"):
            _, lines, mode, currency = op
            response = xero.put("Invoices" if op[0] == "invoice" else "CreditNotes",
                                xero_sale(op[0], f"H-{n}", lines, mode, currency))
            element = next(iter(v for k, v in response.json().items() if k in ("Invoices", "CreditNotes")))[0]
            assert element["StatusAttributeString"] == "OK", element
            post = expected_sale(lines, mode, currency, 1 if op[0] == "invoice" else -1)
            apply(book, post)
            if op[0] == "invoice":
                voidable.append((element["InvoiceID"], post))
        elif op[0] == "journal":
            _, amounts, accounts = op
            lines = [(accounts[i % len(accounts)], a) for i, a in enumerate(amounts)]
            lines.append(("9999", -sum((a for _, a in lines), D(0))))
            response = xero.put("ManualJournals", {"ManualJournals": [{
                "Narration": f"H-{n}", "Status": "POSTED",
                "JournalLines": [{"LineAmount": str(a), "AccountCode": acc} for acc, a in lines]}]})
            element = response.json()["ManualJournals"][0]
            if sum(abs(a) for _, a in lines) == 0 or len(lines) < 2:
                assert element["StatusAttributeString"] == "ERROR"
                continue
            assert element["StatusAttributeString"] == "OK", element
            for account, amount in lines:
                book[(account, "USD")] += amount
        elif op[0] == "void" and voidable:
            invoice_id, post = voidable.pop(op[1] % len(voidable))
            response = xero.post(f"Invoices/{invoice_id}", {"Invoices": [{"Status": "VOIDED"}]})
            assert response.status_code == 200, response.text
            apply(book, post, -1)
        elif op[0] == "deposit":  # a bank RECEIVE of the (absolute) amounts against clearing
            total = sum((abs(a) for a in op[1]), D(0))
            response = xero.put("BankTransactions", {"BankTransactions": [{
                "Type": "RECEIVE", "Contact": {"Name": "Amazon"}, "BankAccount": {"Code": "1000"},
                "LineAmountTypes": "NoTax", "LineItems": [{"Description": "payout", "Quantity": "1",
                                                           "UnitAmount": str(abs(a)), "AccountCode": "1100"}
                                                          for a in op[1]]}]})
            assert response.json()["BankTransactions"][0]["StatusAttributeString"] == "OK"
            book[("1000", "USD")] += total
            book[("1100", "USD")] -= total
    assert_book(http, "xero", book)


# ------------------------------------------------------------------------------------------------ QBO
@HYPOTHESIS
@given(ops=operations)
def test_qbo_trial_balance_matches_the_accepted_documents(http: httpx.Client, ops: list[Any]) -> None:
    reset(http)
    qbo = Session(http, "qbo")
    accounts = {a["AcctNum"]: a["Id"] for a in qbo.query("select * from Account maxresults 1000")["Account"]}
    tax = {c["Name"]: c["Id"] for c in qbo.query("select * from TaxCode")["TaxCode"]}
    customers = {cur: qbo.post("customer", {"DisplayName": f"Amazon {cur}", "CurrencyRef": {"value": cur}})
                 .json()["Customer"]["Id"] for cur in ("USD", "GBP")}
    items = {acct: qbo.post("item", {"Name": f"Sales {acct}", "IncomeAccountRef": {"value": accounts[acct]}})
             .json()["Item"]["Id"] for acct in ("4000", "4010", "4020")}
    book: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    voidable: list[tuple[str, dict[tuple[str, str], Decimal]]] = []
    for n, op in enumerate(ops):
        if op[0] in ("invoice", "credit"):
            _, lines, mode, currency = op
            body = {"DocNumber": f"H-{n}", "CustomerRef": {"value": customers[currency]},
                    "CurrencyRef": {"value": currency}, "ExchangeRate": "1.25" if currency != "USD" else "1",
                    "GlobalTaxCalculation": "TaxExcluded" if mode == "Exclusive" else "TaxInclusive",
                    "Line": [{"Amount": str(round_cents(q * u)), "DetailType": "SalesItemLineDetail",
                              "SalesItemLineDetail": {"ItemRef": {"value": items[a]}, "Qty": q, "UnitPrice": str(u),
                                                      "TaxCodeRef": {"value": tax[t]}}} for q, u, a, t in lines]}
            entity = "Invoice" if op[0] == "invoice" else "CreditMemo"
            response = qbo.post(entity.lower(), body)
            assert response.status_code == 200, response.text
            post = expected_sale(lines, mode, currency, 1 if op[0] == "invoice" else -1)
            apply(book, post)
            if op[0] == "invoice":
                voidable.append((response.json()[entity]["Id"], post))
        elif op[0] == "journal":
            _, amounts, accounts_used = op
            lines = [(accounts_used[i % len(accounts_used)], a) for i, a in enumerate(amounts)]
            lines.append(("9999", -sum((a for _, a in lines), D(0))))
            lines = [(acc, a) for acc, a in lines if a != 0]
            body = {"Line": [{"Amount": str(abs(a)), "DetailType": "JournalEntryLineDetail",
                              "JournalEntryLineDetail": {"PostingType": "Debit" if a > 0 else "Credit",
                                                         "AccountRef": {"value": accounts[acc]}}}
                             for acc, a in lines]}
            response = qbo.post("journalentry", body)
            assert response.status_code == 200, response.text
            for account, amount in lines:
                book[(account, "USD")] += amount
        elif op[0] == "void" and voidable:
            invoice_id, post = voidable.pop(op[1] % len(voidable))
            token = qbo.get(f"invoice/{invoice_id}").json()["Invoice"]["SyncToken"]
            response = qbo.post("invoice", {"Id": invoice_id, "SyncToken": token}, params={"operation": "void"})
            assert response.status_code == 200, response.text
            apply(book, post, -1)
        elif op[0] == "deposit":
            amounts = op[1]
            body = {"DepositToAccountRef": {"value": accounts["1000"]}, "PrivateNote": f"H-{n}",
                    "Line": [{"Amount": str(a), "DetailType": "DepositLineDetail",
                              "DepositLineDetail": {"AccountRef": {"value": accounts["6000" if a < 0 else "1100"]}}}
                             for a in amounts]}
            response = qbo.post("deposit", body)
            total = sum(amounts, D(0))
            if total < 0:
                assert response.status_code == 400
                continue
            assert response.status_code == 200, response.text
            book[("1000", "USD")] += total
            for a in amounts:
                book[("6000" if a < 0 else "1100", "USD")] -= a
    assert_book(http, "qbo", book)


# ------------------------------------------------------------------------------------------------ state
def test_documents_balances_and_rotated_tokens_survive_a_restart(tmp_path: Path) -> None:
    config = SandboxConfig(time_scale=TIME_SCALE, state_dir=str(tmp_path))
    with SandboxServer(config, only=("xero", "qbo")) as first, httpx.Client(base_url=first.url, timeout=10) as http:
        xero, qbo = Session(http, "xero"), Session(http, "qbo")
        xero.put("ManualJournals", {"ManualJournals": [{"Narration": "Kept", "Status": "POSTED", "JournalLines": [
            {"LineAmount": "12.34", "AccountCode": "6000"}, {"LineAmount": "-12.34", "AccountCode": "1100"}]}]})
        accounts = {a["AcctNum"]: a["Id"] for a in qbo.query("select * from Account maxresults 1000")["Account"]}
        qbo.post("deposit", {"DepositToAccountRef": {"value": accounts["1000"]}, "PrivateNote": "Kept", "Line": [
            {"Amount": "5.00", "DetailType": "DepositLineDetail",
             "DepositLineDetail": {"AccountRef": {"value": accounts["1100"]}}}]})
        before = {ledger: (tb(http, ledger), documents(http, ledger)) for ledger in ("xero", "qbo")}
        refresh_tokens = {"xero": xero.refresh_token, "qbo": qbo.refresh_token}
    with SandboxServer(config, only=("xero", "qbo")) as second, httpx.Client(base_url=second.url, timeout=10) as http:
        after = {ledger: (tb(http, ledger), documents(http, ledger)) for ledger in ("xero", "qbo")}
        creds = http.get("/_sandbox/credentials").json()
        refreshed = {}
        for ledger in ("xero", "qbo"):
            tenant = creds[ledger]["tenants"][0]
            refreshed[ledger] = http.post(tenant["token_url"].replace(second.url, ""), auth=(
                tenant["client_id"], tenant["client_secret"]), data={"grant_type": "refresh_token",
                                                                     "refresh_token": refresh_tokens[ledger]}).status_code
    assert (after, refreshed) == (before, {"xero": 200, "qbo": 200})
    assert before["xero"][0] == {("6000", "USD"): D("12.34"), ("1100", "USD"): D("-12.34")}


def test_reset_forgets_documents_and_restarts_from_the_seeded_refresh_tokens(http: httpx.Client) -> None:
    seeded = http.get("/_sandbox/credentials").json()["xero"]["tenants"][0]["refresh_token"]
    xero = Session(http, "xero")
    xero.put("Contacts", {"Contacts": [{"Name": "Gone"}]})
    rotated = http.get("/_sandbox/credentials").json()["xero"]["tenants"][0]["refresh_token"]
    http.post("/_sandbox/reset").raise_for_status()
    after = http.get("/_sandbox/credentials").json()["xero"]["tenants"][0]["refresh_token"]
    names = [c["Name"] for c in Session(http, "xero").get("Contacts").json()["Contacts"]]
    assert (rotated != seeded, after, names) == (True, seeded, [])


def test_credentials_give_each_tenant_what_a_connection_needs(http: httpx.Client) -> None:
    creds = http.get("/_sandbox/credentials").json()
    common = {"tenant", "name", "base_currency", "client_id", "client_secret", "refresh_token", "token_url",
              "api_base_url"}
    xero_keys = [set(t) for t in creds["xero"]["tenants"]]
    qbo_keys = [set(t) for t in creds["qbo"]["tenants"]]
    assert all(common | {"tenant_id", "connections_url"} <= keys for keys in xero_keys)
    assert all(common | {"realm_id", "discovery_url"} <= keys for keys in qbo_keys)
    assert [t["base_currency"] for t in creds["xero"]["tenants"]] == ["USD", "AUD"]


def test_the_trial_balance_defaults_to_the_first_tenant_and_names_it(http: httpx.Client) -> None:
    first = http.get("/_sandbox/credentials").json()["qbo"]["tenants"][0]["realm_id"]
    default = http.get("/_sandbox/qbo/trial-balance").json()
    unknown = http.get("/_sandbox/qbo/trial-balance", params={"tenant": "nope"})
    by_key = http.get("/_sandbox/qbo/trial-balance", params={"tenant": "second"}).json()
    assert (default["tenant"], unknown.status_code, by_key["tenant"] != first) == (first, 404, True)
