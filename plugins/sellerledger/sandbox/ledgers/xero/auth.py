"""Xero identity: `POST /connect/token` (authorization_code and rotating refresh tokens), revocation,
a consent-free authorize redirect, and `GET/DELETE /connections`."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sellerledger.sandbox.core.operation import operation
from sellerledger.sandbox.ledgers.common import InvalidGrant, JsonResponse, TokenSet, read_form, stable_uuid

if TYPE_CHECKING:
    from sellerledger.sandbox.ledgers.xero.api import XeroApi


def token_json(tokens: TokenSet) -> dict[str, Any]:
    return {"id_token": f"id.{secrets.token_urlsafe(16)}", "access_token": tokens.access_token,
            "expires_in": tokens.expires_in, "token_type": "Bearer", "refresh_token": tokens.refresh_token,
            "scope": "openid profile email accounting.transactions accounting.contacts accounting.settings "
                     "offline_access"}


def _oauth_error(error: str, status: int = 400) -> Response:
    return JsonResponse({"error": error}, status_code=status)


def routes(api: XeroApi) -> list[Route]:
    state = api.state
    wrap: Callable[[str], Any] = lambda name: operation(state, api.profile, name)  # noqa: E731

    @wrap("token")
    async def token(request: Request) -> Response:
        form = await read_form(request)
        client_id = api.tokens.authenticate_client(request.headers.get("authorization"), form)
        if client_id is None:
            return _oauth_error("invalid_client")
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            presented = form.get("refresh_token", "")
            if state.faults.take("xero", "token", "invalid_grant"):
                api.tokens.revoke(presented)
            try:
                return JsonResponse(token_json(api.tokens.refresh(client_id, presented)))
            except InvalidGrant:
                return _oauth_error("invalid_grant")
        if grant_type == "authorization_code":
            code = api.codes.pop(form.get("code", ""), None)
            now = state.clock.now().timestamp()
            if code is None or code["client_id"] != client_id or code["expires_at"] < now \
                    or code["redirect_uri"] != form.get("redirect_uri", code["redirect_uri"]):
                return _oauth_error("invalid_grant")
            chain = f"auth-{secrets.token_hex(6)}"
            subject = {"tenants": [t.id for t in api.tenants], "auth_event": stable_uuid("xero", chain)}
            return JsonResponse(token_json(api.tokens.issue(chain, client_id, subject)))
        return _oauth_error("unsupported_grant_type")

    @wrap("revocation")
    async def revocation(request: Request) -> Response:
        form = await read_form(request)
        if api.tokens.authenticate_client(request.headers.get("authorization"), form) is None:
            return _oauth_error("invalid_client")
        api.tokens.revoke(form.get("token", ""))
        return Response(status_code=200)

    async def authorize(request: Request) -> Response:
        params = request.query_params
        if params.get("client_id") not in api.tokens.clients or not params.get("redirect_uri"):
            return JsonResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(24)
        api.codes[code] = {"client_id": params["client_id"], "redirect_uri": params["redirect_uri"],
                           "expires_at": state.clock.now().timestamp() + 300}
        query = {"code": code, "scope": params.get("scope", ""), "session_state": secrets.token_hex(8)}
        if params.get("state"):
            query["state"] = params["state"]
        separator = "&" if "?" in params["redirect_uri"] else "?"
        return RedirectResponse(params["redirect_uri"] + separator + urlencode(query), status_code=302)

    def _grant(request: Request) -> Any:
        check = api.tokens.check_access(request.headers.get("authorization"))
        return check.grant if check.ok else api.unauthorized(check)

    @wrap("getConnections")
    async def connections(request: Request) -> Response:
        grant = _grant(request)
        if isinstance(grant, Response):
            return grant
        # Xero writes these without an offset and with 7 fractional digits: "2019-12-07T18:46:19.5165400"
        created = api.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"
        wanted_event = request.query_params.get("authEventId")
        rows = []
        for tenant in api.tenants_of(grant):
            event = grant.subject.get("auth_event", stable_uuid("xero", grant.chain))
            if wanted_event and wanted_event != event:
                continue
            rows.append({"id": api.connection_id(grant.chain, tenant.id), "authEventId": event,
                         "tenantId": tenant.id, "tenantType": "ORGANISATION", "tenantName": tenant.name,
                         "createdDateUtc": created, "updatedDateUtc": created})
        return JsonResponse(rows)

    @wrap("deleteConnection")
    async def delete_connection(request: Request) -> Response:
        grant = _grant(request)
        if isinstance(grant, Response):
            return grant
        for tenant in api.tenants_of(grant):
            if api.connection_id(grant.chain, tenant.id) == request.path_params["id"]:
                api.disconnected.add((grant.chain, tenant.id))
                return Response(status_code=204)
        return Response(status_code=404)

    return [
        Route("/connect/token", token, methods=["POST"]),
        Route("/connect/revocation", revocation, methods=["POST"]),
        Route("/identity/connect/authorize", authorize, methods=["GET"]),
        Route("/connections", connections, methods=["GET"]),
        Route("/Connections", connections, methods=["GET"]),
        Route("/connections/{id}", delete_connection, methods=["DELETE"]),
        Route("/Connections/{id}", delete_connection, methods=["DELETE"]),
    ]


def tokens_expire_text(moment: datetime) -> str:
    """`TokenExpired: token expired at 04/09/2023 05:16:59` (the 401 Detail)."""
    return f"TokenExpired: token expired at {moment:%m/%d/%Y %H:%M:%S}"
