"""The MYOB Business API (AccountRight API v2) client: one company file behind the `LedgerClient` protocol.

- Auth: OAuth access tokens (20 minutes, refreshed ahead of expiry through the encrypted token store;
  MYOB rotates refresh tokens), the API key and the company-file user, on every call.
- Pacing: 8 calls a second per API key (the bucket is keyed by the API key, so every company file and
  worker using that key shares it). MYOB throttles with 403 `RateLimitError`: retried with back-off.
- `find`: MYOB has no idempotency key, so we look our reference up with OData
  (`$filter=Number eq '…'`, `ReceiptNumber`, `DisplayID`).
- `create`: one document per call (no batch endpoint), one POST per attempt, the ledger searched before
  any repeat (`create_once`). So the fewest calls a settlement can take (`endpoint_load`, for the
  benchmark's minimum) is one POST per document to its resource (`Sale/Invoice/Item`, `Sale/Invoice/Service`,
  `Banking/ReceiveMoneyTxn`, `GeneralLedger/GeneralJournal`; notes/ledgers.md §3.2-3.3: one entity per
  POST).
- `update`: fetch the current RowVersion, PUT the whole document with it; a 409 (someone saved in between)
  is read again and retried.
- Per_order clearing: MYOB clears invoices with Sale/CustomerPayment; the stand-in has no such resource,
  so the clearing document moves the invoices' amounts off the receivable account with its own lines.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from sellerledger.amazon.http import RetryPolicy
from sellerledger.amazon.ratelimit import BucketStore, OperationLimit, RateLimiter
from sellerledger.ledgers.base import Found, LedgerDocument, PostResult, ReadBack
from sellerledger.ledgers.connection import LedgerConnection, bucket_store, oauth_tokens
from sellerledger.ledgers.create_once import create_once, scaled_policy
from sellerledger.ledgers.errors import AuthBlocked, ConflictError, FatalError, LedgerError
from sellerledger.ledgers.myob.api import MyobApi, cftoken, odata_text
from sellerledger.ledgers.myob.refdata import MyobRefData
from sellerledger.ledgers.myob.render import TARGETS, render_document

if TYPE_CHECKING:
    from sellerledger.accounting.model import Document
    from sellerledger.staging.token_store import TokenStore

DEFAULT_BASE_URL = "https://api.myob.com/accountright"
DEFAULT_TOKEN_URL = "https://secure.myob.com/oauth2/v1/authorize"
LIMITS = {"calls": OperationLimit(rate=8.0, burst=8)}  # per API key (and 1,000,000 a day)
CONFLICT_RETRIES = 4


class MyobClient:
    """One MYOB company file (see the module docstring)."""

    ledger = "myob"
    max_batch = 1

    def __init__(self, api: MyobApi, refs: MyobRefData, *, tenant: str, company_file_url: str,
                 policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep, tokens: Any = None) -> None:
        self.api = api
        self.refs = refs
        self.tenant = tenant
        self.company_file_url = company_file_url
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
        page = self.api.reads.json("GET GeneralLedger/Account", "GET", "GeneralLedger/Account", params={"$top": "1"})
        return f"MYOB company file {self.tenant} ({page.get('Count', '?')} accounts)"

    def render(self, documents: Sequence[Document]) -> list[LedgerDocument]:
        return [render_document(doc, self.refs) for doc in documents]

    # find / create ----------------------------------------------------------------------------------
    def _lookup(self, document: LedgerDocument) -> dict[str, Any] | None:
        target = TARGETS[document.kind]
        rows = self.api.first(target.lookup, f"{target.number_field} eq {odata_text(document.reference)}")
        return rows[0] if rows else None

    def find(self, document: LedgerDocument) -> Found | None:
        row = self._lookup(document)
        if row is None:
            return None
        return Found(str(row["UID"]), str(row.get("RowVersion") or "") or None, row.get("Status"))

    def endpoint_load(self, document: LedgerDocument) -> dict[str, int]:
        """One POST to the document's resource (see the module docstring)."""
        return {document.kind: 1}

    def create(self, documents: Sequence[LedgerDocument]) -> list[PostResult]:
        results = []
        for doc in documents:
            try:
                entity, created = create_once(
                    lambda doc=doc: self.api.post_once(doc.kind, doc.payload),
                    lambda doc=doc: self._lookup(doc),
                    what=f"myob {doc.kind} {doc.reference}", policy=self._policy, sleep=self._sleep)
            except AuthBlocked:
                raise
            except LedgerError as exc:
                results.append(PostResult(doc.key, error=exc))
                continue
            results.append(PostResult(doc.key, str(entity["UID"]), entity.get("RowVersion"),
                                      action="create" if created else "found"))
        return results

    # update -----------------------------------------------------------------------------------------
    def update(self, document: LedgerDocument, found: Found) -> PostResult:
        target = TARGETS[document.kind]
        last: LedgerError | None = None
        for _ in range(CONFLICT_RETRIES):
            try:
                current = self.api.get(f"{target.lookup}/{found.ledger_id}")
                if target.lookup == "Sale/Invoice" and f"Sale/Invoice/{current.get('InvoiceType')}" != document.kind:
                    raise FatalError(f"myob: {document.reference} is a {current.get('InvoiceType')} invoice, the "
                                     f"update is {document.kind}; reverse it and post again", ledger="myob",
                                     operation="update")
                body = {**document.payload, "UID": found.ledger_id, "RowVersion": current["RowVersion"]}
                entity = self.api.put(document.kind, found.ledger_id, body)
            except ConflictError as exc:
                last = exc  # saved by someone else since we read it: read it again
                continue
            except AuthBlocked:
                raise
            except LedgerError as exc:
                return PostResult(document.key, error=exc, action="update")
            return PostResult(document.key, found.ledger_id, entity.get("RowVersion"), action="update")
        return PostResult(document.key, error=last, action="update")

    # read -------------------------------------------------------------------------------------------
    def read(self, ledger_id: str, kind: str) -> ReadBack:
        target = TARGETS[kind]
        entity = self.api.get(f"{target.lookup}/{ledger_id}")
        currency = (entity.get("ForeignCurrency") or {}).get("Code") or self.refs.base_currency()
        if target.lookup == "Sale/Invoice":
            total = Decimal(str(entity["TotalAmount"]))
        elif kind == "Banking/ReceiveMoneyTxn":
            total = Decimal(str(entity["AmountReceived"]))
        else:
            total = sum((Decimal(str(line["Amount"])) for line in entity.get("Lines", []) if not line.get("IsCredit")),
                        Decimal(0))
        return ReadBack(ledger_id, total, str(currency), entity.get("Status"),
                        str(entity.get(target.number_field) or "") or None)


def company_file_url(conn: LedgerConnection) -> str:
    """The company file URI: `base_url` when it already names the file, else `base_url/<cf uid>`."""
    base = (conn.base_url or DEFAULT_BASE_URL).rstrip("/")
    if conn.tenant_id and not base.lower().endswith("/" + conn.tenant_id.lower()):
        base = f"{base}/{conn.tenant_id}"
    return base


def _tax_aliases(value: Any) -> dict[str, str]:
    if not value:
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ValueError("the connection's tax_codes must map mapping codes to MYOB tax codes")
    return {str(k): str(v) for k, v in value.items()}


def client_from_connection(
    conn: LedgerConnection,
    *,
    token_store: TokenStore | None = None,
    buckets: BucketStore | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> MyobClient:
    """A client for the connection's company file (extras: `api_key` (default: the client id),
    `cf_username` / `cf_password` or `cftoken`, `tax_codes`, `receivable_account`, `time_scale`)."""
    if not conn.tenant_id and not conn.base_url:
        raise ValueError(f"connection {conn.conn_id!r} names no company file (extra tenant_id)")
    if not conn.client_id or not conn.client_secret or not conn.refresh_token:
        raise ValueError(f"connection {conn.conn_id!r} lacks the client id, client secret or refresh_token")
    if not conn.token_url:
        conn = replace(conn, token_url=DEFAULT_TOKEN_URL)
    extra = conn.extra
    api_key = str(extra.get("api_key") or conn.client_id)
    company_token = str(extra.get("cftoken") or "") or None
    if extra.get("cf_username"):
        company_token = cftoken(str(extra["cf_username"]), str(extra.get("cf_password") or ""))
    tokens = oauth_tokens(conn, auth_style="body", token_store=token_store)
    key_id = hashlib.sha256(api_key.encode()).hexdigest()[:12]
    pacing = RateLimiter(LIMITS, store=buckets or bucket_store(), key_prefix=f"myob:key:{key_id}",
                         time_scale=conn.time_scale)
    policy = scaled_policy(conn.time_scale)
    url = company_file_url(conn)
    api = MyobApi(url, access_token=tokens.access_token, refresh=tokens.invalidate, api_key=api_key,
                  company_file_token=company_token, limiter=pacing, retry=policy, transport=transport, sleep=sleep)
    refs = MyobRefData(api, policy=policy, tax_aliases=_tax_aliases(extra.get("tax_codes")),
                       receivable_account=str(extra.get("receivable_account") or "") or None, sleep=sleep)
    return MyobClient(api, refs, tenant=conn.tenant_id or url.rsplit("/", 1)[-1], company_file_url=url,
                      policy=policy, sleep=sleep, tokens=tokens)

