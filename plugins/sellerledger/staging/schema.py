"""Versioned staging DDL: `sql/V<NNN>__<name>.sql` files applied once each, in order, under a lock.

Version ranges by owner, so parallel work never collides: V001-V009 raw documents and Amazon staging,
V010-V019 accounting and checks, V020-V029 posting log, token store and audit, V030-V039 flows and runs.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import psycopg

_MIGRATION = re.compile(r"^V(\d{3})__([a-z0-9_]+)\.sql$")
_LOCK_ID = 0x5E11E71ED  # pg_advisory_xact_lock key: one upgrader at a time


def migrations() -> list[tuple[str, str]]:
    """(version, sql) pairs in version order."""
    folder = resources.files("sellerledger.staging") / "sql"
    found = []
    if not folder.is_dir():
        return found
    for entry in folder.iterdir():
        match = _MIGRATION.match(entry.name)
        if match:
            found.append((entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8")))
    return sorted(found)


def upgrade(url: str) -> list[str]:
    """Apply pending migrations to the database at `url`; returns the versions applied now."""
    applied_now: list[str] = []
    with psycopg.connect(url) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
                " version text PRIMARY KEY, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = dict(conn.execute("SELECT version, checksum FROM public.schema_migrations").fetchall())
            for version, sql in migrations():
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                if version in done:
                    if done[version] != checksum:
                        raise RuntimeError(
                            f"migration {version} was changed after it was applied; add a new migration instead"
                        )
                    continue
                conn.execute(sql)
                conn.execute(
                    "INSERT INTO public.schema_migrations (version, checksum) VALUES (%s, %s)", (version, checksum)
                )
                applied_now.append(version)
    return applied_now
