"""How MYOB and Zoho Books answers are classified: throttles retriable (MYOB's 403 RateLimitError is never
a credentials problem), refused tokens refreshed, stale RowVersions conflicts, Zoho's non-zero codes
errors even inside a 200, and no header in any message."""

from __future__ import annotations

import json

import httpx

from sellerledger.ledgers.errors import AuthBlocked, ConflictError, FatalError, RetriableError
from sellerledger.ledgers.http import TokenRefused
from sellerledger.ledgers.myob.errors import classify as myob
from sellerledger.ledgers.zoho.errors import classify as zoho


def myob_answer(status: int, name: str, message: str = "m", details: str = "", **headers: str) -> httpx.Response:
    body = {"Errors": [{"Name": name, "Message": message, "AdditionalDetails": details, "ErrorCode": 1,
                        "Severity": "Error"}]}
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/json",
                                                                               **headers})


def zoho_answer(status: int, code: int, message: str = "m", **headers: str) -> httpx.Response:
    return httpx.Response(status, content=json.dumps({"code": code, "message": message}).encode(),
                          headers={"content-type": "application/json", **headers})


def test_myob_rate_limit_403_is_retriable_after_a_second_never_auth_blocked() -> None:
    error = myob("POST Sale/Invoice/Item", myob_answer(403, "RateLimitError",
                                                      "API key has exceeded the per-second rate limit"))
    assert type(error) is RetriableError and error.retry_after == 1.0 and error.code == "RateLimitError"
    daily = myob("GET x", myob_answer(403, "RateLimitError", "API key has exceeded the daily rate limit"))
    assert isinstance(daily, RetriableError) and daily.retry_after == 60.0


def test_myob_credentials_conflicts_and_failures() -> None:
    assert isinstance(myob("GET x", myob_answer(403, "AccessDenied", details="Header: Authorization")), AuthBlocked)
    assert isinstance(myob("GET x", myob_answer(403, "DeveloperInactive")), AuthBlocked)
    cf = myob("GET x", myob_answer(401, "AccessDenied", details="Header: x-myobapi-cftoken"))
    assert isinstance(cf, AuthBlocked) and "company file user" in str(cf)
    assert type(myob("GET x", myob_answer(401, "OAuthTokenIsInvalid"))) is TokenRefused
    stale = myob("PUT y", myob_answer(409, "IncorrectRowVersionSupplied"))
    assert isinstance(stale, ConflictError) and "IncorrectRowVersionSupplied" in str(stale)
    assert isinstance(myob("GET x", myob_answer(504, "GatewayTimeout")), RetriableError)
    bad = myob("POST z", myob_answer(400, "OutOfBalance", "debits 1, credits 2", "Lines"))
    assert type(bad) is FatalError and str(bad) == "myob POST z: HTTP 400 OutOfBalance: debits 1, credits 2 (Lines)"
    assert myob("GET x", httpx.Response(200, content=b"{}")) is None


def test_zoho_non_zero_codes_fail_even_in_a_200() -> None:
    assert zoho("GET /invoices", zoho_answer(200, 0, "success")) is None
    hidden = zoho("POST /journals", zoho_answer(200, 13011, "The journal is not balanced"))
    assert type(hidden) is FatalError and "13011" in str(hidden) and "not balanced" in str(hidden)
    duplicate = zoho("POST /creditnotes", zoho_answer(400, 1001, "Credit note number already exists."))
    assert isinstance(duplicate, FatalError) and duplicate.code == "1001"


def test_zoho_tokens_and_throttles() -> None:
    assert type(zoho("GET /x", zoho_answer(401, 57, "You are not authorized"))) is TokenRefused
    assert type(zoho("GET /x", zoho_answer(200, 57, "You are not authorized"))) is TokenRefused
    throttled = zoho("GET /x", zoho_answer(429, 45, "too many requests", **{"Retry-After": "7"}))
    assert isinstance(throttled, RetriableError) and throttled.retry_after == 7.0
    assert isinstance(zoho("GET /x", httpx.Response(502, content=b"<html>bad gateway</html>",
                                                    headers={"content-type": "text/html"})), RetriableError)
