"""The Xero stand-in: organisations, the gate every accounting call passes (bearer token, `xero-tenant-id`,
per-tenant limits with Xero's headers, Idempotency-Key replay) and the sandbox contract (credentials,
reset, dump/load).

Options (`SandboxConfig.options["xero"]`): minute_limit (60), day_limit (5000), concurrent (5),
app_minute_limit (10000), batch_max (50), items_batch_max (500), max_body_bytes (3.5 MB),
idempotency_ttl (360 s), access_ttl (1800 s), refresh_ttl (60 days), refresh_grace (1800 s),
lock_date (ISO date or None), journals_to_system_accounts (False).
Domain faults: `invalid_grant` (operation `token`: the presented refresh token is revoked first) and
`hold` (the call stays in progress `params.seconds` inside its concurrency slot).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from sellerledger.sandbox.core.operation import ApiProfile
from sellerledger.sandbox.core.ratelimit import Limit
from sellerledger.sandbox.core.state import SandboxState
from sellerledger.sandbox.ledgers.common import (
    AccessCheck,
    AccessGrant,
    JsonResponse,
    Tenant,
    TenantLimits,
    TokenPolicy,
    TokenRegistry,
    WindowLimit,
    inspection_routes,
    load_chart,
    retry_after_header,
    stable_secret,
    stable_uuid,
)
from sellerledger.sandbox.ledgers.xero import chart
from sellerledger.sandbox.ledgers.xero.auth import tokens_expire_text
from sellerledger.sandbox.ledgers.xero.formats import problem, validation_error

DEFAULTS: dict[str, Any] = {
    "minute_limit": 60, "day_limit": 5000, "concurrent": 5, "app_minute_limit": 10000, "batch_max": 50,
    "items_batch_max": 500, "max_body_bytes": 3_500_000, "idempotency_ttl": 360, "access_ttl": 1800,
    "refresh_ttl": 60 * 86400, "refresh_grace": 1800, "lock_date": None, "journals_to_system_accounts": False,
}


@dataclass
class CachedResponse:
    fingerprint: str
    status: int
    body: bytes
    stored_at: float


class XeroApi:
    """State and plumbing of the Xero stand-in; the accounting routes live in `routes.py`."""

    name = "xero"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.options = {**DEFAULTS, **state.config.options.get("xero", {})}
        seed = state.config.seed
        self.client_id = stable_secret(seed, "xero", "client", length=32).upper()
        self.client_secret = stable_secret(seed, "xero", "client-secret", length=48)
        self.profile = ApiProfile(name="xero", throttled=self.throttled, server_error=self.server_error)
        self.tokens = TokenRegistry(state.clock, TokenPolicy(
            access_ttl=int(self.options["access_ttl"]), refresh_ttl=int(self.options["refresh_ttl"]),
            refresh_grace=int(self.options["refresh_grace"])), prefix="xero")
        self.tokens.register_client(self.client_id, self.client_secret)
        self.limits = TenantLimits(state.limiter, "xero", [
            WindowLimit("minute", Limit.per_minute(int(self.options["minute_limit"]))),
            WindowLimit("day", Limit(rate=int(self.options["day_limit"]) / 86400.0, burst=int(self.options["day_limit"]))),
        ], concurrent=int(self.options["concurrent"]))
        self.app_limit = Limit.per_minute(int(self.options["app_minute_limit"]))
        lock = self.options["lock_date"]
        self.lock_date = date.fromisoformat(lock) if isinstance(lock, str) else lock
        self.created_at = state.clock.now()
        self.tenants: list[Tenant] = []
        self.idempotency: dict[tuple[str, str], CachedResponse] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.disconnected: set[tuple[str, str]] = set()
        self._seed_tenants()
        for tenant in self.tenants:
            self.tokens.seed(tenant.key, self.client_id, {"tenants": [t.id for t in self.tenants]},
                             stable_secret(seed, "xero", tenant.key, "refresh", length=64))

    def _seed_tenants(self) -> None:
        demo = load_chart()
        self.tenants = [Tenant("xero", ct, stable_uuid("xero", "tenant", ct.key), demo) for ct in demo.tenants]
        for tenant in self.tenants:
            chart.seed(tenant, self.created_at)

    # ------------------------------------------------------------------ tenancy and auth answers
    def tenants_of(self, grant: AccessGrant) -> list[Tenant]:
        allowed = set(grant.subject.get("tenants", []))
        return [t for t in self.tenants if t.id in allowed and (grant.chain, t.id) not in self.disconnected]

    def connection_id(self, chain: str, tenant_id: str) -> str:
        return stable_uuid("xero", "connection", chain, tenant_id)

    def tenant_for(self, request: Request, grant: AccessGrant) -> Tenant | None:
        wanted = (request.headers.get("xero-tenant-id") or "").strip().lower()
        return next((t for t in self.tenants_of(grant) if t.id == wanted), None) if wanted else None

    def unauthorized(self, check: AccessCheck) -> Response:
        detail = tokens_expire_text(check.expired_at) if check.problem == "expired" and check.expired_at \
            else "AuthenticationUnsuccessful"
        return JsonResponse(problem(401, "Unauthorized", detail), status_code=401,
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @staticmethod
    def forbidden() -> Response:
        return JsonResponse(problem(403, "Forbidden", "AuthenticationUnsuccessful"), status_code=403)

    @staticmethod
    def not_found() -> Response:
        return JsonResponse(problem(404, "Not Found", "The resource you're looking for cannot be found"),
                            status_code=404)

    def throttled(self, request: Request, wait: float, limit: Limit | None, problem_name: str = "minute",
                  remaining: dict[str, int] | None = None) -> Response:
        headers = {"Retry-After": retry_after_header(self.state.clock, wait), "X-Rate-Limit-Problem": problem_name}
        headers.update(self.limit_headers(remaining or {}))
        return JsonResponse(problem(429, "Too Many Requests", f"Rate limit exceeded: {problem_name}"),
                            status_code=429, headers=headers)

    @staticmethod
    def server_error(request: Request, status: int) -> Response:
        if status == 503:
            body = problem(503, "Service Unavailable", "The Xero API is currently unavailable. Check "
                           "https://status.developer.xero.com for current service status.")
        else:
            body = problem(status, "An error occurred", "An error occurred in Xero. Check the API Status page "
                           "http://status.developer.xero.com for current service status.")
        return JsonResponse(body, status_code=status)

    def limit_headers(self, remaining: dict[str, int]) -> dict[str, str]:
        app_left = self.state.limiter.remaining("xero", "appminute", "app")
        headers = {"X-AppMinLimit-Remaining": str(self.app_limit.burst if app_left is None else app_left)}
        if "minute" in remaining:
            headers["X-MinLimit-Remaining"] = str(remaining["minute"])
        if "day" in remaining:
            headers["X-DayLimit-Remaining"] = str(remaining["day"])
        return headers

    # ------------------------------------------------------------------ the gate
    async def gate(self, request: Request, op_name: str, handler: Any) -> Response:
        """Auth, tenant, limits, then `handler(request, tenant)`; Xero's limit headers on the answer."""
        check = self.tokens.check_access(request.headers.get("authorization"))
        if not check.ok:
            return self.unauthorized(check)
        assert check.grant is not None
        tenant = self.tenant_for(request, check.grant)
        if tenant is None:
            return self.forbidden()
        admission = self.limits.admit(tenant.id)
        if admission.problem:
            return self.throttled(request, admission.retry_after, None, admission.problem, admission.remaining)
        try:
            app_wait = self.state.limiter.acquire("xero", "appminute", self.app_limit, "app")
            if app_wait > 0:
                return self.throttled(request, app_wait, self.app_limit, "appminute", admission.remaining)
            hold = self.state.faults.take("xero", op_name, "hold")
            if hold is not None:
                await asyncio.sleep(float(hold.params.get("seconds", 1.0)))
            response = await handler(request, tenant)
        finally:
            self.limits.release(tenant.id)
        response.headers.update(self.limit_headers(self.limits.remaining(tenant.id)))
        return response

    # ------------------------------------------------------------------ idempotency
    def fingerprint(self, request: Request, body: bytes) -> str:
        query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
        return hashlib.sha256(f"{request.method} {request.url.path}?{query}\n".encode() + body).hexdigest()

    def replay(self, tenant: Tenant, key: str, fingerprint: str) -> Response | None:
        """The cached answer for a repeated Idempotency-Key (400 when the request differs), else None."""
        now = self.state.clock.monotonic()
        ttl = float(self.options["idempotency_ttl"])
        for cache_key in [k for k, v in self.idempotency.items() if now - v.stored_at > ttl]:
            del self.idempotency[cache_key]
        cached = self.idempotency.get((tenant.id, key))
        if cached is None:
            return None
        if cached.fingerprint != fingerprint:
            return JsonResponse(validation_error([], f"The idempotency key '{key}' has already been used with a "
                                                     "different request"), status_code=400)
        return Response(cached.body, status_code=cached.status, media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})

    def remember(self, tenant: Tenant, key: str, fingerprint: str, response: Response) -> None:
        self.idempotency[(tenant.id, key)] = CachedResponse(fingerprint, response.status_code, bytes(response.body),
                                                            self.state.clock.monotonic())

    # ------------------------------------------------------------------ the sandbox contract
    def routes(self) -> list[BaseRoute]:
        from sellerledger.sandbox.ledgers.xero import auth
        from sellerledger.sandbox.ledgers.xero.routes import accounting_routes

        return [*auth.routes(self), *accounting_routes(self)]

    def inspection_routes(self) -> list[BaseRoute]:
        return list(inspection_routes(lambda: self.tenants))

    def credentials(self, base_url: str) -> dict[str, Any]:
        common = {"client_id": self.client_id, "client_secret": self.client_secret,
                  "token_url": f"{base_url}/connect/token", "authorize_url": f"{base_url}/identity/connect/authorize",
                  "revocation_url": f"{base_url}/connect/revocation", "connections_url": f"{base_url}/connections",
                  "api_base_url": f"{base_url}/api.xro/2.0"}
        return {**common, "tenants": [
            {"tenant": t.key, "name": t.name, "base_currency": t.base_currency, "tenant_id": t.id,
             "refresh_token": self.tokens.head(t.key), **common}
            for t in self.tenants
        ]}

    def reset(self) -> None:
        self.created_at = self.state.clock.now()
        self._seed_tenants()
        self.tokens.reset()
        self.idempotency.clear()
        self.codes.clear()
        self.disconnected.clear()

    def dump_state(self) -> dict[str, Any]:
        return {"tenants": {t.key: t.dump() for t in self.tenants}, "tokens": self.tokens.dump(),
                "disconnected": sorted(self.disconnected)}

    def load_state(self, data: dict[str, Any]) -> None:
        for tenant in self.tenants:
            if tenant.key in data.get("tenants", {}):
                tenant.load(data["tenants"][tenant.key])
        if "tokens" in data:
            self.tokens.load(data["tokens"])
        self.disconnected = {tuple(pair) for pair in data.get("disconnected", [])}  # type: ignore[misc]
