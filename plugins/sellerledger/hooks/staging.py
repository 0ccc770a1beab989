"""Hook for the staging database: an Airflow connection, or (when it has no host) the embedded Postgres."""

from __future__ import annotations

from functools import cached_property
from urllib.parse import quote

import psycopg
from airflow.sdk import BaseHook

from sellerledger import db


class StagingDatabaseHook(BaseHook):
    """Connection → libpq URL of the staging database; `test_connection` runs `SELECT 1`."""

    conn_name_attr = "staging_conn_id"
    default_conn_name = "sellerledger_staging_default"
    conn_type = "sellerledger_staging"
    hook_name = "sellerledger staging database"

    def __init__(self, staging_conn_id: str | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.staging_conn_id = staging_conn_id

    @cached_property
    def url(self) -> str:
        if not self.staging_conn_id:
            return db.staging_url()
        conn = self.get_connection(self.staging_conn_id)
        if not conn.host:
            return db.staging_url()
        auth = quote(conn.login or "", safe="")
        if conn.password:
            auth += ":" + quote(conn.password, safe="")
        sslmode = (conn.extra_dejson or {}).get("sslmode", "prefer")
        return f"postgresql://{auth}@{conn.host}:{conn.port or 5432}/{conn.schema or 'sellerledger'}?sslmode={sslmode}"

    def get_conn(self) -> psycopg.Connection:
        return psycopg.connect(self.url)

    def test_connection(self) -> tuple[bool, str]:
        try:
            with self.get_conn() as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
        except psycopg.Error as exc:
            return False, f"cannot reach the staging database: {type(exc).__name__}"
        return True, f"staging database reachable (PostgreSQL {version})"
