"""Run the SQL reconciliation checks in `checks/sql/*.sql` for one settlement.

Each file starts with header comments `-- check: <name>`, `-- stage: staged|documents` and optionally
`-- severity: error|warning`, and returns exactly one row `(passed, message, observed, expected,
currency, details)`. Parameters: `%(flow_id)s`, `%(settlement_id)s`. `staged` checks read the staging
tables; `documents` checks read `accounting.*` and run after the documents are saved, in the same
transaction, so a failure can roll the save back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import psycopg

from sellerledger.checks.settlement import CheckResult

Stage = Literal["staged", "documents"]
_HEADER = re.compile(r"^--\s*(check|stage|severity):\s*(\S+)\s*$", re.M)
_LITERAL_PERCENT = re.compile(r"%(?!\()")


@dataclass(frozen=True)
class SqlCheck:
    name: str
    stage: Stage
    severity: Literal["error", "warning"]
    sql: str
    file: str


@cache
def sql_checks() -> tuple[SqlCheck, ...]:
    """All SQL checks shipped with the package, sorted by file name."""
    folder = resources.files("sellerledger.checks") / "sql"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        text = entry.read_text(encoding="utf-8")
        header = dict(_HEADER.findall(text))
        if "check" not in header or header.get("stage") not in ("staged", "documents"):
            raise ValueError(f"{entry.name}: needs `-- check: <name>` and `-- stage: staged|documents` header lines")
        severity = header.get("severity", "error")
        if severity not in ("error", "warning"):
            raise ValueError(f"{entry.name}: severity must be error or warning, got {severity!r}")
        sql = _LITERAL_PERCENT.sub("%%", text)  # format('%s') in the SQL stays literal; %(name)s are parameters
        found.append(SqlCheck(header["check"], header["stage"], severity, sql, entry.name))  # type: ignore[arg-type]
    return tuple(found)


def run_sql_checks(
    conn: psycopg.Connection[Any], flow_id: str, settlement_id: str, stage: Stage
) -> list[CheckResult]:
    """Results of every SQL check of `stage` for the settlement."""
    results = []
    params = {"flow_id": flow_id, "settlement_id": settlement_id}
    for check in sql_checks():
        if check.stage != stage:
            continue
        rows = conn.execute(check.sql, params).fetchall()  # type: ignore[call-overload]
        if len(rows) != 1:
            results.append(CheckResult(check.name, False, f"{check.file} returned {len(rows)} rows, expected 1",
                                       severity=check.severity, suite="sql"))
            continue
        passed, message, observed, expected, currency, details = rows[0]
        results.append(
            CheckResult(
                name=check.name,
                passed=bool(passed),
                message=str(message),
                severity=check.severity,
                suite="sql",
                observed=observed,
                expected=expected,
                currency=currency,
                details=details or {},
            )
        )
    return results
