"""Login with Amazon: `POST /auth/o2/token` (reference/notes/amazon.md §3 and §13.2).

Form-encoded `grant_type=refresh_token` (refresh_token, client_id, client_secret) or
`grant_type=client_credentials` (scope, client_id, client_secret; a grantless token, which no operation
of this stand-in accepts). Success: `{"access_token":"Atza|...","token_type":"bearer","expires_in":3600,
"refresh_token":<echo>}` with `Cache-Control: no-store`. Access tokens expire on the virtual clock
(`options["amazon_token_ttl"]`, default 3600 s). Errors are OAuth2-shaped: 400 `invalid_request`,
`unsupported_grant_type`, `invalid_grant` (unknown or revoked refresh token), `invalid_scope`;
401 `invalid_client`. The `invalid_grant` fault revokes the refresh token (until reset or re-authorised
through `/_sandbox/amazon/authorize`), so every access token minted from it stops working too.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from sellerledger.sandbox.amazon.common import API, Auth, Http, json_response
from sellerledger.sandbox.amazon.state import AccessToken

GRANTLESS_SCOPES = {"sellingpartnerapi::notifications", "sellingpartnerapi::client_credential:rotation"}


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error_description": description, "error": error}, status,
                         headers={"Cache-Control": "no-store"})


def token_endpoint(http: Http) -> Callable[[Request], Awaitable[Response]]:
    state = http.state

    async def handle(request: Request, _: Auth | None) -> Response:
        state.token_requests += 1
        body = (await request.body()).decode("utf-8", errors="replace")
        form = {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}
        grant = form.get("grant_type", "")
        if not grant:
            return _oauth_error(400, "invalid_request", "The request is missing a required parameter : grant_type")
        if grant not in ("refresh_token", "client_credentials"):
            return _oauth_error(400, "unsupported_grant_type", f"The authorization grant type is not supported : {grant}")
        if "refresh_token" in form and "scope" in form:
            return _oauth_error(400, "invalid_request", "The request has both refresh_token and scope; send one.")
        if not form.get("client_id") or not form.get("client_secret"):
            return _oauth_error(400, "invalid_request", "The request is missing a required parameter : client_id")
        if form["client_id"] != state.client_id or form["client_secret"] != state.client_secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        now = state.now()
        expires = now + timedelta(seconds=state.token_ttl)
        if grant == "client_credentials":
            scope = form.get("scope", "")
            if scope not in GRANTLESS_SCOPES:
                return _oauth_error(400, "invalid_scope", "The request has an invalid parameter : scope")
            token = "Atc|" + secrets.token_urlsafe(96)
            state.remember(state.access_tokens, token, AccessToken(token, "", None, scope, expires))
            return json_response({"access_token": token, "scope": scope, "token_type": "bearer",
                                  "expires_in": state.token_ttl}, headers={"Cache-Control": "no-store"})
        refresh = form.get("refresh_token", "")
        if not refresh:
            return _oauth_error(400, "invalid_request", "The request is missing a required parameter : refresh_token")
        region = state.region_of_refresh(refresh)
        if region is None or refresh in state.revoked:
            return _oauth_error(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
        if state.sandbox.faults.take(API, "getAccessToken", "invalid_grant") is not None:
            state.revoked.add(refresh)
            return _oauth_error(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token. "
                                "User may have revoked or didn't grant the permission.")
        token = "Atza|" + secrets.token_urlsafe(240)[:300]
        state.remember(state.access_tokens, token, AccessToken(token, refresh, region, "", expires))
        return json_response({"access_token": token, "refresh_token": refresh, "token_type": "bearer",
                              "expires_in": state.token_ttl}, headers={"Cache-Control": "no-store"})

    return http.endpoint("getAccessToken", handle, auth=False, limited=False)
