"""How QuickBooks Online says no, mapped onto the one error taxonomy.

Every error body is a `Fault` (`{"Fault": {"Error": [{Message, Detail, code, element}], "type": ...}}`),
and a Fault can come back with HTTP 200, so a 200 is read for one too (batch items carry their own and
are read by the client). Codes: 5010 stale SyncToken → `ConflictError` (refetch, retry); 3200 / 401 →
refresh once, then `AuthBlocked`; 3100 / 403 → `AuthBlocked`; 429 (ThrottleExceeded, no reliable
Retry-After) and 5xx → retriable; every other Fault → fatal with Intuit's code, message and detail.
"""

from __future__ import annotations

from typing import Any

import httpx

from sellerledger.amazon.errors import retry_after_seconds
from sellerledger.jsonutil import loads
from sellerledger.ledgers.errors import AuthBlocked, ConflictError, FatalError, LedgerError, RetriableError
from sellerledger.ledgers.http import TokenRefused, describe_body

LEDGER = "qbo"
STALE = "5010"
DUPLICATE_DOC_NUMBER = "6140"


def fault_of(body: Any) -> tuple[str, str] | None:
    """(code, text) of a Fault body, or None when the body holds none."""
    if not isinstance(body, dict) or not isinstance(body.get("Fault"), dict):
        return None
    errors = [e for e in body["Fault"].get("Error") or [] if isinstance(e, dict)]
    if not errors:
        return "", str(body["Fault"].get("type") or "Fault")
    first = errors[0]
    text = "; ".join(f"{e.get('code')} {e.get('Message')}: {e.get('Detail')}" for e in errors)
    return str(first.get("code") or ""), text


def fault_error(operation: str, code: str, text: str, status: int | None = None) -> LedgerError:
    message = f"{LEDGER} {operation}: " + (f"HTTP {status} " if status else "") + f"Fault {text}"
    if code == STALE:
        return ConflictError(message, ledger=LEDGER, operation=operation, status=status, code=code)
    return FatalError(message, ledger=LEDGER, operation=operation, status=status, code=code)


def classify(operation: str, response: httpx.Response) -> LedgerError | None:
    status = response.status_code
    tid = response.headers.get("intuit_tid")
    where = f"{LEDGER} {operation}: HTTP {status}" + (f" (intuit_tid {tid})" if tid else "")
    if status < 400:
        if b'"Fault"' not in response.content[:64]:
            return None
        try:
            found = fault_of(loads(response.content))
        except ValueError:
            return None
        return None if found is None else fault_error(operation, found[0], found[1])
    if status == 401:
        return TokenRefused(f"{where} {describe_body(response, 200)}", ledger=LEDGER, operation=operation,
                            status=status)
    if status == 403:
        return AuthBlocked(f"{where}: the app is not authorised for this company (3100)", ledger=LEDGER,
                           operation=operation, status=status, code="3100")
    if status == 429 or status >= 500:
        return RetriableError(f"{where} {describe_body(response, 200)}", ledger=LEDGER, operation=operation,
                              status=status, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    try:
        found = fault_of(loads(response.content))
    except ValueError:
        found = None
    if found is None:
        return FatalError(f"{where} {describe_body(response)}", ledger=LEDGER, operation=operation, status=status)
    return fault_error(operation, found[0], found[1], status)
