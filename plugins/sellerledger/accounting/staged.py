"""Read a staged settlement from Postgres into the accounting input dataclasses.

Sources: `staging.settlements` (the summary row), `staging.settlement_lines` (the detail lines, by
`line_number`) and, when one matches, `staging.financial_event_groups` (the Finances API view of the same
period): its `original_total` becomes `Settlement.event_group_total` and a `converted_total` in another
currency becomes `Settlement.deposit`. Settlement reports do not carry the event group id, so a group
matches on seller, currency and period (start and end within `GROUP_TOLERANCE`); an ambiguous match is
ignored. The only impure module of the accounting package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import psycopg

from sellerledger.accounting.model import Money
from sellerledger.accounting.source import Settlement, SettlementLine

GROUP_TOLERANCE = timedelta(hours=1)

_LINES_SQL = (
    "SELECT settlement_id, line_number, transaction_type, amount_type, amount_description, amount, currency,"
    " posted_date_time, marketplace, marketplace_name, order_id, merchant_order_id, adjustment_id, shipment_id,"
    " fulfillment_id, order_item_code, merchant_order_item_id, merchant_adjustment_item_id, sku,"
    " quantity_purchased, promotion_id FROM staging.settlement_lines WHERE settlement_id = %s ORDER BY line_number"
)


class SettlementNotStaged(LookupError):
    """No `staging.settlements` row for the settlement id."""


@dataclass(frozen=True)
class EventGroupMatch:
    group_id: str
    original_total: Money | None
    converted_total: Money | None


def _text(value: object) -> str:
    return "" if value is None else str(value)


def load_settlement(conn: psycopg.Connection[Any], settlement_id: str, *, with_event_group: bool = True) -> Settlement:
    """The staged settlement with its lines in line order (and its matching event group's totals)."""
    head = conn.execute(
        "SELECT settlement_id, seller, marketplace, currency, settlement_start_date, settlement_end_date,"
        " deposit_date, total_amount FROM staging.settlements WHERE settlement_id = %s",
        (settlement_id,),
    ).fetchone()
    if head is None:
        raise SettlementNotStaged(f"settlement {settlement_id} is not in staging.settlements")
    sid, seller, marketplace, currency, start, end, deposit_date, total = head
    rows = conn.execute(_LINES_SQL, (settlement_id,)).fetchall()
    lines = tuple(
        SettlementLine(
            settlement_id=r[0],
            line_number=r[1],
            transaction_type=_text(r[2]),
            amount_type=_text(r[3]),
            amount_description=_text(r[4]),
            amount=Decimal(r[5]),
            currency=r[6],
            posted_at=r[7],
            marketplace=_text(r[8]) or _text(r[9]),
            order_id=_text(r[10]),
            merchant_order_id=_text(r[11]),
            adjustment_id=_text(r[12]),
            shipment_id=_text(r[13]),
            fulfillment_id=_text(r[14]),
            order_item_code=_text(r[15]),
            merchant_order_item_id=_text(r[16]),
            merchant_adjustment_item_id=_text(r[17]),
            sku=_text(r[18]),
            quantity=r[19],
            promotion_id=_text(r[20]),
        )
        for r in rows
    )
    group = find_event_group(conn, seller, currency, start, end) if with_event_group else None
    deposit = None
    if group and group.converted_total and group.converted_total.currency != currency:
        deposit = group.converted_total
    return Settlement(
        settlement_id=sid,
        start=start,
        end=end,
        deposit_date=deposit_date,
        total=Decimal(total),
        currency=currency,
        lines=lines,
        marketplace=_text(marketplace),
        deposit=deposit,
        event_group_total=group.original_total if group else None,
    )


def find_event_group(
    conn: psycopg.Connection[Any], seller: str, currency: str, start: Any, end: Any
) -> EventGroupMatch | None:
    """The one closed Finances event group of `seller` covering the same period in the same currency."""
    if conn.execute("SELECT to_regclass('staging.financial_event_groups') IS NOT NULL").fetchone()[0] is not True:  # type: ignore[index]
        return None
    rows = conn.execute(
        "SELECT group_id, original_total, original_currency, converted_total, converted_currency,"
        " abs(extract(epoch FROM group_start - %(start)s)) + abs(extract(epoch FROM group_end - %(end)s)) AS gap"
        " FROM staging.financial_event_groups"
        " WHERE seller = %(seller)s AND group_end IS NOT NULL"
        " AND (original_currency = %(currency)s OR original_currency IS NULL)"
        " AND group_start BETWEEN %(start)s - %(tol)s AND %(start)s + %(tol)s"
        " AND group_end BETWEEN %(end)s - %(tol)s AND %(end)s + %(tol)s"
        " ORDER BY gap, group_id",
        {"seller": seller, "currency": currency, "start": start, "end": end, "tol": GROUP_TOLERANCE},
    ).fetchall()
    if not rows or (len(rows) > 1 and rows[0][5] == rows[1][5]):
        return None
    gid, original, original_ccy, converted, converted_ccy, _ = rows[0]
    return EventGroupMatch(
        group_id=gid,
        original_total=Money(Decimal(original), original_ccy) if original is not None else None,
        converted_total=Money(Decimal(converted), converted_ccy) if converted is not None else None,
    )


def staged_settlement_ids(conn: psycopg.Connection[Any], flow_id: str, states: tuple[str, ...] = ("staged", "held")) -> list[str]:
    """Settlement ids of a flow in the given states (what a check task should look at), oldest end first."""
    rows = conn.execute(
        "SELECT s.settlement_id FROM ops.settlement_status st JOIN staging.settlements s USING (settlement_id)"
        " WHERE st.flow_id = %s AND st.state = ANY(%s) ORDER BY s.settlement_end_date, s.settlement_id",
        (flow_id, list(states)),
    ).fetchall()
    return [r[0] for r in rows]
