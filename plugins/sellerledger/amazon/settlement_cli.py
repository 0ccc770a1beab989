"""`sellerledger settlement check FILE [--json]` and `sellerledger settlement import FILE --flow ID [--seller KEY]`.

`check` reads and validates a settlement flat file (V2 or V1) without a database. Exit 0 valid, 1 invalid
(problems listed, each naming line and column where there is one), 2 usage error (e.g. no such file).
`import` stages the file into Postgres (raw document kept, lines COPYed, state `staged` for the flow).
Exit 0 staged and valid, 1 not staged (unreadable file; its raw bytes are kept) or staged with problems,
2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

USAGE_ERROR = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("settlement", help="check or import Amazon settlement report files")
    actions = parser.add_subparsers(dest="settlement_command", metavar="ACTION", required=True)

    check = actions.add_parser("check", help="parse and validate a settlement file (no database)")
    check.add_argument("file", help="settlement flat file (V2, or legacy V1), any encoding")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    check.set_defaults(func=_check)

    imp = actions.add_parser("import", help="stage a settlement file into Postgres for a flow")
    imp.add_argument("file", help="settlement flat file downloaded from Seller Central or the API")
    imp.add_argument("--flow", required=True, metavar="ID", help="flow id the settlement belongs to")
    imp.add_argument("--seller", metavar="KEY", help="seller account key (default: the flow id)")
    imp.set_defaults(func=_import)


def _usage(message: str) -> int:
    print(f"sellerledger settlement: {message}", file=sys.stderr)
    return USAGE_ERROR


def _readable(path: str) -> str | None:
    """None when `path` is a readable file, else why not."""
    file = Path(path)
    if not file.exists():
        return f"no such file: {path}"
    if not file.is_file():
        return f"not a file: {path}"
    return None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _check(args: argparse.Namespace) -> int:
    from sellerledger.amazon.settlement import validate_settlement

    why = _readable(args.file)
    if why:
        return _usage(why)
    try:
        result = validate_settlement(args.file)
    except OSError as exc:
        return _usage(f"cannot read {args.file}: {exc.strerror or exc}")
    header = result.header
    report: dict[str, Any] = {
        "file": args.file,
        "settlement_id": header.settlement_id if header else None,
        "currency": header.currency if header else None,
        "start": header.start.isoformat() if header else None,
        "end": header.end.isoformat() if header else None,
        "deposit_date": header.deposit_date.isoformat() if header and header.deposit_date else None,
        "total_amount": _money(header.total_amount) if header else None,
        "line_count": result.line_count,
        "lines_sum": _money(result.lines_sum) if header else None,
        "layout": result.layout,
        "encoding": result.encoding,
        "marketplace": result.marketplace,
        "valid": result.valid,
        "problems": result.problems,
        "warnings": result.warnings,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_report(report)
    return 0 if result.valid else 1


def _print_report(report: dict[str, Any]) -> None:
    print(f"file:          {report['file']}")
    if report["settlement_id"] is not None:
        print(f"settlement:    {report['settlement_id']} ({report['layout']}, {report['encoding']})")
        print(f"period:        {report['start']} to {report['end']}, deposit {report['deposit_date'] or '-'}")
        print(f"total-amount:  {report['total_amount']} {report['currency']}")
        print(f"lines:         {report['line_count']}, sum {report['lines_sum']} {report['currency']}")
    print("valid" if report["valid"] else f"INVALID: {len(report['problems'])} problem(s)")
    for problem in report["problems"]:
        print(f"  problem: {problem}")
    for warning in report["warnings"]:
        print(f"  warning: {warning}")


def _import(args: argparse.Namespace) -> int:
    why = _readable(args.file)
    if why:
        return _usage(why)
    import psycopg

    from sellerledger import db
    from sellerledger.amazon.settlement import SettlementFileError
    from sellerledger.staging.settlements import SettlementConflict, stage_settlement_file

    seller = args.seller or args.flow
    try:
        with db.connect() as conn:
            staged = stage_settlement_file(conn, args.file, seller=seller, flow_id=args.flow)
    except SettlementFileError as exc:
        print(f"not staged (raw file kept): {exc}", file=sys.stderr)
        return 1
    except SettlementConflict as exc:
        print(f"not staged: {exc}", file=sys.stderr)
        return 1
    except psycopg.errors.UndefinedTable:
        print("the staging schema is missing: run `sellerledger db upgrade` first", file=sys.stderr)
        return 1
    if staged.unchanged:
        what = "already staged, nothing changed" + (" (a newer document is staged)" if staged.superseded else "")
    elif staged.replaced:
        what = "staged, replacing the lines of an earlier, different document"
    else:
        what = "staged"
    print(f"settlement {staged.settlement_id}: {what}")
    print(f"  lines {staged.line_count}, sum {_money(staged.lines_sum)} {staged.currency}, "
          f"total-amount {_money(staged.total_amount)} {staged.currency}")
    print(f"  raw document {staged.raw_document_id}, flow {args.flow}: {staged.state}")
    for problem in staged.problems:
        print(f"  problem: {problem}")
    return 0 if staged.valid else 1
