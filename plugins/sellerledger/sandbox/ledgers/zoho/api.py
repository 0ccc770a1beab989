"""The Zoho Books (API v3) stand-in, served under `/zoho` for every data centre at once.

Each data centre `dc` (com, eu, in, com.au, jp, ca, com.cn, sa, uk) has an accounts server at
`/zoho/accounts/{dc}` (`/oauth/v2/auth`, `/oauth/v2/token`, `/oauth/v2/token/revoke`) and an API domain
at `/zoho/api/{dc}` (the token answer's `api_domain`; the Books API is below it at `/books/v3/...`). An
organization lives in one data centre; a token minted there is refused by every other one, as Zoho does.

Calls need `Authorization: Zoho-oauthtoken <token>` (a `Bearer` header is refused) and
`organization_id` on every request but `/organizations`. Answers are `{"code": 0, "message": ...}` on
success and a non-zero `code` otherwise (401 code 57 for a bad, expired, revoked or wrong-DC token).
Limits per organization: 100 calls a minute, a daily cap by plan, 10 concurrent calls; over any,
HTTP 429 with a Zoho body and `Retry-After`. Lists page with `page` / `per_page` (max 200) and answer
`page_context`. Invoices upsert with `PUT /invoices` + `X-Unique-Identifier-Key/-Value` (+ `X-Upsert`).

Documents: a new invoice is a draft (out of the book) unless `send=true`; `invoice_number` is taken only
with `ignore_auto_number_generation=true` (else `INV-000001`, ...); credit notes are created open and
journals published unless `status: "draft"` (⚠ defaults not stated by the docs).

Knobs (`SandboxConfig.options["zoho"]`): `data_centres` ({tenant key: dc}), `daily_limit` (1000),
`per_minute` (100), `concurrent` (10), `refresh_tokens_per_user` (20), `refresh_mints` (10 per 600 s).
Operation names (stats, fault rules): the OAS operation ids (`create_invoice`, `list_bank_transactions`,
...), `list_organizations`, `oauth.auth`, `oauth.token`, `oauth.revoke`; domain fault `invalid_grant`
(on `oauth.token`, answered `{"error": "invalid_code"}`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sellerledger.sandbox.core.operation import ApiProfile, operation
from sellerledger.sandbox.core.ratelimit import Limit
from sellerledger.sandbox.core.state import SandboxState
from sellerledger.sandbox.ledgers.common import (
    AccessGrant,
    InvalidGrant,
    JsonResponse,
    TenantLimits,
    TokenPolicy,
    TokenRegistry,
    WindowLimit,
    inspection_routes,
    load_chart,
    retry_after_header,
    stable_secret,
)
from sellerledger.sandbox.ledgers.mwz_shared import AuthCodes, option
from sellerledger.sandbox.ledgers.zoho import resources
from sellerledger.sandbox.ledgers.zoho.documents import ZohoError
from sellerledger.sandbox.ledgers.zoho.org import DATA_CENTRES, DEFAULT_DC, Organization, zoho_time

SCOPE = "ZohoBooks.fullaccess.all"
NOT_AUTHORIZED = 57
RATE_LIMITED = 45  # ⚠ "Request limit exceeded" as reported by integrators; the HTTP status is 429 (docs)
ORG_MISSING = 2  # ⚠
ORG_UNKNOWN = 6041  # ⚠ "This user is not associated with the CompanyID/CompanyName"

Handler = Callable[[Request, Organization], Awaitable[Response]]


def zoho_error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JsonResponse({"code": code, "message": message}, status_code=status, headers=headers)


class ZohoApi:
    """The Zoho Books stand-in: organizations in their data centres, OAuth per DC, the Books API."""

    name = "zoho"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.chart = load_chart()
        self.client_id = "1000." + stable_secret("zoho", "client-id", length=30).upper()
        self.client_secret = stable_secret("zoho", "client-secret", length=42)
        self.tokens = TokenRegistry(state.clock, TokenPolicy(access_ttl=3600, refresh_ttl=100 * 365 * 86400,
                                                             rotate=False), "1000")
        self.tokens.register_client(self.client_id, self.client_secret)
        self.codes = AuthCodes(state.clock, "1000")
        self.daily_limit = int(option(state, "zoho", "daily_limit", 1000))
        self.limits = TenantLimits(state.limiter, "zoho", [
            WindowLimit("minute", Limit.per_minute(int(option(state, "zoho", "per_minute", 100)))),
            WindowLimit("day", Limit(rate=self.daily_limit / 86400.0, burst=self.daily_limit)),
        ], concurrent=int(option(state, "zoho", "concurrent", 10)))
        self.refresh_cap = int(option(state, "zoho", "refresh_tokens_per_user", 20))
        mints = int(option(state, "zoho", "refresh_mints", 10))
        self.mint_limit = Limit(rate=mints / 600.0, burst=mints)
        self.profile = self._profile()
        self.orgs: list[Organization] = []
        self._chains: dict[str, list[str]] = {}
        self._token_dc: dict[str, str] = {}
        self._build_orgs()
        for org in self.orgs:
            self.tokens.seed(self._chain(org), self.client_id, self._subject(org),
                             f"1000.{stable_secret('zoho', org.key, 'refresh', length=32)}."
                             f"{stable_secret('zoho', org.key, 'refresh-2', length=32)}")
        self._reset_chains()

    # ------------------------------------------------------------------------------------ tenants
    def _build_orgs(self) -> None:
        now = self.state.clock.now()
        placement = {**DEFAULT_DC, **(option(self.state, "zoho", "data_centres", {}) or {})}
        self.orgs = [Organization(t, placement.get(t.key, "com"), now) for t in self.chart.tenants]

    def _reset_chains(self) -> None:
        self._chains = {}
        self._token_dc = {}
        for org in self.orgs:
            self._chains.setdefault(self._user(org), []).append(self._chain(org))
            self._token_dc[self.tokens.head(self._chain(org)) or ""] = org.dc

    @staticmethod
    def _chain(org: Organization) -> str:
        return f"zoho:{org.key}"

    @staticmethod
    def _user(org: Organization) -> str:
        return f"owner@{org.key}.example"

    def _subject(self, org: Organization) -> dict[str, Any]:
        return {"dc": org.dc, "org_ids": [org.id], "user": self._user(org), "scope": SCOPE}

    def org(self, org_id: str) -> Organization | None:
        return next((o for o in self.orgs if o.id == org_id), None)

    # ------------------------------------------------------------------------------------ protocol
    def credentials(self, base_url: str) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": SCOPE,
            "data_centres": {dc: {"accounts_server": f"{base_url}/accounts/{dc}", "api_domain": f"{base_url}/api/{dc}"}
                             for dc in DATA_CENTRES},
            "tenants": [
                {"key": o.key, "name": o.name, "base_currency": o.base_currency, "organization_id": o.id,
                 "dc": o.dc, "accounts_server": f"{base_url}/accounts/{o.dc}",
                 "token_url": f"{base_url}/accounts/{o.dc}/oauth/v2/token",
                 "api_domain": f"{base_url}/api/{o.dc}", "books_url": f"{base_url}/api/{o.dc}/books/v3",
                 "refresh_token": self.tokens.head(self._chain(o)),
                 "invoice_unique_custom_fields": sorted(o.records["customfield"])}
                for o in self.orgs
            ],
        }

    def reset(self) -> None:
        self._build_orgs()
        self.tokens.reset()
        self.codes.reset()
        self._reset_chains()

    def dump_state(self) -> dict[str, Any]:
        return {"orgs": {o.id: o.dump() for o in self.orgs}, "tokens": self.tokens.dump(),
                "chains": {user: list(chains) for user, chains in self._chains.items()},
                "token_dc": dict(self._token_dc)}

    def load_state(self, data: dict[str, Any]) -> None:
        for org in self.orgs:
            if org.id in data.get("orgs", {}):
                org.load(data["orgs"][org.id])
        if "tokens" in data:
            self.tokens.load(data["tokens"])
        if "chains" in data:
            self._chains = {user: list(chains) for user, chains in data["chains"].items()}
        if "token_dc" in data:
            self._token_dc = dict(data["token_dc"])

    def inspection_routes(self) -> list[BaseRoute]:
        async def revoke(request: Request) -> Response:
            body = await request.json()
            return JsonResponse({"revoked": self.tokens.revoke(str(body.get("token", "")))})

        return [*inspection_routes(lambda: list(self.orgs)), Route("/revoke", revoke, methods=["POST"])]

    def _profile(self) -> ApiProfile:
        clock = self.state.clock

        def throttled(request: Request, retry_after: float, limit: Limit | None) -> Response:
            return zoho_error(429, RATE_LIMITED, "You have exceeded the maximum number of API requests allowed "
                              "per minute for this organization. Please try again after some time.",
                              {"Retry-After": retry_after_header(clock, retry_after)})

        def server_error(request: Request, status: int) -> Response:
            return zoho_error(status, 1000, "Internal error")

        return ApiProfile(name="zoho", throttled=throttled, server_error=server_error)

    def routes(self) -> list[BaseRoute]:
        op = self._op
        acc = "/accounts/{dc}/oauth/v2"
        routes: list[BaseRoute] = [
            Route(f"{acc}/auth", op("oauth.auth", self.authorize), methods=["GET"]),
            Route(f"{acc}/token", op("oauth.token", self.token), methods=["POST"]),
            Route(f"{acc}/token/revoke", op("oauth.revoke", self.revoke), methods=["POST"]),
            Route("/api/{dc}/books/v3/organizations", op("list_organizations", self._books(self.organizations, False)),
                  methods=["GET"]),
        ]
        for path, methods in resources.routes(self).items():
            endpoints = {method: op(name, self._books(handler)) for method, (name, handler) in methods.items()}
            routes.append(Route(f"/api/{{dc}}/books/v3{path}", _dispatch(endpoints), methods=list(endpoints)))
        return routes

    def _op(self, name: str, handler: Callable[[Request], Awaitable[Response]]
            ) -> Callable[[Request], Awaitable[Response]]:
        return operation(self.state, self.profile, name)(handler)

    # ------------------------------------------------------------------------------------ OAuth
    async def _params(self, request: Request) -> dict[str, str]:
        """Zoho reads token parameters from the query string as well as from a form body."""
        params = {k: str(v) for k, v in request.query_params.items()}
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update({k: str(v) for k, v in (await request.form()).items()})
        return params

    async def authorize(self, request: Request) -> Response:
        dc = request.path_params["dc"]
        params = request.query_params
        if dc not in DATA_CENTRES or params.get("client_id") != self.client_id or not params.get("redirect_uri"):
            return JsonResponse({"error": "invalid_client"}, status_code=400)
        candidates = [o for o in self.orgs if o.dc == dc and params.get("tenant") in (None, o.key)]
        if not candidates:
            return JsonResponse({"error": "invalid_request", "error_description": "no account in this DC"}, 400)
        org = candidates[0]
        subject = {**self._subject(org), "scope": params.get("scope") or SCOPE,
                   "offline": params.get("access_type") == "offline"}
        code = self.codes.issue(self.client_id, params["redirect_uri"], subject)
        site = _site(request)
        query = {"code": code, "location": DATA_CENTRES[dc][0].lower(), "accounts-server": f"{site}/accounts/{dc}"}
        if params.get("state"):
            query["state"] = params["state"]
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(query)}", status_code=302)

    async def token(self, request: Request) -> Response:
        dc = request.path_params["dc"]
        params = await self._params(request)
        if dc not in DATA_CENTRES:
            return JsonResponse({"error": "invalid_client"})
        client_id = self.tokens.authenticate_client(None, params)
        if client_id is None:
            return JsonResponse({"error": "invalid_client"})
        grant = params.get("grant_type")
        if grant == "refresh_token":
            refresh = params.get("refresh_token", "")
            if self._token_dc.get(refresh, dc) != dc:
                return JsonResponse({"error": "invalid_code"})  # a refresh token of another data centre
            wait = self.state.limiter.acquire("zoho", "oauth.token.refresh", self.mint_limit, refresh)
            if wait > 0:
                return JsonResponse({"error": "Access Denied", "error_description": "You have made too many "
                                     "requests continuously. Please try again after some time."}, status_code=400)
            try:
                if self.state.faults.take("zoho", "oauth.token", "invalid_grant") is not None:
                    raise InvalidGrant("injected")
                tokens = self.tokens.refresh(client_id, refresh)
            except InvalidGrant:
                return JsonResponse({"error": "invalid_code"})  # ⚠ Zoho answers 200 with the error
            return JsonResponse(self._token_body(request, tokens.access_token, None, tokens.subject))
        if grant == "authorization_code":
            subject = self.codes.redeem(params.get("code", ""), client_id, params.get("redirect_uri"))
            if subject is None or subject.get("dc") != dc:
                return JsonResponse({"error": "invalid_code"})
            chain = f"zoho:{subject['user']}:{uuid.uuid4().hex}"
            tokens = self.tokens.issue(chain, client_id, subject)
            self._token_dc[tokens.refresh_token] = dc
            chains = self._chains.setdefault(subject["user"], [])
            chains.append(chain)
            while len(chains) > self.refresh_cap:  # the oldest refresh token of this user and client is deleted
                oldest = self.tokens.head(chains.pop(0))
                if oldest:
                    self.tokens.revoke(oldest)
            refresh = tokens.refresh_token if subject.get("offline") else None
            return JsonResponse(self._token_body(request, tokens.access_token, refresh, tokens.subject))
        return JsonResponse({"error": "unsupported_grant_type"})

    def _token_body(self, request: Request, access: str, refresh: str | None, subject: dict[str, Any]
                    ) -> dict[str, Any]:
        body: dict[str, Any] = {"access_token": access}
        if refresh:
            body["refresh_token"] = refresh
        body.update({"scope": subject.get("scope", SCOPE), "api_domain": f"{_site(request)}/api/{subject['dc']}",
                     "token_type": "Bearer", "expires_in": 3600})
        return body

    async def revoke(self, request: Request) -> Response:
        params = await self._params(request)
        known = self.tokens.revoke(params.get("token", ""))
        return JsonResponse({"status": "success"} if known else {"error": "invalid_token"})

    # ------------------------------------------------------------------------------------ Books API
    def _authenticate(self, request: Request) -> AccessGrant | Response:
        dc = request.path_params["dc"]
        if dc not in DATA_CENTRES:
            return zoho_error(404, 5, "Invalid URL Passed")
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        refused = zoho_error(401, NOT_AUTHORIZED, "You are not authorized to perform this operation")
        if scheme != "Zoho-oauthtoken" or not token.strip():
            return refused
        check = self.tokens.check_access("Bearer " + token.strip())
        if not check.ok or check.grant is None or check.grant.subject.get("dc") != dc:
            return refused
        return check.grant

    def _books(self, handler: Handler | Callable[[Request, AccessGrant], Awaitable[Response]],
               needs_org: bool = True) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            grant = self._authenticate(request)
            if isinstance(grant, Response):
                return grant
            if not needs_org:
                return await handler(request, grant)  # type: ignore[arg-type]
            org_id = request.query_params.get("organization_id")
            if not org_id:
                return zoho_error(400, ORG_MISSING, "Invalid value passed for organization_id")
            org = self.org(org_id)
            if org is None or org.id not in grant.subject.get("org_ids", []) or org.dc != request.path_params["dc"]:
                return zoho_error(400, ORG_UNKNOWN,
                                  f"This user is not associated with the CompanyID/CompanyName:{org_id}.")
            admission = self.limits.admit(org.id)
            if admission.problem is not None:
                messages = {
                    "minute": "You have exceeded the maximum number of API requests allowed per minute for this "
                              "organization. Please try again after some time.",
                    "day": "You have reached the maximum number of API requests allowed per day for your plan.",
                    "concurrent": "You have exceeded the maximum number of concurrent API requests allowed for "
                                  "this organization.",
                }
                return zoho_error(429, RATE_LIMITED, messages.get(admission.problem, "Too many requests"),
                                  {"Retry-After": retry_after_header(self.state.clock, admission.retry_after),
                                   **self._rate_headers(admission.remaining)})
            try:
                response = await handler(request, org)  # type: ignore[arg-type]
            except ZohoError as exc:
                response = zoho_error(exc.status, exc.code, exc.message)
            finally:
                self.limits.release(org.id)
            response.headers.update(self._rate_headers(self.limits.remaining(org.id)))
            return response

        return endpoint

    def _rate_headers(self, remaining: dict[str, int]) -> dict[str, str]:
        return {"X-Rate-Limit-Limit": str(self.daily_limit),
                "X-Rate-Limit-Remaining": str(remaining.get("day", self.daily_limit))}

    async def organizations(self, request: Request, grant: AccessGrant) -> Response:
        dc = request.path_params["dc"]
        orgs = [o for o in self.orgs if o.id in grant.subject.get("org_ids", []) and o.dc == dc]
        rows = []
        for index, org in enumerate(orgs):
            currency = org.records["currency"][org.base_currency_id()]
            rows.append({"organization_id": org.id, "name": org.name, "contact_name": "Owner",
                         "email": self._user(org), "is_default_org": index == 0, "plan_type": 0,
                         "currency_id": currency["currency_id"], "currency_code": currency["currency_code"],
                         "currency_symbol": currency["currency_symbol"], "price_precision": currency["price_precision"],
                         "time_zone": "UTC", "language_code": "en", "is_org_active": True})
        return JsonResponse({"code": 0, "message": "success", "organizations": rows})

    def today(self) -> date:
        return self.state.clock.now().date()

    def now_text(self) -> str:
        return zoho_time(self.state.clock.now())

    def balances(self, org: Organization) -> dict[tuple[str, str], Decimal]:
        return org.book.trial_balance()


def _dispatch(handlers: dict[str, Callable[[Request], Awaitable[Response]]]
              ) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handlers[request.method](request)

    return endpoint


def _site(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}/zoho"


def build(state: SandboxState) -> ZohoApi:
    api = ZohoApi(state)
    state.apis["zoho"] = api
    return api
