"""The QuickBooks Online stand-in: companies (realms), the gate every `/v3/company/{realmId}` call passes
(bearer token, realm, per-realm limits, `intuit_tid`), `requestid` replay, and the sandbox contract.

Options (`SandboxConfig.options["qbo"]`): minute_limit (500), concurrent (10), batch_per_minute (40),
batch_max (30), access_ttl (3600 s), refresh_ttl (100 days, rolling), refresh_grace (0: a rotated refresh
token dies at once), refresh_hard_ttl (5 years), duplicate_doc_number_check (True), requestid_max (50).
Domain faults: `invalid_grant` (operation `token`), `conflict` (operations `update<Entity>`,
`delete<Entity>`, `void<Entity>`: a concurrent edit bumps the SyncToken first), `fault_in_200` (operation
`<Entity>` writes: a validation Fault answered with HTTP 200 and nothing written), `hold` (the call
stays in progress `params.seconds`).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sellerledger.sandbox.core.operation import ApiProfile
from sellerledger.sandbox.core.ratelimit import Limit
from sellerledger.sandbox.core.state import SandboxState
from sellerledger.sandbox.ledgers.common import (
    AccessCheck,
    JsonResponse,
    Tenant,
    TenantLimits,
    TokenPolicy,
    TokenRegistry,
    WindowLimit,
    inspection_routes,
    load_chart,
    stable_digits,
    stable_secret,
)
from sellerledger.sandbox.ledgers.qbo import entities
from sellerledger.sandbox.ledgers.qbo.formats import QboError, fault

DEFAULTS: dict[str, Any] = {
    "minute_limit": 500, "concurrent": 10, "batch_per_minute": 40, "batch_max": 30, "access_ttl": 3600,
    "refresh_ttl": 100 * 86400, "refresh_grace": 0, "refresh_hard_ttl": 5 * 365 * 86400,
    "duplicate_doc_number_check": True, "requestid_max": 50,
}


class QboApi:
    """State and plumbing of the QBO stand-in; the accounting routes live in `routes.py`."""

    name = "qbo"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.options = {**DEFAULTS, **state.config.options.get("qbo", {})}
        seed = state.config.seed
        self.client_id = "AB" + stable_secret(seed, "qbo", "client", length=48)
        self.client_secret = stable_secret(seed, "qbo", "client-secret", length=40)
        self.profile = ApiProfile(name="qbo", throttled=self.throttled, server_error=self.server_error)
        self.tokens = TokenRegistry(state.clock, TokenPolicy(
            access_ttl=int(self.options["access_ttl"]), refresh_ttl=int(self.options["refresh_ttl"]),
            refresh_grace=int(self.options["refresh_grace"]), refresh_hard_ttl=int(self.options["refresh_hard_ttl"])),
            prefix="qbo")
        self.tokens.register_client(self.client_id, self.client_secret)
        self.limits = TenantLimits(state.limiter, "qbo", [
            WindowLimit("minute", Limit.per_minute(int(self.options["minute_limit"])))],
            concurrent=int(self.options["concurrent"]))
        self.batch_limit = Limit.per_minute(int(self.options["batch_per_minute"]))
        self.tenants: list[Tenant] = []
        self.requestids: dict[tuple[str, str], tuple[int, bytes]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self._seed_tenants()
        for tenant in self.tenants:
            self.tokens.seed(tenant.key, self.client_id, {"realm": tenant.id},
                             stable_secret(seed, "qbo", tenant.key, "refresh", length=50))

    def _seed_tenants(self) -> None:
        demo = load_chart()
        now = self.state.clock.now()
        self.tenants = [Tenant("qbo", ct, stable_digits("qbo", "realm", ct.key), demo) for ct in demo.tenants]
        for tenant in self.tenants:
            entities.seed(tenant, now)

    @staticmethod
    def tid() -> str:
        return str(uuid.uuid4())

    # ------------------------------------------------------------------ answers
    def fault_response(self, errors: list[QboError], status: int = 400, fault_type: str | None = None,
                       headers: dict[str, str] | None = None) -> Response:
        return JsonResponse(fault(errors, self.state.clock.now(), fault_type), status_code=status,
                            headers={"intuit_tid": self.tid(), **(headers or {})})

    def unauthorized(self, check: AccessCheck) -> Response:
        detail = {"expired": "Token expired", "revoked": "Token revoked", "missing": "Authorization header missing"}\
            .get(check.problem or "", "Invalid bearer token")
        error = QboError("3200", "message=AuthenticationFailed; errorCode=003200; statusCode=401", detail,
                         fault_type="AuthenticationFault")
        return self.fault_response([error], 401, headers={
            "WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'})

    def forbidden(self) -> Response:
        error = QboError("3100", "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", "",
                         fault_type="AuthorizationFault")
        return self.fault_response([error], 403)

    def throttled(self, request: Request, wait: float, limit: Limit | None) -> Response:
        error = QboError("3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                         "The request limit was reached.  Try again later", fault_type="SERVICE")
        return self.fault_response([error], 429)

    def server_error(self, request: Request, status: int) -> Response:
        name = "ServiceUnavailable" if status == 503 else "InternalServerError"
        code = "3003" if status == 503 else "3100"
        error = QboError(code, f"message={name}; errorCode=00{code}; statusCode={status}", "", fault_type="SERVICE")
        return self.fault_response([error], status)

    # ------------------------------------------------------------------ the gate
    def tenant(self, realm: str) -> Tenant | None:
        return next((t for t in self.tenants if t.id == realm), None)

    async def gate(self, request: Request, op_name: str, handler: Any) -> Response:
        check = self.tokens.check_access(request.headers.get("authorization"))
        if not check.ok:
            return self.unauthorized(check)
        assert check.grant is not None
        realm = request.path_params.get("realmId", "")
        tenant = self.tenant(realm)
        if tenant is None or check.grant.subject.get("realm") != realm:
            return self.forbidden()
        admission = self.limits.admit(tenant.id)
        if admission.problem:
            return self.throttled(request, admission.retry_after, None)
        try:
            hold = self.state.faults.take("qbo", op_name, "hold")
            if hold is not None:
                await asyncio.sleep(float(hold.params.get("seconds", 1.0)))
            response = await handler(request, tenant)
        finally:
            self.limits.release(tenant.id)
        response.headers.setdefault("intuit_tid", self.tid())
        return response

    # ------------------------------------------------------------------ the sandbox contract
    def routes(self) -> list[BaseRoute]:
        from sellerledger.sandbox.ledgers.qbo import auth
        from sellerledger.sandbox.ledgers.qbo.routes import company_routes

        return [*auth.routes(self), *company_routes(self)]

    def inspection_routes(self) -> list[BaseRoute]:
        return list(inspection_routes(lambda: self.tenants))

    def credentials(self, base_url: str) -> dict[str, Any]:
        common = {"client_id": self.client_id, "client_secret": self.client_secret,
                  "token_url": f"{base_url}/oauth2/v1/tokens/bearer", "revoke_url": f"{base_url}/v2/oauth2/tokens/revoke",
                  "authorize_url": f"{base_url}/connect/oauth2",
                  "discovery_url": f"{base_url}/.well-known/openid_configuration", "api_base_url": base_url}
        return {**common, "tenants": [
            {"tenant": t.key, "name": t.name, "base_currency": t.base_currency, "realm_id": t.id,
             "refresh_token": self.tokens.head(t.key), **common}
            for t in self.tenants
        ]}

    def reset(self) -> None:
        self._seed_tenants()
        self.tokens.reset()
        self.requestids.clear()
        self.codes.clear()

    def dump_state(self) -> dict[str, Any]:
        return {"tenants": {t.key: t.dump() for t in self.tenants}, "tokens": self.tokens.dump(),
                "requestids": [[realm, rid, status, body.decode("utf-8")]
                               for (realm, rid), (status, body) in self.requestids.items()]}

    def load_state(self, data: dict[str, Any]) -> None:
        for tenant in self.tenants:
            if tenant.key in data.get("tenants", {}):
                tenant.load(data["tenants"][tenant.key])
        if "tokens" in data:
            self.tokens.load(data["tokens"])
        self.requestids = {(realm, rid): (int(status), body.encode("utf-8"))
                           for realm, rid, status, body in data.get("requestids", [])}
