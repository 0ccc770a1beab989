"""The Wave stand-in, served under `/wave`: OAuth at `/oauth2/authorize/` and `/oauth2/token/` (form post;
the answer carries `businessId` and `userId`), and the public GraphQL endpoint `POST /graphql/public`.

Every document is parsed and validated against Wave's schema (`schema.py`) and executed by graphql-core
with the stand-in's resolvers. As Wave does: an unparsable document is HTTP 400; validation and resolver
errors come back with HTTP 200 as `errors[{message, locations, path, extensions{code, id}}]`; mutation
input problems are `didSucceed: false` + `inputErrors`. A request without a bearer token is HTTP 401; an
expired or revoked token is HTTP 200 with an `UNAUTHENTICATED` error (knob `auth_errors: "http"` makes it
401). A missing scope is `FORBIDDEN`. The schema's `@rateLimit` default, 60 calls per 60 s, is counted per
token and answered 429 with `Retry-After` (knob `rate_limit_errors: "graphql"` answers HTTP 200 with a
`TOO_MANY_REQUESTS` error instead).

Knobs (`SandboxConfig.options["wave"]`): `access_ttl` (7200), `per_minute` (60), `daily_limit` (none),
`dedupe_external_id` (true), `auth_errors`, `rate_limit_errors`, `classic_accounting` (tenant keys).
Operation names (stats, fault rules): the document's first root field (`moneyTransactionCreate`,
`business`, ...), `graphql` for an unparsable body, `oauth2.token`, `oauth2.authorize`; domain faults
`graphql_error` (on a root field: HTTP 200, `INTERNAL_SERVER_ERROR`, nothing committed) and
`invalid_grant` (on `oauth2.token`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    execute,
    parse,
    validate,
)
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
    loads,
    retry_after_header,
    stable_secret,
    stable_uuid,
)
from sellerledger.sandbox.ledgers.mwz_shared import AuthCodes, option
from sellerledger.sandbox.ledgers.wave import mutations
from sellerledger.sandbox.ledgers.wave.model import SUBTYPES, Business, parse_global_id
from sellerledger.sandbox.ledgers.wave.schema import wave_schema
from sellerledger.sandbox.ledgers.wave.views import (
    CURRENCY_NAMES,
    BusinessView,
    account_subtype,
    account_type,
    connection,
    currency_view,
    forbidden,
)

SCOPES = ("user:read", "business:read", "account:read", "account:write", "customer:read", "customer:write",
          "product:read", "product:write", "invoice:read", "invoice:write", "sales_tax:read", "transaction:write",
          "vendor:read")

MUTATION_SCOPES = {
    "customerCreate": "customer:write", "productCreate": "product:write", "invoiceCreate": "invoice:write",
    "invoiceApprove": "invoice:write", "invoiceDelete": "invoice:write", "moneyTransactionCreate": "transaction:write",
    "accountCreate": "account:write", "accountPatch": "account:write",
}


def _error(message: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, **extra, "extensions": {"code": code, "id": str(uuid.uuid4())}}


def _profile(state: SandboxState) -> ApiProfile:
    def throttled(request: Request, retry_after: float, limit: Limit | None) -> Response:
        return JsonResponse({"errors": [_error("Rate limit exceeded. Retry later.", "TOO_MANY_REQUESTS")]},
                            status_code=429, headers={"Retry-After": retry_after_header(state.clock, retry_after)})

    def server_error(request: Request, status: int) -> Response:
        return JsonResponse({"errors": [_error("Internal server error", "INTERNAL_SERVER_ERROR")]},
                            status_code=status)

    return ApiProfile(name="wave", throttled=throttled, server_error=server_error)


@dataclass
class WaveContext:
    """What resolvers see: the token's scopes and business, the clock and the knobs."""

    api: WaveApi
    grant: AccessGrant
    scopes: frozenset[str]
    dedupe_external_id: bool

    def now(self) -> datetime:
        return self.api.state.clock.now()

    def business(self, business_id: str | None) -> Business | None:
        allowed = self.grant.subject.get("business_id")
        business = self.api.business(business_id or allowed)
        return business if business is not None and business.id == allowed else None

    def business_of(self, global_id: str) -> Business | None:
        parsed = parse_global_id(global_id)
        if parsed is None or parsed[2] is None:
            return None
        business = next((b for b in self.api.businesses if b.uuid == parsed[2]), None)
        return self.business(business.id) if business else None


class Root:
    """Query and Mutation root fields."""

    # queries
    def user(self, info: GraphQLResolveInfo) -> dict[str, Any]:
        context: WaveContext = info.context
        if "user:read" not in context.scopes:
            raise forbidden("user:read")
        business = context.business(None)
        assert business is not None
        return {"id": business.user_id, "defaultEmail": f"owner@{business.key}.example", "firstName": "Demo",
                "lastName": "Owner", "createdAt": business.created_at, "modifiedAt": business.created_at}

    def businesses(self, info: GraphQLResolveInfo, page: int = 1, pageSize: int = 10) -> dict[str, Any]:
        context: WaveContext = info.context
        if "business:read" not in context.scopes:
            raise forbidden("business:read")
        business = context.business(None)
        return connection([BusinessView(business)] if business else [], page, pageSize)

    def business(self, info: GraphQLResolveInfo, id: str | None = None) -> BusinessView:
        context: WaveContext = info.context
        if "business:read" not in context.scopes:
            raise forbidden("business:read")
        business = context.business(id)
        if business is None:
            raise GraphQLError("Business not found.", extensions={"code": "NOT_FOUND"})
        return BusinessView(business)

    def accountTypes(self, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        return [account_type(v) for v in ("ASSET", "LIABILITY", "EQUITY", "INCOME", "EXPENSE")]

    def accountSubtypes(self, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        return [account_subtype(v) for v in SUBTYPES]

    def currencies(self, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        return [currency_view(code) for code in CURRENCY_NAMES]

    def currency(self, info: GraphQLResolveInfo, code: str) -> dict[str, Any]:
        return currency_view(code)

    def countries(self, info: GraphQLResolveInfo) -> list[Any]:
        return []

    def country(self, info: GraphQLResolveInfo, code: str) -> None:
        return None

    def province(self, info: GraphQLResolveInfo, code: str) -> None:
        return None

    def oAuthApplication(self, info: GraphQLResolveInfo) -> None:
        return None


def _mutation(name: str, handler: Callable[[WaveContext, dict[str, Any]], dict[str, Any]]) -> Callable[..., Any]:
    def resolve(root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
        context: WaveContext = info.context
        scope = MUTATION_SCOPES[name]
        if scope not in context.scopes:
            raise forbidden(scope)
        return handler(context, input)

    return resolve


MUTATIONS = {
    "customerCreate": mutations.customer_create, "productCreate": mutations.product_create,
    "invoiceCreate": mutations.invoice_create, "invoiceApprove": mutations.invoice_approve,
    "invoiceDelete": mutations.invoice_delete, "moneyTransactionCreate": mutations.money_transaction_create,
    "accountCreate": mutations.account_create, "accountPatch": mutations.account_patch,
}


def _field_resolver(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """Mutations by name; everything else by attribute / key (graphql-core's default behaviour)."""
    if info.parent_type.name == "Mutation":
        handler = MUTATIONS.get(info.field_name)
        if handler is None:
            raise GraphQLError(f"{info.field_name} is not available in the sandbox.",
                               extensions={"code": "NOT_IMPLEMENTED"})
        return _mutation(info.field_name, handler)(source, info, **args)
    value = source.get(info.field_name) if isinstance(source, dict) else getattr(source, info.field_name, None)
    return value(info, **args) if callable(value) else value


class WaveApi:
    """The Wave stand-in: businesses (tenants, one user each), OAuth and the GraphQL endpoint."""

    name = "wave"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.profile = _profile(state)
        self.chart = load_chart()
        self.client_id = stable_uuid("wave", "client")
        self.client_secret = stable_secret("wave", "client")
        self.tokens = TokenRegistry(state.clock, TokenPolicy(
            access_ttl=int(option(state, "wave", "access_ttl", 7200)), refresh_ttl=365 * 86400, rotate=True),
            "wave")
        self.tokens.register_client(self.client_id, self.client_secret)
        self.codes = AuthCodes(state.clock, "wave")
        windows = [WindowLimit("minute", Limit.per_minute(int(option(state, "wave", "per_minute", 60))))]
        daily = option(state, "wave", "daily_limit", None)
        if daily:
            windows.append(WindowLimit("day", Limit(rate=int(daily) / 86400.0, burst=int(daily))))
        self.limits = TenantLimits(state.limiter, "wave", windows)
        self.businesses: list[Business] = []
        self._build_businesses()
        for business in self.businesses:
            self.tokens.seed(f"wave:{business.key}", self.client_id, self._subject(business),
                             "wave-rt-" + stable_secret("wave", business.key, "refresh", length=32))
        self._operations: dict[str, Callable[[Request], Awaitable[Response]]] = {}

    def _build_businesses(self) -> None:
        now = self.state.clock.now()
        classic = set(option(self.state, "wave", "classic_accounting", []) or [])
        self.businesses = [Business(t, now) for t in self.chart.tenants]
        for business in self.businesses:
            business.is_classic_accounting = business.key in classic

    @staticmethod
    def _subject(business: Business) -> dict[str, Any]:
        return {"business_id": business.id, "user_id": business.user_id, "scope": " ".join(SCOPES)}

    def business(self, business_id: str | None) -> Business | None:
        return next((b for b in self.businesses if b.id == business_id), None)

    # ------------------------------------------------------------------------------------ protocol
    def credentials(self, base_url: str) -> dict[str, Any]:
        return {
            "graphql_url": f"{base_url}/graphql/public",
            "token_url": f"{base_url}/oauth2/token/",
            "authorize_url": f"{base_url}/oauth2/authorize/",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": " ".join(SCOPES),
            "tenants": [
                {"key": b.key, "name": b.name, "base_currency": b.base_currency, "business_id": b.id,
                 "refresh_token": self.tokens.head(f"wave:{b.key}")}
                for b in self.businesses
            ],
        }

    def reset(self) -> None:
        self._build_businesses()
        self.tokens.reset()
        self.codes.reset()

    def dump_state(self) -> dict[str, Any]:
        return {"businesses": {b.id: b.dump() for b in self.businesses}, "tokens": self.tokens.dump()}

    def load_state(self, data: dict[str, Any]) -> None:
        for business in self.businesses:
            if business.id in data.get("businesses", {}):
                business.load(data["businesses"][business.id])
        if "tokens" in data:
            self.tokens.load(data["tokens"])

    def inspection_routes(self) -> list[BaseRoute]:
        async def revoke(request: Request) -> Response:
            body = await request.json()
            return JsonResponse({"revoked": self.tokens.revoke(str(body.get("token", "")))})

        return [*inspection_routes(lambda: list(self.businesses)), Route("/revoke", revoke, methods=["POST"])]

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/oauth2/authorize/", operation(self.state, self.profile, "oauth2.authorize")(self.authorize),
                  methods=["GET"]),
            Route("/oauth2/token/", operation(self.state, self.profile, "oauth2.token")(self.token), methods=["POST"]),
            Route("/graphql/public", self.graphql, methods=["POST"]),
        ]

    # ------------------------------------------------------------------------------------ OAuth
    async def authorize(self, request: Request) -> Response:
        params = request.query_params
        if params.get("client_id") != self.client_id or not params.get("redirect_uri"):
            return JsonResponse({"error": "invalid_client"}, status_code=400)
        business = self.business(params.get("businessId")) if params.get("businessId") else self.businesses[0]
        if business is None:
            return JsonResponse({"error": "invalid_request"}, status_code=400)
        scope = params.get("scope") or " ".join(SCOPES)
        code = self.codes.issue(self.client_id, params["redirect_uri"], {**self._subject(business), "scope": scope})
        query = {"code": code, **({"state": params["state"]} if params.get("state") else {})}
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(query)}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        client_id = self.tokens.authenticate_client(request.headers.get("authorization"), form)
        if client_id is None:
            return JsonResponse({"error": "invalid_client"}, status_code=401)
        grant = form.get("grant_type")
        if grant == "refresh_token":
            try:
                if self.state.faults.take("wave", "oauth2.token", "invalid_grant") is not None:
                    raise InvalidGrant("injected")
                tokens = self.tokens.refresh(client_id, form.get("refresh_token", ""))
            except InvalidGrant:
                return JsonResponse({"error": "invalid_grant"}, status_code=400)
        elif grant == "authorization_code":
            subject = self.codes.redeem(form.get("code", ""), client_id, form.get("redirect_uri"))
            if subject is None:
                return JsonResponse({"error": "invalid_grant"}, status_code=400)
            tokens = self.tokens.issue(f"wave:{subject['business_id']}:{uuid.uuid4().hex}", client_id, subject)
        else:
            return JsonResponse({"error": "unsupported_grant_type"}, status_code=400)
        return JsonResponse({
            "access_token": tokens.access_token, "token_type": "Bearer", "expires_in": tokens.expires_in,
            "refresh_token": tokens.refresh_token, "scope": tokens.subject.get("scope", ""),
            "businessId": tokens.subject["business_id"], "userId": tokens.subject["user_id"],
        })

    # ------------------------------------------------------------------------------------ GraphQL
    async def graphql(self, request: Request) -> Response:
        """Parse, then run the document as the operation named by its first root field (stats, faults)."""
        raw = await request.body()
        try:
            body = loads(raw)
            query = body["query"]
            if not isinstance(query, str):
                raise TypeError("query must be a string")
        except (ValueError, KeyError, TypeError):
            self.state.stats.record("wave", "graphql", 400)
            return JsonResponse({"errors": [_error("POST body must be JSON with a 'query' string.",
                                                   "BAD_REQUEST")]}, status_code=400)
        try:
            document = parse(query)
        except GraphQLSyntaxError as exc:
            self.state.stats.record("wave", "graphql", 400)
            return JsonResponse({"errors": [{**exc.formatted, "extensions": {
                "code": "GRAPHQL_PARSE_FAILED", "id": str(uuid.uuid4())}}]}, status_code=400)
        request.state.wave_body = body
        request.state.wave_document = document
        name = _root_field(document, body.get("operationName")) or "graphql"
        handler = self._operations.get(name)
        if handler is None:
            handler = self._operations[name] = operation(self.state, self.profile, name)(self._run)
        return await handler(request)

    async def _run(self, request: Request) -> Response:
        body: dict[str, Any] = request.state.wave_body
        document: DocumentNode = request.state.wave_document
        authorization = request.headers.get("authorization")
        if not authorization or not authorization.lower().startswith("bearer ") or not authorization[7:].strip():
            return JsonResponse({"errors": [_error("Unauthenticated: a bearer token is required.",
                                                   "UNAUTHENTICATED")]}, status_code=401)
        token = authorization[7:].strip()
        admission = self.limits.admit(token)
        if admission.problem is not None:
            if option(self.state, "wave", "rate_limit_errors", "http") == "graphql":
                return JsonResponse({"data": None, "errors": [_error("Rate limit exceeded. Retry later.",
                                                                     "TOO_MANY_REQUESTS")]})
            return self.profile.throttled(request, admission.retry_after, None)
        try:
            return self._execute(request, body, document, authorization)
        finally:
            self.limits.release(token)

    def _execute(self, request: Request, body: dict[str, Any], document: DocumentNode,
                 authorization: str) -> Response:
        check = self.tokens.check_access(authorization)
        if not check.ok:
            error = _error("Unauthenticated: the access token is invalid, expired or revoked.", "UNAUTHENTICATED")
            status = 401 if option(self.state, "wave", "auth_errors", "graphql") == "http" else 200
            return JsonResponse({"data": None, "errors": [error]}, status_code=status)
        assert check.grant is not None
        schema = wave_schema()
        problems = validate(schema, document)
        if problems:
            return JsonResponse({"errors": [{**e.formatted, "extensions": {
                "code": "GRAPHQL_VALIDATION_FAILED", "id": str(uuid.uuid4())}} for e in problems]})
        root_field = _root_field(document, body.get("operationName"))
        if root_field and self.state.faults.take("wave", root_field, "graphql_error") is not None:
            return JsonResponse({"data": {root_field: None},
                                 "errors": [_error("Internal server error", "INTERNAL_SERVER_ERROR", path=[root_field])]})
        context = WaveContext(
            api=self, grant=check.grant, scopes=frozenset(str(check.grant.subject.get("scope", "")).split()),
            dedupe_external_id=bool(option(self.state, "wave", "dedupe_external_id", True)))
        variables = body.get("variables") or {}
        result = execute(schema, document, root_value=Root(), context_value=context, variable_values=variables,
                         operation_name=body.get("operationName"), field_resolver=_field_resolver)
        assert isinstance(result, ExecutionResult)
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [_format(error) for error in result.errors]
        return JsonResponse(payload)


def _format(error: GraphQLError) -> dict[str, Any]:
    formatted = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    if "code" not in extensions:
        # no original error, or a GraphQLError (a variable or scalar refused while coercing the input): the
        # caller's mistake, as Wave's server reports it; anything else crashed a resolver
        user_error = error.original_error is None or isinstance(error.original_error, GraphQLError)
        extensions["code"] = "BAD_USER_INPUT" if user_error else "INTERNAL_SERVER_ERROR"
    extensions["id"] = str(uuid.uuid4())
    formatted["extensions"] = extensions
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        formatted["message"] = "Internal server error"
    return formatted


def _root_field(document: DocumentNode, operation_name: str | None) -> str | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next((o for o in operations if o.name and o.name.value == operation_name), None) if operation_name \
        else (operations[0] if operations else None)
    if chosen is None:
        return None
    for selection in chosen.selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value != "__typename":
            return selection.name.value
    return None


def build(state: SandboxState) -> WaveApi:
    api = WaveApi(state)
    state.apis["wave"] = api
    return api
