"""`sellerledger db ...`: start, stop and inspect the staging database; apply the staging schema."""

from __future__ import annotations

import argparse

from sellerledger import db


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="manage the staging database")
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    actions.add_parser("start", help="start the embedded Postgres (no-op when SELLERLEDGER_DB_URL is set)").set_defaults(
        func=_start
    )
    actions.add_parser("stop", help="stop the embedded Postgres").set_defaults(func=_stop)
    actions.add_parser("url", help="print the staging database URL").set_defaults(func=_url)
    actions.add_parser("airflow-url", help="print the Airflow metadata database URL (SQLAlchemy)").set_defaults(
        func=_airflow_url
    )
    actions.add_parser("upgrade", help="apply the versioned staging schema").set_defaults(func=_upgrade)


def _start(args: argparse.Namespace) -> int:
    started = False if db.settings.db_url_override() else db.EmbeddedPostgres.default().start()
    print("started" if started else "already running (or external database)")
    return 0


def _stop(args: argparse.Namespace) -> int:
    db.EmbeddedPostgres.default().stop()
    return 0


def _url(args: argparse.Namespace) -> int:
    print(db.staging_url())
    return 0


def _airflow_url(args: argparse.Namespace) -> int:
    print(db.airflow_sqlalchemy_url())
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from sellerledger.staging import schema

    applied = schema.upgrade(db.staging_url())
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    return 0
