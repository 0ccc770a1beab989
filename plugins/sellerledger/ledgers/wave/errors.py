"""How Wave says no, mapped onto the one error taxonomy (notes §4.3).

Wave answers GraphQL errors with **HTTP 200**: a top-level `errors[{message, path, extensions{code}}]`
beside `data` whose fields are null. `classify` (given to `LedgerHttp`) looks inside every 200 body:
- `UNAUTHENTICATED` (expired, invalid or revoked access token): refresh once, then `AuthBlocked`;
- `FORBIDDEN` (a scope is missing): `AuthBlocked`, the connection must be re-authorised with the scope;
- a throttle (`TOO_MANY_REQUESTS`, `RATE_LIMITED`, ...) or `INTERNAL_SERVER_ERROR` / unavailable:
  retriable (a throttle was refused before it ran; an internal error may hide a commit);
- anything else (`NOT_FOUND`, `BAD_USER_INPUT`, `GRAPHQL_VALIDATION_FAILED`, ...): fatal.
A body where some root fields have data and others errors is a partial answer of a batched mutation:
`classify` lets it through and the caller reads it alias by alias (`alias_error`).
Transport statuses: 401 → refresh once; 403 → `AuthBlocked`; 429 / 5xx → retriable (Retry-After
honoured); 400 (an unparsable document) → fatal.

Mutation validation failures are not errors at all: `didSucceed: false` with
`inputErrors[{path, message, code}]`; `input_error` turns them into a `FatalError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from sellerledger.amazon.errors import retry_after_seconds
from sellerledger.jsonutil import loads
from sellerledger.ledgers.errors import AuthBlocked, FatalError, LedgerError, RetriableError
from sellerledger.ledgers.http import TokenRefused, describe_body

LEDGER = "wave"
THROTTLE_CODES = frozenset({"TOO_MANY_REQUESTS", "RATE_LIMITED", "THROTTLED", "RATE_LIMIT_EXCEEDED"})
TRANSIENT_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT", "GATEWAY_TIMEOUT"})
DUPLICATE_CODES = frozenset({"DUPLICATE", "ALREADY_EXISTS", "NOT_UNIQUE"})


def error_code(error: Mapping[str, Any]) -> str:
    extensions = error.get("extensions") or {}
    return str(extensions.get("code") or "") if isinstance(extensions, Mapping) else ""


def graphql_error(operation: str, error: Mapping[str, Any], *, status: int = 200,
                  retry_after: float | None = None) -> LedgerError:
    """One GraphQL error as the taxonomy's error (see the module docstring)."""
    code = error_code(error)
    message = str(error.get("message") or "(no message)")[:300]
    text = f"{LEDGER} {operation}: {code or 'ERROR'}: {message}"
    kwargs: dict[str, Any] = {"ledger": LEDGER, "operation": operation, "status": status, "code": code or None}
    if code == "UNAUTHENTICATED":
        return TokenRefused(text, **kwargs)
    if code == "FORBIDDEN":
        return AuthBlocked(f"{text} (re-authorise the connection with the scope named)", **kwargs)
    if code in THROTTLE_CODES or "RATE" in code:
        # a throttle was refused before it ran: report it as the 429 it is, so callers resend without a search
        return RetriableError(text, retry_after=retry_after, **{**kwargs, "status": 429})
    if code in TRANSIENT_CODES:
        return RetriableError(text, retry_after=retry_after, **kwargs)
    return FatalError(text, **kwargs)


def _body(response: httpx.Response) -> Any:
    try:
        return loads(response.content) if response.content else None
    except ValueError:
        return None


def classify(operation: str, response: httpx.Response) -> LedgerError | None:
    status = response.status_code
    body = _body(response)
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    errors = body.get("errors") if isinstance(body, dict) else None
    if status < 400:
        if not errors:
            return None
        data = body.get("data")
        if isinstance(data, dict) and any(value is not None for value in data.values()):
            return None  # a partial answer: read alias by alias
        return graphql_error(operation, errors[0], status=status, retry_after=retry_after)
    where = f"{LEDGER} {operation}: HTTP {status}"
    first = errors[0] if errors and isinstance(errors[0], dict) else None
    if status == 401:
        return TokenRefused(f"{where} {describe_body(response, 200)}", ledger=LEDGER, operation=operation,
                            status=status)
    if status == 403:
        return AuthBlocked(f"{where}: the token may not reach this business or lacks a scope; re-authorise",
                           ledger=LEDGER, operation=operation, status=status, code="403")
    if status == 429 or status >= 500:
        detail = f"{error_code(first)}: {first.get('message')}" if first else describe_body(response, 200)
        return RetriableError(f"{where} {detail}", ledger=LEDGER, operation=operation, status=status,
                              code=error_code(first) if first else str(status), retry_after=retry_after)
    if first is not None:
        return graphql_error(operation, first, status=status)
    return FatalError(f"{where} {describe_body(response)}", ledger=LEDGER, operation=operation, status=status,
                      code=str(status))


def alias_error(operation: str, alias: str, errors: Sequence[Mapping[str, Any]]) -> LedgerError | None:
    """The error of one aliased root field of a batched document, if any."""
    for error in errors:
        path = error.get("path") or []
        if path and path[0] == alias:
            return graphql_error(operation, error)
    return None


def field_path(path: Sequence[Any] | None) -> str:
    """`["input", "lineItems", "0", "accountId"]` → `lineItems[0].accountId`."""
    out = ""
    for part in list(path or [])[1 if path and path[0] == "input" else 0:]:
        text = str(part)
        out += f"[{text}]" if text.isdigit() else (f".{text}" if out else text)
    return out or "input"


def input_error(operation: str, what: str, input_errors: Sequence[Mapping[str, Any]]) -> FatalError:
    """`didSucceed: false` as a `FatalError` naming each refused field with Wave's message."""
    parts = [f"{field_path(e.get('path'))}: {e.get('message')}" + (f" ({e.get('code')})" if e.get("code") else "")
             for e in input_errors] or ["Wave refused the input without saying why"]
    code = str(input_errors[0].get("code") or "") if input_errors else ""
    return FatalError(f"{LEDGER} {operation} {what}: " + "; ".join(parts), ledger=LEDGER, operation=operation,
                      code=code or None)


def is_duplicate_external_id(input_errors: Sequence[Mapping[str, Any]]) -> bool:
    """Wave refused a money transaction because its externalId is already used: it is there already."""
    return any(field_path(e.get("path")) == "externalId" and (str(e.get("code") or "") in DUPLICATE_CODES
                                                               or "already" in str(e.get("message") or "").lower())
               for e in input_errors)
