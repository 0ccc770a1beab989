"""Crash tests: a posting process SIGKILLed at 20 points during a ~500-document posting, then rerun until done:
every ledger holds each document exactly once and its trial balance equals the clean run's, in all 100 trials
(5 ledgers x 20 points). A killed staging load leaves nothing half-staged.

Set-up: a seller with about 500 orders in the window (US 5/day, DE 2.5/day), extracted once and checked in
per_order mode (one invoice per order, refunds as credit notes, clearing payments), saved as a template
database. Per ledger, one clean child run posts everything and counts how often it reached each point; a trial
then kills a fresh child at the n-th time it reaches a point, n placed by a fraction of the clean count (the
first token call, half-way through the calls, the last ledger answer, mid-batch after a posted row...), and
reruns children until one finishes. Trials run in two lanes, each with its own sandbox (same seed, so the same
books), because each trial resets its lane's ledgers; a lane is one child process at a time.

The posting process is `python -m tests.reliability.crash_child` (see that module for the points).
`RELIABILITY_CRASH_POINTS` (default 20) limits how many of the points each ledger is killed at.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import _with_db
from tests.reliability import stats
from tests.reliability.flowrun import (
    TODAY,
    FlowSandbox,
    connection_env,
    flow_sandbox,
    ledger_references,
    ledger_state,
)
from tests.reliability.test_fault_matrix import FLOW_OF, TIME_SCALE, WINDOW, _create_db, _drop_db, _extract

ROOT = Path(__file__).resolve().parents[2]
ORDERS_PER_DAY = {"US": 5, "DE": 2.5}
MIN_DOCUMENTS = 500
# (point, fraction of the clean run's count): n = the fraction of the count, at least 1.
POINTS: tuple[tuple[str, float], ...] = (
    ("send", 0.0), ("after_send", 0.0), ("send", 0.5), ("send", 0.98), ("after_send", 0.25),
    ("after_send", 0.6), ("after_send", 1.0), ("record_intent", 0.0), ("record_intent", 0.5),
    ("mark_posted", 0.0), ("mark_posted", 0.4), ("mark_posted", 0.95), ("after_mark", 0.1), ("after_mark", 0.55),
    ("after_mark", 0.85), ("store_mark", 0.0), ("store_mark", 0.7), ("transition", 0.0), ("transition", 0.5),
    ("transition", 1.0),
)
PER_LEDGER = max(1, min(len(POINTS), int(os.environ.get("RELIABILITY_CRASH_POINTS", str(len(POINTS))))))
MAX_RERUNS = 4
_DB_LOCK = threading.Lock()  # CREATE DATABASE ... TEMPLATE refuses while another copy of the template runs


@dataclass
class Lane:
    """One sandbox and the connection variables that point at it."""

    server_url: str
    seeded: dict[str, str]  # the connections as the sandbox seeded them (valid again after a reset)
    reauthorise: Any  # (ledger, env) -> None
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class CrashSetup:
    lanes: list[Lane]
    template: str
    validated: dict[str, list[str]]
    clean: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _child(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tests.reliability.crash_child", *args],
                          env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _lane_env(lane: Lane, url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("CRASH_AT", "CRASH_COUNTS")}
    return {**env, **lane.env, "SELLERLEDGER_DB_URL": url, **extra}


def _new_db(template: str) -> tuple[str, str]:
    with _DB_LOCK:
        name = _create_db(template)
    return name, _with_db(name)


def _reset(lane: Lane) -> None:
    """Forget the lane's ledger writes and issued tokens; the connections get their seeded tokens back."""
    httpx.post(f"{lane.server_url}/_sandbox/reset", timeout=30).raise_for_status()
    lane.env = dict(lane.seeded)


@pytest.fixture(scope="module")
def crash_setup(template_db: str) -> Iterator[CrashSetup]:
    from sellerledger.flows import tasks
    from sellerledger.sandbox.core.state import SandboxConfig
    from sellerledger.sandbox.server import SandboxServer

    saved = os.environ.get("SELLERLEDGER_DB_URL")
    options = {"orders_per_day": ORDERS_PER_DAY}
    with flow_sandbox(profile="tiny", time_scale=TIME_SCALE, options=options) as first, \
            SandboxServer(SandboxConfig(today=TODAY, days=90, profile="tiny", time_scale=TIME_SCALE,
                                        options=dict(options))) as second:
        credentials = httpx.get(f"{second.url}/_sandbox/credentials", timeout=30).json()
        other = FlowSandbox(second, credentials, connection_env(credentials, TIME_SCALE))
        lanes = [Lane(first.server.url, dict(first.env), first.reauthorise),
                 Lane(second.url, dict(other.env), other.reauthorise)]
        first.reset()
        name, url = _new_db(template_db)
        os.environ["SELLERLEDGER_DB_URL"] = url
        try:
            _extract("crash-setup")
            validated = {}
            for ledger, flow_id in FLOW_OF.items():
                ctx = tasks.RunContext(run_id="crash-setup", params={**WINDOW, "posting_mode": "per_order"})
                plan = tasks.discover(flow_id, ctx)
                validated[ledger] = tasks.check_settlements(flow_id, ctx, plan,
                                                            tasks.extract_settlements(flow_id, ctx, plan))
                assert validated[ledger], f"{flow_id}: nothing validated"
            yield CrashSetup(lanes, name, validated)
        finally:
            _drop_db(name)
            if saved is None:
                os.environ.pop("SELLERLEDGER_DB_URL", None)
            else:
                os.environ["SELLERLEDGER_DB_URL"] = saved


def _clean_run(setup: CrashSetup, ledger: str) -> None:
    """Post everything once without a kill: the state every trial must end in, and the points' counts."""
    if ledger in setup.clean:
        return
    lane = setup.lanes[0]
    name, url = _new_db(setup.template)
    try:
        _reset(lane)
        with tempfile.NamedTemporaryFile("r", suffix=".json") as counts:
            done = _child(_lane_env(lane, url, CRASH_COUNTS=counts.name), "post", FLOW_OF[ledger],
                          *setup.validated[ledger])
            assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-2000:]
            setup.counts[ledger] = json.load(counts)
        setup.clean[ledger] = ledger_state(lane.server_url, ledger)
    finally:
        _drop_db(name)
    documents = len(setup.clean[ledger][1])
    assert documents >= MIN_DOCUMENTS, f"{ledger}: the clean run posted {documents} documents"


def _trial(setup: CrashSetup, lane: Lane, ledger: str, point: str, nth: int) -> dict[str, Any]:
    """Kill a posting at the nth time it reaches `point`, rerun until done; what the trial found."""
    from sellerledger.staging.posting_log import PostingLog

    flow_id, ids = FLOW_OF[ledger], setup.validated[ledger]
    began = time.monotonic()
    name, url = _new_db(setup.template)
    try:
        _reset(lane)
        first = _child(_lane_env(lane, url, CRASH_AT=f"{point}:{nth}"), "post", flow_id, *ids)
        outcome: dict[str, Any] = {"point": f"{point}:{nth}", "killed": first.returncode == -signal.SIGKILL,
                                   "reruns": 0, "reauthorised": False}
        assert outcome["killed"], f"{point}:{nth} was not reached (rc {first.returncode}): {first.stderr[-1500:]}"
        while True:
            outcome["reruns"] += 1
            rerun = _child(_lane_env(lane, url), "post", flow_id, *ids)
            if rerun.returncode == 0 or outcome["reruns"] == MAX_RERUNS:
                break
            if "invalid_grant" in rerun.stderr and "re-authorise" in rerun.stderr:
                # Killed after the token endpoint rotated the refresh token, before the store saved it: the
                # old token is spent (QuickBooks allows no grace; Xero 30 virtual minutes). A clear block;
                # the user re-authorises, clears it, and the run resumes.
                lane.reauthorise(ledger, lane.env)
                with PostingLog(url, flow_id, ledger, "") as log:
                    log.clear_blocks()
                outcome["reauthorised"] = True
        assert rerun.returncode == 0, rerun.stdout[-1000:] + rerun.stderr[-2000:]
        outcome["child_seconds"] = round(time.monotonic() - began, 1)
        references = ledger_references(lane.server_url, ledger)
        assert len(references) == len(set(references)), f"{point}:{nth}: a document is in the ledger twice"
        assert ledger_state(lane.server_url, ledger) == setup.clean[ledger], f"{point}:{nth}: not the clean books"
        with psycopg.connect(url) as conn:
            states = conn.execute("SELECT state, count(*) FROM posting.log WHERE flow_id = %s GROUP BY 1",
                                  (flow_id,)).fetchall()
        assert [state for state, _ in states] == ["posted"], f"{point}:{nth}: posting.log {states}"
        outcome["seconds"] = round(time.monotonic() - began, 1)
        return outcome
    finally:
        _drop_db(name)


@pytest.mark.slow
@pytest.mark.parametrize("ledger", list(FLOW_OF))
def test_killed_posting_reruns_to_exactly_once(crash_setup: CrashSetup, ledger: str) -> None:
    _clean_run(crash_setup, ledger)
    counts = crash_setup.counts[ledger]
    trials = [(point, max(1, round(fraction * counts.get(point, 0)))) for point, fraction in POINTS[:PER_LEDGER]]
    missing = sorted({point for point, _ in trials if not counts.get(point)})
    assert not missing, f"{ledger}: the clean run never reached {missing}"
    lanes = crash_setup.lanes

    def lane_work(index: int) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        for point, nth in trials[index::len(lanes)]:
            try:
                found.append(("ok", _trial(crash_setup, lanes[index], ledger, point, nth)))
            except AssertionError as exc:
                found.append(("failed", f"{point}:{nth}: {exc}"))
        return found

    with ThreadPoolExecutor(len(lanes)) as pool:
        results = [item for lane in pool.map(lane_work, range(len(lanes))) for item in lane]
    failures = [detail for status, detail in results if status == "failed"]
    passed = [detail for status, detail in results if status == "ok"]
    stats.bump("crash_trials", len(passed))
    stats.bump("crash_kills", sum(1 for outcome in passed if outcome["killed"]))
    stats.bump("crash_reauthorised", sum(1 for outcome in passed if outcome["reauthorised"]))
    stats.bump("crash_documents", len(crash_setup.clean[ledger][1]) * len(passed))
    stats.bump("crash_trial_ms", int(sum(outcome["seconds"] for outcome in passed) * 1000))
    print(f"{ledger}: " + "; ".join(f"{o['point']} {o['child_seconds']}/{o['seconds']}s x{o['reruns']}" for o in passed))
    assert not failures, f"{ledger}: {len(failures)} of {len(trials)} trials failed:\n" + "\n".join(failures)
    assert len(passed) == len(trials)


STAGE_POINTS = ("copy:1", "copy:2", "mark_staged:1")


def _stage_child(*args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "CRASH_AT"}
    return _child({**env, **({"CRASH_AT": crash_at} if crash_at else {})}, *args)


@pytest.mark.parametrize("point", STAGE_POINTS)
def test_killed_staging_leaves_nothing_half_staged(fresh_db: str, tmp_path: Path, point: str) -> None:
    from sellerledger.sandbox.amazon.settlement_writer import write_large_settlement

    path = tmp_path / "settlement.txt"
    large = write_large_settlement(path, lines=30_000, seed=3)
    first = _stage_child("stage", str(path), "crash_seller", "crash_flow", crash_at=point)
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM staging.settlement_lines").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM staging.settlements").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM ops.settlement_status").fetchone()[0] == 0
    again = _stage_child("stage", str(path), "crash_seller", "crash_flow")
    assert again.returncode == 0, again.stderr[-2000:]
    with psycopg.connect(fresh_db) as conn:
        count, total = conn.execute("SELECT count(*), sum(amount) FROM staging.settlement_lines").fetchone()
        header = conn.execute("SELECT line_count, total_amount FROM staging.settlements").fetchone()
        assert conn.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 1
    assert count == 30_000 and header == (30_000, large.total_amount) and Decimal(total) == large.total_amount
    stats.bump("staging_crash_trials")
