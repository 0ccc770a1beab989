"""Property: after any sequence of MYOB documents (accepted or refused), every company file's trial balance
sums to zero in each currency, receivables equal the accepted invoices less the receipts that cleared
them, and the bank equals the money received, net of deleted documents."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.ledgers import _fixtures_mwz as fx
from tests.sandbox.ledgers._fixtures_mwz import Myob, reset, totals, trial_balance

mwz_server = fx.mwz_server
mwz = fx.mwz

amounts = st.decimals(min_value=Decimal("-500"), max_value=Decimal("500"), places=2)
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
tenants = st.integers(min_value=0, max_value=1)
invoice = st.fixed_dictionaries({
    "kind": st.just("invoice"), "tenant": tenants, "inclusive": st.booleans(), "foreign": st.booleans(),
    "lines": st.lists(st.tuples(st.sampled_from(["4000", "4010", "6000"]), amounts,
                                st.sampled_from(["GST", "N-T", "V20", "J10"])), min_size=1, max_size=3)})
receive = st.fixed_dictionaries({
    "kind": st.just("receive"), "tenant": tenants, "mismatch": st.booleans(),
    "lines": st.lists(st.tuples(st.sampled_from(["1200", "6000", "4040"]), amounts), min_size=1, max_size=3)})
journal = st.fixed_dictionaries({"kind": st.just("journal"), "tenant": tenants, "amount": positive,
                                 "unbalanced": st.booleans()})
delete = st.fixed_dictionaries({"kind": st.just("delete"), "index": st.integers(min_value=0, max_value=20)})
operations = st.lists(st.one_of(invoice, receive, journal, delete), max_size=7)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_books_balance_after_any_sequence(mwz: httpx.Client, ops: list[dict[str, Any]]) -> None:
    reset(mwz)
    files = [Myob(mwz, 0), Myob(mwz, 1)]
    customers = [f.customer() for f in files]
    accepted: list[tuple[int, str, dict[tuple[str, str], Decimal]]] = []
    for op in ops:
        if op["kind"] == "delete":
            if accepted:
                tenant, uri, _ = accepted.pop(op["index"] % len(accepted))
                files[tenant].request("DELETE", uri).raise_for_status()
            continue
        myob = files[op["tenant"]]
        base = myob.file["base_currency"]
        if op["kind"] == "invoice":
            extra = {"ForeignCurrency": myob.currency("EUR"), "CurrencyExchangeRate": "1.1"} if op["foreign"] else {}
            body = {"Date": "2026-11-01T00:00:00", "Customer": customers[op["tenant"]], "IsTaxInclusive": op["inclusive"],
                    "Lines": [{"Account": myob.account(code), "Total": str(amount), "TaxCode": myob.tax(tax)}
                              for code, amount, tax in op["lines"]], **extra}
            response = myob.post("Sale/Invoice/Service", body, params={"returnBody": "true"})
            assert response.status_code == 201, response.text
            entity = response.json()
            currency = "EUR" if op["foreign"] else base
            accepted.append((op["tenant"], entity["URI"], {("1200", currency): Decimal(str(entity["TotalAmount"]))}))
        elif op["kind"] == "receive":
            total = sum((amount for _, amount in op["lines"]), Decimal(0))
            stated = total + Decimal("0.01") if op["mismatch"] else total
            body = {"Account": myob.account("1000"), "Date": "2026-11-10T00:00:00", "AmountReceived": str(stated),
                    "Lines": [{"Account": myob.account(code), "Amount": str(amount), "TaxCode": myob.tax("N-T")}
                              for code, amount in op["lines"]]}
            response = myob.post("Banking/ReceiveMoneyTxn", body, params={"returnBody": "true"})
            assert response.status_code == (400 if op["mismatch"] else 201), response.text
            if not op["mismatch"]:
                cleared = sum((a for code, a in op["lines"] if code == "1200"), Decimal(0))
                accepted.append((op["tenant"], response.json()["URI"],
                                 {("1200", base): -cleared, ("1000", base): total}))
        else:
            credit = op["amount"] + Decimal("0.01") if op["unbalanced"] else op["amount"]
            body = {"DateOccurred": "2026-11-12T00:00:00", "Lines": [
                {"Account": myob.account("6010"), "Amount": str(op["amount"]), "IsCredit": False},
                {"Account": myob.account("1100"), "Amount": str(credit), "IsCredit": True}]}
            response = myob.post("GeneralLedger/GeneralJournal", body, params={"returnBody": "true"})
            assert response.status_code == (400 if op["unbalanced"] else 201), response.text
            if not op["unbalanced"]:
                accepted.append((op["tenant"], response.json()["URI"], {}))
    expected: list[dict[tuple[str, str], Decimal]] = [defaultdict(Decimal), defaultdict(Decimal)]
    for tenant, _, deltas in accepted:
        for key, amount in deltas.items():
            expected[tenant][key] += amount
    observed = []
    for myob in files:
        balances = trial_balance(mwz, "myob", myob.file["key"])
        watched = {k: v for k, v in balances.items() if k[0] in ("1200", "1000")}
        observed.append((set(totals(mwz, "myob", myob.file["key"]).values()) <= {Decimal(0)}, watched))
    wanted = [(True, {k: v for k, v in e.items() if v != 0}) for e in expected]
    assert observed == wanted
