"""The `sellerledger` command: one entry point, subcommands registered by the modules that own them.

Each module in `COMMAND_GROUPS` exposes `register(subparsers)`, adding its subcommand whose parser sets
`func` (called with the parsed args, returning the exit code). Modules import heavy dependencies inside
their command functions, so `sellerledger --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

COMMAND_GROUPS = (
    "sellerledger.db_cli",
    "sellerledger.sandbox.cli",
    "sellerledger.amazon.settlement_cli",
    "sellerledger.flows.cli",
)

USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sellerledger",
        description="Amazon settlements → Postgres → MYOB, QuickBooks Online, Xero, Wave or Zoho Books.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if not module_name.startswith(str(exc.name)):  # a missing dependency, not a missing part
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return USAGE_ERROR if args.command is None and argv else 0
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
