"""The SP-API error taxonomy, decided in one place: what is retried, what stops a run, what blocks a seller.

- `RetriableError`: throttling (429), server errors (5xx, a proxy's HTML page), timeouts and dropped
  connections. The HTTP layer retries these with back-off; if they persist, the task may retry later.
- `FatalError`: any other 4xx, a malformed answer, a paging loop. Retrying the same request cannot help.
- `AuthBlocked` (fatal): LWA refused the client or refresh token, or SP-API kept refusing a fresh access
  token. The seller's flow is blocked until someone re-authorises; the DAG alerts instead of failing silently.
- `NextTokenExpired` and `PagingLoopError` (fatal for the request, recoverable for the window): the caller
  restarts the window from its first page (see `paging.restart_window`).

Messages carry the operation, HTTP status, Amazon's error code and message and the `x-amzn-RequestId`,
never a request header, so no token or secret can leak through an exception.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import httpx

RETRIABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
PAGING_PARAMS = frozenset({"NextToken", "nextToken", "paginationToken"})


class AmazonApiError(Exception):
    """An SP-API (or LWA, or document download) call failed."""

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.status = status
        self.code = code
        self.request_id = request_id


class RetriableError(AmazonApiError):
    """Transient: throttled, server error, timeout or dropped connection. `retry_after` in seconds if sent."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class FatalError(AmazonApiError):
    """Permanent for this request: retrying it unchanged cannot succeed."""


class AuthBlocked(FatalError):
    """The seller's authorisation is unusable (bad client, revoked refresh token, token refused)."""


class TokenRejected(FatalError):
    """SP-API refused the access token (401/403). The HTTP layer refreshes once, then raises `AuthBlocked`."""


class NextTokenExpired(FatalError):
    """The paging token expired or became invalid; restart the window from its first page."""


class PagingLoopError(FatalError):
    """The API handed back a paging token it had already given: following it would never end."""


class DocumentUrlExpired(FatalError):
    """A presigned report-document URL expired (5 minutes); fetch a new one with getReportDocument."""


def _errors(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [item for item in body["errors"] if isinstance(item, dict)]
    return []


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date), or None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def describe(operation: str, response: httpx.Response) -> tuple[str, str | None]:
    """A one-line description of a failed response (no headers, no body beyond Amazon's error fields)."""
    request_id = response.headers.get("x-amzn-RequestId") or response.headers.get("x-amz-request-id")
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    errors = _errors(body)
    if errors:
        first = errors[0]
        detail = f"{first.get('code', '?')}: {first.get('message', '')}"
        if first.get("details"):
            detail += f" ({first['details']})"
        code = str(first.get("code")) if first.get("code") is not None else None
    elif isinstance(body, dict) and "error" in body:  # LWA / OAuth2 shape
        detail = f"{body.get('error')}: {body.get('error_description', '')}"
        code = str(body.get("error"))
    else:
        content_type = response.headers.get("content-type", "")
        detail = f"non-JSON answer ({content_type or 'no content type'}, {len(response.content)} bytes)"
        code = None
    message = f"{operation}: HTTP {response.status_code} {detail}"
    if request_id:
        message += f" [x-amzn-RequestId {request_id}]"
    return message, code


def classify_response(operation: str, response: httpx.Response, *, sent_token: bool = False) -> AmazonApiError:
    """The error a non-2xx SP-API response stands for.

    `sent_token`: the request carried a paging token. A 400 about a token then means the token expired
    or cannot be used any more (Amazon words it many ways: "could not decode your NextToken", "Token is
    not valid, token duration is 25 minutes", "Next token is invalid or expired").
    """
    message, code = describe(operation, response)
    status = response.status_code
    kwargs: dict[str, Any] = {
        "operation": operation,
        "status": status,
        "code": code,
        "request_id": response.headers.get("x-amzn-RequestId"),
    }
    if status in RETRIABLE_STATUSES:
        return RetriableError(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")), **kwargs)
    if status in (401, 403) and code != "QuotaExceeded":
        return TokenRejected(message, **kwargs)
    if sent_token and status in (400, 404) and "token" in message.lower():
        return NextTokenExpired(message, **kwargs)
    return FatalError(message, **kwargs)


def classify_transport(operation: str, exc: httpx.TransportError) -> AmazonApiError:
    """Timeouts, refused or dropped connections and truncated bodies are transient; a bad URL is not."""
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FatalError(f"{operation}: the base URL is not http(s)", operation=operation)
    return RetriableError(f"{operation}: {type(exc).__name__} talking to the API", operation=operation)
