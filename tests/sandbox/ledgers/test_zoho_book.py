"""Property: after any sequence of Zoho Books documents and status changes (accepted or refused), every
organization's trial balance sums to zero in each currency and equals, account by account, what the sent
invoices, open credit notes, published journals and bank deposits still standing should have posted."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.ledgers import _fixtures_mwz as fx
from tests.sandbox.ledgers._fixtures_mwz import Zoho, reset, totals, trial_balance

mwz_server = fx.mwz_server
mwz = fx.mwz

positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
tenants = st.integers(min_value=0, max_value=1)
indexes = st.integers(min_value=0, max_value=20)
invoice = st.fixed_dictionaries({"kind": st.just("invoice"), "tenant": tenants, "price": positive,
                                 "taxed": st.booleans(), "send": st.booleans()})
credit = st.fixed_dictionaries({"kind": st.just("credit"), "tenant": tenants, "price": positive})
journal = st.fixed_dictionaries({"kind": st.just("journal"), "tenant": tenants, "amount": positive,
                                 "unbalanced": st.booleans(), "draft": st.booleans()})
deposit = st.fixed_dictionaries({"kind": st.just("deposit"), "tenant": tenants, "amount": positive})
change = st.fixed_dictionaries({"kind": st.sampled_from(["send", "void", "publish", "delete"]), "index": indexes})
operations = st.lists(st.one_of(invoice, credit, journal, deposit, change), max_size=8)
PATHS = {"invoice": "/invoices", "credit": "/creditnotes", "journal": "/journals", "deposit": "/banktransactions"}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_books_balance_after_any_sequence(mwz: httpx.Client, ops: list[dict[str, Any]]) -> None:
    reset(mwz)
    orgs = [Zoho(mwz, 0), Zoho(mwz, 1)]
    contacts = [z.contact() for z in orgs]
    docs: list[dict[str, Any]] = []  # kind, tenant, id, posted, deleted, effect
    for op in ops:
        if op["kind"] in ("send", "void", "publish", "delete"):
            live = [d for d in docs if not d["deleted"]]
            if not live:
                continue
            doc = live[op["index"] % len(live)]
            zoho = orgs[doc["tenant"]]
            path = f"{PATHS[doc['kind']]}/{doc['id']}"
            if op["kind"] == "delete":
                zoho.ok("DELETE", path)
                doc["deleted"] = True
                continue
            # (kinds the change applies to, statuses it applies from, new status, path)
            kinds, allowed, status, suffix = {
                "send": (("invoice",), ("draft",), "sent", "/status/sent"),
                "void": (("invoice", "credit"), ("draft", "sent", "open"), "void", "/status/void"),
                "publish": (("journal",), ("draft",), "published", "/status/publish"),
            }[op["kind"]]
            response = zoho.call("POST", path + suffix)
            accepted = doc["kind"] in kinds and doc["status"] in allowed
            assert (response.status_code == 200) == accepted, response.text
            if accepted:
                doc["status"] = status
            continue
        tenant = op["tenant"]
        zoho = orgs[tenant]
        if op["kind"] == "invoice":
            body = zoho.invoice(contacts[tenant], rate=str(op["price"]), tax="GST 10%" if op["taxed"] else None,
                                params={"send": "true"} if op["send"] else None).json()["invoice"]
            tax = Decimal(str(body["tax_total"]))
            effect = {"1200": op["price"] + tax, "4000": -op["price"], "2100": -tax}
            docs.append({"kind": "invoice", "tenant": tenant, "id": body["invoice_id"], "status": body["status"],
                         "deleted": False, "effect": effect})
        elif op["kind"] == "credit":
            body = zoho.ok("POST", "/creditnotes", json={"customer_id": contacts[tenant], "line_items": [
                {"name": "Refund", "rate": str(op["price"]), "account_id": zoho.account("4030")}]})["creditnote"]
            docs.append({"kind": "credit", "tenant": tenant, "id": body["creditnote_id"], "status": "open",
                         "deleted": False, "effect": {"1200": -op["price"], "4030": op["price"]}})
        elif op["kind"] == "journal":
            credit_amount = op["amount"] + (Decimal("0.01") if op["unbalanced"] else Decimal(0))
            response = zoho.call("POST", "/journals", json={"journal_date": "2026-11-02",
                                                            "status": "draft" if op["draft"] else "published",
                                                            "line_items": [
                {"account_id": zoho.account("6000"), "debit_or_credit": "debit", "amount": str(op["amount"])},
                {"account_id": zoho.account("1100"), "debit_or_credit": "credit", "amount": str(credit_amount)}]})
            assert (response.status_code == 201) == (not op["unbalanced"]), response.text
            if response.status_code == 201:
                body = response.json()["journal"]
                docs.append({"kind": "journal", "tenant": tenant, "id": body["journal_id"], "status": body["status"],
                             "deleted": False, "effect": {"6000": op["amount"], "1100": -op["amount"]}})
        else:
            body = zoho.ok("POST", "/banktransactions", json={
                "transaction_type": "deposit", "from_account_id": zoho.account("1100"),
                "to_account_id": zoho.account("1000"), "amount": str(op["amount"])})["banktransaction"]
            docs.append({"kind": "deposit", "tenant": tenant, "id": body["transaction_id"], "status": "posted",
                         "deleted": False, "effect": {"1000": op["amount"], "1100": -op["amount"]}})
    expected: list[dict[str, Decimal]] = [defaultdict(Decimal), defaultdict(Decimal)]
    for doc in docs:
        if not doc["deleted"] and doc["status"] in ("sent", "open", "published", "posted"):
            for code, amount in doc["effect"].items():
                expected[doc["tenant"]][code] += amount
    observed, wanted = [], []
    for index, zoho in enumerate(orgs):
        key, currency = zoho.org["key"], zoho.org["base_currency"]
        observed.append((set(totals(mwz, "zoho", key).values()) <= {Decimal(0)}, trial_balance(mwz, "zoho", key)))
        wanted.append((True, {(code, currency): amount for code, amount in expected[index].items() if amount != 0}))
    assert observed == wanted
