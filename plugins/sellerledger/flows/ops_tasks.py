"""Bodies of the operations DAGs: replay held or failed settlements, and watch for missing settlements.

Replay: after a fix (mapping, data, or a re-authorised connection), re-check the named settlements of a
flow (a held one is released when its checks now pass), clear the flow's sync block if asked, and post
what validates, exactly once, as a normal run would.

Monitor: Amazon settles every 14 days per marketplace (7 in Japan); when a marketplace's newest staged
settlement ended longer ago than its cycle plus the flow's slack, an alert says so.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sellerledger import db
from sellerledger.flows.config import Flow, get_flow, load_flows
from sellerledger.flows.tasks import RunContext, check_settlements, post_settlement, reconcile

log = logging.getLogger(__name__)

CYCLE_DAYS = {"JP": 7}
DEFAULT_CYCLE_DAYS = 14


def replay(flow_id: str, settlement_ids: list[str], *, clear_block: bool, run_id: str,
           dry_run: bool = False) -> list[dict[str, Any]]:
    """Re-check and re-post `settlement_ids` of `flow_id` (all held/validated ones when empty)."""
    import psycopg

    from sellerledger.staging.posting_log import PostingLog

    flow = get_flow(flow_id)
    if clear_block:
        cleared = PostingLog(db.staging_url(), flow.id, flow.ledger, "-").clear_blocks()
        log.info("%s: %d sync block(s) cleared", flow.id, cleared)
    with psycopg.connect(db.staging_url()) as conn:
        pending = [row[0] for row in conn.execute(
            "SELECT settlement_id FROM ops.settlement_status WHERE flow_id = %s AND state IN ('held', 'validated')"
            " ORDER BY settlement_id", (flow.id,))]
    wanted = settlement_ids or pending
    ctx = RunContext(run_id=run_id, params={"settlement_ids": wanted, "dry_run": dry_run})
    plan = {"settlement_ids": wanted, "pending": {"staged": [], "held": [], "validated": []}}
    validated = check_settlements(flow.id, ctx, plan, {"staged": []})
    posted = [post_settlement(flow.id, ctx, sid) for sid in validated]
    return reconcile(flow.id, ctx, posted)


def missing_settlements(now: datetime | None = None) -> list[dict[str, Any]]:
    """Marketplaces of every flow whose expected settlement has not appeared; each raises an alert."""
    import psycopg

    from sellerledger.flows.alerts import raise_alert

    now = now or datetime.now(UTC)
    flows, _ = load_flows()
    late: list[dict[str, Any]] = []
    with psycopg.connect(db.staging_url()) as conn:
        for flow in flows:
            for marketplace in flow.marketplaces:
                row = conn.execute(
                    "SELECT max(settlement_end_date) FROM staging.settlements WHERE seller = %s AND marketplace = %s",
                    (flow.seller, marketplace)).fetchone()
                overdue = _overdue(flow, marketplace, row[0] if row else None, now)
                if overdue is None:
                    continue
                late.append(overdue)
                raise_alert(flow, "missing_settlement", f"no {marketplace} settlement since {overdue['last_end']}",
                            f"expected every {overdue['cycle_days']} days (+{flow.alerts.missing_settlement_slack_days}"
                            f" days slack); check the seller's Amazon account and the extraction runs")
    return late


def _overdue(flow: Flow, marketplace: str, last_end: datetime | None, now: datetime) -> dict[str, Any] | None:
    if last_end is None:
        return None  # nothing staged yet: a new flow, not a missing settlement
    cycle = CYCLE_DAYS.get(marketplace, DEFAULT_CYCLE_DAYS)
    due = last_end + timedelta(days=cycle + flow.alerts.missing_settlement_slack_days)
    if now <= due:
        return None
    return {"flow": flow.id, "marketplace": marketplace, "last_end": last_end.date().isoformat(),
            "cycle_days": cycle, "days_late": (now - due).days}
