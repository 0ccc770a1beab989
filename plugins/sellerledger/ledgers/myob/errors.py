"""MYOB's answers, classified once: `{"Errors": [{Name, Message, AdditionalDetails, ErrorCode}]}` bodies.

- 403 `RateLimitError` (MYOB throttles with 403, never 429): retriable, after a second for the per-second
  limit; never a credentials problem.
- 401 naming `x-myobapi-cftoken`: the company-file user was refused, which a new OAuth token cannot fix:
  `AuthBlocked` at once. Any other 401: the access token was refused (refresh once, then `AuthBlocked`).
- 403 `AccessDenied` / `DeveloperInactive` (missing scope, file not granted, API key inactive): `AuthBlocked`.
- 409 `IncorrectRowVersionSupplied`: `ConflictError` (refetch, then retry the update).
- 5xx (504 at month end is common): retriable. Everything else is fatal with MYOB's name and message.
"""

from __future__ import annotations

from typing import Any

import httpx

from sellerledger.amazon.errors import retry_after_seconds
from sellerledger.jsonutil import loads
from sellerledger.ledgers.errors import AuthBlocked, ConflictError, FatalError, LedgerError, RetriableError
from sellerledger.ledgers.http import TokenRefused, describe_body

LEDGER = "myob"
DAILY_LIMIT_WAIT = 60.0


def first_error(response: httpx.Response) -> dict[str, Any]:
    """The first entry of MYOB's `Errors` list ({} when the body is not MYOB's error shape)."""
    try:
        body = loads(response.content) if response.content else {}
    except ValueError:
        return {}
    errors = body.get("Errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return {}


def classify(operation: str, response: httpx.Response) -> LedgerError | None:
    status = response.status_code
    if status < 400:
        return None
    error = first_error(response)
    name = str(error.get("Name") or "")
    details = str(error.get("AdditionalDetails") or "")
    text = f"{name}: {error.get('Message')}" if name else describe_body(response)
    if details:
        text += f" ({details})"
    message = f"{LEDGER} {operation}: HTTP {status} {text}"
    common: dict[str, Any] = {"ledger": LEDGER, "operation": operation, "status": status, "code": name or None}
    if status == 403 and name == "RateLimitError":
        daily = "daily" in str(error.get("Message") or "").lower()
        wait = retry_after_seconds(response.headers.get("Retry-After")) or (DAILY_LIMIT_WAIT if daily else 1.0)
        return RetriableError(message, retry_after=wait, **common)
    if status == 401:
        if "cftoken" in details.lower():
            return AuthBlocked(f"{message}: the company file user name or password is wrong", **common)
        return TokenRefused(message, **common)
    if status == 403:
        return AuthBlocked(f"{message}: the grant, its scopes or the API key do not reach this company file",
                           **common)
    if status == 409:
        return ConflictError(message, **common)
    if status >= 500 or status == 429:
        return RetriableError(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                              **common)
    return FatalError(message, **common)
