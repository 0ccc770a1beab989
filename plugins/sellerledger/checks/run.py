"""Check one staged settlement end to end and mark it `validated` or `held` (with reasons).

    report = check_settlement(conn, "acme-us-xero", "28471003921", policy, mapping, run_id="manual-1")

1. Load the settlement (`accounting.staged`), run the input checks (pure and SQL) and, when asked, the
   great-expectations suites.
2. Build the documents (`accounting.build`) and run the document checks.
3. If no error-severity check failed: save the documents (`accounting.store`, versioned) and run the SQL
   checks over the saved documents; a failure there rolls the save back.
4. Store every result (`ops.check_results`, `ops.check_runs`) and move the settlement through the status
   API: `validated`, or `held` with the failed checks' messages as reasons. A held settlement whose cause
   is fixed (mapping row added, complete file re-staged) is released by the next check.

Everything after loading happens in one transaction (a savepoint if the caller holds one open), so a
crash never leaves documents saved for a settlement still marked staged, or results without a state.
Settlements already posted are not moved back to validated: a clean re-check leaves them as they are,
a failed one holds them (an alarm for the bookkeeper).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from sellerledger.accounting.build import BuildResult, build_documents
from sellerledger.accounting.categorize import UnmappedType
from sellerledger.accounting.mappings import Mapping
from sellerledger.accounting.model import Document
from sellerledger.accounting.policy import AccountingPolicy
from sellerledger.accounting.staged import load_settlement, staged_settlement_ids
from sellerledger.accounting.store import SaveResult, save_documents
from sellerledger.checks.results import RunSummary, store_results, store_run
from sellerledger.checks.settlement import CheckOptions, CheckResult, document_checks, input_checks
from sellerledger.checks.sqlchecks import run_sql_checks
from sellerledger.staging import status


@dataclass(frozen=True)
class CheckReport:
    """What checking one settlement found and decided."""

    run_id: str
    flow_id: str
    settlement_id: str
    outcome: str  # "validated" | "held"
    reasons: tuple[str, ...]
    results: tuple[CheckResult, ...]
    documents: tuple[Document, ...] = ()  # the stored versions to post (empty when held)
    unmapped: tuple[UnmappedType, ...] = ()
    saved: SaveResult | None = field(default=None, compare=False)
    state: str | None = None  # the settlement's state after the check

    @property
    def validated(self) -> bool:
        return self.outcome == "validated"

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if not r.passed)


class _RollBack(Exception):
    """Internal: undo the document save inside its savepoint."""


def check_settlement(
    conn: psycopg.Connection[Any],
    flow_id: str,
    settlement_id: str,
    policy: AccountingPolicy,
    mapping: Mapping,
    run_id: str,
    *,
    options: CheckOptions | None = None,
    gx: bool = False,
    actor: str | None = None,
) -> CheckReport:
    """Check, build, save and mark one settlement (see the module docstring)."""
    if mapping.ledger != policy.ledger:
        raise ValueError(f"policy is for {policy.ledger} but the mapping is for {mapping.ledger}")
    with conn.transaction():
        settlement = load_settlement(conn, settlement_id)
        results: list[CheckResult] = [*input_checks(settlement, options)]
        results += run_sql_checks(conn, flow_id, settlement_id, "staged")
        if gx:
            from sellerledger.checks.gx import run_gx_checks

            results += run_gx_checks(conn, flow_id, settlement_id)
        build: BuildResult | None
        try:
            build = build_documents(settlement, mapping, policy, flow_id)
        except ValueError as exc:  # inconsistent input the model refuses (e.g. a line in another currency)
            build = None
            results.append(CheckResult("documents_built", False, f"documents could not be built: {exc}"))
        if build is not None:
            results += document_checks(settlement, build, policy)

        saved: SaveResult | None = None
        if not any(r.blocks for r in results) and build is not None:
            try:
                with conn.transaction():
                    saved = save_documents(conn, flow_id, settlement_id, build.documents, run_id=run_id,
                                           versioning=policy.versioning)
                    after = run_sql_checks(conn, flow_id, settlement_id, "documents")
                    results += after
                    if any(r.blocks for r in after):
                        raise _RollBack
            except _RollBack:
                saved = None
            if saved is not None:
                results.append(_drift_result(saved))

        blocking = [r for r in results if r.blocks]
        outcome = "held" if blocking or saved is None else "validated"
        reasons = tuple(f"{r.name}: {r.message}" for r in blocking)
        store_results(conn, run_id, flow_id, settlement_id, results)
        documents = tuple(saved.documents) if saved is not None else ()
        store_run(
            conn,
            RunSummary(
                run_id=run_id, flow_id=flow_id, settlement_id=settlement_id, outcome=outcome, reasons=reasons,
                mode=policy.mode, ledger=policy.ledger, mapping_version=mapping.version, mapping_hash=mapping.hash,
                total_amount=settlement.total, lines_sum=settlement.lines_sum, currency=settlement.currency,
                line_count=len(settlement.lines), document_count=len(documents),
            ),
        )
        state = _mark(conn, flow_id, settlement_id, outcome, reasons, actor)
    return CheckReport(
        run_id=run_id, flow_id=flow_id, settlement_id=settlement_id, outcome=outcome, reasons=reasons,
        results=tuple(results), documents=documents,
        unmapped=build.unmapped_report if build is not None else (), saved=saved, state=state,
    )


def _drift_result(saved: SaveResult) -> CheckResult:
    if not saved.drift:
        return CheckResult("posted_documents_unchanged", True, "no posted document differs from its rebuild",
                           severity="warning")
    return CheckResult(
        "posted_documents_unchanged", False,
        f"{len(saved.drift)} posted documents differ from their rebuild (mapping changed after posting); "
        "they were kept: reverse and repost them by hand if the change must apply",
        severity="warning", details={"drift": [{"key": d.key, "reason": d.reason} for d in saved.drift]},
    )


def _mark(
    conn: psycopg.Connection[Any], flow_id: str, settlement_id: str, outcome: str, reasons: tuple[str, ...],
    actor: str | None,
) -> str:
    current = status.get_status(conn, flow_id, settlement_id)
    before = current.state if current else None
    if before in ("posted", "reconciled") and outcome == "validated":
        return before  # a clean re-check of a posted settlement changes nothing
    if before in (None, "discovered") and outcome == "validated":
        status.transition(conn, flow_id, settlement_id, "staged", actor=actor)
    return status.transition(conn, flow_id, settlement_id, outcome, list(reasons), actor=actor).state


def check_flow(
    conn: psycopg.Connection[Any],
    flow_id: str,
    policy: AccountingPolicy,
    mapping: Mapping,
    run_id: str,
    *,
    options: CheckOptions | None = None,
    gx: bool = False,
    actor: str | None = None,
) -> list[CheckReport]:
    """Check every settlement of the flow that is `staged` or `held` (a fixed mapping releases held ones)."""
    return [
        check_settlement(conn, flow_id, sid, policy, mapping, run_id, options=options, gx=gx, actor=actor)
        for sid in staged_settlement_ids(conn, flow_id)
    ]
