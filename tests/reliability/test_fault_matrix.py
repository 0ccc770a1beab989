"""Fault matrix: every fault class of the sandbox at 10% and 50% of calls, against the flows' real task
bodies; each cell must end in the clean run's state (staged rows for Amazon faults, the ledger's trial
balance and documents for ledger faults) or in a clear block that a rerun resumes once the fault is gone.

Amazon cells run the extraction tasks of demo_xero; ledger cells post the settlements already staged and
validated (a database copied from a template) through `post_settlement` of the ledger's demo flow, as the
scheduler would: a failed run is run again, up to MAX_RUNS times while the fault is on. A cell whose fault
never fired says so in the table (`0 hits`) rather than counting as proof.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import _admin_url, _with_db
from tests.reliability import stats
from tests.reliability.flowrun import FlowSandbox, flow_sandbox, ledger_references, ledger_state, staged_state

pytestmark = pytest.mark.slow

RATES = (0.1, 0.5)
SEED = int(os.environ.get("RELIABILITY_FAULT_SEED", "0"))  # another seed: other calls hit
MAX_RUNS = 6
TIME_SCALE = 1000.0
EXTRACT_FLOW = "demo_xero"
FLOW_OF = {"xero": "demo_xero", "qbo": "demo_qbo", "myob": "demo_myob", "wave": "demo_wave", "zoho": "demo_zoho"}
PARAMS = {"slow": {"seconds": 0.2}}
# Ends well before the sandbox's today: events show up to 48 virtual hours after posting, and the virtual
# clock runs on between the clean run and a cell, so a window up to yesterday would not compare.
WINDOW = {"start_date": "2026-08-20", "end_date": "2026-11-01"}

AMAZON_KINDS = ("429", "500", "503", "slow", "drop", "lost_response", "html_error", "report_fatal",
                "document_url_expired")
# NextToken faults need second pages: the tiny seller's event groups fit one page each (and order headers no
# longer page through searchOrders), so these cells run against a busier seller whose US groups span pages.
PAGING_KINDS = ("expired_next_token", "repeated_next_token")
BUSY_ORDERS = {"US": 40, "DE": 2.5}
# class -> the ledgers it is tried on. By default each class meets one ledger (all five ledgers are covered);
# RELIABILITY_FULL_MATRIX=1 tries the generic classes and invalid_grant on more (about 15 minutes).
FULL = os.environ.get("RELIABILITY_FULL_MATRIX") == "1"
LEDGER_KINDS: dict[str, tuple[str, ...]] = {
    "429": ("qbo", "xero") if FULL else ("qbo",), "500": ("qbo", "zoho") if FULL else ("zoho",),
    "503": ("myob", "xero") if FULL else ("xero",), "slow": ("wave",), "drop": ("zoho", "myob") if FULL else ("myob",),
    "lost_response": ("xero", "qbo", "myob", "wave", "zoho") if FULL else ("zoho", "xero"),
    "html_error": ("qbo", "wave") if FULL else ("wave",),
    "invalid_grant": ("xero", "qbo", "myob", "wave", "zoho") if FULL else ("qbo",),
    "conflict": ("myob",), "graphql_error": ("wave",),
}
CELLS = [("amazon", kind, rate) for kind in AMAZON_KINDS for rate in RATES] + [
    (ledger, kind, rate) for kind, ledgers in LEDGER_KINDS.items() for ledger in ledgers for rate in RATES]


def _create_db(template: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def _drop_db(name: str) -> None:
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _use_db(name: str) -> str:
    url = _with_db(name)
    os.environ["SELLERLEDGER_DB_URL"] = url
    return url


def _extract(run_id: str) -> None:
    from sellerledger.flows import tasks

    ctx = tasks.RunContext(run_id=run_id, params=dict(WINDOW))
    plan = tasks.discover(EXTRACT_FLOW, ctx)
    tasks.extract_orders(EXTRACT_FLOW, ctx, plan)
    tasks.extract_financial_events(EXTRACT_FLOW, ctx, plan)
    result = tasks.extract_settlements(EXTRACT_FLOW, ctx, plan)
    if result["failed"]:
        raise RuntimeError(f"{result['failed']} settlement report(s) not staged")


def _post(flow_id: str, settlement_ids: list[str], run_id: str) -> None:
    from sellerledger.flows import tasks

    ctx = tasks.RunContext(run_id=run_id)
    for settlement_id in settlement_ids:
        result = tasks.post_settlement(flow_id, ctx, settlement_id)
        if not result["posted"]:
            raise RuntimeError(f"settlement {settlement_id} not posted: {result.get('failed')}")


class Matrix:
    """The sandbox, the clean states, and the template database of validated settlements."""

    def __init__(self, sandbox: FlowSandbox, template_db: str) -> None:
        self.sandbox = sandbox
        self.empty_template = template_db
        self.validated_template = ""
        self.clean_staged: dict[str, Any] = {}
        self.validated: dict[str, list[str]] = {}
        self.clean_ledger: dict[str, Any] = {}

    def prepare(self) -> None:
        from sellerledger.flows import tasks

        self.sandbox.reset()
        name = _create_db(self.empty_template)
        url = _use_db(name)
        _extract("clean")
        self.clean_staged = staged_state(url)
        assert len(self.clean_staged["settlements"]) >= 6 and self.clean_staged["orders"] > 20
        for ledger, flow_id in FLOW_OF.items():
            ctx = tasks.RunContext(run_id="clean", params=dict(WINDOW))
            plan = tasks.discover(flow_id, ctx)
            extracted = tasks.extract_settlements(flow_id, ctx, plan)
            self.validated[ledger] = tasks.check_settlements(flow_id, ctx, plan, extracted)
            assert self.validated[ledger], f"{flow_id}: nothing validated"
        self.validated_template = name

    def clean_ledger_state(self, ledger: str) -> Any:
        if ledger not in self.clean_ledger:
            name = _create_db(self.validated_template)
            try:
                _use_db(name)
                self.sandbox.reset()
                _post(FLOW_OF[ledger], self.validated[ledger], "clean-post")
                self.clean_ledger[ledger] = ledger_state(self.sandbox.server.url, ledger)
            finally:
                _drop_db(name)
            assert self.clean_ledger[ledger][1], f"{ledger}: the clean run posted nothing"
        return self.clean_ledger[ledger]


@pytest.fixture(scope="module")
def matrix(template_db: str) -> Iterator[Matrix]:
    saved = os.environ.get("SELLERLEDGER_DB_URL")
    with flow_sandbox(profile="tiny", time_scale=TIME_SCALE) as sandbox:
        m = Matrix(sandbox, template_db)
        try:
            m.prepare()
            yield m
        finally:
            if m.validated_template:
                _drop_db(m.validated_template)
            if saved is None:
                os.environ.pop("SELLERLEDGER_DB_URL", None)
            else:
                os.environ["SELLERLEDGER_DB_URL"] = saved


def _fired(sandbox: FlowSandbox) -> int:
    rules = httpx.get(f"{sandbox.server.url}/_sandbox/faults", timeout=30).json()
    rules = rules.get("rules", rules) if isinstance(rules, dict) else rules
    return sum(int(rule.get("fired", 0)) for rule in rules)


def _explain(clean: Any, state: Any) -> None:
    """Print what differs between two ledger states (balances, then documents)."""
    from collections import Counter

    print("balances only in clean:", sorted(set(clean[0].items()) - set(state[0].items())))
    print("balances only in run:  ", sorted(set(state[0].items()) - set(clean[0].items())))
    print("documents only in clean:", sorted((Counter(clean[1]) - Counter(state[1])).elements()))
    print("documents only in run:  ", sorted((Counter(state[1]) - Counter(clean[1])).elements()))


def _run_until_done(action: Callable[[int], None], runs: int) -> tuple[int | None, list[str]]:
    errors: list[str] = []
    for run in range(1, runs + 1):
        try:
            action(run)
            return run, errors
        except Exception as exc:  # any failed run is rerun, as the scheduler would
            errors.append(f"{type(exc).__name__}: {exc}")
    return None, errors


@pytest.mark.parametrize(("api", "kind", "rate"), CELLS, ids=[f"{a}-{k}-{r}" for a, k, r in CELLS])
def test_fault_cell_ends_clean_or_blocked_and_resumable(matrix: Matrix, api: str, kind: str, rate: float) -> None:
    _cell(matrix, api, kind, rate)


@pytest.fixture(scope="module")
def busy_matrix(template_db: str) -> Iterator[Matrix]:
    """A seller busy enough that Finances answers span several pages (only the extraction's clean state)."""
    saved = os.environ.get("SELLERLEDGER_DB_URL")
    with flow_sandbox(profile="tiny", time_scale=TIME_SCALE, options={"orders_per_day": BUSY_ORDERS}) as sandbox:
        m = Matrix(sandbox, template_db)
        sandbox.reset()
        name = _create_db(template_db)
        try:
            url = _use_db(name)
            _extract("clean")
            m.clean_staged = staged_state(url)
            assert m.clean_staged["financial_event_rows"] > 400, m.clean_staged
        finally:
            _drop_db(name)
        yield m
    if saved is None:
        os.environ.pop("SELLERLEDGER_DB_URL", None)
    else:
        os.environ["SELLERLEDGER_DB_URL"] = saved


@pytest.mark.parametrize(("kind", "rate"), [(kind, rate) for kind in PAGING_KINDS for rate in RATES],
                         ids=[f"amazon-{kind}-{rate}" for kind in PAGING_KINDS for rate in RATES])
def test_paging_fault_cell_ends_clean(busy_matrix: Matrix, kind: str, rate: float) -> None:
    fired = _cell(busy_matrix, "amazon", kind, rate)
    assert fired > 0, f"{kind}@{rate} never fired: the busy seller has no second pages"


def _cell(matrix: Matrix, api: str, kind: str, rate: float) -> int:
    """Run one cell; return how often the fault fired."""
    sandbox = matrix.sandbox
    ledger = api != "amazon"
    clean = matrix.clean_ledger_state(api) if ledger else matrix.clean_staged
    name = _create_db(matrix.validated_template if ledger else matrix.empty_template)
    try:
        url = _use_db(name)
        sandbox.reset()
        rule: dict[str, Any] = {"api": api, "kind": kind, "rate": rate}
        if kind in PARAMS:
            rule["params"] = PARAMS[kind]
        sandbox.faults([rule], seed=int(rate * 100) + len(kind) + SEED)
        if ledger:
            def action(run: int) -> None:
                _post(FLOW_OF[api], matrix.validated[api], f"fault-{run}")
        else:
            def action(run: int) -> None:
                _extract(f"fault-{run}")
        done, errors = _run_until_done(action, MAX_RUNS)
        fired = _fired(sandbox)
        sandbox.clear_faults()
        for error in errors:  # a clear error: says what failed, never an HTML page or a secret
            assert error.strip() and "<html" not in error.lower() and "<!doctype" not in error.lower(), error
        if done is None:
            blocked = any("block" in error.lower() or "authoris" in error.lower() for error in errors)
            if ledger:
                from sellerledger.staging.posting_log import PostingLog

                if blocked and any("invalid_grant" in error for error in errors):
                    # The grant was revoked (invalid_grant), or a lost answer of the token endpoint spent a
                    # rotated refresh token: the user authorises the app again.
                    sandbox.reauthorise(api)
                PostingLog(url, FLOW_OF[api], api, "").clear_blocks()  # what `sellerledger replay` does
            resumed, more = _run_until_done(lambda run: action(100 + run), 3)
            assert resumed is not None, f"not resumable once the fault is gone: {more[-1:]}"
            outcome = f"{'blocked' if blocked else 'stopped'}, resumed ({fired} hits)"
        else:
            outcome = f"clean after {done} run{'s' if done > 1 else ''} ({fired} hits)"
        state = ledger_state(sandbox.server.url, api) if ledger else staged_state(url)
        if state != clean and ledger:
            _explain(clean, state)
        assert state == clean, f"{api}/{kind}@{rate}: the end state differs from the clean run's"
        if ledger:
            references = ledger_references(sandbox.server.url, api)
            assert len(references) == len(set(references)), "a document is in the ledger twice"
        stats.FAULT_TABLE[(f"{api}:{kind}", f"{int(rate * 100)}%")] = outcome
        return fired
    finally:
        sandbox.clear_faults()
        _drop_db(name)
