"""Crash tests: a posting process SIGKILLed at chosen points (before a call, after a call before the log
write, mid-batch, before the documents or the state are marked), then rerun until done: every ledger holds
each document exactly once and its trial balance equals the clean run's. A killed staging load leaves
nothing half-staged.

The posting process is `python -m tests.reliability.crash_child`, killing itself at the n-th time it
reaches a point (see that module). `RELIABILITY_CRASH_POINTS` (default 2, at most 20) sets how many of
the 20 points each of the five ledgers is killed at; each trial takes 20-40 s (two child processes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from tests.reliability import stats
from tests.reliability.flowrun import flow_sandbox, ledger_references, ledger_state
from tests.reliability.test_fault_matrix import FLOW_OF, TIME_SCALE, Matrix, _create_db, _drop_db, _use_db

ROOT = Path(__file__).resolve().parents[2]
POINTS = ("after_send:4", "mark_posted:1", "after_mark:1", "send:3", "after_send:9", "mark_posted:2",
          "record_intent:1", "after_mark:3", "store_mark:1", "send:8", "after_send:1", "transition:1",
          "send:1", "record_intent:3", "after_send:20", "mark_posted:5", "store_mark:4", "send:16", "send:40",
          "transition:3")
PER_LEDGER = max(1, min(len(POINTS), int(os.environ.get("RELIABILITY_CRASH_POINTS", "2"))))
# Ledger i starts at point 2i, so the default run kills the five ledgers at ten different points.
TRIALS = [(ledger, POINTS[(2 * index + j) % len(POINTS)]) for index, ledger in enumerate(FLOW_OF)
          for j in range(PER_LEDGER)]


def _child(*args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CRASH_AT", None)
    if crash_at:
        env["CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "tests.reliability.crash_child", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def crash_matrix(template_db: str) -> Iterator[Matrix]:
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


@pytest.mark.slow
@pytest.mark.parametrize(("ledger", "point"), TRIALS, ids=[f"{ledger}-{point}" for ledger, point in TRIALS])
def test_killed_posting_reruns_to_exactly_once(crash_matrix: Matrix, ledger: str, point: str) -> None:
    m = crash_matrix
    clean = m.clean_ledger_state(ledger)
    name = _create_db(m.validated_template)
    try:
        url = _use_db(name)
        m.sandbox.reset()
        flow_id, ids = FLOW_OF[ledger], m.validated[ledger]
        first = _child("post", flow_id, *ids, crash_at=point)
        killed = first.returncode == -signal.SIGKILL
        assert killed or first.returncode == 0, first.stderr[-2000:]
        runs = 0
        while True:
            runs += 1
            rerun = _child("post", flow_id, *ids)
            if rerun.returncode == 0 or runs == 4:
                break
            if "invalid_grant" in rerun.stderr and "re-authorise" in rerun.stderr:
                # Killed after the token endpoint rotated the refresh token, before the store saved it: the
                # old token is spent (QuickBooks allows no grace; Xero 30 virtual minutes). A clear block;
                # the user re-authorises, clears it, and the run resumes.
                from sellerledger.staging.posting_log import PostingLog

                m.sandbox.reauthorise(ledger)
                PostingLog(url, flow_id, ledger, "").clear_blocks()
                stats.bump("crash_reauthorised")
        assert rerun.returncode == 0, rerun.stdout[-1000:] + rerun.stderr[-2000:]
        balances, documents = ledger_state(m.sandbox.server.url, ledger)
        references = ledger_references(m.sandbox.server.url, ledger)
        assert len(references) == len(set(references)), "a document is in the ledger twice"
        assert (balances, documents) == clean
        with psycopg.connect(url) as conn:
            states = conn.execute("SELECT state, count(*) FROM posting.log WHERE flow_id = %s GROUP BY 1",
                                  (flow_id,)).fetchall()
            assert [state for state, _ in states] == ["posted"], states
        stats.bump("crash_trials")
        stats.bump("crash_kills", int(killed))
    finally:
        _drop_db(name)


STAGE_POINTS = ("copy:1", "copy:2", "mark_staged:1")


@pytest.mark.parametrize("point", STAGE_POINTS)
def test_killed_staging_leaves_nothing_half_staged(fresh_db: str, tmp_path: Path, point: str) -> None:
    from sellerledger.sandbox.amazon.settlement_writer import write_large_settlement

    path = tmp_path / "settlement.txt"
    large = write_large_settlement(path, lines=30_000, seed=3)
    first = _child("stage", str(path), "crash_seller", "crash_flow", crash_at=point)
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM staging.settlement_lines").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM staging.settlements").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM ops.settlement_status").fetchone()[0] == 0
    again = _child("stage", str(path), "crash_seller", "crash_flow")
    assert again.returncode == 0, again.stderr[-2000:]
    with psycopg.connect(fresh_db) as conn:
        count, total = conn.execute("SELECT count(*), sum(amount) FROM staging.settlement_lines").fetchone()
        header = conn.execute("SELECT line_count, total_amount FROM staging.settlements").fetchone()
        assert conn.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 1
    assert count == 30_000 and header == (30_000, large.total_amount) and Decimal(total) == large.total_amount
    stats.bump("staging_crash_trials")
