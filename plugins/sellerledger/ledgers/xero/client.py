"""The Xero client: one organisation (tenant) behind the `LedgerClient` protocol.

Every call carries `xero-tenant-id`, is paced under Xero's 60 calls/minute and 5,000/day per tenant
(single-threaded, so far below the 5 concurrent), and retried on 429 (Retry-After) and 5xx. Creates go
out in batches of up to 50 elements per collection with `summarizeErrors=false`, so one bad element
fails only its own document, and with an `Idempotency-Key` derived from the documents' keys and payload
hashes, so a retried request whose response was lost returns the original answer instead of posting
again. Across runs, documents are found again by their deterministic references (invoice and credit note
numbers; the journal narration's tag; payment and bank transaction references).

A document made of several parts (payments, journal, bank transaction) posts its parts in that order;
parts found in an earlier, interrupted attempt are not posted again.

The fewest calls a settlement can take (`endpoint_load`, for the benchmark's minimum): Invoices,
CreditNotes, Payments, ManualJournals and BankTransactions are separate collections, each created by its
own `PUT /<Collection>` of `{"<Collection>": [...]}` (reference/ledgers/xero/xero_accounting.yaml, paths
`/Invoices`, `/CreditNotes`, `/Payments`, `/ManualJournals`, `/BankTransactions`), so each part is one
element of its collection's batches of 50 (notes/ledgers.md §1.4): a per-order clearing document is its
payments, a journal and, when money lands, a bank transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sellerledger.accounting.mappings import Mapping, load_mapping
from sellerledger.accounting.model import Document, DocumentKind
from sellerledger.amazon.ratelimit import BucketStore, OperationLimit
from sellerledger.ledgers.base import Found, LedgerDocument, PostResult, ReadBack
from sellerledger.ledgers.connection import LedgerConnection, limiter, oauth_tokens
from sellerledger.ledgers.errors import AuthBlocked, FatalError, LedgerError, RetriableError
from sellerledger.ledgers.http import LedgerHttp
from sellerledger.ledgers.restkit import MultiLimiter, bearer_headers, retry_policy
from sellerledger.ledgers.xero import render as rx
from sellerledger.ledgers.xero.errors import classify, element_errors
from sellerledger.ledgers.xero.refdata import XeroRefs, where_literal
from sellerledger.staging.token_store import TokenStore

log = logging.getLogger(__name__)

TOKEN_URL = "https://identity.xero.com/connect/token"
BASE_URL = "https://api.xero.com/api.xro/2.0"

LIMITS = {"minute": OperationLimit(rate=60 / 60.0, burst=60), "day": OperationLimit(rate=5000 / 86400.0, burst=5000)}
BATCH = 50
GONE = {"DELETED", "VOIDED"}


@dataclass
class _Progress:
    document: LedgerDocument
    ids: dict[str, str] = field(default_factory=dict)  # part ref -> Xero id
    error: LedgerError | None = None


class XeroClient:
    ledger = "xero"
    max_batch = BATCH
    create_span = 10 * BATCH  # documents per `create`: it batches each collection by 50 itself

    def __init__(self, conn: LedgerConnection, http: LedgerHttp, *, mapping: Mapping | None = None) -> None:
        self.conn = conn
        self.tenant = conn.tenant_id
        self.http = http
        self.refs = XeroRefs(http)
        self.mapping = mapping
        self._known: dict[str, dict[str, str]] = {}  # doc key -> parts found by `find` (part ref -> id)

    @property
    def calls(self) -> dict[str, int]:
        return self.http.calls_per_operation()

    def close(self) -> None:
        self.http.close()

    @property
    def base_currency(self) -> str:
        """The organisation's home currency; documents in another are converted before `render`."""
        return self.refs.base_currency

    def ping(self) -> str:
        org = self.refs.organisation()
        return f"Xero organisation {org.get('Name')!r} ({org.get('BaseCurrency')}, tenant {self.tenant})"

    # render --------------------------------------------------------------------------------------------
    def payout_account(self, marketplace: str) -> str:
        explicit = self.conn.extra.get("payout_account")
        if explicit:
            return str(explicit)
        if self.mapping is None:
            self.mapping = load_mapping("xero", seller=self.conn.extra.get("seller") or None)
        return self.mapping.flow_accounts(marketplace).clearing

    def render(self, documents: Sequence[Document]) -> list[LedgerDocument]:
        items: dict[str, tuple[str, str]] = {}
        for doc in documents:
            for line in doc.invoice_lines:
                if line.sku and line.category in rx.ITEM_CATEGORIES:
                    items.setdefault(line.sku, (line.sku, line.account))
        if items:
            self.refs.ensure_items(items)
        return [rx.render(doc, self.refs, self.payout_account(doc.marketplace)) for doc in documents]

    # create --------------------------------------------------------------------------------------------
    def endpoint_load(self, document: LedgerDocument) -> dict[str, int]:
        """Elements per collection the document's parts take (see the module docstring)."""
        return dict(Counter(part.collection for part in rx.parts_of(document)))

    def create(self, documents: Sequence[LedgerDocument]) -> list[PostResult]:
        """Each collection's parts in batches of 50, collections in `rx.ORDER`. A request that fails as a
        whole fails its own documents; after a transient failure (retries spent) nothing more is sent and
        every unfinished document carries it, while finished ones keep their ids (so a big call does not
        leave a settlement's worth of documents to be looked up again)."""
        progress = [_Progress(doc, dict(self._known.pop(doc.key, {}))) for doc in documents]
        stopped: LedgerError | None = None
        for collection in rx.ORDER:
            pending = [(p, part) for p in progress if p.error is None for part in rx.parts_of(p.document)
                       if part.collection == collection and part.ref not in p.ids]
            for start in range(0, len(pending), BATCH):
                chunk = pending[start:start + BATCH]
                if stopped is None:
                    try:
                        self._put(collection, chunk)
                        continue
                    except AuthBlocked:
                        raise
                    except RetriableError as exc:
                        stopped = exc
                    except LedgerError as exc:
                        for p, _ in chunk:
                            p.error = p.error or exc
                        continue
                for p, _ in chunk:
                    p.error = p.error or stopped
        if stopped is not None:
            for p in progress:
                if p.error is None and any(part.ref not in p.ids for part in rx.parts_of(p.document)):
                    p.error = stopped
        return [self._result(p) for p in progress]

    def _result(self, p: _Progress) -> PostResult:
        if p.error is not None:
            return PostResult(p.document.key, error=p.error)
        return PostResult(p.document.key, ledger_id=self._ledger_id(p.document, p.ids))

    @staticmethod
    def _ledger_id(document: LedgerDocument, ids: dict[str, str]) -> str:
        """The primary part's id, plus the bank transaction's for a settlement that lands money."""
        parts = rx.parts_of(document)
        primary = next(p for p in parts if p.collection in (rx.INVOICES, rx.CREDIT_NOTES, rx.JOURNALS))
        bank = next((p for p in parts if p.collection == rx.BANK), None)
        return ids[primary.ref] + (f"+{ids[bank.ref]}" if bank is not None and bank.ref in ids else "")

    def _put(self, collection: str, chunk: list[tuple[_Progress, rx.Part]]) -> None:
        key = "sl-" + hashlib.sha256("\n".join(
            [collection] + [f"{p.document.key}|{p.document.payload_hash}|{part.ref}" for p, part in chunk]
        ).encode()).hexdigest()
        params = {"summarizeErrors": "false"}
        if collection != rx.JOURNALS:
            params["unitdp"] = "4"
        body = self.http.json(f"create{collection}", "PUT", f"/{collection}", params=params,
                              json_body={collection: [part.body for _, part in chunk]},
                              headers={"Idempotency-Key": key})
        elements = body.get(collection) or []
        if len(elements) != len(chunk):
            raise FatalError(f"xero create{collection}: sent {len(chunk)} elements, {len(elements)} came back",
                             ledger="xero", operation=f"create{collection}")
        for (p, part), element in zip(chunk, elements, strict=True):
            messages = element_errors(element)
            if not messages:
                p.ids[part.ref] = str(element[rx.ID_FIELD[collection]])
                continue
            if collection in rx.NUMBER_FIELD and any("must be unique" in m for m in messages):
                existing = self._lookup(part)
                if existing is not None:  # an earlier attempt got through: it is ours (the number carries our tag)
                    log.info("xero: %s %s already exists; not posted again", collection, part.ref)
                    p.ids[part.ref] = existing
                    continue
            p.error = FatalError(f"xero create{collection} {part.ref}: {'; '.join(messages)}", ledger="xero",
                                 operation=f"create{collection}", code="ValidationException")

    # find ----------------------------------------------------------------------------------------------
    def find(self, document: LedgerDocument) -> Found | None:
        ids: dict[str, str] = {}
        parts = rx.parts_of(document)
        payments = [p for p in parts if p.collection == rx.PAYMENTS]
        if payments:
            ids.update(self._payments_by_reference(str(document.meta.get("tag", ""))))
        for part in parts:
            if part.collection != rx.PAYMENTS:
                found = self._lookup(part)
                if found is not None:
                    ids[part.ref] = found
        wanted = {p.ref for p in parts}
        if wanted <= set(ids):
            primary = self._ledger_id(document, ids)
            return Found(primary, status="found")
        self._known[document.key] = {ref: value for ref, value in ids.items() if ref in wanted}
        return None

    def _lookup(self, part: rx.Part) -> str | None:
        """The id of a live Xero object matching the part's reference, if there is one."""
        if part.collection in rx.NUMBER_FIELD:
            where = f"{rx.NUMBER_FIELD[part.collection]}=={where_literal(part.ref)}"
        elif part.collection == rx.JOURNALS:
            where = f"Narration.Contains({where_literal('[' + part.ref + ']')})"
        elif part.collection == rx.BANK:
            where = f"Reference=={where_literal(part.ref)}"
        else:
            where = f"Reference=={where_literal(part.ref)}"
        rows = self._list(part.collection, where)
        live = [r for r in rows if str(r.get("Status", "")).upper() not in GONE]
        return str(live[0][rx.ID_FIELD[part.collection]]) if live else None

    def _list(self, collection: str, where: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.http.json(f"get{collection}", "GET", f"/{collection}",
                                  params={"where": where, "page": str(page), "pageSize": "1000"})
            batch = body.get(collection) or []
            rows.extend(batch)
            if len(batch) < 1000:
                return rows
            page += 1

    def _payments_by_reference(self, doc_tag: str) -> dict[str, str]:
        if not doc_tag:
            return {}
        rows = self._list(rx.PAYMENTS, f"Reference.StartsWith({where_literal(doc_tag + ' ')})")
        return {str(r["Reference"]): str(r["PaymentID"]) for r in rows
                if str(r.get("Status", "")).upper() not in GONE and r.get("Reference")}

    # update and read -----------------------------------------------------------------------------------
    def update(self, document: LedgerDocument, found: Found) -> PostResult:
        from sellerledger.ledgers.xero.update import update_document

        try:
            return update_document(self, document, found)
        except LedgerError as exc:
            return PostResult(document.key, ledger_id=found.ledger_id, error=exc, action="update")

    def get_one(self, collection: str, object_id: str) -> dict[str, Any]:
        body = self.http.json(f"get{collection[:-1]}", "GET", f"/{collection}/{object_id}")
        rows = body.get(collection) or []
        if not rows:
            raise FatalError(f"xero: {collection} {object_id} not found", ledger="xero", operation="read")
        return rows[0]

    def read(self, ledger_id: str, kind: str) -> ReadBack:
        primary = ledger_id.split("+")[0].split("~")[0]
        if kind in (DocumentKind.ORDER_INVOICE, DocumentKind.CREDIT_NOTE):
            collection = rx.INVOICES if kind == DocumentKind.ORDER_INVOICE else rx.CREDIT_NOTES
            row = self.get_one(collection, primary)
            total = Decimal(str(row["Total"]))
            for adjustment in ledger_id.split("~")[1:]:  # adjustments of a settled invoice (see update.py)
                letter, _, adjustment_id = adjustment.partition(":")
                other = rx.INVOICES if letter == "I" else rx.CREDIT_NOTES
                sign = 1 if other == collection else -1
                total += sign * Decimal(str(self.get_one(other, adjustment_id)["Total"]))
            return ReadBack(primary, total, str(row.get("CurrencyCode")), row.get("Status"),
                            row.get(rx.NUMBER_FIELD[collection]))
        row = self.get_one(rx.JOURNALS, primary)
        debits = sum((Decimal(str(line["LineAmount"])) for line in row.get("JournalLines", [])
                      if Decimal(str(line["LineAmount"])) > 0), Decimal("0"))
        return ReadBack(primary, debits, self.refs.base_currency, row.get("Status"), row.get("Narration"))


def client_from_connection(conn: LedgerConnection, *, token_store: TokenStore | None = None,
                           bucket_store: BucketStore | None = None, mapping: Mapping | None = None,
                           transport: Any = None) -> XeroClient:
    """A `XeroClient` for the connection's tenant (`tenant_id` extra: the Xero tenant id)."""
    missing = [name for name, value in (("login (client id)", conn.client_id),
                                        ("password (client secret)", conn.client_secret),
                                        ("extra refresh_token", conn.refresh_token),
                                        ("extra tenant_id", conn.tenant_id),
                                        ) if not value]
    if missing:
        raise ValueError(f"xero connection {conn.conn_id!r} lacks {', '.join(missing)}")
    conn = dataclasses.replace(conn, token_url=conn.token_url or TOKEN_URL, base_url=conn.base_url or BASE_URL)
    tokens = oauth_tokens(conn, auth_style="basic", token_store=token_store)
    pacing = MultiLimiter(limiter(conn, LIMITS, store=bucket_store), ("minute", "day"))
    http = LedgerHttp(
        "xero", conn.base_url,
        auth_headers=bearer_headers(tokens, {"xero-tenant-id": conn.tenant_id}), refresh=tokens.invalidate,
        classify=classify, limiter=pacing, retry=retry_policy(conn), transport=transport,  # type: ignore[arg-type]
    )
    return XeroClient(conn, http, mapping=mapping)
