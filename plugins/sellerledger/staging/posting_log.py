"""The posting log and audit trail: intent before the ledger call, the ledger id after it.

Each write commits on its own, so whatever moment a process dies, the log says either "never tried",
"may have been sent" (`intent`: look in the ledger before sending again) or "posted as <ledger id>".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import TracebackType

import psycopg

from sellerledger.ledgers.base import LedgerDocument


@dataclass(frozen=True)
class LogEntry:
    flow_id: str
    doc_key: str
    state: str
    payload_hash: str
    ledger_id: str | None
    ledger_version: str | None
    attempts: int
    last_error: str | None
    posted_at: datetime | None


class PostingLog:
    """Posting log rows of one flow and ledger tenant.

    One autocommit connection is opened on first use and kept (a connection per write cost 4-5 ms, more than
    the ledger call itself); each write is still its own transaction. A connection that broke is dropped and
    the next write opens a new one. `close()` (or `with PostingLog(...)`) releases it.
    """

    def __init__(self, db_url: str, flow_id: str, ledger: str, tenant: str, run_id: str | None = None) -> None:
        self._url = db_url
        self.flow_id = flow_id
        self.ledger = ledger
        self.tenant = tenant
        self.run_id = run_id
        self._conn: psycopg.Connection | None = None

    @contextmanager
    def _connect(self) -> Iterator[psycopg.Connection]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._url, autocommit=True)
        try:
            yield self._conn
        except psycopg.OperationalError:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> PostingLog:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def get_many(self, keys: list[str]) -> dict[str, LogEntry]:
        if not keys:
            return {}
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT flow_id, doc_key, state, payload_hash, ledger_id, ledger_version, attempts, last_error,"
                " posted_at FROM posting.log WHERE flow_id = %s AND doc_key = ANY(%s)",
                (self.flow_id, keys),
            ).fetchall()
        return {row[1]: LogEntry(*row) for row in rows}

    def record_intent(self, documents: list[LedgerDocument]) -> None:
        """Before the call: the documents may be in the ledger after this point."""
        with self._connect() as conn, conn.transaction():
            for doc in documents:
                conn.execute(
                    "INSERT INTO posting.log (flow_id, doc_key, ledger, tenant, kind, settlement_id, reference,"
                    " currency, total_amount, payload_hash, state, attempts)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'intent', 1)"
                    " ON CONFLICT (flow_id, doc_key) DO UPDATE SET state = CASE WHEN posting.log.state = 'posted'"
                    " THEN 'posted' ELSE 'intent' END, attempts = posting.log.attempts + 1, updated_at = now()",
                    (self.flow_id, doc.key, self.ledger, self.tenant, doc.kind, doc.settlement_id, doc.reference,
                     doc.currency, doc.total, doc.payload_hash),
                )

    def mark_posted(self, doc: LedgerDocument, ledger_id: str, version: str | None, action: str) -> None:
        with self._connect() as conn, conn.transaction():
            conn.execute(
                "UPDATE posting.log SET state = 'posted', ledger_id = %s, ledger_version = %s, payload_hash = %s,"
                " total_amount = %s, last_error = NULL, posted_at = now(), updated_at = now()"
                " WHERE flow_id = %s AND doc_key = %s",
                (ledger_id, version, doc.payload_hash, doc.total, self.flow_id, doc.key),
            )
            self._audit(conn, doc, action, "ok", ledger_id, None)

    def mark_failed(self, doc: LedgerDocument, error: Exception, outcome: str, *, keep_intent: bool) -> None:
        """A fatal error marks the row failed; a retriable one that ran out keeps `intent` (look first next time)."""
        state = "intent" if keep_intent else ("blocked" if outcome == "auth_blocked" else "failed")
        with self._connect() as conn, conn.transaction():
            conn.execute(
                "UPDATE posting.log SET state = CASE WHEN state = 'posted' THEN 'posted' ELSE %s END,"
                " last_error = %s, updated_at = now() WHERE flow_id = %s AND doc_key = %s",
                (state, str(error)[:2000], self.flow_id, doc.key),
            )
            self._audit(conn, doc, "create", outcome, None, str(error)[:2000])

    def audit(self, doc: LedgerDocument, action: str, outcome: str, ledger_id: str | None, detail: str | None) -> None:
        with self._connect() as conn:
            self._audit(conn, doc, action, outcome, ledger_id, detail)

    def _audit(self, conn: psycopg.Connection, doc: LedgerDocument, action: str, outcome: str,
               ledger_id: str | None, detail: str | None) -> None:
        conn.execute(
            "INSERT INTO posting.audit (flow_id, doc_key, ledger, kind, action, outcome, attempt, currency,"
            " total_amount, ledger_id, detail, run_id)"
            " SELECT %s, %s, %s, %s, %s, %s, COALESCE((SELECT attempts FROM posting.log"
            "   WHERE flow_id = %s AND doc_key = %s), 0), %s, %s, %s, %s, %s",
            (self.flow_id, doc.key, self.ledger, doc.kind, action, outcome, self.flow_id, doc.key, doc.currency,
             doc.total, ledger_id, detail, self.run_id),
        )

    def block(self, conn_id: str, reason: str) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO ops.sync_blocks (flow_id, ledger, conn_id, reason) VALUES (%s, %s, %s, %s)",
                (self.flow_id, self.ledger, conn_id, reason[:2000]),
            )

    def active_block(self) -> str | None:
        """The reason posting is blocked for this flow and ledger, if it is."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT conn_id, reason FROM ops.sync_blocks WHERE flow_id = %s AND ledger = %s"
                " AND cleared_at IS NULL ORDER BY blocked_at DESC LIMIT 1",
                (self.flow_id, self.ledger),
            ).fetchone()
        return f"connection {row[0]!r}: {row[1]}" if row else None

    def clear_blocks(self) -> int:
        with self._connect() as conn:
            cursor = conn.execute(
                "UPDATE ops.sync_blocks SET cleared_at = now() WHERE flow_id = %s AND ledger = %s"
                " AND cleared_at IS NULL",
                (self.flow_id, self.ledger),
            )
            return cursor.rowcount

    def posted_total(self, settlement_id: str) -> dict[str, Decimal]:
        """Totals of posted documents of a settlement, per currency."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT currency, sum(total_amount) FROM posting.log WHERE flow_id = %s AND settlement_id = %s"
                " AND state = 'posted' GROUP BY 1",
                (self.flow_id, settlement_id),
            ).fetchall()
        return {currency: total for currency, total in rows}
