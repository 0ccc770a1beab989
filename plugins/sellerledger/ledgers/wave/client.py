"""The Wave client: one business behind the `LedgerClient` protocol.

- Auth: OAuth access tokens (about 2 h, refreshed ahead of expiry through the encrypted token store; the
  refresh token rotates), `Authorization: Bearer` on every call; `businessId` on every input.
- Pacing: the schema's `@rateLimit` default, 60 calls per 60 s per token (connection extras `per_minute`
  and `daily_limit` override / add), counted per mutation field; 429 and throttle errors honour Retry-After.
- `create`: up to `max_batch` documents as aliased mutations in one request, sent once per attempt.
  After an answer that may hide a commit (5xx, lost answer, internal error) invoices are looked up by
  number before anything is resent; money transactions are resent as they are, because Wave refuses a
  second create with the same externalId, and that refusal means "already there" (recorded as found, the
  Wave id unknown: `externalId:<id>`). ⚠ Whether Wave refuses a repeated externalId is undocumented; the
  stand-in does (knob `dedupe_external_id`), and nothing else makes a resent transaction safe.
- The fewest calls a settlement can take (`endpoint_load`, for the benchmark's minimum): a document is one
  mutation field (`invoiceCreate` with status SAVED, so no `invoiceApprove`; or `moneyTransactionCreate`),
  and one GraphQL request carries up to `max_batch` aliased mutation fields of any kind
  (reference/ledgers/wave/schema.json: both are root fields of `Mutation`).
- `find`: invoices by `invoiceNumber` (a DRAFT found is approved so it posts). Transactions cannot be
  looked up (Wave has no transaction query): None, and the create that follows is refused if it exists.
- `update`: reverse and re-create (`update`).
- `read`: invoices as Wave reports them. Wave cannot read a money transaction back, so its ledger id
  carries what Wave accepted with it: `<transaction id>|<anchor amount>|<currency>` (Wave refuses a
  transaction whose anchor is not the net of its lines, so the accepted anchor is Wave's own figure), or
  `externalId:<id>|...` when Wave only said the externalId was already used (status `EXISTS`).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from sellerledger.accounting.model import DocumentKind
from sellerledger.amazon.http import RetryPolicy
from sellerledger.amazon.ratelimit import BucketStore, OperationLimit
from sellerledger.ledgers.base import Found, LedgerDocument, PostResult, ReadBack
from sellerledger.ledgers.connection import LedgerConnection, limiter, oauth_tokens
from sellerledger.ledgers.create_once import was_refused_unprocessed
from sellerledger.ledgers.errors import AuthBlocked, FatalError, LedgerError, RetriableError
from sellerledger.ledgers.restkit import MultiLimiter, bearer_headers, retry_policy
from sellerledger.ledgers.wave.api import Mutation, MutationOutcome, WaveApi
from sellerledger.ledgers.wave.errors import input_error, is_duplicate_external_id
from sellerledger.ledgers.wave.refdata import WaveRefData
from sellerledger.ledgers.wave.render import INVOICE, invoice_plan, product_name, render_document
from sellerledger.ledgers.wave.update import recipe, update_document

if TYPE_CHECKING:
    from sellerledger.accounting.model import Document
    from sellerledger.staging.token_store import TokenStore

log = logging.getLogger(__name__)

GRAPHQL_URL = "https://gql.waveapps.com/graphql/public"
TOKEN_URL = "https://api.waveapps.com/oauth2/token/"
INVOICE_FIELDS = "id status invoiceNumber total { value currency { code } }"
INVOICE_SELECTION = f"invoice {{ {INVOICE_FIELDS} }}"
TRANSACTION_SELECTION = "transaction { id }"
INVOICE_DETAIL = ("query($b: ID!, $i: ID!) { business(id: $b) { invoice(id: $i) { " + INVOICE_FIELDS +
                  " invoiceDate customer { id } items { account { id displayId } subtotal { value } "
                  "taxes { amount { value } salesTax { id } } } } } }")


class WaveClient:
    """One Wave business (see the module docstring)."""

    ledger = "wave"
    max_batch = 10

    def __init__(self, api: WaveApi, refs: WaveRefData, *, tenant: str, policy: RetryPolicy,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api = api
        self.refs = refs
        self.tenant = tenant
        self._policy = policy
        self._sleep = sleep
        self._rng = random.Random()
        self._invoices: dict[str, Document] = {}

    @property
    def calls(self) -> dict[str, int]:
        return self.api.calls()

    @property
    def base_currency(self) -> str:
        return self.refs.base_currency()

    def close(self) -> None:
        self.api.close()

    def ping(self) -> str:
        business = self.api.query("business", "query($b: ID!) { business(id: $b) { id name currency { code } } }",
                                  {"b": self.refs.business_id}).get("business")
        if not business:
            raise FatalError(f"wave: business {self.refs.business_id} not found for this token", ledger="wave",
                             operation="business")
        return f"Wave business {business['name']} ({business['currency']['code']})"

    def render(self, documents: Sequence[Document]) -> list[LedgerDocument]:
        wanted = []
        for doc in documents:
            if doc.kind == DocumentKind.ORDER_INVOICE:
                self._invoices[doc.identity] = doc
                wanted += [(product_name(line), self.refs.account(line.account))
                           for line in invoice_plan(doc, self.refs).items]
        if wanted:
            self.refs.ensure_products(wanted, self.max_batch)  # the missing ones, several per request
        return [render_document(doc, self.refs, self._invoices) for doc in documents]

    # invoices ---------------------------------------------------------------------------------------
    def lookup_invoices(self, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Live invoices by number (one request for all of them)."""
        if not numbers:
            return {}
        params = ", ".join(f"$n{i}: String!" for i in range(len(numbers)))
        fields = " ".join(f"i{i}: invoices(invoiceNumber: $n{i}, pageSize: 5) {{ edges {{ node {{ {INVOICE_FIELDS} }} }} }}"
                          for i in range(len(numbers)))
        data = self.api.query("invoices", f"query($b: ID!, {params}) {{ business(id: $b) {{ {fields} }} }}",
                              {"b": self.refs.business_id, **{f"n{i}": n for i, n in enumerate(numbers)}})
        business = data.get("business") or {}
        found = {}
        for i, number in enumerate(numbers):
            nodes = [e["node"] for e in (business.get(f"i{i}") or {}).get("edges") or []]
            if nodes:
                found[number] = self._posted(nodes[0])
        return found

    def _posted(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """A DRAFT invoice does not post: approve it."""
        if invoice.get("status") != "DRAFT":
            return invoice
        outcome = self.api.mutate([Mutation("invoiceApprove", "InvoiceApproveInput", {"invoiceId": invoice["id"]},
                                            INVOICE_SELECTION)])[0]
        if outcome.error is not None:
            raise outcome.error
        if not outcome.succeeded:
            raise input_error("invoiceApprove", invoice["invoiceNumber"], outcome.input_errors)
        return dict(outcome.output["invoice"])  # type: ignore[index]

    def delete_invoice(self, invoice_id: str) -> bool:
        """True when the invoice is gone (deleted now or before); False when Wave refuses to delete it."""
        outcome = self.api.mutate([Mutation("invoiceDelete", "InvoiceDeleteInput", {"invoiceId": invoice_id}, "")])[0]
        if outcome.error is not None:
            raise outcome.error
        if outcome.succeeded or any(e.get("code") == "NOT_FOUND" for e in outcome.input_errors):
            return True
        log.warning("wave: invoice %s cannot be deleted (%s); reversing it", invoice_id, outcome.input_errors)
        return False

    def invoice_detail(self, invoice_id: str) -> dict[str, Any] | None:
        data = self.api.query("invoice", INVOICE_DETAIL, {"b": self.refs.business_id, "i": invoice_id})
        return (data.get("business") or {}).get("invoice")

    # find / create ----------------------------------------------------------------------------------
    def find(self, document: LedgerDocument) -> Found | None:
        if document.kind != INVOICE:
            return None  # no transaction query in Wave: the create is refused if it is there
        invoice = self.lookup_invoices([document.reference]).get(document.reference)
        return Found(str(invoice["id"]), None, invoice.get("status")) if invoice else None

    def endpoint_load(self, document: LedgerDocument) -> dict[str, int]:
        """One aliased mutation field of a GraphQL request (see the module docstring)."""
        return {"mutation": 1}

    @staticmethod
    def _mutation(doc: LedgerDocument) -> Mutation:
        if doc.kind == INVOICE:
            return Mutation("invoiceCreate", "InvoiceCreateInput", doc.payload, INVOICE_SELECTION)
        return Mutation("moneyTransactionCreate", "MoneyTransactionCreateInput", doc.payload, TRANSACTION_SELECTION)

    def _result(self, doc: LedgerDocument, outcome: MutationOutcome) -> PostResult | None:
        """The document's result, or None when it should be sent again (a transient error)."""
        if outcome.error is not None:
            if isinstance(outcome.error, AuthBlocked):
                raise outcome.error
            return None if isinstance(outcome.error, RetriableError) else PostResult(doc.key, error=outcome.error)
        output = outcome.output or {}
        if doc.kind == INVOICE:
            if not outcome.succeeded:
                return PostResult(doc.key, error=input_error("invoiceCreate", doc.reference, outcome.input_errors))
            invoice = self._posted(dict(output["invoice"]))
            return PostResult(doc.key, str(invoice["id"]), None)
        if outcome.succeeded:
            return PostResult(doc.key, transaction_id(str(output["transaction"]["id"]), doc), recipe(doc.payload))
        if is_duplicate_external_id(outcome.input_errors):
            log.info("wave: %s already holds externalId %s; recorded, not sent again", self.tenant, doc.reference)
            return PostResult(doc.key, transaction_id(f"externalId:{doc.reference}", doc), recipe(doc.payload),
                              action="found")
        return PostResult(doc.key, error=input_error("moneyTransactionCreate", doc.reference, outcome.input_errors))

    def _recover(self, documents: Sequence[LedgerDocument], results: dict[str, PostResult]) -> None:
        """After an answer that may hide a commit: the invoices that went in are recorded as found."""
        invoices = [doc for doc in documents if doc.kind == INVOICE]
        found = self.lookup_invoices([doc.reference for doc in invoices])
        for doc in invoices:
            if doc.reference in found:
                log.info("wave: invoice %s was created by an attempt whose answer was lost", doc.reference)
                results[doc.key] = PostResult(doc.key, str(found[doc.reference]["id"]), None, action="found")

    def create(self, documents: Sequence[LedgerDocument]) -> list[PostResult]:
        results: dict[str, PostResult] = {}
        pending = list(documents)
        attempt = 0
        while pending:
            attempt += 1
            retry: list[LedgerDocument] = []
            errors: list[RetriableError] = []
            try:
                outcomes = self.api.mutate([self._mutation(doc) for doc in pending])
            except AuthBlocked:
                raise
            except RetriableError as exc:
                retry, errors = pending, [exc]
            except LedgerError as exc:
                if len(pending) > 1:  # refused as a whole (nothing ran): find the culprit one by one
                    log.warning("%s; sending the %d documents one by one", exc, len(pending))
                    for doc in pending:
                        results[doc.key] = self.create([doc])[0]
                else:
                    results[pending[0].key] = PostResult(pending[0].key, error=exc)
                break
            else:
                for doc, outcome in zip(pending, outcomes, strict=True):
                    result = self._result(doc, outcome)
                    if result is None:
                        retry.append(doc)
                        errors.append(outcome.error)  # type: ignore[arg-type]
                    else:
                        results[doc.key] = result
            if not retry:
                break
            error = errors[-1]
            if any(not was_refused_unprocessed(e) for e in errors):
                self._recover(retry, results)
            pending = [doc for doc in retry if doc.key not in results]
            if pending and attempt >= self._policy.max_attempts:
                results.update({doc.key: PostResult(doc.key, error=error) for doc in pending})
                break
            if pending:
                wait = self._policy.delay(attempt, error.retry_after, self._rng)
                log.warning("%s; %d document(s) again in %.2fs", error, len(pending), wait)
                self._sleep(wait)
        return [results[doc.key] for doc in documents]

    # update / read ----------------------------------------------------------------------------------
    def update(self, document: LedgerDocument, found: Found) -> PostResult:
        try:
            return update_document(self, document, found)
        except AuthBlocked:
            raise
        except LedgerError as exc:
            return PostResult(document.key, error=exc, action="update")

    def read(self, ledger_id: str, kind: str) -> ReadBack:
        if kind != INVOICE:
            wave_id, _, rest = ledger_id.partition("|")
            amount, _, currency = rest.partition("|")
            if not amount or not currency:
                raise FatalError(f"wave: transaction {ledger_id} cannot be read back (Wave's API has no transaction "
                                 "query) and its id carries no accepted amount", ledger="wave", operation="read")
            status = "EXISTS" if wave_id.startswith("externalId:") else "ACCEPTED"
            return ReadBack(wave_id, Decimal(amount), currency, status, None)
        invoice = self.invoice_detail(ledger_id)
        if invoice is None:
            raise FatalError(f"wave: invoice {ledger_id} not found (deleted?)", ledger="wave", operation="read")
        total = invoice["total"]
        return ReadBack(str(invoice["id"]), Decimal(str(total["value"])), str(total["currency"]["code"]),
                        invoice.get("status"), invoice.get("invoiceNumber"))


def transaction_id(wave_id: str, document: LedgerDocument) -> str:
    """The ledger id of a money transaction: Wave's id with the anchor amount and currency it accepted."""
    return f"{wave_id}|{document.total}|{document.currency}"


def _aliases(value: Any, what: str) -> dict[str, str]:
    if not value:
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ValueError(f"the connection's {what} must map mapping codes to Wave names")
    return {str(k): str(v) for k, v in value.items()}


def client_from_connection(
    conn: LedgerConnection,
    *,
    token_store: TokenStore | None = None,
    buckets: BucketStore | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> WaveClient:
    """A client for the connection's business (extras: `tenant_id` = businessId, `base_url` = the GraphQL
    URL, `token_url`, `tax_codes`, `receivable_account`, `anchor_account`, `per_minute`, `daily_limit`,
    `time_scale`)."""
    if not conn.tenant_id:
        raise ValueError(f"connection {conn.conn_id!r} names no Wave business (extra tenant_id = businessId)")
    if not conn.client_id or not conn.client_secret or not conn.refresh_token:
        raise ValueError(f"connection {conn.conn_id!r} lacks the client id, client secret or refresh_token")
    conn = replace(conn, base_url=conn.base_url or GRAPHQL_URL, token_url=conn.token_url or TOKEN_URL)
    extra = conn.extra
    per_minute = float(extra.get("per_minute") or 60)
    limits = {"calls": OperationLimit(rate=per_minute / 60.0, burst=int(per_minute))}
    if extra.get("daily_limit"):
        daily = int(extra["daily_limit"])
        limits["day"] = OperationLimit(rate=daily / 86400.0, burst=daily)
    pacing: Any = limiter(conn, limits, store=buckets)
    if "day" in limits:
        pacing = MultiLimiter(pacing, ("calls", "day"))
    tokens = oauth_tokens(conn, auth_style="body", token_store=token_store)
    policy = retry_policy(conn)
    api = WaveApi(conn.base_url, auth_headers=bearer_headers(tokens), refresh=tokens.invalidate, limiter=pacing,
                  retry=policy, transport=transport, sleep=sleep)
    refs = WaveRefData(api, conn.tenant_id, policy=policy, tax_aliases=_aliases(extra.get("tax_codes"), "tax_codes"),
                       receivable_account=str(extra.get("receivable_account") or "") or None,
                       anchor_account=str(extra.get("anchor_account") or "") or None, sleep=sleep)
    return WaveClient(api, refs, tenant=conn.tenant_id, policy=policy, sleep=sleep)
