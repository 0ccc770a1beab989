"""Staging event groups and rows: whole-group replacement, re-collection policy, exact sums."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from sellerledger.amazon.finances import flatten_events, group_from_json
from sellerledger.staging.finances import groups_to_collect, replace_group_events, stage_event_groups
from tests.amazon.test_client_finances import ADJUSTMENT, SHIPMENT, events, money

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def group(gid: str, status: str = "Closed", end: datetime | None = T0 + timedelta(days=14)):
    raw = {"FinancialEventGroupId": gid, "ProcessingStatus": status, "FundTransferStatus": "Succeeded",
           "FinancialEventGroupStart": T0.isoformat(), "OriginalTotal": money("-20.99")}
    if end is not None:
        raw["FinancialEventGroupEnd"] = end.isoformat()
        raw["FundTransferDate"] = (end + timedelta(days=1)).isoformat()
    return group_from_json(raw)


def net(conn: psycopg.Connection, gid: str) -> Decimal:
    return conn.execute("SELECT sum(amount) FROM staging.financial_event_rows WHERE group_id = %s"
                        " AND counts_toward_net", (gid,)).fetchone()[0]


def test_group_rows_converge_take_late_events_and_drop_vanished_ones(fresh_db: str) -> None:
    g = group("G1")
    rows = flatten_events(events())
    with psycopg.connect(fresh_db) as conn:
        assert stage_event_groups(conn, "s", [g]).inserted == 1
        assert stage_event_groups(conn, "s", [g]).unchanged == 1
        first = replace_group_events(conn, "s", g, rows, T0 + timedelta(days=15))
        again = replace_group_events(conn, "s", g, rows, T0 + timedelta(days=16))
        assert net(conn, "G1") == Decimal("-31.99")  # 15.00 + 5.00 - 12.00 - 39.99
        late = flatten_events({**events(), "AdjustmentEventList": [ADJUSTMENT, dict(ADJUSTMENT, AdjustmentAmount=money("1.25"))]})
        more = replace_group_events(conn, "s", g, late, T0 + timedelta(days=17))
        assert net(conn, "G1") == Decimal("-30.74")
        gone = replace_group_events(conn, "s", g, flatten_events({"ShipmentEventList": [SHIPMENT]}), T0 + timedelta(days=18))
        count, collected = conn.execute("SELECT event_row_count, events_collected_at FROM"
                                        " staging.financial_event_groups").fetchone()
        assert net(conn, "G1") == Decimal("15.00")
    assert (first.inserted, again.inserted, again.unchanged) == (len(rows), 0, len(rows))
    assert more.inserted == 3 and more.removed == 0
    assert gone.removed == len(late) - 5 and count == 5
    assert collected == T0 + timedelta(days=18)


def test_which_groups_are_collected_again(fresh_db: str) -> None:
    closed_long_ago, closed_recently, still_open, never = (
        group("A"), group("B"), group("C", "Open", end=None), group("D"))
    with psycopg.connect(fresh_db) as conn:
        stage_event_groups(conn, "s", [closed_long_ago, closed_recently, still_open, never])
        assert groups_to_collect(conn, "s", ["A", "B", "C", "D"]) == ["A", "B", "C", "D"]
        end = T0 + timedelta(days=14)
        replace_group_events(conn, "s", closed_long_ago, [], end + timedelta(days=10))
        replace_group_events(conn, "s", closed_recently, [], end + timedelta(days=1, hours=3))
        replace_group_events(conn, "s", still_open, [], end + timedelta(days=10))
        assert groups_to_collect(conn, "s", ["A", "B", "C", "D"]) == ["B", "C", "D"]
        # C closes: collected while Open, so it is collected once more
        stage_event_groups(conn, "s", [replace(group("C"), raw=dict(group("C").raw))])
        assert "C" in groups_to_collect(conn, "s", ["C"])


def test_rows_need_their_group(fresh_db: str) -> None:
    with psycopg.connect(fresh_db) as conn, pytest.raises(psycopg.errors.ForeignKeyViolation):
        replace_group_events(conn, "s", group("nope"), flatten_events(events()), T0)
