"""How Xero says no, mapped onto the one error taxonomy.

- 401 (expired or invalid access token): refresh once, then `AuthBlocked`.
- 403 (the tenant is not connected to this app, or a scope is missing): `AuthBlocked`; a new token will
  not help, the connection must be re-authorised.
- 429 with `X-Rate-Limit-Problem` (minute / day / concurrent / appminute) and `Retry-After`: retriable.
- 5xx (503 is an outage): retriable.
- 400 `ValidationException` with the elements' `ValidationErrors`: fatal, with Xero's own messages.
Per-element errors inside a 200 (`summarizeErrors=false`) are read by the client, element by element.
"""

from __future__ import annotations

from typing import Any

import httpx

from sellerledger.amazon.errors import retry_after_seconds
from sellerledger.jsonutil import loads
from sellerledger.ledgers.errors import AuthBlocked, FatalError, LedgerError, RetriableError
from sellerledger.ledgers.http import TokenRefused, describe_body

LEDGER = "xero"


def element_errors(element: dict[str, Any]) -> list[str]:
    """The validation messages of one returned element (empty when it was accepted)."""
    messages = [str(e.get("Message", "")) for e in element.get("ValidationErrors") or [] if isinstance(e, dict)]
    if element.get("HasErrors") and not messages:
        messages = ["Xero marked the element as having errors"]
    return messages


def _validation_detail(response: httpx.Response) -> str:
    try:
        body = loads(response.content)
    except ValueError:
        return describe_body(response)
    if not isinstance(body, dict):
        return describe_body(response)
    messages = [m for element in body.get("Elements") or [] if isinstance(element, dict)
                for m in element_errors(element)]
    head = str(body.get("Message") or body.get("Detail") or body.get("Title") or "")
    return "; ".join([head, *messages]) if messages else head or describe_body(response)


def classify(operation: str, response: httpx.Response) -> LedgerError | None:
    status = response.status_code
    if status < 400:
        return None
    where = f"{LEDGER} {operation}: HTTP {status}"
    if status == 401:
        return TokenRefused(f"{where} {describe_body(response, 200)}", ledger=LEDGER, operation=operation,
                            status=status)
    if status == 403:
        return AuthBlocked(f"{where}: the organisation is not connected to this app or a scope is missing",
                           ledger=LEDGER, operation=operation, status=status, code="403")
    if status == 429 or status >= 500:
        problem = response.headers.get("X-Rate-Limit-Problem")
        detail = f"rate limit ({problem})" if problem else describe_body(response, 200)
        return RetriableError(f"{where} {detail}", ledger=LEDGER, operation=operation, status=status,
                              code=problem, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    return FatalError(f"{where} {_validation_detail(response)}", ledger=LEDGER, operation=operation, status=status,
                      code=str(status))
