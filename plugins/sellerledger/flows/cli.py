"""`sellerledger demo` and `sellerledger airflow`: the job end to end, and the Airflow UI over its data."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="run the demo job end to end through Airflow and report")
    demo.add_argument("--json", action="store_true", help="print the report as one JSON object")
    demo.set_defaults(func=_demo)
    airflow = subparsers.add_parser("airflow", help="Airflow standalone (UI on :8080, admin/admin) over the demo data")
    airflow.add_argument("--port", type=int, default=8080)
    airflow.set_defaults(func=_airflow)


def _demo(args: argparse.Namespace) -> int:
    from sellerledger.flows.demo import run_demo

    return run_demo(as_json=args.json)


def _airflow(args: argparse.Namespace) -> int:
    from sellerledger.flows.standalone import run_standalone

    return run_standalone(port=args.port)
