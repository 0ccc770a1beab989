"""Intuit OAuth 2 for the QBO stand-in: the token endpoint (Basic client auth, rotating refresh tokens with
`x_refresh_token_expires_in`), revocation, the OpenID discovery document and a consent-free authorize
redirect that returns `code` and `realmId`."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sellerledger.sandbox.core.operation import operation
from sellerledger.sandbox.ledgers.common import InvalidGrant, JsonResponse, TokenSet, read_form

if TYPE_CHECKING:
    from sellerledger.sandbox.ledgers.qbo.api import QboApi

def token_json(tokens: TokenSet) -> dict[str, Any]:
    body: dict[str, Any] = {"token_type": "bearer", "expires_in": tokens.expires_in,
                            "refresh_token": tokens.refresh_token,
                            "x_refresh_token_expires_in": tokens.refresh_expires_in,
                            "access_token": tokens.access_token}
    if tokens.refresh_hard_expires_in is not None:
        body["x_refresh_token_hard_expires_in"] = tokens.refresh_hard_expires_in
    return body


def _error(error: str, status: int = 400, description: str | None = None) -> Response:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return JsonResponse(body, status_code=status)


def discovery(base_url: str) -> dict[str, Any]:
    """The OpenID configuration (the shape of Intuit's, with this sandbox's endpoints)."""
    return {
        "issuer": "https://oauth.platform.intuit.com/op/v1",
        "authorization_endpoint": f"{base_url}/connect/oauth2",
        "token_endpoint": f"{base_url}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base_url}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base_url}/v2/oauth2/tokens/revoke",
        "jwks_uri": f"{base_url}/op/v1/jwks",
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone", "com.intuit.quickbooks.accounting"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


def routes(api: QboApi) -> list[Route]:
    state = api.state

    @operation(state, api.profile, "token")
    async def token(request: Request) -> Response:
        form = await read_form(request)
        client_id = api.tokens.authenticate_client(request.headers.get("authorization"), form)
        if client_id is None:
            return _error("invalid_client", 401)
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            presented = form.get("refresh_token", "")
            if state.faults.take("qbo", "token", "invalid_grant"):
                api.tokens.revoke(presented)
            try:
                return JsonResponse(token_json(api.tokens.refresh(client_id, presented)),
                                    headers={"intuit_tid": api.tid()})
            except InvalidGrant:
                return _error("invalid_grant", 400, "Incorrect or invalid refresh token")
        if grant_type == "authorization_code":
            code = api.codes.pop(form.get("code", ""), None)
            if code is None or code["client_id"] != client_id or code["expires_at"] < state.clock.now().timestamp():
                return _error("invalid_grant", 400, "Invalid authorization code")
            chain = f"auth-{secrets.token_hex(6)}"
            return JsonResponse(token_json(api.tokens.issue(chain, client_id, {"realm": code["realm"]})))
        return _error("unsupported_grant_type")

    @operation(state, api.profile, "revoke")
    async def revoke(request: Request) -> Response:
        body = await request.body()
        try:
            payload = json.loads(body) if body.strip().startswith(b"{") else {}
        except ValueError:
            payload = {}
        form = await read_form(request) if not payload else {}
        if api.tokens.authenticate_client(request.headers.get("authorization"), form) is None:
            return _error("invalid_client", 401)
        api.tokens.revoke(str(payload.get("token") or form.get("token") or ""))
        return Response(status_code=200)

    async def well_known(request: Request) -> Response:
        return JsonResponse(discovery(str(request.base_url).rstrip("/") + "/" + api.name))

    async def authorize(request: Request) -> Response:
        params = request.query_params
        if params.get("client_id") not in api.tokens.clients or not params.get("redirect_uri"):
            return _error("invalid_request")
        realm = params.get("realmId") or api.tenants[0].id
        code = secrets.token_urlsafe(24)
        api.codes[code] = {"client_id": params["client_id"], "realm": realm,
                           "expires_at": state.clock.now().timestamp() + 300}
        query = {"code": code, "realmId": realm}
        if params.get("state"):
            query["state"] = params["state"]
        separator = "&" if "?" in params["redirect_uri"] else "?"
        return RedirectResponse(params["redirect_uri"] + separator + urlencode(query), status_code=302)

    return [
        Route("/oauth2/v1/tokens/bearer", token, methods=["POST"]),
        Route("/v2/oauth2/tokens/revoke", revoke, methods=["POST"]),
        Route("/.well-known/openid_configuration", well_known, methods=["GET"]),
        Route("/.well-known/openid_sandbox_configuration", well_known, methods=["GET"]),
        Route("/connect/oauth2", authorize, methods=["GET"]),
    ]
