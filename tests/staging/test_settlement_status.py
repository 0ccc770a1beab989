"""Settlement states: the Python API and the database trigger allow the same transitions and record history."""

from __future__ import annotations

import psycopg
import pytest

from sellerledger.staging import status

FLOW, SID = "acme-us-xero", "90000000001"


def test_database_and_python_agree_on_every_transition(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        rows = conn.execute("SELECT from_state, to_state FROM ops.settlement_transitions").fetchall()
    in_db = {(before, after) for before, after in rows}
    in_python = {(before, after) for before, targets in status.ALLOWED.items() for after in targets}
    assert in_db == in_python


def test_lifecycle_with_hold_and_fix(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        assert status.get_status(conn, FLOW, SID) is None
        status.transition(conn, FLOW, SID, "discovered")
        status.transition(conn, FLOW, SID, "staged")
        held = status.transition(conn, FLOW, SID, "held", ["lines sum to 10.00, total is 12.00"], actor="task-7")
        assert held.state == "held" and held.reasons == ("lines sum to 10.00, total is 12.00",)
        status.transition(conn, FLOW, SID, "validated")
        status.transition(conn, FLOW, SID, "posted")
        final = status.transition(conn, FLOW, SID, "reconciled")
        conn.commit()
        assert final.state == "reconciled" and final.reasons == ()
        changes = status.history(conn, FLOW, SID)
    assert [(c.from_state, c.to_state) for c in changes] == [
        (None, "discovered"), ("discovered", "staged"), ("staged", "held"), ("held", "validated"),
        ("validated", "posted"), ("posted", "reconciled")]
    assert changes[2].actor == "task-7" and changes[3].actor is None


@pytest.mark.parametrize(
    ("path", "refused"),
    [(["staged", "validated", "posted"], "posted"), (["staged"], "posted"), (["staged", "validated", "posted"], "staged"),
     ([], "validated"), ([], "posted"), (["discovered"], "reconciled")],
)
def test_refused_transitions(fresh_db: str, path: list[str], refused: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        for state in path:
            status.transition(conn, FLOW, SID, state)
        with pytest.raises(status.TransitionError):
            status.transition(conn, FLOW, SID, refused)
        current = status.get_status(conn, FLOW, SID)
        assert (current.state if current else None) == (path[-1] if path else None)


def test_trigger_refuses_writers_that_bypass_the_api(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        status.transition(conn, FLOW, SID, "staged")
        conn.commit()
        with pytest.raises(psycopg.errors.CheckViolation, match="staged → posted"):
            conn.execute("UPDATE ops.settlement_status SET state = 'posted'")
        conn.rollback()
        with pytest.raises(psycopg.errors.CheckViolation, match="cannot start in state posted"):
            conn.execute("INSERT INTO ops.settlement_status (flow_id, settlement_id, state) VALUES ('f2', 's', 'posted')")
        conn.rollback()
        # An upsert that turns into an update is judged as the update it is.
        conn.execute(
            "INSERT INTO ops.settlement_status (flow_id, settlement_id, state) VALUES (%s, %s, 'validated')"
            " ON CONFLICT (flow_id, settlement_id) DO UPDATE SET state = EXCLUDED.state", (FLOW, SID))
        conn.commit()
        assert [c.to_state for c in status.history(conn, FLOW, SID)] == ["staged", "validated"]


def test_same_state_only_updates_reasons_and_flows_are_separate(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn:
        status.transition(conn, FLOW, SID, "held", ["unmapped: ServiceFee/other-transaction/Foo"])
        status.transition(conn, FLOW, SID, "held", ["unmapped: ServiceFee/other-transaction/Foo"])
        status.transition(conn, FLOW, SID, "held", ["still unmapped", "sum differs"])
        status.transition(conn, "other-flow", SID, "staged")
        assert len(status.history(conn, FLOW, SID)) == 2
        assert status.get_status(conn, FLOW, SID).reasons == ("still unmapped", "sum differs")
        assert [s.settlement_id for s in status.settlements_in_state(conn, "other-flow", "staged")] == [SID]
        assert status.settlements_in_state(conn, FLOW, "staged") == []


def test_unknown_state(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn, pytest.raises(status.TransitionError, match="unknown"):
        status.transition(conn, FLOW, SID, "done")
