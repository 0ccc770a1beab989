"""What the five ledger stand-ins share: the demo chart, tenants with a book and a document store,
OAuth tokens on the virtual clock, per-tenant call limits, Decimal-safe JSON, and the inspection routes.

A stand-in builds one `Tenant` per entry of `demo_chart.yaml`, keeps its own ledger-shaped records in
`Tenant.records` / `Document.data`, posts every accepted document with `Tenant.add_document` (which
writes the book), and mounts `inspection_routes(...)` under `/_sandbox/<ledger>`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import secrets
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sellerledger.sandbox.core.book import Book, Entry
from sellerledger.sandbox.core.clock import VirtualClock
from sellerledger.sandbox.core.ratelimit import Limit, RateLimiter

CHART_PATH = Path(__file__).with_name("demo_chart.yaml")


# --------------------------------------------------------------------------------------------- chart
@dataclass(frozen=True)
class ChartAccount:
    code: str
    name: str
    klass: str  # asset | liability | equity | revenue | expense
    kind: str  # bank | receivable | payable | current_asset | revenue | expense | ...


@dataclass(frozen=True)
class ChartTaxRate:
    code: str
    name: str
    rate: Decimal  # percent, e.g. Decimal("20")


@dataclass(frozen=True)
class ChartTenant:
    key: str
    name: str
    base_currency: str


@dataclass(frozen=True)
class Chart:
    accounts: tuple[ChartAccount, ...]
    tax_rates: tuple[ChartTaxRate, ...]
    tenants: tuple[ChartTenant, ...]


@lru_cache(maxsize=4)
def load_chart(path: Path = CHART_PATH) -> Chart:
    """The demo chart (accounts, tax rates, tenants) every ledger tenant starts with."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Chart(
        accounts=tuple(ChartAccount(str(a["code"]), a["name"], a["class"], a["kind"]) for a in raw["accounts"]),
        tax_rates=tuple(ChartTaxRate(str(t["code"]), t["name"], Decimal(str(t["rate"]))) for t in raw["tax_rates"]),
        tenants=tuple(ChartTenant(t["key"], t["name"], t["base_currency"]) for t in raw["tenants"]),
    )


def stable_uuid(*parts: object) -> str:
    """A GUID that is the same for the same parts (tenant ids, seeded entity ids)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "sellerledger-sandbox:" + ":".join(map(str, parts))))


def stable_digits(*parts: object, digits: int = 16) -> str:
    """A numeric id (QBO realm id style) that is the same for the same parts."""
    value = int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest(), 16)
    return str(10 ** (digits - 1) + value % (9 * 10 ** (digits - 1)))


def stable_secret(*parts: object, length: int = 40) -> str:
    """A token-like string derived from the parts (seeded client secrets and first refresh tokens)."""
    return hashlib.sha256(("secret:" + ":".join(map(str, parts))).encode()).hexdigest()[:length]


# The marketplaces (settlement `marketplace-name` values) every ledger offers as a tracking dimension
# (Xero tracking options, QBO classes and departments, ...).
MARKETPLACES = (
    "Amazon.com", "Amazon.ca", "Amazon.com.mx", "Amazon.com.br", "Amazon.co.uk", "Amazon.de", "Amazon.fr",
    "Amazon.it", "Amazon.es", "Amazon.nl", "Amazon.se", "Amazon.pl", "Amazon.com.be", "Amazon.co.jp",
    "Amazon.com.au", "Amazon.sg", "Amazon.ae", "Amazon.sa", "Amazon.in", "Amazon.com.tr", "Non-Amazon",
)
RECEIVABLE = "1200"  # the demo chart's receivable (debtors) account
PAYABLE = "2000"  # the demo chart's payable (creditors) account


def tax_liability_account(tax_code: str, chart: Chart | None = None) -> str | None:
    """Where tax collected under `tax_code` is posted: VAT codes to 2110 VAT Payable, other taxes to
    2100 Sales Tax Payable; None for a zero rate."""
    rates = {t.code: t for t in (chart or load_chart()).tax_rates}
    rate = rates.get(tax_code)
    if rate is None or rate.rate == 0:
        return None
    return "2110" if tax_code.upper().startswith("VAT") else "2100"


# --------------------------------------------------------------------------------------------- JSON
def dumps(obj: Any) -> str:
    """JSON with `Decimal` written as a JSON number, exactly (no float on the way)."""
    parts: list[str] = []
    _write(obj, parts)
    return "".join(parts)


def _write(obj: Any, out: list[str]) -> None:
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            raise ValueError(f"non-finite decimal {obj}")
        text = format(obj, "f")
        out.append(text)
    elif isinstance(obj, bool) or obj is None or isinstance(obj, int | str):
        out.append(json.dumps(obj))
    elif isinstance(obj, float):
        raise TypeError(f"float {obj!r} in a sandbox response: amounts must be Decimal")
    elif isinstance(obj, dict):
        out.append("{")
        for i, (key, value) in enumerate(obj.items()):
            if i:
                out.append(",")
            out.append(json.dumps(str(key)))
            out.append(":")
            _write(value, out)
        out.append("}")
    elif isinstance(obj, list | tuple):
        out.append("[")
        for i, value in enumerate(obj):
            if i:
                out.append(",")
            _write(value, out)
        out.append("]")
    elif isinstance(obj, datetime):
        out.append(json.dumps(obj.isoformat()))
    else:
        raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def loads(text: str | bytes) -> Any:
    """Parse a request body; JSON numbers with a fraction become `Decimal`."""
    return json.loads(text, parse_float=Decimal)


def to_decimal(value: Any) -> Decimal:
    """An amount from a request (JSON number, Decimal or numeric string); ValueError when it is not one."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except ArithmeticError as exc:
            raise ValueError(f"not an amount: {value!r}") from exc
    else:
        raise ValueError(f"not an amount: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return result


class JsonResponse(Response):
    """A JSON response whose Decimals stay exact."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


async def read_form(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body (token endpoints) as a dict."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def to_jsonable(obj: Any) -> Any:
    """State for `dump_state`: Decimals and datetimes tagged so `from_jsonable` restores their types."""
    if isinstance(obj, Decimal):
        return {"__decimal__": str(obj)}
    if isinstance(obj, datetime):
        return {"__datetime__": obj.isoformat()}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    return obj


def from_jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {"__decimal__"}:
            return Decimal(obj["__decimal__"])
        if set(obj) == {"__datetime__"}:
            return datetime.fromisoformat(obj["__datetime__"])
        return {k: from_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_jsonable(v) for v in obj]
    return obj


# --------------------------------------------------------------------------------------------- tenant
@dataclass
class Document:
    """A posting document as the inspection API shows it; `data` is the ledger-shaped entity."""

    id: str
    type: str
    reference: str
    key: str
    status: str
    currency: str
    total: Decimal
    created_at: datetime
    updated_at: datetime
    entries: list[Entry] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


class Tenant:
    """One company / organisation / business of a ledger: its chart, book, records and documents.

    `records[kind][id]` holds master data in the ledger's own shape (contacts, items, accounts...);
    `documents[id]` the posting documents. Use `lock` around read-modify-write sequences.
    """

    def __init__(self, ledger: str, chart_tenant: ChartTenant, tenant_id: str, chart: Chart | None = None) -> None:
        chart = chart or load_chart()
        self.ledger = ledger
        self.key = chart_tenant.key
        self.name = chart_tenant.name
        self.base_currency = chart_tenant.base_currency
        self.id = tenant_id
        self.accounts: dict[str, ChartAccount] = {a.code: a for a in chart.accounts}
        self.tax_rates: dict[str, ChartTaxRate] = {t.code: t for t in chart.tax_rates}
        self.lock = threading.RLock()
        self.book = Book()
        self.records: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.documents: dict[str, Document] = {}
        self._attempts: dict[str, int] = defaultdict(int)
        self._sequences: dict[str, int] = defaultdict(int)

    # attempts and sequences
    def count_attempt(self, key: str) -> int:
        """Record one more submission of the document known by `key`; returns the count so far."""
        with self.lock:
            self._attempts[key] += 1
            return self._attempts[key]

    def attempts(self, key: str) -> int:
        with self.lock:
            return self._attempts.get(key, 0)

    def next_number(self, name: str) -> int:
        """1, 2, 3... per `name` (auto invoice numbers, numeric ids)."""
        with self.lock:
            self._sequences[name] += 1
            return self._sequences[name]

    # documents
    def add_document(self, document: Document) -> Document:
        """Store a document and post its entries (none for a draft) to the book."""
        with self.lock:
            self.book.post(document.id, document.entries)
            self.documents[document.id] = document
            return document

    def repost(self, document_id: str, entries: list[Entry], **changes: Any) -> Document:
        """Replace a document's entries (an update) and any of its fields (`status=`, `total=`, `data=`...)."""
        with self.lock:
            document = self.documents[document_id]
            self.book.post(document_id, entries)
            document.entries = list(entries)
            for name, value in changes.items():
                setattr(document, name, value)
            return document

    def remove_from_book(self, document_id: str, status: str, updated_at: datetime | None = None) -> Document:
        """A voided or deleted document: it stays listed with `status`, its entries leave the book."""
        with self.lock:
            document = self.documents[document_id]
            self.book.void(document_id)
            document.entries = []
            document.status = status
            if updated_at is not None:
                document.updated_at = updated_at
            return document

    def find_documents(self, type_: str | None = None, reference: str | None = None) -> list[Document]:
        with self.lock:
            return [
                d for d in self.documents.values()
                if (type_ is None or d.type == type_) and (reference is None or d.reference == reference)
            ]

    # inspection
    def trial_balance_json(self) -> dict[str, Any]:
        return {"tenant": self.id, **self.book.trial_balance_json()}

    def documents_json(self) -> dict[str, Any]:
        with self.lock:
            rows = [
                {"id": d.id, "type": d.type, "reference": d.reference, "key": d.key,
                 "attempts": self._attempts.get(d.key, 0), "status": d.status, "currency": d.currency,
                 "total": str(d.total), "created_at": d.created_at.isoformat()}
                for d in sorted(self.documents.values(), key=lambda d: d.created_at)  # stable: batch order kept
            ]
        return {"tenant": self.id, "documents": rows}

    # state
    def dump(self) -> dict[str, Any]:
        with self.lock:
            return to_jsonable({
                "records": {kind: dict(items) for kind, items in self.records.items()},
                "documents": [
                    {"id": d.id, "type": d.type, "reference": d.reference, "key": d.key, "status": d.status,
                     "currency": d.currency, "total": d.total, "created_at": d.created_at,
                     "updated_at": d.updated_at, "data": d.data,
                     "entries": [[e.account, e.currency, e.amount] for e in d.entries]}
                    for d in self.documents.values()
                ],
                "attempts": dict(self._attempts),
                "sequences": dict(self._sequences),
            })

    def load(self, data: dict[str, Any]) -> None:
        data = from_jsonable(data)
        with self.lock:
            self.book = Book()
            self.records = defaultdict(dict, {kind: dict(items) for kind, items in data["records"].items()})
            self.documents = {}
            for raw in data["documents"]:
                entries = [Entry(account, currency, amount) for account, currency, amount in raw.pop("entries")]
                self.add_document(Document(**raw, entries=entries))
            self._attempts = defaultdict(int, data["attempts"])
            self._sequences = defaultdict(int, data["sequences"])


def pick_tenant(tenants: list[Tenant], wanted: str | None) -> Tenant | None:
    """The tenant whose id or key is `wanted`; the first tenant when `wanted` is empty."""
    if not wanted:
        return tenants[0] if tenants else None
    return next((t for t in tenants if wanted in (t.id, t.key)), None)


def inspection_routes(get_tenants: Callable[[], list[Tenant]]) -> list[Route]:
    """`GET trial-balance?tenant=` and `GET documents?tenant=` (id or key; default the first tenant)."""

    def _tenant_or_404(request: Request) -> Tenant | Response:
        tenant = pick_tenant(get_tenants(), request.query_params.get("tenant"))
        if tenant is None:
            return JsonResponse({"error": f"unknown tenant {request.query_params.get('tenant')!r}"}, 404)
        return tenant

    async def trial_balance(request: Request) -> Response:
        tenant = _tenant_or_404(request)
        return tenant if isinstance(tenant, Response) else JsonResponse(tenant.trial_balance_json())

    async def documents(request: Request) -> Response:
        tenant = _tenant_or_404(request)
        return tenant if isinstance(tenant, Response) else JsonResponse(tenant.documents_json())

    async def tenants(request: Request) -> Response:
        return JsonResponse({"tenants": [
            {"id": t.id, "key": t.key, "name": t.name, "base_currency": t.base_currency} for t in get_tenants()
        ]})

    return [Route("/trial-balance", trial_balance), Route("/documents", documents), Route("/tenants", tenants)]


# --------------------------------------------------------------------------------------------- OAuth
class InvalidGrant(Exception):
    """The refresh token is unknown, expired, revoked or rotated out (answer `invalid_grant`)."""


@dataclass
class RefreshGrant:
    token: str
    client_id: str
    chain: str  # the connection this token belongs to (one per tenant credential)
    subject: dict[str, Any]  # what the grant reaches (tenant ids / realm id)
    expires_at: float  # virtual epoch seconds; rolling (renewed by each refresh)
    hard_expires_at: float | None = None
    rotated_at: float | None = None  # set when a refresh replaced it (grace period runs from here)
    successor: str | None = None
    revoked: bool = False


@dataclass
class AccessGrant:
    token: str
    client_id: str
    chain: str
    subject: dict[str, Any]
    expires_at: float
    revoked: bool = False


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    refresh_hard_expires_in: int | None
    subject: dict[str, Any]


@dataclass(frozen=True)
class TokenPolicy:
    """Lifetimes in virtual seconds. `refresh_grace`: how long a rotated-out refresh token still works."""

    access_ttl: int
    refresh_ttl: int
    refresh_grace: int = 0
    rotate: bool = True
    refresh_hard_ttl: int | None = None


class AccessCheck:
    """Outcome of `TokenRegistry.check_access`: `grant` when valid, else `problem` in (missing,
    unknown, expired, revoked) and `expired_at` for an expired token."""

    def __init__(self, grant: AccessGrant | None = None, problem: str | None = None,
                 expired_at: datetime | None = None) -> None:
        self.grant = grant
        self.problem = problem
        self.expired_at = expired_at

    @property
    def ok(self) -> bool:
        return self.grant is not None


class TokenRegistry:
    """OAuth 2 clients, refresh tokens (rotating, with grace and idle expiry) and access tokens."""

    def __init__(self, clock: VirtualClock, policy: TokenPolicy, prefix: str) -> None:
        self.clock = clock
        self.policy = policy
        self.prefix = prefix
        self._lock = threading.Lock()
        self.clients: dict[str, str] = {}
        self._refresh: dict[str, RefreshGrant] = {}
        self._access: dict[str, AccessGrant] = {}
        self._heads: dict[str, str] = {}  # chain -> latest refresh token
        self._seeds: list[tuple[str, str, dict[str, Any], str]] = []

    def _now(self) -> float:
        return self.clock.now().timestamp()

    # clients
    def register_client(self, client_id: str, client_secret: str) -> None:
        self.clients[client_id] = client_secret

    def authenticate_client(self, authorization: str | None, form: dict[str, str]) -> str | None:
        """The client id when HTTP Basic (`client_secret_basic`) or form fields (`client_secret_post`)
        carry a registered id and its secret; else None."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return None
            client_id, _, secret = decoded.partition(":")
        if client_id and secret is not None and self.clients.get(client_id) == secret:
            return client_id
        return None

    # refresh tokens
    def seed(self, chain: str, client_id: str, subject: dict[str, Any], token: str) -> None:
        """The connection `chain` starts with refresh token `token` (kept across `reset`)."""
        with self._lock:
            self._seeds.append((chain, client_id, subject, token))
            self._add_refresh(chain, client_id, subject, token)

    def _add_refresh(self, chain: str, client_id: str, subject: dict[str, Any], token: str,
                     hard_expires_at: float | None = None) -> RefreshGrant:
        now = self._now()
        if hard_expires_at is None and self.policy.refresh_hard_ttl is not None:
            hard_expires_at = now + self.policy.refresh_hard_ttl
        grant = RefreshGrant(token=token, client_id=client_id, chain=chain, subject=dict(subject),
                             expires_at=now + self.policy.refresh_ttl, hard_expires_at=hard_expires_at)
        self._refresh[token] = grant
        self._heads[chain] = token
        return grant

    def head(self, chain: str) -> str | None:
        """The newest refresh token of a connection."""
        with self._lock:
            return self._heads.get(chain)

    def issue(self, chain: str, client_id: str, subject: dict[str, Any]) -> TokenSet:
        """A new connection (authorization_code grant): fresh refresh and access tokens."""
        with self._lock:
            refresh = self._add_refresh(chain, client_id, subject, self._new_token("rt"))
            return self._token_set(refresh)

    def refresh(self, client_id: str, token: str) -> TokenSet:
        """The refresh grant: rotate (policy) and issue an access token; InvalidGrant when not allowed."""
        now = self._now()
        with self._lock:
            grant = self._refresh.get(token)
            if grant is None or grant.revoked or grant.client_id != client_id:
                raise InvalidGrant("unknown or revoked refresh token")
            if now >= grant.expires_at or (grant.hard_expires_at is not None and now >= grant.hard_expires_at):
                raise InvalidGrant("refresh token expired")
            if grant.rotated_at is not None:
                if now >= grant.rotated_at + self.policy.refresh_grace:
                    raise InvalidGrant("refresh token already used")
                successor = self._refresh.get(grant.successor or "")
                if successor is None or successor.revoked:
                    raise InvalidGrant("refresh token already used")
                return self._token_set(successor)  # a retry inside the grace period
            if not self.policy.rotate:
                grant.expires_at = now + self.policy.refresh_ttl
                return self._token_set(grant)
            successor = self._add_refresh(grant.chain, client_id, grant.subject, self._new_token("rt"),
                                          hard_expires_at=grant.hard_expires_at)
            grant.rotated_at = now
            grant.successor = successor.token
            return self._token_set(successor)

    def _token_set(self, refresh: RefreshGrant) -> TokenSet:
        now = self._now()
        access = AccessGrant(token=self._new_token("at"), client_id=refresh.client_id, chain=refresh.chain,
                             subject=dict(refresh.subject), expires_at=now + self.policy.access_ttl)
        self._access[access.token] = access
        hard = None if refresh.hard_expires_at is None else max(0, round(refresh.hard_expires_at - now))
        return TokenSet(access_token=access.token, refresh_token=refresh.token,
                        expires_in=self.policy.access_ttl, refresh_expires_in=max(0, round(refresh.expires_at - now)),
                        refresh_hard_expires_in=hard, subject=dict(refresh.subject))

    def _new_token(self, kind: str) -> str:
        return f"{self.prefix}-{kind}-{secrets.token_urlsafe(24)}"

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token (its whole connection: all refresh and access tokens) or one access
        token. Returns whether the token was known."""
        with self._lock:
            if token in self._refresh:
                chain = self._refresh[token].chain
                for grant in self._refresh.values():
                    if grant.chain == chain:
                        grant.revoked = True
                for access in self._access.values():
                    if access.chain == chain:
                        access.revoked = True
                return True
            if token in self._access:
                self._access[token].revoked = True
                return True
            return False

    # access tokens
    def check_access(self, authorization: str | None) -> AccessCheck:
        """Validate an `Authorization: Bearer ...` header."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return AccessCheck(problem="missing")
        token = authorization[7:].strip()
        with self._lock:
            grant = self._access.get(token)
        if grant is None:
            return AccessCheck(problem="unknown")
        if grant.revoked:
            return AccessCheck(problem="revoked")
        if self._now() >= grant.expires_at:
            return AccessCheck(problem="expired", expired_at=datetime.fromtimestamp(grant.expires_at, tz=UTC))
        return AccessCheck(grant=grant)

    # state
    def dump(self) -> dict[str, Any]:
        with self._lock:
            return {
                "refresh": [vars(g).copy() for g in self._refresh.values()],
                "access": [vars(g).copy() for g in self._access.values()],
                "heads": dict(self._heads),
            }

    def load(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._refresh = {g["token"]: RefreshGrant(**g) for g in data.get("refresh", [])}
            self._access = {g["token"]: AccessGrant(**g) for g in data.get("access", [])}
            self._heads = dict(data.get("heads", {}))

    def reset(self) -> None:
        """Forget issued tokens; the seeded connections start again from their first refresh token."""
        with self._lock:
            self._refresh.clear()
            self._access.clear()
            self._heads.clear()
            for chain, client_id, subject, token in self._seeds:
                self._add_refresh(chain, client_id, subject, token)


# --------------------------------------------------------------------------------------------- limits
@dataclass(frozen=True)
class WindowLimit:
    """A per-tenant limit over all operations; `problem` names it in the throttle answer."""

    problem: str
    limit: Limit


@dataclass
class Admission:
    """Result of `TenantLimits.admit`: `problem` is None when the call may run; `remaining` per limit."""

    problem: str | None
    retry_after: float  # virtual seconds
    remaining: dict[str, int]


class TenantLimits:
    """Call limits counted per tenant across every operation (minute, day, ...) plus concurrency.

    Built on the core `RateLimiter` (virtual time, the `rate_limits` switch, the stats benchmarks read),
    with bucket keys `(api, "<problem>", tenant)`.
    """

    def __init__(self, limiter: RateLimiter, api: str, windows: Iterable[WindowLimit],
                 concurrent: int | None = None) -> None:
        self.limiter = limiter
        self.api = api
        self.windows = tuple(windows)
        self.concurrent = concurrent
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = defaultdict(int)

    def admit(self, tenant: str) -> Admission:
        """Count one call; when admitted, the caller must call `release(tenant)` once it is answered."""
        if self.limiter.enabled and self.concurrent is not None:
            with self._lock:
                if self._in_flight[tenant] >= self.concurrent:
                    return Admission("concurrent", 1.0, self.remaining(tenant))
                self._in_flight[tenant] += 1
        else:
            with self._lock:
                self._in_flight[tenant] += 1
        for window in self.windows:
            wait = self.limiter.acquire(self.api, window.problem, window.limit, tenant)
            if wait > 0:
                self.release(tenant)
                return Admission(window.problem, wait, self.remaining(tenant))
        return Admission(None, 0.0, self.remaining(tenant))

    def release(self, tenant: str) -> None:
        with self._lock:
            self._in_flight[tenant] = max(0, self._in_flight[tenant] - 1)

    def in_flight(self, tenant: str) -> int:
        """Calls of a tenant admitted and not yet answered."""
        with self._lock:
            return self._in_flight.get(tenant, 0)

    def remaining(self, tenant: str) -> dict[str, int]:
        result = {}
        for window in self.windows:
            left = self.limiter.remaining(self.api, window.problem, tenant)
            result[window.problem] = window.limit.burst if left is None else left
        return result


def retry_after_header(clock: VirtualClock, virtual_seconds: float) -> str:
    """`Retry-After` in whole real seconds (virtual seconds scaled by the clock), at least 1."""
    return str(max(1, math.ceil(clock.to_real(virtual_seconds))))
