"""Store built documents in `accounting.documents` with versioning that never rewrites a posted document.

For each logical document (its `identity`) of a settlement:
- not stored yet → stored as version 1 (or after the highest withdrawn/superseded version);
- stored with the same content hash → kept; the rebuild gets the stored key (reruns are idempotent);
- stored, different content, not posted → the stored version is superseded and version n+1 stored
  (`versioning="frozen"` keeps the stored one and only records the drift);
- stored, different content, posted (or in flight: `posting.log` state intent/posted) → kept unchanged;
  the rebuild's hash is recorded in `drift_hash` and reported, for a human to reverse and repost.
Current documents a rebuild no longer produces are withdrawn when unposted, reported when posted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg.types.json import Jsonb

from sellerledger.accounting.model import Document


@dataclass(frozen=True)
class Drift:
    """A posted document whose rebuild differs (or disappeared): needs a human decision."""

    key: str
    identity: str
    reason: str


@dataclass
class SaveResult:
    documents: list[Document] = field(default_factory=list)  # as stored: the versions to post
    inserted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)


def _lock(conn: psycopg.Connection[Any], flow_id: str, settlement_id: str) -> None:
    digest = hashlib.sha256(f"documents/{flow_id}/{settlement_id}".encode()).digest()
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (int.from_bytes(digest[:8], "big", signed=True),))


def _posting_log_exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('posting.log') IS NOT NULL").fetchone()
    return bool(row and row[0])


def posted_keys(conn: psycopg.Connection[Any], flow_id: str, keys: list[str]) -> set[str]:
    """Keys that are posted or may be (marked posted here, or `posting.log` state intent/posted)."""
    if not keys:
        return set()
    found = {
        row[0]
        for row in conn.execute(
            "SELECT key FROM accounting.documents WHERE key = ANY(%s) AND posted_at IS NOT NULL", (keys,)
        ).fetchall()
    }
    if _posting_log_exists(conn):
        found.update(
            row[0]
            for row in conn.execute(
                "SELECT doc_key FROM posting.log WHERE flow_id = %s AND doc_key = ANY(%s)"
                " AND state IN ('intent', 'posted')",
                (flow_id, keys),
            ).fetchall()
        )
    return found


def _insert(conn: psycopg.Connection[Any], doc: Document, content_hash: str, run_id: str | None) -> None:
    payload = doc.to_payload()
    conn.execute(
        "INSERT INTO accounting.documents (key, identity, version, flow_id, settlement_id, marketplace, part, kind,"
        " ref, currency, doc_date, net_amount, debit_total, payload, source_lines, content_hash, mapping_version,"
        " mapping_hash, built_run_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            doc.key, doc.identity, doc.version, doc.flow_id, doc.settlement_id, doc.marketplace, doc.part,
            doc.kind.value, doc.ref, doc.currency, doc.date, doc.net.amount, doc.debit_total, Jsonb(payload),
            Jsonb([[r.settlement_id, r.line_number] for r in doc.sources]), content_hash, doc.mapping_version,
            doc.mapping_hash, run_id,
        ),
    )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO accounting.document_lines (doc_key, line_no, role, account, amount, currency, category,"
            " tax_code, tracking, ref, suspense) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (doc.key, n, line.role.value, line.account, line.amount, line.currency, line.category,
                 line.tax_code, Jsonb([list(p) for p in line.tracking]), line.ref, line.suspense)
                for n, line in enumerate(doc.lines, start=1)
            ],
        )
        sources = [
            (doc.key, n, ref.settlement_id, ref.line_number)
            for n, line in enumerate(doc.lines, start=1)
            for ref in line.sources
        ] + [(doc.key, 0, ref.settlement_id, ref.line_number) for group in doc.netted for ref in group.sources]
        cur.executemany(
            "INSERT INTO accounting.document_sources (doc_key, line_no, settlement_id, line_number)"
            " VALUES (%s, %s, %s, %s)",
            sources,
        )


def save_documents(
    conn: psycopg.Connection[Any],
    flow_id: str,
    settlement_id: str,
    documents: list[Document] | tuple[Document, ...],
    *,
    run_id: str | None = None,
    versioning: Literal["rebuild_unposted", "frozen"] = "rebuild_unposted",
) -> SaveResult:
    """Store a settlement's rebuilt documents (see the module docstring); one transaction."""
    result = SaveResult()
    with conn.transaction():
        _lock(conn, flow_id, settlement_id)
        rows = conn.execute(
            "SELECT identity, key, version, content_hash, status FROM accounting.documents"
            " WHERE flow_id = %s AND settlement_id = %s",
            (flow_id, settlement_id),
        ).fetchall()
        current = {r[0]: r for r in rows if r[4] == "current"}
        highest: dict[str, int] = {}
        for r in rows:
            highest[r[0]] = max(highest.get(r[0], 0), r[2])
        posted = posted_keys(conn, flow_id, [r[1] for r in current.values()])
        now = datetime.now().astimezone()
        produced: set[str] = set()
        for doc in documents:
            if doc.flow_id != flow_id or doc.settlement_id != settlement_id:
                raise ValueError(f"{doc.identity} does not belong to flow {flow_id} settlement {settlement_id}")
            identity = doc.identity
            produced.add(identity)
            content_hash = doc.content_hash()
            row = current.get(identity)
            if row is None:
                stored = doc.with_version(highest.get(identity, 0) + 1)
                _insert(conn, stored, content_hash, run_id)
                result.inserted.append(stored.key)
                result.documents.append(stored)
                continue
            _, key, version, stored_hash, _ = row
            if stored_hash == content_hash:
                result.unchanged.append(key)
                result.documents.append(doc.with_version(version))
                continue
            if key in posted or versioning == "frozen":
                conn.execute(
                    "UPDATE accounting.documents SET drift_hash = %s, drift_at = %s WHERE key = %s",
                    (content_hash, now, key),
                )
                why = "posted" if key in posted else "versioning is frozen"
                result.drift.append(Drift(key, identity, f"rebuild differs from stored version ({why})"))
                result.documents.append(_load_one(conn, key))
                continue
            stored = doc.with_version(version + 1)
            conn.execute(
                "UPDATE accounting.documents SET status = 'superseded', superseded_at = %s WHERE key = %s",
                (now, key),
            )
            _insert(conn, stored, content_hash, run_id)
            conn.execute("UPDATE accounting.documents SET superseded_by = %s WHERE key = %s", (stored.key, key))
            result.superseded.append(key)
            result.inserted.append(stored.key)
            result.documents.append(stored)
        for identity, row in current.items():
            if identity in produced:
                continue
            key = row[1]
            if key in posted:
                result.drift.append(Drift(key, identity, "posted document is no longer produced by the rebuild"))
                continue
            conn.execute(
                "UPDATE accounting.documents SET status = 'withdrawn', superseded_at = %s WHERE key = %s",
                (now, key),
            )
            result.withdrawn.append(key)
    return result


def _load_one(conn: psycopg.Connection[Any], key: str) -> Document:
    row = conn.execute("SELECT payload FROM accounting.documents WHERE key = %s", (key,)).fetchone()
    if row is None:
        raise KeyError(key)
    payload = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return Document.from_payload(payload)


def load_documents(conn: psycopg.Connection[Any], flow_id: str, settlement_id: str) -> list[Document]:
    """The current documents of a settlement, in posting order (invoices and credit notes first per part)."""
    rows = conn.execute(
        "SELECT payload FROM accounting.documents WHERE flow_id = %s AND settlement_id = %s AND status = 'current'"
        " ORDER BY marketplace, part,"
        " CASE kind WHEN 'order_invoice' THEN 0 WHEN 'credit_note' THEN 1 ELSE 2 END, ref",
        (flow_id, settlement_id),
    ).fetchall()
    return [Document.from_payload(r[0] if isinstance(r[0], dict) else json.loads(r[0])) for r in rows]


def mark_posted(conn: psycopg.Connection[Any], key: str, ledger_id: str, posted_at: datetime | None = None) -> None:
    """For the posting layer: record that the ledger accepted document version `key` as `ledger_id`."""
    with conn.transaction():
        updated = conn.execute(
            "UPDATE accounting.documents SET posted_at = COALESCE(%s, now()), ledger_id = %s WHERE key = %s",
            (posted_at, ledger_id, key),
        ).rowcount
    if updated != 1:
        raise KeyError(f"no accounting document {key!r}")
