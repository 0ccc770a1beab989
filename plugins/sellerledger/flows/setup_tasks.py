"""Bodies of the setup DAG's tasks: prepare the staging database and report what it holds."""

from __future__ import annotations

from sellerledger import db
from sellerledger.staging import schema


def upgrade_staging_schema() -> list[str]:
    """Apply pending staging migrations; returns the versions applied by this call."""
    return schema.upgrade(db.staging_url())


def staging_inventory() -> dict[str, int]:
    """Number of tables per schema in the staging database (what an operator checks after set-up)."""
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT table_schema, count(*) FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema') GROUP BY 1 ORDER BY 1"
        ).fetchall()
    return {name: int(count) for name, count in rows}
