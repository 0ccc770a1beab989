"""Settlement states per flow (`ops.settlement_status`): discovered → staged → validated → held | posted → reconciled.

Allowed changes (the same table is in the database, `ops.settlement_transitions`, and a trigger enforces it
for any writer; every change lands in `ops.settlement_status_history`):

    (new)      → discovered, staged, held
    discovered → staged, held
    staged     → validated, held, staged (re-staged)
    validated  → posted, held, staged (a new document arrived)
    held       → validated (after a fix), staged (a new document), held (new reasons)
    posted     → reconciled, held
    reconciled → held

Posting twice is the bug this guards: `posted` never goes back to `posted`, `validated` or `staged`.
Functions run in the caller's transaction (a savepoint when one is open) and lock the row they change.

    transition(conn, "acme-us-xero", "28471003921", "validated")
    transition(conn, "acme-us-xero", "28471003921", "held", ["lines sum to 10.00, total is 12.00"])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

STATES = ("discovered", "staged", "validated", "held", "posted", "reconciled")
ALLOWED: dict[str | None, frozenset[str]] = {
    None: frozenset({"discovered", "staged", "held"}),
    "discovered": frozenset({"discovered", "staged", "held"}),
    "staged": frozenset({"staged", "validated", "held"}),
    "validated": frozenset({"validated", "staged", "posted", "held"}),
    "held": frozenset({"held", "validated", "staged"}),
    "posted": frozenset({"reconciled", "held"}),
    "reconciled": frozenset({"reconciled", "held"}),
}


class TransitionError(ValueError):
    """A state change the lifecycle does not allow (e.g. posted → posted, staged → posted)."""


@dataclass(frozen=True)
class SettlementStatus:
    """Where a settlement stands in a flow."""

    flow_id: str
    settlement_id: str
    state: str
    reasons: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StatusChange:
    """One row of the history."""

    from_state: str | None
    to_state: str
    reasons: tuple[str, ...]
    actor: str | None
    changed_at: datetime


def _status(row: Sequence[Any] | None) -> SettlementStatus | None:
    if row is None:
        return None
    return SettlementStatus(row[0], row[1], row[2], tuple(row[3]), row[4], row[5])


def allowed(before: str | None, after: str) -> bool:
    """Whether the lifecycle allows `before` → `after` (`before` None: the flow has not seen the settlement)."""
    return after in ALLOWED.get(before, frozenset())


def get_status(conn: psycopg.Connection[Any], flow_id: str, settlement_id: str) -> SettlementStatus | None:
    """The settlement's state in the flow, or None when the flow has not recorded it."""
    row = conn.execute(
        "SELECT flow_id, settlement_id, state, reasons, created_at, updated_at"
        " FROM ops.settlement_status WHERE flow_id = %s AND settlement_id = %s",
        (flow_id, settlement_id),
    ).fetchone()
    return _status(row)


def transition(
    conn: psycopg.Connection[Any],
    flow_id: str,
    settlement_id: str,
    state: str,
    reasons: Sequence[str] = (),
    *,
    actor: str | None = None,
) -> SettlementStatus:
    """Move the settlement to `state` (with `reasons`), or raise `TransitionError` if the move is not allowed.

    Moving to the state it is already in only updates the reasons (no history row when nothing changes).
    """
    if state not in STATES:
        raise TransitionError(f"unknown settlement state {state!r}; expected one of {', '.join(STATES)}")
    with conn.transaction():
        if actor:
            conn.execute("SELECT set_config('sellerledger.actor', %s, true)", (actor,))
        row = conn.execute(
            "SELECT state FROM ops.settlement_status WHERE flow_id = %s AND settlement_id = %s FOR UPDATE",
            (flow_id, settlement_id),
        ).fetchone()
        before = None if row is None else row[0]
        if not allowed(before, state):
            raise TransitionError(
                f"settlement {settlement_id} in flow {flow_id}: {before or '(new)'} → {state} is not allowed; "
                f"from {before or '(new)'} it may go to {', '.join(sorted(ALLOWED.get(before, ())))}"
            )
        if before is None:
            result = conn.execute(
                "INSERT INTO ops.settlement_status (flow_id, settlement_id, state, reasons)"
                " VALUES (%s, %s, %s, %s) RETURNING flow_id, settlement_id, state, reasons, created_at, updated_at",
                (flow_id, settlement_id, state, list(reasons)),
            ).fetchone()
        else:
            result = conn.execute(
                "UPDATE ops.settlement_status SET state = %s, reasons = %s"
                " WHERE flow_id = %s AND settlement_id = %s RETURNING flow_id, settlement_id, state, reasons, created_at, updated_at",
                (state, list(reasons), flow_id, settlement_id),
            ).fetchone()
        if actor:
            conn.execute("SELECT set_config('sellerledger.actor', '', true)")
    status = _status(result)
    assert status is not None
    return status


def history(conn: psycopg.Connection[Any], flow_id: str, settlement_id: str) -> list[StatusChange]:
    """Every state change of the settlement in the flow, oldest first."""
    rows = conn.execute(
        "SELECT from_state, to_state, reasons, actor, changed_at FROM ops.settlement_status_history"
        " WHERE flow_id = %s AND settlement_id = %s ORDER BY id",
        (flow_id, settlement_id),
    ).fetchall()
    return [StatusChange(r[0], r[1], tuple(r[2]), r[3], r[4]) for r in rows]


def settlements_in_state(conn: psycopg.Connection[Any], flow_id: str, state: str) -> list[SettlementStatus]:
    """The flow's settlements currently in `state`, oldest change first."""
    rows = conn.execute(
        "SELECT flow_id, settlement_id, state, reasons, created_at, updated_at"
        " FROM ops.settlement_status WHERE flow_id = %s AND state = %s ORDER BY updated_at",
        (flow_id, state),
    ).fetchall()
    return [status for status in map(_status, rows) if status is not None]
