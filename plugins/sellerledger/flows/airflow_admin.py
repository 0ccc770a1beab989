"""Write connections and pools into Airflow's metadata database in one process (`python -m ...`).

The demo and `make airflow` need seven connections and five pools; one `airflow` CLI call each costs
seconds of start-up, so this module does them all through Airflow's models in a single interpreter.
Input is a JSON file (mode 600, deleted by the caller): {"connections": {id: {...}}, "pools": [names]}.
Run with the Airflow environment of `runtime.airflow_env`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def apply(spec: dict) -> None:
    # the ORM models of the metadata database (airflow.sdk.Connection is not one): admin code, not task code
    from airflow.models import Connection, Pool
    from airflow.utils.session import create_session

    with create_session() as session:
        for conn_id, fields in spec.get("connections", {}).items():
            existing = session.query(Connection).filter(Connection.conn_id == conn_id).one_or_none()
            if existing is not None:
                session.delete(existing)
                session.flush()
            extra = fields.get("extra")
            session.add(Connection(conn_id=conn_id, conn_type=fields["conn_type"], login=fields.get("login"),
                                   password=fields.get("password"), host=fields.get("host"),
                                   extra=extra if isinstance(extra, str) else json.dumps(extra or {})))
    for name in spec.get("pools", []):
        Pool.create_or_update_pool(name, 1, f"sellerledger posting to {name}", False)


if __name__ == "__main__":
    apply(json.loads(Path(sys.argv[1]).read_text()))
