"""Property: after any sequence of Wave mutations (accepted or refused), every business's trial balance sums
to zero in each currency and equals, account by account, what the accepted money transactions (anchor and
line items by their balance type) and the saved or approved, undeleted invoices should have posted."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.ledgers import _fixtures_mwz as fx
from tests.sandbox.ledgers._fixtures_mwz import Wave, reset, totals, trial_balance

mwz_server = fx.mwz_server
mwz = fx.mwz

# demo account code -> is its normal balance a debit (the rule Wave documents for INCREASE / DECREASE)
DEBIT_NORMAL = {"1200": True, "1100": True, "6000": True, "6010": True, "4000": False, "2200": False}
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
tenants = st.integers(min_value=0, max_value=1)
money = st.fixed_dictionaries({
    "kind": st.just("money"), "tenant": tenants, "off": st.booleans(), "reuse": st.booleans(),
    "lines": st.lists(st.tuples(st.sampled_from(sorted(DEBIT_NORMAL)), positive,
                                st.sampled_from(["INCREASE", "DECREASE", "DEBIT", "CREDIT"])), min_size=1, max_size=3)})
invoice = st.fixed_dictionaries({"kind": st.just("invoice"), "tenant": tenants, "price": positive,
                                 "status": st.sampled_from(["DRAFT", "SAVED"]), "taxed": st.booleans()})
approve = st.fixed_dictionaries({"kind": st.just("approve"), "index": st.integers(min_value=0, max_value=20)})
delete = st.fixed_dictionaries({"kind": st.just("delete"), "index": st.integers(min_value=0, max_value=20)})
operations = st.lists(st.one_of(money, invoice, approve, delete), max_size=7)


def _side(code: str, balance: str) -> Decimal:
    if balance in ("DEBIT", "CREDIT"):
        return Decimal(1) if balance == "DEBIT" else Decimal(-1)
    debit = DEBIT_NORMAL[code] == (balance == "INCREASE")
    return Decimal(1) if debit else Decimal(-1)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_books_balance_after_any_sequence(mwz: httpx.Client, ops: list[dict[str, Any]]) -> None:
    reset(mwz)
    waves = [Wave(mwz, 0), Wave(mwz, 1)]
    products = [w.product() for w in waves]
    customers = [w.customer() for w in waves]
    expected: list[dict[str, Decimal]] = [defaultdict(Decimal), defaultdict(Decimal)]
    invoices: list[dict[str, Any]] = []  # tenant, id, status, total
    used: list[list[str]] = [[], []]
    for number, op in enumerate(ops):
        if op["kind"] in ("approve", "delete"):
            live = [i for i in invoices if not i["deleted"]]
            if not live:
                continue
            target = live[op["index"] % len(live)]
            wave = waves[target["tenant"]]
            mutation = "invoiceApprove" if op["kind"] == "approve" else "invoiceDelete"
            out = wave.gql(f"mutation($i: {mutation[0].upper()}{mutation[1:]}Input!) {{ {mutation}(input: $i) "
                           "{ didSucceed } }", {"i": {"invoiceId": target["id"]}})["data"][mutation]
            if op["kind"] == "approve":
                assert out["didSucceed"] == (target["status"] == "DRAFT")
                if out["didSucceed"]:
                    target["status"] = "SAVED"
            else:
                assert out["didSucceed"]
                target["deleted"] = True
            continue
        tenant = op["tenant"]
        wave = waves[tenant]
        accounts = wave.accounts()
        if op["kind"] == "invoice":
            taxes = [{"salesTaxId": wave.taxes()["GST10"]}] if op["taxed"] else []
            out = wave.create("invoiceCreate", "InvoiceCreateInput", {
                "customerId": customers[tenant], "status": op["status"],
                "items": [{"productId": products[tenant], "unitPrice": str(op["price"]), "taxes": taxes}]},
                "invoice { id total { value } }")
            assert out["didSucceed"], out
            invoices.append({"tenant": tenant, "id": out["invoice"]["id"], "status": op["status"], "price": op["price"],
                             "total": Decimal(out["invoice"]["total"]["value"]), "deleted": False})
            continue
        net = sum((_side(code, balance) * amount for code, amount, balance in op["lines"]), Decimal(0))
        anchor = -net + (Decimal("0.01") if op["off"] else Decimal(0))
        reuse = op["reuse"] and bool(used[tenant])
        external_id = used[tenant][0] if reuse else f"E{number}"
        out = wave.money(external_id, {"accountId": accounts["1000"], "amount": str(abs(anchor)),
                                       "direction": "DEPOSIT" if anchor >= 0 else "WITHDRAWAL"},
                         [{"accountId": accounts[code], "amount": str(amount), "balance": balance}
                          for code, amount, balance in op["lines"]])
        assert out["didSucceed"] == (not op["off"] and not reuse), out
        if out["didSucceed"]:
            used[tenant].append(external_id)
            expected[tenant]["1000"] += anchor
            for code, amount, balance in op["lines"]:
                expected[tenant][code] += _side(code, balance) * amount
    for item in invoices:
        if item["status"] == "SAVED" and not item["deleted"]:
            expected[item["tenant"]]["1200"] += item["total"]
            expected[item["tenant"]]["4000"] -= item["price"]
            expected[item["tenant"]]["2100"] -= item["total"] - item["price"]
    observed, wanted = [], []
    for index, wave in enumerate(waves):
        key, currency = wave.business["key"], wave.business["base_currency"]
        observed.append((set(totals(mwz, "wave", key).values()) <= {Decimal(0)}, trial_balance(mwz, "wave", key)))
        wanted.append((True, {(code, currency): amount for code, amount in expected[index].items() if amount != 0}))
    assert observed == wanted
