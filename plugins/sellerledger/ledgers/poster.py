"""Exactly-once posting: the log first, then the ledger, and only then a create.

For each rendered document:
1. posted in the log with the same payload hash → nothing to do;
2. posted with a different hash (the source changed, e.g. an order refunded after its invoice) → the
   client updates it (SyncToken / RowVersion) or reverses and re-creates it where documents are write-once;
3. an earlier attempt left `intent` (or failed) → the response may have been lost after the ledger
   committed, so look in the ledger by reference / external id; found → record it, never post again;
4. otherwise record intent (committed), create in batches of the ledger's size, record the ledger id.
   A client that splits a call into per-endpoint batches itself (Xero: invoices, credit notes, payments,
   journals each in their own batches of 50) says how many documents one `create` may take
   (`create_span`), so a settlement's documents of one endpoint are not cut into more batches than
   that endpoint needs; intent is recorded for each such call before it goes out.

A refused credential (`AuthBlocked`) records a sync block and stops posting for the flow; while a block is
active nothing is sent. The client does its own retries and pacing; what still fails is logged and raised.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sellerledger.ledgers.base import Found, LedgerClient, LedgerDocument, PostResult
from sellerledger.ledgers.errors import AuthBlocked, ConflictError, FatalError, LedgerError, RetriableError
from sellerledger.staging.posting_log import LogEntry, PostingLog

log = logging.getLogger(__name__)


class SyncBlocked(RuntimeError):
    """Posting to this ledger is blocked until its connection is re-authorised."""


class PostingIncomplete(RuntimeError):
    """Some documents could not be posted this time (transient trouble outlasted the retries)."""


@dataclass
class PostingSummary:
    created: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"created": len(self.created), "found": len(self.found), "updated": len(self.updated),
                "skipped": len(self.skipped), "failed": dict(self.failed)}


def _outcome(error: Exception) -> str:
    if isinstance(error, AuthBlocked):
        return "auth_blocked"
    if isinstance(error, ConflictError):
        return "conflict"
    if isinstance(error, RetriableError):
        return "retriable_error"
    return "fatal_error"


def post_documents(
    client: LedgerClient, posting_log: PostingLog, documents: Sequence[LedgerDocument], *, conn_id: str
) -> PostingSummary:
    """Post `documents` exactly once; see the module docstring. Raises `SyncBlocked` or `PostingIncomplete`."""
    block = posting_log.active_block()
    if block:
        raise SyncBlocked(f"posting to {client.ledger} is blocked: {block}; re-authorise and clear the block")
    summary = PostingSummary()
    entries = posting_log.get_many([doc.key for doc in documents])
    to_create: list[LedgerDocument] = []
    try:
        for doc in documents:
            entry = entries.get(doc.key)
            if entry is not None and entry.state == "posted":
                _settle_posted(client, posting_log, doc, entry, summary)
            elif entry is not None:
                found = client.find(doc)
                if found is not None:
                    posting_log.mark_posted(doc, found.ledger_id, found.version, "found")
                    summary.found.append(doc.key)
                    log.info("%s already in %s as %s (earlier response lost); not posted again",
                             doc.reference, client.ledger, found.ledger_id)
                else:
                    to_create.append(doc)
            else:
                to_create.append(doc)
        span = max(1, int(getattr(client, "create_span", client.max_batch)))
        for start in range(0, len(to_create), span):
            _create_batch(client, posting_log, to_create[start:start + span], summary)
    except AuthBlocked as exc:
        posting_log.block(conn_id, str(exc))
        raise SyncBlocked(
            f"{client.ledger} refused the credentials of connection {conn_id!r}: {exc}. "
            "Re-authorise the connection, then clear the block (sellerledger replay) to resume."
        ) from exc
    if any(key for key, why in summary.failed.items() if why.startswith("retriable")):
        raise PostingIncomplete(f"{len(summary.failed)} document(s) not posted: {summary.failed}")
    return summary


def _settle_posted(client: LedgerClient, posting_log: PostingLog, doc: LedgerDocument, entry: LogEntry,
                   summary: PostingSummary) -> None:
    if entry.payload_hash == doc.payload_hash:
        summary.skipped.append(doc.key)
        return
    assert entry.ledger_id is not None
    result = client.update(doc, Found(entry.ledger_id, entry.ledger_version))
    if not result.ok:
        error = result.error or FatalError("update returned no id")
        posting_log.audit(doc, result.action, _outcome(error), entry.ledger_id, str(error))
        summary.failed[doc.key] = f"{_outcome(error)}: {error}"
        if isinstance(error, AuthBlocked):
            raise error
        return
    posting_log.mark_posted(doc, result.ledger_id or entry.ledger_id, result.version, result.action)
    summary.updated.append(doc.key)


def _create_batch(client: LedgerClient, posting_log: PostingLog, batch: list[LedgerDocument],
                  summary: PostingSummary) -> None:
    posting_log.record_intent(batch)
    try:
        results = client.create(batch)
    except LedgerError as exc:
        transient = isinstance(exc, RetriableError)
        for doc in batch:
            posting_log.mark_failed(doc, exc, _outcome(exc), keep_intent=transient)
            summary.failed[doc.key] = f"{_outcome(exc)}: {exc}"
        if isinstance(exc, AuthBlocked) or transient:
            raise
        return
    by_key: dict[str, PostResult] = {result.key: result for result in results}
    for doc in batch:
        result = by_key.get(doc.key)
        if result is not None and result.ok:
            assert result.ledger_id is not None
            posting_log.mark_posted(doc, result.ledger_id, result.version, result.action)
            summary.created.append(doc.key)
            continue
        error = (result.error if result else None) or FatalError(f"{client.ledger} returned no result for {doc.key}")
        transient = isinstance(error, RetriableError)
        posting_log.mark_failed(doc, error, _outcome(error), keep_intent=transient)
        summary.failed[doc.key] = f"{_outcome(error)}: {error}"
        if isinstance(error, AuthBlocked):
            raise error
