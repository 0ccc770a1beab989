"""Tokens API 2021-03-01: createRestrictedDataToken.

`{"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}, {"method": "GET",
"path": "/orders/v0/orders", "dataElements": ["buyerInfo", "shippingAddress"]}]}` (1 to 50 resources; a path
is generic with `{placeholders}` or specific) → `{"restrictedDataToken": "Atz.sprdt|...", "expiresIn": 3600}`.
The RDT then replaces the access token in `x-amz-access-token` for the restricted Orders v0 operations on
those paths only; its dataElements decide which PII getOrders/getOrder/getOrderItems return. It expires
with the access token lifetime. Bad input: 400 `InvalidRequest` as the Tokens sandbox words it.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sellerledger.sandbox.amazon.common import Auth, BadRequest, Http, json_response
from sellerledger.sandbox.amazon.state import RestrictedToken

ELEMENTS = {"buyerInfo", "shippingAddress", "buyerTaxInformation"}
_ID = r"(\{[^}/]+\}|\d{3}-\d{7}-\d{7})"
RESTRICTED_PATHS = (
    (re.compile(r"^/orders/v0/orders$"), True),
    (re.compile(rf"^/orders/v0/orders/{_ID}$"), True),
    (re.compile(rf"^/orders/v0/orders/{_ID}/orderItems$"), True),
    (re.compile(rf"^/orders/v0/orders/{_ID}/(address|buyerInfo|orderItems/buyerInfo|regulatedInfo)$"), False),
)


def _invalid(details: str) -> BadRequest:
    return BadRequest("Request is missing or has invalid parameters", code="InvalidRequest", details=details)


def routes(http: Http, region: str | None) -> list[Route]:
    state = http.state

    async def create(request: Request, auth: Auth | None) -> Response:
        assert auth is not None
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise _invalid("The request body is not valid JSON.") from None
        resources = body.get("restrictedResources") if isinstance(body, dict) else None
        if not isinstance(resources, list) or not resources:
            raise _invalid("Resource not provided.")
        if len(resources) > 50:
            raise _invalid("At most 50 restricted resources can be requested.")
        kept: list[dict[str, Any]] = []
        for resource in resources:
            if not isinstance(resource, dict) or resource.get("method") not in ("GET", "PUT", "POST", "DELETE"):
                raise _invalid("Resource not provided.")
            path = resource.get("path")
            rule = next((takes for pattern, takes in RESTRICTED_PATHS
                         if isinstance(path, str) and pattern.match(path)), None)
            if rule is None:
                raise _invalid(f"Resource {path} is not a restricted resource.")
            elements = resource.get("dataElements")
            if elements is not None:
                if not rule or not isinstance(elements, list) or not set(elements) <= ELEMENTS:
                    raise _invalid(f"Invalid dataElements for resource {path}.")
            elif rule:
                raise _invalid(f"dataElements is required for resource {path}.")
            kept.append({"method": resource["method"], "path": path, "dataElements": list(elements or [])})
        token = "Atz.sprdt|" + secrets.token_urlsafe(180)
        state.remember(state.rdts, token, RestrictedToken(token, auth.refresh_token, auth.region, kept,
                                                          state.now() + timedelta(seconds=state.token_ttl)))
        return json_response({"restrictedDataToken": token, "expiresIn": state.token_ttl})

    return [Route("/tokens/2021-03-01/restrictedDataToken",
                  http.endpoint("createRestrictedDataToken", create, region=region), methods=["POST"])]
