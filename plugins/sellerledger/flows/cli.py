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
    flows = subparsers.add_parser("flows", help="inspect include/flows.yaml")
    actions = flows.add_subparsers(dest="flows_command", metavar="ACTION", required=True)
    actions.add_parser("validate", help="validate flows.yaml; exit 1 naming each bad entry and field").set_defaults(
        func=_validate)
    actions.add_parser("sync-pools", help="create the Airflow pool of each ledger connection").set_defaults(
        func=_sync_pools)


def _demo(args: argparse.Namespace) -> int:
    from sellerledger.flows.demo import run_demo

    return run_demo(as_json=args.json)


def _airflow(args: argparse.Namespace) -> int:
    from sellerledger.flows.standalone import run_standalone

    return run_standalone(port=args.port)


def _validate(args: argparse.Namespace) -> int:
    from sellerledger.flows.config import default_path, load_flows

    flows, errors = load_flows()
    for flow in flows:
        print(f"ok    {flow.id}: {flow.seller} {','.join(flow.marketplaces)} → {flow.ledger} ({flow.posting_mode})")
    for error in errors:
        print(f"error {error}")
    if not flows and not errors:
        print(f"no flows in {default_path()}")
    return 1 if errors else 0


def _sync_pools(args: argparse.Namespace) -> int:
    import os

    from sellerledger.flows import runtime
    from sellerledger.flows.config import load_flows

    flows, _ = load_flows()
    runtime.sync_pools(dict(os.environ), flows)
    return 0
