"""COPY helpers: stream pre-formatted COPY text into a table, and temporary tables shaped like a staging table.

Loaders build COPY text (FORMAT text: tab-separated, backslash escapes, here '' meaning NULL) while they parse,
and hand it over in chunks, so a million-line document never sits in memory as Python objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.copy import Writer


def _qualified(table: str) -> sql.Composable:
    return sql.SQL(".").join(sql.Identifier(part) for part in table.split("."))


def copy_text(
    cursor: psycopg.Cursor[Any],
    table: str,
    columns: Sequence[str],
    chunks: Iterable[str],
    *,
    null: str = "",
    writer: Writer | None = None,
) -> int:
    """COPY `chunks` of text-format lines into `table` (`schema.name`) `columns`; returns the characters sent.

    `writer`: how the data reaches the server (psycopg's default: `write` waits until it is sent; a
    `psycopg.copy.QueuedLibpqWriter` sends from a thread while the chunks are being made)."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT text, NULL {})").format(
        _qualified(table), sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Literal(null)
    )
    sent = 0
    with cursor.copy(statement, writer=writer) as copy:
        for chunk in chunks:
            copy.write(chunk)
            sent += len(chunk)
    return sent


def create_temp_like(cursor: psycopg.Cursor[Any], name: str, like: str) -> str:
    """Create a temporary table `name` shaped like `like` (`schema.name`), dropped at commit; returns its name."""
    cursor.execute(
        sql.SQL("CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
            sql.Identifier(name), _qualified(like)
        )
    )
    return name
