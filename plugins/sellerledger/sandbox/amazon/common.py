"""HTTP plumbing shared by the SP-API operations: the error envelope, headers, auth, limits and paging.

Every operation goes through `Http.endpoint`, which wraps the core `operation` (call stats, generic
faults, token-bucket limit) and then adds what SP-API adds:
- `x-amzn-RequestId` on every response; `x-amzn-RateLimit-Limit` (the documented rate, e.g. `0.0167`)
  on 2xx, 400 and 404 only (notes §4.1), switchable off with `options["amazon_rate_limit_header"]`;
- 429 `{"errors":[{"code":"QuotaExceeded",...}]}` when the bucket is empty (no rate-limit header);
- 403 `MissingAuthenticationToken` without `x-amz-access-token`, 403 `Unauthorized` ("The access token
  you provided is revoked, malformed or invalid.") for an unknown, expired or revoked token, and for an
  RDT used outside the operations and paths it was minted for. SigV4 headers are ignored.
Limits are per operation and per caller (the refresh token behind the access token), as Amazon's are
per selling partner and application.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sellerledger.sandbox.amazon.jsonio import dumps
from sellerledger.sandbox.amazon.state import AmazonState, PageToken
from sellerledger.sandbox.amazon.timefmt import parse_iso
from sellerledger.sandbox.core.operation import ApiProfile, operation
from sellerledger.sandbox.core.ratelimit import Limit

API = "amazon"

# operation -> (documented rate as Amazon writes it, burst)   (reference/notes/amazon.md §4)
LIMITS: dict[str, tuple[str, int]] = {
    "getOrders": ("0.0167", 20), "getOrder": ("0.5", 30), "getOrderItems": ("0.5", 30),
    "getOrderBuyerInfo": ("0.5", 30), "getOrderAddress": ("0.5", 30), "getOrderItemsBuyerInfo": ("0.5", 30),
    "searchOrders": ("0.0056", 20), "getOrder2026": ("0.5", 30),
    "listFinancialEventGroups": ("0.5", 30), "listFinancialEventsByGroupId": ("0.5", 30),
    "listFinancialEventsByOrderId": ("0.5", 30), "listFinancialEvents": ("0.5", 30),
    "getReports": ("0.0222", 10), "createReport": ("0.0167", 15), "getReport": ("2", 15),
    "cancelReport": ("0.0222", 10), "getReportDocument": ("0.0167", 15),
    "getListingsItem": ("5", 10), "patchListingsItem": ("5", 5),
    "getInventorySummaries": ("2", 2), "createRestrictedDataToken": ("1", 10),
}
UNAUTHORIZED_DETAILS = "The access token you provided is revoked, malformed or invalid."


def limit_of(name: str) -> Limit | None:
    entry = LIMITS.get(name)
    return Limit(rate=float(entry[0]), burst=entry[1]) if entry else None


class BadRequest(Exception):
    """Raised by a handler to answer with the SP-API error envelope."""

    def __init__(self, message: str, code: str = "InvalidInput", status: int = 400, details: str = "") -> None:
        super().__init__(message)
        self.message, self.code, self.status, self.details = message, code, status, details


@dataclass
class Auth:
    """Who is calling: the region their refresh token was authorised in, and any RDT data elements."""

    region: str
    refresh_token: str
    rdt: bool = False
    data_elements: set[str] = field(default_factory=set)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, headers=headers, media_type="application/json")


def error_response(status: int, code: str, message: str, details: str = "",
                   headers: dict[str, str] | None = None) -> Response:
    return json_response({"errors": [{"code": code, "message": message, "details": details}]}, status, headers)


def csv_list(request: Request, name: str) -> list[str]:
    """An array query parameter, sent comma-separated (SP-API style) or repeated."""
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer between {low} and {high}.") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}.")
    return value


def date_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    value = parse_iso(raw)
    if value is None:
        raise BadRequest(f"Invalid {name}: '{raw}' is not an ISO 8601 date-time.")
    return value


class Http:
    """Request handling bound to one `AmazonState`."""

    def __init__(self, state: AmazonState) -> None:
        self.state = state
        self.profile = ApiProfile(name=API, throttled=self._throttled, server_error=self._server_error,
                                  caller=self._caller)

    # -------------------------------------------------------------------------------- responses
    @staticmethod
    def _throttled(request: Request, retry_after: float, limit: Limit | None) -> Response:
        return error_response(429, "QuotaExceeded", "You exceeded your quota for the requested resource.",
                              headers={"x-amzn-RequestId": str(uuid.uuid4())})

    @staticmethod
    def _server_error(request: Request, status: int) -> Response:
        if status == 503:
            return error_response(503, "ServiceUnavailable", "Service temporarily unavailable. Please try again.",
                                  headers={"x-amzn-RequestId": str(uuid.uuid4())})
        return error_response(status, "InternalFailure", "We encountered an internal error. Please try again.",
                              headers={"x-amzn-RequestId": str(uuid.uuid4())})

    def _caller(self, request: Request) -> str:
        token = request.headers.get("x-amz-access-token", "")
        found = self.state.access_tokens.get(token) or self.state.rdts.get(token)
        return found.refresh_token[-16:] if found is not None else ""

    # --------------------------------------------------------------------------------- endpoint
    def endpoint(
        self, name: str, handler: Callable[[Request, Auth | None], Awaitable[Response]], *, auth: bool = True,
        restricted: bool = False, region: str | None = None, limited: bool = True,
    ) -> Callable[[Request], Awaitable[Response]]:
        """The Starlette endpoint of operation `name` (region: the regional mount it serves, if any)."""
        limit = limit_of(name) if limited else None
        rate_text = LIMITS[name][0] if name in LIMITS else ""

        async def inner(request: Request) -> Response:
            try:
                ctx = None
                if auth:
                    ctx = self.authenticate(request, restricted, region)
                    if isinstance(ctx, Response):
                        return ctx
                return await handler(request, ctx)
            except BadRequest as exc:
                return error_response(exc.status, exc.code, exc.message, exc.details)

        wrapped = operation(self.state.sandbox, self.profile, name, limit)(inner)

        async def outer(request: Request) -> Response:
            response = await wrapped(request)
            if "x-amzn-requestid" not in response.headers:
                response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
            status = response.status_code
            if rate_text and self.state.rate_limit_header and (200 <= status < 300 or status in (400, 404)):
                response.headers["x-amzn-RateLimit-Limit"] = rate_text
            return response

        outer.__name__ = name
        return outer

    # ------------------------------------------------------------------------------------- auth
    def authenticate(self, request: Request, restricted: bool, region: str | None) -> Auth | Response:
        token = request.headers.get("x-amz-access-token")
        if not token:
            return error_response(403, "MissingAuthenticationToken", "Missing Authentication Token",
                                  headers={"x-amzn-ErrorType": "MissingAuthenticationTokenException"})
        now = self.state.now()
        denied = error_response(403, "Unauthorized", "Access to requested resource is denied.", UNAUTHORIZED_DETAILS)
        forbidden = error_response(403, "Unauthorized", "Access to requested resource is denied.", "")
        access = self.state.access_tokens.get(token)
        if access is not None:
            if access.expires_at <= now or access.refresh_token in self.state.revoked:
                return denied
            if access.region is None or (region is not None and access.region != region):
                return forbidden
            return Auth(access.region, access.refresh_token)
        rdt = self.state.rdts.get(token)
        if rdt is not None:
            if rdt.expires_at <= now or rdt.refresh_token in self.state.revoked:
                return denied
            if not restricted or (region is not None and rdt.region != region):
                return forbidden
            resource = match_resource(rdt.resources, request.method, api_path(request))
            if resource is None:
                return forbidden
            return Auth(rdt.region, rdt.refresh_token, rdt=True, data_elements=set(resource.get("dataElements") or []))
        return denied

    def marketplaces(self, auth: Auth, requested: list[str], *, required: bool = True) -> list[str]:
        """The requested marketplace ids, checked against the caller's region (all of them if none asked)."""
        allowed = {mp.id for mp in self.state.marketplaces_in(auth.region)}
        if not requested:
            if required:
                raise BadRequest("MarketplaceIds is required.")
            return sorted(allowed)
        for mp_id in requested:
            if mp_id not in allowed:
                raise BadRequest(f"Invalid marketplace identifier '{mp_id}' for this selling partner and region.")
        return requested

    # ----------------------------------------------------------------------------------- paging
    def page(
        self, op: str, token: str | None, size: int, compute: Callable[[datetime], tuple[dict[str, Any], list[str]]],
        *, invalid_message: str, same_params: Callable[[PageToken], bool] | None = None,
        expiry: timedelta | None = None, empty_pages: bool = False,
    ) -> tuple[list[str], str | None, PageToken]:
        """One page of ids: the first call computes the full result at `now` (`compute(now) -> (params,
        ids)`); later calls name it by an opaque token and get the next slice of that snapshot.

        `same_params(pt)` checks the follow-up call's other arguments; `expiry` is the documented token
        lifetime; `empty_pages` inserts the empty page with a NextToken that Finances documents. Tokens
        can be replayed (a client retrying after a 5xx gets the same page). Domain faults:
        `expired_next_token` (400 with `invalid_message`) and `repeated_next_token` (the same token again).
        """
        state = self.state
        now = state.now()
        faults = state.sandbox.faults
        if token:
            pt = state.pages.get(token)
            if pt is None or pt.operation != op:
                raise BadRequest(invalid_message)
            if expiry is not None and now - pt.created > expiry:
                state.pages.pop(token, None)
                raise BadRequest(invalid_message)
            if faults.take(API, op, "expired_next_token") is not None:
                state.pages.pop(token, None)
                raise BadRequest(invalid_message)
            if same_params is not None and not same_params(pt):
                raise BadRequest("The NextToken does not match the other parameters of this request. "
                                 "Send the same arguments as the call that returned it.")
        else:
            params, ids = compute(now)
            pt = PageToken("", op, params, 0, now, now, ids)
        if pt.empty_pending:
            page_ids: list[str] = []
            next_pt: PageToken | None = PageToken("", op, pt.params, pt.offset, pt.snapshot, now, pt.ids)
        else:
            page_ids = pt.ids[pt.offset:pt.offset + size]
            next_pt = None
            if pt.offset + size < len(pt.ids):
                next_pt = PageToken("", op, pt.params, pt.offset + size, pt.snapshot, now, pt.ids,
                                    empty_pending=empty_pages and pt.offset == 0)
        if faults.take(API, op, "repeated_next_token") is not None:
            if token:
                return page_ids, token, pt
            next_pt = PageToken("", op, pt.params, pt.offset, pt.snapshot, now, pt.ids)
        next_token = None
        if next_pt is not None:
            next_pt.token = next_token = state.opaque_token()
            state.remember(state.pages, next_token, next_pt)
        return page_ids, next_token, pt


def api_path(request: Request) -> str:
    """The request path below the stand-in's mount (and below a regional prefix such as `/na`)."""
    path = request.url.path
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return path or "/"


def match_resource(resources: list[dict[str, Any]], method: str, path: str) -> dict[str, Any] | None:
    """The RDT resource covering `method path` (specific paths, or generic ones with `{placeholders}`)."""
    for resource in resources:
        if str(resource.get("method", "")).upper() != method.upper():
            continue
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(str(resource.get("path", ""))))
        if re.fullmatch(pattern, path):
            return resource
    return None
