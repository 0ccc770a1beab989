"""The QuickBooks Online client: one company (realm) behind the `LedgerClient` protocol.

Paths are `/v3/company/{realmId}/...`, every request carries `minorversion=75` (lower versions were
retired in 2025 and are served as 75 anyway). Calls are paced under 500/minute per realm (and 10 a
second), batches under 40/minute, each batch item metered as a call as Intuit meters it. Creates go out
through `/batch` (at most 30 items) with a `requestid` derived from the documents' keys and payload
hashes: a retry of a request whose answer was lost gets the original answer back instead of a second
transaction. Each item succeeds or fails on its own (a Fault inside a 200); a duplicate DocNumber (6140)
means an earlier attempt got through, and that transaction is taken. Updates send the current SyncToken;
a stale one (400, Fault 5010) is refetched and retried.

The fewest calls a settlement can take (`endpoint_load`, for the benchmark's minimum): every document is
one QBO transaction, and `/batch` takes up to 30 items of any entity in one request (notes/ledgers.md
§2.5), so one endpoint holding every document, in batches of 30.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sellerledger.accounting.model import Document
from sellerledger.amazon.ratelimit import BucketStore, OperationLimit
from sellerledger.ledgers.base import Found, LedgerDocument, PostResult, ReadBack
from sellerledger.ledgers.connection import LedgerConnection, limiter, oauth_tokens
from sellerledger.ledgers.errors import ConflictError, FatalError, LedgerError
from sellerledger.ledgers.http import LedgerHttp
from sellerledger.ledgers.qbo import render as rq
from sellerledger.ledgers.qbo.errors import DUPLICATE_DOC_NUMBER, classify, fault_error, fault_of
from sellerledger.ledgers.qbo.refdata import QboRefs, request_id, select
from sellerledger.ledgers.restkit import MultiLimiter, bearer_headers, retry_policy
from sellerledger.staging.token_store import TokenStore

log = logging.getLogger(__name__)

TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
BASE_URL = "https://quickbooks.api.intuit.com"

MINOR_VERSION = "75"
BATCH = 30
LIMITS = {"calls": OperationLimit(rate=500 / 60.0, burst=10), "batch": OperationLimit(rate=40 / 60.0, burst=40)}
UPDATE_ATTEMPTS = 4


class QboClient:
    ledger = "qbo"
    max_batch = BATCH

    def __init__(self, conn: LedgerConnection, http: LedgerHttp, pacing: MultiLimiter) -> None:
        self.conn = conn
        self.tenant = conn.tenant_id
        self.http = http
        self.pacing = pacing
        self.refs = QboRefs(self)
        self.order_field = str(conn.extra.get("order_id_field") or "") or None
        self._faulted: dict[str, int] = {}  # doc key -> Faults seen: the next attempt needs a new requestid

    @property
    def calls(self) -> dict[str, int]:
        return self.http.calls_per_operation()

    def close(self) -> None:
        self.http.close()

    # plumbing ------------------------------------------------------------------------------------------
    def _path(self, suffix: str) -> str:
        return f"/v3/company/{self.tenant}/{suffix}"

    def get(self, operation: str, suffix: str) -> dict[str, Any]:
        return self.http.json(operation, "GET", self._path(suffix), params={"minorversion": MINOR_VERSION})

    def post(self, entity: str, suffix: str, body: dict[str, Any], requestid: str) -> dict[str, Any]:
        return self.http.json(entity, "POST", self._path(suffix), json_body=body,
                              params={"minorversion": MINOR_VERSION, "requestid": requestid})

    def query(self, text: str) -> dict[str, Any]:
        body = self.http.json("query", "GET", self._path("query"),
                              params={"query": text, "minorversion": MINOR_VERSION})
        return body.get("QueryResponse") or {}

    def query_all(self, entity: str, start: int = 1) -> list[dict[str, Any]]:
        """Every row of `entity` from position `start` on, 1,000 a query."""
        rows: list[dict[str, Any]] = []
        while True:
            page = self.query(select(entity, f"STARTPOSITION {len(rows) + start} MAXRESULTS 1000"))
            batch = page.get(entity) or []
            rows.extend(batch)
            if len(batch) < 1000:
                return rows

    def batch(self, items: list[dict[str, Any]], requestid: str) -> dict[str, dict[str, Any]]:
        """POST /batch; the item answers by bId. Items are metered like calls, so pace them too."""
        self.pacing.acquire_extra("batch")
        self.pacing.acquire_extra("calls", len(items) - 1)
        body = self.http.json("batch", "POST", self._path("batch"), json_body={"BatchItemRequest": items},
                              params={"minorversion": MINOR_VERSION, "requestid": requestid})
        return {str(item.get("bId")): item for item in body.get("BatchItemResponse") or []}

    def batch_create(self, entity: str, named: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
        """Create name-list entities (items) in batches; raises on the first item that fails."""
        out = []
        for start in range(0, len(named), BATCH):
            chunk = named[start:start + BATCH]
            items = [{"bId": str(i), "operation": "create", entity: body} for i, (_, body) in enumerate(chunk)]
            answers = self.batch(items, request_id(entity, *(name for name, _ in chunk)))
            for i, (name, _) in enumerate(chunk):
                answer = answers.get(str(i), {})
                fault = fault_of(answer)
                if fault is not None or entity not in answer:
                    code, text = fault or ("", "no answer")
                    raise fault_error(f"create{entity}", code, f"{name!r}: {text}")
                out.append((name, answer[entity]))
        return out

    @property
    def base_currency(self) -> str:
        """The organisation's home currency; documents in another are converted before `render`."""
        return self.refs.home_currency

    def ping(self) -> str:
        company = self.refs.company()
        return f"QuickBooks Online company {company.get('CompanyName')!r} (realm {self.tenant}, " \
               f"{self.refs.home_currency})"

    # render --------------------------------------------------------------------------------------------
    def render(self, documents: Sequence[Document]) -> list[LedgerDocument]:
        wanted = rq.sales_items(list(documents))
        if wanted:
            self.refs.ensure_items(wanted)
        return [rq.render(doc, self.refs, self.order_field) for doc in documents]

    # create --------------------------------------------------------------------------------------------
    def endpoint_load(self, document: LedgerDocument) -> dict[str, int]:
        """One item of `/batch`, whatever its entity (see the module docstring)."""
        return {"batch": 1}

    def _requestid(self, documents: Sequence[LedgerDocument], what: str = "create") -> str:
        salt = [f"{d.key}#{d.payload_hash}#{self._faulted.get(d.key, 0)}" for d in documents]
        return request_id(what, *salt)

    def create(self, documents: Sequence[LedgerDocument]) -> list[PostResult]:
        if len(documents) > BATCH:
            raise ValueError(f"qbo: at most {BATCH} documents per batch")
        items = [{"bId": str(i), "operation": "create", doc.payload["entity"]: doc.payload["body"]}
                 for i, doc in enumerate(documents)]
        answers = self.batch(items, self._requestid(documents))
        results = []
        for i, doc in enumerate(documents):
            results.append(self._created(doc, answers.get(str(i), {})))
        return results

    def _created(self, doc: LedgerDocument, answer: dict[str, Any]) -> PostResult:
        entity = doc.payload["entity"]
        if entity in answer:
            created = answer[entity]
            return PostResult(doc.key, ledger_id=str(created["Id"]), version=str(created.get("SyncToken")))
        fault = fault_of(answer) or ("", "the batch returned no answer for this item")
        self._faulted[doc.key] = self._faulted.get(doc.key, 0) + 1
        if fault[0] == DUPLICATE_DOC_NUMBER:
            found = self.find(doc)
            if found is not None:
                log.info("qbo: %s %s already exists; not posted again", entity, doc.reference)
                return PostResult(doc.key, ledger_id=found.ledger_id, version=found.version, action="found")
        return PostResult(doc.key, error=fault_error(f"create{entity}", fault[0], f"{doc.reference}: {fault[1]}"))

    # find, update, read --------------------------------------------------------------------------------
    def find(self, document: LedgerDocument) -> Found | None:
        entity = document.payload["entity"]
        rows = self.query(select(entity, DocNumber=document.reference)).get(entity, [])
        if not rows:
            return None
        row = rows[0]
        return Found(str(row["Id"]), version=str(row.get("SyncToken")))

    def update(self, document: LedgerDocument, found: Found) -> PostResult:
        entity = document.payload["entity"]
        last: LedgerError | None = None
        for attempt in range(1, UPDATE_ATTEMPTS + 1):
            try:
                current = self.get(f"read{entity}", f"{entity.lower()}/{found.ledger_id}")[entity]
                body = {**document.payload["body"], "Id": found.ledger_id, "SyncToken": current["SyncToken"],
                        "sparse": False}
                requestid = self._requestid([document], f"update#{current['SyncToken']}")
                updated = self.post(entity, entity.lower(), body, requestid)[entity]
                return PostResult(document.key, ledger_id=str(updated["Id"]), version=str(updated.get("SyncToken")),
                                  action="update")
            except ConflictError as exc:
                last = exc
                log.info("qbo: %s %s changed while we updated it (attempt %d); refetching", entity,
                         document.reference, attempt)
            except LedgerError as exc:
                self._faulted[document.key] = self._faulted.get(document.key, 0) + 1
                return PostResult(document.key, ledger_id=found.ledger_id, error=exc, action="update")
        return PostResult(document.key, ledger_id=found.ledger_id, action="update",
                          error=last or FatalError("qbo update failed", ledger="qbo"))

    def read(self, ledger_id: str, kind: str) -> ReadBack:
        entity = {"order_invoice": "Invoice", "credit_note": "CreditMemo"}.get(kind)
        if entity is None:
            for candidate in ("Deposit", "JournalEntry"):
                rows = self.query(select(candidate, Id=ledger_id)).get(candidate, [])
                if rows:
                    return self._readback(rows[0])
            raise FatalError(f"qbo: no deposit or journal entry {ledger_id}", ledger="qbo", operation="read")
        return self._readback(self.get(f"read{entity}", f"{entity.lower()}/{ledger_id}")[entity])

    @staticmethod
    def _readback(row: dict[str, Any]) -> ReadBack:
        return ReadBack(str(row["Id"]), Decimal(str(row.get("TotalAmt", "0"))),
                        str((row.get("CurrencyRef") or {}).get("value", "")), row.get("PrivateNote"),
                        row.get("DocNumber"))


def client_from_connection(conn: LedgerConnection, *, token_store: TokenStore | None = None,
                           bucket_store: BucketStore | None = None, transport: Any = None) -> QboClient:
    """A `QboClient` for the connection's company (`tenant_id` extra: the realm id)."""
    missing = [name for name, value in (("login (client id)", conn.client_id),
                                        ("password (client secret)", conn.client_secret),
                                        ("extra refresh_token", conn.refresh_token),
                                        ("extra tenant_id (realm id)", conn.tenant_id),
                                        ) if not value]
    if missing:
        raise ValueError(f"qbo connection {conn.conn_id!r} lacks {', '.join(missing)}")
    conn = dataclasses.replace(conn, token_url=conn.token_url or TOKEN_URL, base_url=conn.base_url or BASE_URL)
    tokens = oauth_tokens(conn, auth_style="basic", token_store=token_store)
    pacing = MultiLimiter(limiter(conn, LIMITS, store=bucket_store), ("calls",))
    http = LedgerHttp(
        "qbo", conn.base_url,
        auth_headers=bearer_headers(tokens), refresh=tokens.invalidate, classify=classify, limiter=pacing,  # type: ignore[arg-type]
        retry=retry_policy(conn), transport=transport,
    )
    return QboClient(conn, http, pacing)
