"""The MYOB Business API (AccountRight Live API v2) stand-in, served under `/myob`.

Paths as the real API: `POST /oauth2/v1/authorize` (the token endpoint; `expires_in` is the string
"1200"), `GET /oauth2/account/authorize` (consent, redirects with `code` and `businessId`),
`GET /accountright/` (company files) and `/accountright/{cf_uid}/{Resource}[/{UID}]`.

Every call needs `Authorization: Bearer`, `x-myobapi-key` (the client id; the rate limits count per key:
8/s and 1,000,000/day, answered with HTTP 403 `RateLimitError`, never 429), `x-myobapi-version: v2` and
`x-myobapi-cftoken` (base64 `user:password` of the company file). Responses carry `x-myobapi-requestid`.
POST answers 201 with `Location` and no body unless `returnBody=true`; there is no idempotency key, so a
repeated POST creates a duplicate. PUT needs the current `RowVersion` (stale: 409, ErrorCode 111).
Collections take OData `$filter`, `$orderby`, `$top` (default 400, max 1000) and `$skip`.

Knobs (`SandboxConfig.options["myob"]`): `refresh_ttl` (7 days), `first_year_start` (ISO date),
`must_reverse` (DELETE refused with 25003), `invoice_number_max` (13), `daily_limit` (1,000,000).
Operation names (stats, fault rules): `oauth2.token`, `oauth2.authorize`, `accountright.list` and
`<Resource>.list|get|post|put|delete` (e.g. `Sale/Invoice/Item.post`); domain faults `invalid_grant`
(on `oauth2.token`) and `conflict` (on any `.put`: someone else saved the entity first).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sellerledger.sandbox.core.operation import ApiProfile, operation
from sellerledger.sandbox.core.ratelimit import Limit
from sellerledger.sandbox.core.state import SandboxState
from sellerledger.sandbox.ledgers.common import (
    Document,
    InvalidGrant,
    JsonResponse,
    TenantLimits,
    TokenPolicy,
    TokenRegistry,
    WindowLimit,
    inspection_routes,
    load_chart,
    loads,
    stable_secret,
    stable_uuid,
)
from sellerledger.sandbox.ledgers.common import Tenant as BaseTenant
from sellerledger.sandbox.ledgers.mwz_shared import AuthCodes, option
from sellerledger.sandbox.ledgers.myob import documents as docs
from sellerledger.sandbox.ledgers.myob.chart import (
    first_financial_year_start,
    myob_datetime,
    row_version,
    seed_company_file,
)
from sellerledger.sandbox.ledgers.myob.errors import (
    ACCESS_DENIED,
    OAUTH_TOKEN_INVALID,
    RATE_LIMIT,
    TRANSACTIONS_CANNOT_BE_DELETED,
    MyobError,
    error_response,
    invalid,
    required,
)
from sellerledger.sandbox.ledgers.myob.inventory import build_adjustment
from sellerledger.sandbox.ledgers.myob.masters import build_customer, build_item
from sellerledger.sandbox.ledgers.myob.odata import ODataError, order_rows, page_bounds, parse_filter

SCOPES = ("sme-company-file", "sme-general-ledger", "sme-sales", "sme-banking", "sme-contacts-customer",
          "sme-inventory")
CF_USER = "Administrator"


@dataclass(frozen=True)
class Resource:
    path: str
    kind: str  # records kind, or "document"
    scope: str
    writable: bool
    deletable: bool = False


RESOURCES = (
    Resource("GeneralLedger/Account", "Account", "sme-general-ledger", False),
    Resource("GeneralLedger/TaxCode", "TaxCode", "sme-general-ledger", False),
    Resource("GeneralLedger/Currency", "Currency", "sme-general-ledger", False),
    Resource("GeneralLedger/GeneralJournal", "document", "sme-general-ledger", True, True),
    Resource("Contact/Customer", "Customer", "sme-contacts-customer", True, True),
    Resource("Inventory/Item", "Item", "sme-inventory", True, True),
    Resource("Inventory/Adjustment", "Adjustment", "sme-inventory", True),
    Resource("Sale/Invoice/Item", "document", "sme-sales", True, True),
    Resource("Sale/Invoice/Service", "document", "sme-sales", True, True),
    Resource("Sale/Invoice", "document", "sme-sales", False),
    Resource("Banking/ReceiveMoneyTxn", "document", "sme-banking", True, True),
    Resource("Banking/SpendMoneyTxn", "document", "sme-banking", True, True),
)


class CompanyFile(BaseTenant):
    """A company file: a tenant plus its sign-on and preferences."""

    def __init__(self, chart_tenant: Any, now: Any, password: str, rules: docs.FileRules,
                 must_reverse: bool) -> None:
        super().__init__("myob", chart_tenant, stable_uuid("myob", chart_tenant.key, "company-file"))
        self.password = password
        self.rules = rules
        self.must_reverse = must_reverse
        seed_company_file(self, now)

    @property
    def cftoken(self) -> str:
        return base64.b64encode(f"{CF_USER}:{self.password}".encode()).decode()


def _throttled(request: Request, retry_after: float, limit: Limit | None) -> Response:
    return error_response(403, "RateLimitError", "API key has exceeded the per-second rate limit",
                          "Header: x-myobapi-key", RATE_LIMIT)


def _server_error(request: Request, status: int) -> Response:
    if status == 504:
        return error_response(504, "GatewayTimeout", "The request timed out at the API gateway")
    return error_response(status, "InternalError", "An internal error occurred")


PROFILE = ApiProfile(name="myob", throttled=_throttled, server_error=_server_error)


class MyobApi:
    """The MYOB stand-in: company files (tenants), OAuth, resources and the inspection routes."""

    name = "myob"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.chart = load_chart()
        self.client_id = stable_uuid("myob", "client")
        self.client_secret = stable_secret("myob", "client", length=24)
        self.tokens = TokenRegistry(state.clock, TokenPolicy(
            access_ttl=1200, refresh_ttl=int(option(state, "myob", "refresh_ttl", 7 * 86400)), rotate=True), "myob")
        self.tokens.register_client(self.client_id, self.client_secret)
        self.codes = AuthCodes(state.clock, "myob")
        daily = int(option(state, "myob", "daily_limit", 1_000_000))
        self.limits = TenantLimits(state.limiter, "myob", [
            WindowLimit("second", Limit(rate=8.0, burst=8)),
            WindowLimit("day", Limit(rate=daily / 86400.0, burst=daily)),
        ])
        self.files: list[CompanyFile] = []
        self._build_files()
        for cf in self.files:
            self.tokens.seed(self._chain(cf), self.client_id, self._subject(cf),
                             "myob-rt-" + stable_secret("myob", cf.key, "refresh", length=32))

    # ------------------------------------------------------------------------------------ tenants
    def _build_files(self) -> None:
        now = self.state.clock.now()
        start = option(self.state, "myob", "first_year_start", None)
        first = date.fromisoformat(start) if start else first_financial_year_start(self.state.config.today)
        rules = docs.FileRules(first_year_start=first,
                               invoice_number_max=int(option(self.state, "myob", "invoice_number_max",
                                                             docs.INVOICE_NUMBER_MAX)))
        must_reverse = bool(option(self.state, "myob", "must_reverse", False))
        self.files = [
            CompanyFile(t, now, stable_secret("myob", t.key, "cf-password", length=16), rules, must_reverse)
            for t in self.chart.tenants
        ]

    @staticmethod
    def _chain(cf: CompanyFile) -> str:
        return f"myob:{cf.key}"

    @staticmethod
    def _subject(cf: CompanyFile) -> dict[str, Any]:
        return {"business_id": cf.id, "scope": " ".join(SCOPES), "user": f"admin@{cf.key}.example"}

    def file(self, uid: str) -> CompanyFile | None:
        return next((cf for cf in self.files if cf.id.lower() == uid.lower()), None)

    # ------------------------------------------------------------------------------------ protocol
    def credentials(self, base_url: str) -> dict[str, Any]:
        return {
            "api_base_url": f"{base_url}/accountright",
            "token_url": f"{base_url}/oauth2/v1/authorize",
            "authorize_url": f"{base_url}/oauth2/account/authorize",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "api_key": self.client_id,
            "scope": " ".join(SCOPES),
            "tenants": [
                {"key": cf.key, "name": cf.name, "base_currency": cf.base_currency, "company_file_uid": cf.id,
                 "company_file_uri": f"{base_url}/accountright/{cf.id}",
                 "refresh_token": self.tokens.head(self._chain(cf)),
                 "company_file_username": CF_USER, "company_file_password": cf.password, "cftoken": cf.cftoken}
                for cf in self.files
            ],
        }

    def reset(self) -> None:
        self._build_files()
        self.tokens.reset()
        self.codes.reset()

    def dump_state(self) -> dict[str, Any]:
        return {"files": {cf.id: cf.dump() for cf in self.files}, "tokens": self.tokens.dump()}

    def load_state(self, data: dict[str, Any]) -> None:
        for cf in self.files:
            if cf.id in data.get("files", {}):
                cf.load(data["files"][cf.id])
        if "tokens" in data:
            self.tokens.load(data["tokens"])

    def inspection_routes(self) -> list[BaseRoute]:
        async def revoke(request: Request) -> Response:
            """Sandbox-only: revoke a refresh token (its whole connection) or one access token."""
            body = await request.json()
            return JsonResponse({"revoked": self.tokens.revoke(str(body.get("token", "")))})

        return [*inspection_routes(lambda: list(self.files)), Route("/revoke", revoke, methods=["POST"])]

    def routes(self) -> list[BaseRoute]:
        op = self._op
        routes: list[BaseRoute] = [
            Route("/oauth2/v1/authorize", op("oauth2.token", self.token), methods=["POST"]),
            Route("/oauth2/account/authorize", op("oauth2.authorize", self.authorize), methods=["GET"]),
            Route("/accountright/", op("accountright.list", self.list_files), methods=["GET"]),
            Route("/accountright", op("accountright.list", self.list_files), methods=["GET"]),
        ]
        for resource in RESOURCES:
            collection = {"GET": op(f"{resource.path}.list", self._resource(resource, self.list_entities))}
            single = {"GET": op(f"{resource.path}.get", self._resource(resource, self.get_entity))}
            if resource.writable:
                collection["POST"] = op(f"{resource.path}.post", self._resource(resource, self.create_entity))
                single["PUT"] = op(f"{resource.path}.put", self._resource(resource, self.update_entity))
            if resource.deletable:
                single["DELETE"] = op(f"{resource.path}.delete", self._resource(resource, self.delete_entity))
            routes.append(Route(f"/accountright/{{cf}}/{resource.path}", _dispatch(collection),
                                methods=list(collection)))
            routes.append(Route(f"/accountright/{{cf}}/{resource.path}/{{uid}}", _dispatch(single),
                                methods=list(single)))
        return routes

    def _op(self, name: str, handler: Callable[[Request], Awaitable[Response]]
            ) -> Callable[[Request], Awaitable[Response]]:
        wrapped = operation(self.state, PROFILE, name)(handler)

        async def endpoint(request: Request) -> Response:
            response = await wrapped(request)
            response.headers["x-myobapi-requestid"] = str(uuid.uuid4())
            return response

        return endpoint

    # ------------------------------------------------------------------------------------ OAuth
    async def authorize(self, request: Request) -> Response:
        """Consent: redirect to `redirect_uri` with a code for the chosen company file (`businessId`, or the
        first), as MYOB does for keys with `sme-*` scopes."""
        params = request.query_params
        if params.get("client_id") != self.client_id or not params.get("redirect_uri"):
            return JsonResponse({"error": "invalid_client"}, status_code=400)
        cf = self.file(params.get("businessId", "")) if params.get("businessId") else self.files[0]
        if cf is None:
            return JsonResponse({"error": "invalid_request"}, status_code=400)
        scope = params.get("scope") or " ".join(SCOPES)
        code = self.codes.issue(self.client_id, params["redirect_uri"],
                                {**self._subject(cf), "scope": scope})
        query = {"code": code, "businessId": cf.id, "businessName": cf.name}
        if params.get("state"):
            query["state"] = params["state"]
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(query)}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        client_id = self.tokens.authenticate_client(request.headers.get("authorization"), form)
        if client_id is None:
            return JsonResponse({"error": "invalid_client"}, status_code=400)
        grant = form.get("grant_type")
        if grant == "refresh_token":
            rule = self.state.faults.take("myob", "oauth2.token", "invalid_grant")
            try:
                if rule is not None:
                    raise InvalidGrant("injected")
                tokens = self.tokens.refresh(client_id, form.get("refresh_token", ""))
            except InvalidGrant:
                return JsonResponse({"error": "invalid_grant"}, status_code=400)
        elif grant == "authorization_code":
            subject = self.codes.redeem(form.get("code", ""), client_id, form.get("redirect_uri"))
            if subject is None:
                return JsonResponse({"error": "invalid_grant"}, status_code=400)
            tokens = self.tokens.issue(f"myob:{subject['business_id']}:{uuid.uuid4().hex}", client_id, subject)
        else:
            return JsonResponse({"error": "unsupported_grant_type"}, status_code=400)
        return JsonResponse({
            "access_token": tokens.access_token,
            "token_type": "bearer",
            "expires_in": str(tokens.expires_in),
            "refresh_token": tokens.refresh_token,
            "scope": tokens.subject.get("scope", ""),
            "user": {"uid": stable_uuid("myob", "user", tokens.subject.get("user")),
                     "username": tokens.subject.get("user")},
        })

    # ------------------------------------------------------------------------------------ access
    def _gate(self, request: Request, scope: str, cf_uid: str | None) -> tuple[CompanyFile | None, str]:
        """Headers, token, company file and scope checks in the gateway's order. Returns (file, api key)."""
        version = request.headers.get("x-myobapi-version")
        if version is None or version.lower() != "v2":
            raise MyobError(400, "InvalidApiVersion", "The x-myobapi-version header must be v2",
                            "Header: x-myobapi-version")
        check = self.tokens.check_access(request.headers.get("authorization"))
        if not check.ok:
            message = ("The supplied OAuth token (Bearer) has expired" if check.problem == "expired"
                       else "The supplied OAuth token (Bearer) is not valid")
            raise MyobError(401, "OAuthTokenIsInvalid", message, "Header: Authorization", OAUTH_TOKEN_INVALID)
        assert check.grant is not None
        granted = set(str(check.grant.subject.get("scope", "")).split())
        if scope not in granted:
            raise MyobError(403, "AccessDenied", f"The access token lacks the {scope} scope",
                            "Header: Authorization", ACCESS_DENIED)
        if cf_uid is None:
            return None, ""
        cf = self.file(cf_uid)
        if cf is None:
            raise MyobError(404, "NotFound", f"Company file {cf_uid} was not found", "Uri")
        if check.grant.subject.get("business_id") != cf.id:
            raise MyobError(403, "AccessDenied", "The access token was not granted for this company file",
                            "Header: Authorization", ACCESS_DENIED)
        if not _cftoken_matches(request.headers.get("x-myobapi-cftoken"), cf):
            raise MyobError(401, "AccessDenied", "Invalid company file credentials (x-myobapi-cftoken)",
                            "Header: x-myobapi-cftoken", ACCESS_DENIED)
        return cf, ""

    async def _guarded(self, request: Request, scope: str, cf_uid: str | None,
                       body: Callable[[CompanyFile | None], Awaitable[Response]]) -> Response:
        api_key = request.headers.get("x-myobapi-key")
        if api_key != self.client_id:
            return error_response(403, "DeveloperInactive", "The API key is missing or not active",
                                  "Header: x-myobapi-key")
        admission = self.limits.admit(api_key)
        if admission.problem is not None:
            message = ("API key has exceeded the per-second rate limit" if admission.problem == "second"
                       else "API key has exceeded the daily rate limit")
            return error_response(403, "RateLimitError", message, "Header: x-myobapi-key", RATE_LIMIT)
        try:
            cf, _ = self._gate(request, scope, cf_uid)
            return await body(cf)
        except MyobError as exc:
            return exc.response()
        except ODataError as exc:
            return error_response(400, "InvalidQuery", str(exc), "Query")
        finally:
            self.limits.release(api_key)

    async def list_files(self, request: Request) -> Response:
        async def run(_: CompanyFile | None) -> Response:
            check = self.tokens.check_access(request.headers.get("authorization"))
            assert check.grant is not None
            site = _site(request)
            files = [cf for cf in self.files if cf.id == check.grant.subject.get("business_id")]
            return JsonResponse([
                {"Id": cf.id, "Name": cf.name, "LibraryPath": cf.name, "ProductVersion": "2026.1",
                 "ProductLevel": {"Code": 30, "Name": "Plus"}, "CheckedOutDate": None, "CheckedOutBy": None,
                 "Uri": f"{site}/accountright/{cf.id}", "Country": "AU", "Serial": cf.id[:12]}
                for cf in files
            ])

        return await self._guarded(request, "sme-company-file", None, run)

    def _resource(self, resource: Resource,
                  action: Callable[[Request, Resource, CompanyFile], Awaitable[Response]]
                  ) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            async def run(cf: CompanyFile | None) -> Response:
                assert cf is not None
                return await action(request, resource, cf)

            return await self._guarded(request, resource.scope, request.path_params["cf"], run)

        return handler

    # ------------------------------------------------------------------------------------ reading
    def _entities(self, resource: Resource, cf: CompanyFile) -> list[dict[str, Any]]:
        if resource.kind != "document":
            return list(cf.records[resource.kind].values())
        wanted = ("Sale/Invoice/Item", "Sale/Invoice/Service") if resource.path == "Sale/Invoice" else (resource.path,)
        with cf.lock:
            return [d.data for d in cf.documents.values() if d.type in wanted and d.status != "Deleted"]

    def _find(self, resource: Resource, cf: CompanyFile, uid: str) -> dict[str, Any] | None:
        uid = uid.lower()
        return next((e for e in self._entities(resource, cf) if str(e["UID"]).lower() == uid), None)

    def _render(self, request: Request, resource: Resource, cf: CompanyFile, entity: dict[str, Any],
                balances: dict[tuple[str, str], Decimal] | None = None) -> dict[str, Any]:
        base = f"{_site(request)}/accountright/{cf.id}"
        path = resource.path
        if path == "Sale/Invoice":
            path = f"Sale/Invoice/{entity.get('InvoiceType', 'Item')}"
        result = _render(entity, base)
        result["URI"] = f"{base}/{path}/{entity['UID']}"
        if resource.kind == "Account" and balances is not None:
            balance = balances.get((entity["_book"], cf.base_currency), Decimal(0))
            normal_debit = entity["_class"] in ("asset", "expense")
            result["CurrentBalance"] = (balance if normal_debit else -balance).quantize(Decimal("0.01"))
        return result

    async def list_entities(self, request: Request, resource: Resource, cf: CompanyFile) -> Response:
        params = request.query_params
        top, skip = page_bounds(params.get("$top"), params.get("$skip"))
        balances = cf.book.trial_balance() if resource.kind == "Account" else None
        rows = [self._render(request, resource, cf, e, balances) for e in self._entities(resource, cf)]
        if params.get("$filter"):
            predicate = parse_filter(params["$filter"])
            rows = [row for row in rows if predicate(row)]
        if params.get("$orderby"):
            rows = order_rows(rows, params["$orderby"])
        page = rows[skip:skip + top]
        next_link = None
        if skip + top < len(rows):
            query = dict(params)
            query["$top"] = str(top)
            query["$skip"] = str(skip + top)
            encoded = urlencode(query, quote_via=quote, safe="$'(),/:")
            next_link = f"{_site(request)}/accountright/{cf.id}/{resource.path}?{encoded}"
        return JsonResponse({"Items": page, "NextPageLink": next_link, "Count": len(rows)})

    async def get_entity(self, request: Request, resource: Resource, cf: CompanyFile) -> Response:
        entity = self._find(resource, cf, request.path_params["uid"])
        if entity is None:
            raise MyobError(404, "NotFound", f"{resource.path} {request.path_params['uid']} was not found", "UID")
        etag = f'"{entity["RowVersion"]}"'
        if request.headers.get("if-none-match") in (etag, entity["RowVersion"]):
            return Response(status_code=304, headers={"ETag": etag})
        balances = cf.book.trial_balance() if resource.kind == "Account" else None
        return JsonResponse(self._render(request, resource, cf, entity, balances), headers={"ETag": etag})

    # ------------------------------------------------------------------------------------ writing
    async def _body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        try:
            body = loads(raw) if raw else None
        except ValueError as exc:
            raise MyobError(400, "SerializationError", "The request body is not valid JSON", "Body", 50) from exc
        if not isinstance(body, dict):
            raise MyobError(400, "SerializationError", "The request body must be a JSON object", "Body", 50)
        return body

    def _build(self, resource: Resource, cf: CompanyFile, body: dict[str, Any],
               existing: dict[str, Any] | None) -> docs.Built:
        path = resource.path
        if path.startswith("Sale/Invoice/"):
            number = body.get("Number") or (existing or {}).get("Number") or f"{cf.next_number('invoice'):08d}"
            return docs.build_invoice(cf, body, path.rsplit("/", 1)[1], cf.rules, str(number), existing)
        if path.startswith("Banking/"):
            receive = path == "Banking/ReceiveMoneyTxn"
            field = "ReceiptNumber" if receive else "PaymentNumber"
            number = body.get(field) or (existing or {}).get(field) or f"{cf.next_number(path):08d}"
            return docs.build_money(cf, body, "receive" if receive else "spend", cf.rules, str(number), existing)
        number = body.get("DisplayID") or (existing or {}).get("DisplayID") or f"GJ{cf.next_number('journal'):06d}"
        return docs.build_journal(cf, body, cf.rules, str(number), existing)

    def _build_master(self, resource: Resource, cf: CompanyFile, body: dict[str, Any],
                      existing: dict[str, Any] | None) -> dict[str, Any]:
        if resource.kind == "Customer":
            return build_customer(cf, body, existing)
        if resource.kind == "Adjustment":
            number = body.get("InventoryJournalNumber") or f"IJ{cf.next_number('adjustment'):06d}"
            return build_adjustment(cf, body, existing, str(number))
        return build_item(cf, body, existing)

    def _respond_written(self, request: Request, resource: Resource, cf: CompanyFile, entity: dict[str, Any],
                         status: int) -> Response:
        location = f"{_site(request)}/accountright/{cf.id}/{resource.path}/{entity['UID']}"
        if request.query_params.get("returnBody", "").lower() == "true":
            return JsonResponse(self._render(request, resource, cf, entity), status_code=status,
                                headers={"Location": location})
        return Response(status_code=status, headers={"Location": location})

    async def create_entity(self, request: Request, resource: Resource, cf: CompanyFile) -> Response:
        body = await self._body(request)
        if body.get("UID") or body.get("RowVersion"):
            raise invalid("UID", "UID and RowVersion must not be supplied when creating an entity")
        now = self.state.clock.now()
        uid = str(uuid.uuid4())
        if resource.kind != "document":
            with cf.lock:
                record = self._build_master(resource, cf, body, None)
                record.update({"UID": uid, "LastModified": myob_datetime(now), "RowVersion": row_version()})
                cf.records[resource.kind][uid] = record
            return self._respond_written(request, resource, cf, record, 201)
        with cf.lock:
            built = self._build(resource, cf, body, None)
            record = {"UID": uid, **built.record, "LastModified": myob_datetime(now), "RowVersion": row_version()}
            key = f"{resource.path}:{built.reference}"
            cf.count_attempt(key)
            cf.add_document(Document(id=uid, type=resource.path, reference=built.reference, key=key,
                                     status="Open", currency=built.currency, total=built.total, created_at=now,
                                     updated_at=now, entries=built.entries, data=record))
        return self._respond_written(request, resource, cf, record, 201)

    async def update_entity(self, request: Request, resource: Resource, cf: CompanyFile) -> Response:
        body = await self._body(request)
        uid = request.path_params["uid"]
        operation_name = f"{resource.path}.put"
        with cf.lock:
            existing = self._find(resource, cf, uid)
            if existing is None:
                raise MyobError(404, "NotFound", f"{resource.path} {uid} was not found", "UID")
            if self.state.faults.take("myob", operation_name, "conflict") is not None:
                existing["RowVersion"] = row_version()  # someone else saved it a moment ago
            if body.get("RowVersion") is None:
                raise required("RowVersion")
            if str(body["RowVersion"]) != str(existing["RowVersion"]):
                raise docs.stale_row_version()
            now = self.state.clock.now()
            stamp = {"UID": existing["UID"], "LastModified": myob_datetime(now), "RowVersion": row_version()}
            if resource.kind != "document":
                record = {**self._build_master(resource, cf, body, existing), **stamp}
                cf.records[resource.kind][existing["UID"]] = record
                return self._respond_written(request, resource, cf, record, 200)
            built = self._build(resource, cf, body, existing)
            record = {**built.record, **stamp}
            cf.repost(existing["UID"], built.entries, data=record, total=built.total, currency=built.currency,
                      reference=built.reference, updated_at=now)
        return self._respond_written(request, resource, cf, record, 200)

    async def delete_entity(self, request: Request, resource: Resource, cf: CompanyFile) -> Response:
        uid = request.path_params["uid"]
        with cf.lock:
            existing = self._find(resource, cf, uid)
            if existing is None:
                raise MyobError(404, "NotFound", f"{resource.path} {uid} was not found", "UID")
            if resource.kind != "document":
                del cf.records[resource.kind][existing["UID"]]
                return Response(status_code=200)
            if cf.must_reverse:
                raise MyobError(400, "TransactionsCannotBeDeleted",
                                "The company file is set so transactions cannot be changed; they must be reversed",
                                "UID", TRANSACTIONS_CANNOT_BE_DELETED)
            cf.remove_from_book(existing["UID"], "Deleted", self.state.clock.now())
        return Response(status_code=200)


def _dispatch(handlers: dict[str, Callable[[Request], Awaitable[Response]]]
              ) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handlers[request.method](request)

    return endpoint


def _site(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}/myob"


def _cftoken_matches(header: str | None, cf: CompanyFile) -> bool:
    if not header:
        return False
    try:
        user, _, password = base64.b64decode(header.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user.lower() == CF_USER.lower() and password == cf.password


def _render(value: Any, base: str) -> Any:
    if isinstance(value, dict):
        result = {k: _render(v, base) for k, v in value.items() if not k.startswith("_")}
        if "_path" in value and "UID" in value:
            result["URI"] = f"{base}/{value['_path']}/{value['UID']}"
        return result
    if isinstance(value, list):
        return [_render(v, base) for v in value]
    return value


def build(state: SandboxState) -> MyobApi:
    api = MyobApi(state)
    state.apis["myob"] = api
    return api
