"""The Zoho Books (API v3) client: one organization behind the `LedgerClient` protocol.

- Auth: `Zoho-oauthtoken` access tokens (1 hour) refreshed through the encrypted token store (Zoho's
  refresh tokens do not rotate); the data centre's own accounts server and API domain (`regions`).
- Pacing: 100 calls a minute per organization; 429 answers honour `Retry-After`.
- Invoices: created and updated with one idempotent upsert (`PUT /invoices`, `X-Unique-Identifier-Key`
  = the unique custom field holding our document key, `X-Upsert: true`), then marked sent so they post.
  Without a unique field (connection extra `unique_field: ""`), `POST /invoices` with our number.
- Credit notes and journals have no idempotency feature: our number / reference, looked up before any
  repeat (`create_once`; a "number already exists" refusal is found, not re-sent).
- Updates: PUT (Zoho has no concurrency token). Credit notes (no PUT in the stand-in) are deleted and
  created again.
- The fewest calls a settlement can take (`endpoint_load`, for the benchmark's minimum): Zoho has no
  batch create, so one request per document, and an invoice takes two: the upsert creates a draft (neither
  `create-an-invoice-request` nor `update-an-invoice-request` has a status field) and
  `POST /invoices/{id}/status/sent` (`mark_invoice_sent`) posts it (reference/ledgers/zoho/invoices.yml).
- Per_order clearing: invoices are cleared by journal lines on Accounts Receivable for the marketplace's
  customer (the stand-in has no customer payments).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from sellerledger.amazon.http import RetryPolicy
from sellerledger.amazon.ratelimit import BucketStore, OperationLimit
from sellerledger.ledgers.base import Found, LedgerDocument, PostResult, ReadBack
from sellerledger.ledgers.connection import LedgerConnection, limiter, oauth_tokens
from sellerledger.ledgers.create_once import create_once, scaled_policy
from sellerledger.ledgers.errors import AuthBlocked, FatalError, LedgerError
from sellerledger.ledgers.zoho import regions
from sellerledger.ledgers.zoho.api import ZohoApi
from sellerledger.ledgers.zoho.errors import DUPLICATE
from sellerledger.ledgers.zoho.refdata import ZohoRefData
from sellerledger.ledgers.zoho.render import render_document

if TYPE_CHECKING:
    from sellerledger.accounting.model import Document
    from sellerledger.staging.token_store import TokenStore

LIMITS = {"calls": OperationLimit(rate=100 / 60, burst=100)}  # per organization
DEFAULT_UNIQUE_FIELD = "cf_posting_key"
POSTED_INVOICE = frozenset({"sent", "overdue", "paid", "partially_paid", "unpaid"})
PATHS = {"invoice": "/invoices", "creditnote": "/creditnotes", "journal": "/journals"}
NUMBER_FIELDS = {"invoice": "invoice_number", "creditnote": "creditnote_number", "journal": "reference_number"}


class ZohoClient:
    """One Zoho Books organization (see the module docstring)."""

    ledger = "zoho"
    max_batch = 1

    def __init__(self, api: ZohoApi, refs: ZohoRefData, *, unique_field: str | None, data_centre: str,
                 policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep, tokens: Any = None) -> None:
        self.api = api
        self.refs = refs
        self.tenant = api.org_id
        self.unique_field = unique_field
        self.data_centre = data_centre
        self._policy = policy
        self._sleep = sleep
        self.tokens = tokens  # the OAuthTokens (refresh count for run reports)

    @property
    def calls(self) -> dict[str, int]:
        return self.api.calls()

    def close(self) -> None:
        self.api.close()

    @property
    def base_currency(self) -> str:
        """The company's home currency; documents in another are converted before `render`."""
        return self.refs.base_currency()

    def ping(self) -> str:
        orgs = self.api.call("GET", "/organizations").get("organizations") or []
        mine = [o for o in orgs if str(o.get("organization_id")) == self.tenant]
        if not mine:
            raise FatalError(f"zoho: organization {self.tenant} is not reachable with this grant in data centre "
                             f"{self.data_centre}", ledger="zoho", operation="ping")
        return f"Zoho Books organization {mine[0].get('name')} ({self.tenant}, {self.data_centre})"

    def render(self, documents: Sequence[Document]) -> list[LedgerDocument]:
        return [render_document(doc, self.refs, self.unique_field) for doc in documents]

    # find -------------------------------------------------------------------------------------------
    def _lookup(self, document: LedgerDocument) -> dict[str, Any] | None:
        kind = document.kind
        if kind == "invoice" and self.unique_field:
            rows = self.api.call("GET", "/invoices", params={"reference_number": document.meta.get("order_id", "")}
                                 ).get("invoices") or []
            for row in rows:
                if any(f.get("api_name") == self.unique_field and f.get("value") == document.key
                       for f in row.get("custom_fields") or []):
                    return row
            return None
        field = NUMBER_FIELDS[kind]
        rows = self.api.call("GET", PATHS[kind], params={field: document.reference}).get(f"{kind}s") or []
        exact = [r for r in rows if r.get(field) == document.reference]
        return exact[0] if exact else None

    def find(self, document: LedgerDocument) -> Found | None:
        row = self._lookup(document)
        if row is None:
            return None
        ledger_id = str(row[f"{document.kind}_id"])
        if document.kind == "invoice" and row.get("status") == "draft":
            self._mark_sent(ledger_id)  # created, but the answer was lost before it was sent: finish it
        return Found(ledger_id, None, row.get("status"))

    # create -----------------------------------------------------------------------------------------
    def endpoint_load(self, document: LedgerDocument) -> dict[str, int]:
        """The requests a document takes (see the module docstring)."""
        if document.kind == "invoice":
            create = "PUT /invoices" if self.unique_field else "POST /invoices"
            return {create: 1, "POST /invoices/{id}/status/sent": 1}
        return {f"POST {PATHS[document.kind]}": 1}

    def create(self, documents: Sequence[LedgerDocument]) -> list[PostResult]:
        results = []
        for doc in documents:
            try:
                ledger_id, created = self._create(doc)
            except AuthBlocked:
                raise
            except LedgerError as exc:
                results.append(PostResult(doc.key, error=exc))
                continue
            results.append(PostResult(doc.key, ledger_id, action="create" if created else "found"))
        return results

    def _create(self, doc: LedgerDocument) -> tuple[str, bool]:
        if doc.kind == "invoice" and self.unique_field:
            return self._upsert_invoice(doc), True
        params = {"ignore_auto_number_generation": "true"} if doc.kind != "journal" else {}
        row, created = create_once(
            lambda: self.api.call("POST", PATHS[doc.kind], params=params, body=doc.payload, once=True)[doc.kind],
            lambda: self._lookup(doc), what=f"zoho {doc.kind} {doc.reference}", policy=self._policy,
            duplicate=lambda error: error.code == DUPLICATE, sleep=self._sleep)
        ledger_id = str(row[f"{doc.kind}_id"])
        if doc.kind == "invoice" and row.get("status") == "draft":
            self._mark_sent(ledger_id)
        return ledger_id, created

    def _upsert_invoice(self, doc: LedgerDocument) -> str:
        headers = {"X-Unique-Identifier-Key": str(self.unique_field), "X-Unique-Identifier-Value": doc.key,
                   "X-Upsert": "true"}
        invoice = self.api.call("PUT", "/invoices", body=doc.payload, headers=headers)["invoice"]
        if invoice.get("status") == "draft":
            self._mark_sent(str(invoice["invoice_id"]))
        return str(invoice["invoice_id"])

    def _mark_sent(self, invoice_id: str) -> None:
        """Draft → sent (a draft is not in the books). A repeat of a lost answer is refused: check instead."""
        try:
            self.api.call("POST", f"/invoices/{invoice_id}/status/sent")
        except FatalError:
            status = self.api.call("GET", f"/invoices/{invoice_id}")["invoice"].get("status")
            if status not in POSTED_INVOICE:
                raise

    # update / read ----------------------------------------------------------------------------------
    def update(self, document: LedgerDocument, found: Found) -> PostResult:
        try:
            if document.kind == "invoice" and self.unique_field:
                return PostResult(document.key, self._upsert_invoice(document), action="update")
            if document.kind == "creditnote":
                try:
                    self.api.call("DELETE", f"/creditnotes/{found.ledger_id}")
                except FatalError as exc:
                    if exc.status != 404:
                        raise
                ledger_id, _ = self._create(document)
                return PostResult(document.key, ledger_id, action="recreate")
            body = self.api.call("PUT", f"{PATHS[document.kind]}/{found.ledger_id}", body=document.payload)
            return PostResult(document.key, str(body[document.kind][f"{document.kind}_id"]), action="update")
        except AuthBlocked:
            raise
        except LedgerError as exc:
            return PostResult(document.key, error=exc, action="update")

    def read(self, ledger_id: str, kind: str) -> ReadBack:
        record = self.api.call("GET", f"{PATHS[kind]}/{ledger_id}")[kind]
        return ReadBack(ledger_id, Decimal(str(record["total"])), str(record.get("currency_code") or ""),
                        record.get("status"), record.get(NUMBER_FIELDS[kind]) or None)


def _aliases(value: Any) -> dict[str, str]:
    if not value:
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ValueError("the connection's tax_codes must map mapping codes to Zoho tax names or ids")
    return {str(k): str(v) for k, v in value.items()}


def endpoints(conn: LedgerConnection) -> tuple[str, str, str]:
    """(data centre, Books API base, token URL) from the connection's region and URL extras."""
    dc = regions.data_centre(str(conn.extra.get("region") or conn.extra.get("data_centre") or "com"))
    base = conn.base_url.rstrip("/")
    if base and "/books/v3" in base:
        books, token = base, regions.urls(dc)[1]
    else:
        books, token = regions.urls(dc, base or None)
    return dc, books, conn.token_url or token


def client_from_connection(
    conn: LedgerConnection,
    *,
    token_store: TokenStore | None = None,
    buckets: BucketStore | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ZohoClient:
    """A client for the connection's organization (`tenant_id`; extras `region`, `unique_field`,
    `tax_codes`, `receivable_account`, `time_scale`)."""
    if not conn.tenant_id:
        raise ValueError(f"connection {conn.conn_id!r} names no organization (extra tenant_id = organization_id)")
    if not conn.client_id or not conn.client_secret or not conn.refresh_token:
        raise ValueError(f"connection {conn.conn_id!r} lacks the client id, client secret or refresh_token")
    dc, books, token_url = endpoints(conn)
    conn = replace(conn, token_url=token_url)
    tokens = oauth_tokens(conn, auth_style="body", token_store=token_store)
    policy = scaled_policy(conn.time_scale)
    api = ZohoApi(books, conn.tenant_id, access_token=tokens.access_token, refresh=tokens.invalidate,
                  limiter=limiter(conn, LIMITS, store=buckets), retry=policy, transport=transport, sleep=sleep)
    extra = conn.extra
    unique = extra.get("unique_field", DEFAULT_UNIQUE_FIELD)
    refs = ZohoRefData(api, policy=policy, tax_aliases=_aliases(extra.get("tax_codes")),
                       receivable_account=str(extra.get("receivable_account") or "") or None, sleep=sleep)
    return ZohoClient(api, refs, unique_field=str(unique) if unique else None, data_centre=dc, policy=policy,
                      sleep=sleep, tokens=tokens)
