"""Zoho Books answers, classified once. Success is `code: 0`; any other code is an error with its
message, even inside an HTTP 200.

- 401, or code 57 ("not authorized", a bad, expired or other-DC token): the access token was refused
  (refresh once, then `AuthBlocked`).
- 429 (per-minute, daily or concurrency limit; `Retry-After` honoured) and 5xx: retriable.
- Anything else (400 validation, 404, a non-zero code in a 200): fatal with Zoho's code and message.
  Code 1001 ("already exists") is how a repeated create with our own number shows up.
"""

from __future__ import annotations

from typing import Any

import httpx

from sellerledger.amazon.errors import retry_after_seconds
from sellerledger.jsonutil import loads
from sellerledger.ledgers.errors import FatalError, LedgerError, RetriableError
from sellerledger.ledgers.http import TokenRefused, describe_body

LEDGER = "zoho"
NOT_AUTHORIZED = 57
DUPLICATE = "1001"


def envelope(response: httpx.Response) -> dict[str, Any]:
    try:
        body = loads(response.content) if response.content else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def classify(operation: str, response: httpx.Response) -> LedgerError | None:
    status = response.status_code
    body = envelope(response)
    code = body.get("code")
    if status < 400 and code in (0, None) and "html" not in response.headers.get("content-type", ""):
        return None
    text = f"code {code}: {body.get('message')}" if code not in (None, "") else describe_body(response)
    message = f"{LEDGER} {operation}: HTTP {status} {text}"
    common: dict[str, Any] = {"ledger": LEDGER, "operation": operation, "status": status,
                              "code": None if code is None else str(code)}
    if status == 401 or code == NOT_AUTHORIZED:
        return TokenRefused(message, **common)
    if status == 429 or status >= 500:
        return RetriableError(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                              **common)
    return FatalError(message, **common)
