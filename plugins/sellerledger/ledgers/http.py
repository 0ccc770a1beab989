"""The ledger HTTP layer: pacing, retries, one token refresh, and error classification per ledger.

Per attempt: wait for the tenant's rate-limit token (a shared `BucketStore` paces every worker), add the
auth headers, send with explicit timeouts, and classify the answer with the ledger's own `classify`
(MYOB's 403 RateLimitError, QBO's Fault in a 200, Wave's GraphQL errors in a 200, Zoho's non-zero `code`).
Retriable failures are retried with jittered back-off honouring Retry-After; a refused access token is
refreshed once, a second refusal is `AuthBlocked`. JSON is parsed with `parse_float=Decimal`. Requests
are counted per operation and status for the run report and the benchmarks. Nothing logs a header.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from sellerledger import tls
from sellerledger.amazon.errors import retry_after_seconds
from sellerledger.amazon.http import RetryPolicy
from sellerledger.amazon.ratelimit import RateLimiter
from sellerledger.jsonutil import dumps, loads
from sellerledger.ledgers.errors import AuthBlocked, FatalError, LedgerError, RetriableError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
Classifier = Callable[[str, httpx.Response], LedgerError | None]


class TokenRefused(LedgerError):
    """The ledger refused the access token (401): refresh once, then it is `AuthBlocked`."""


def default_classify(ledger: str) -> Classifier:
    """HTTP-status classification most REST ledgers follow; ledger modules wrap it for their quirks."""

    def classify(operation: str, response: httpx.Response) -> LedgerError | None:
        status = response.status_code
        if status < 400:
            return None
        detail = describe_body(response)
        message = f"{ledger} {operation}: HTTP {status} {detail}"
        if status == 401:
            return TokenRefused(message, ledger=ledger, operation=operation, status=status)
        if status == 429 or status >= 500:
            return RetriableError(message, ledger=ledger, operation=operation, status=status,
                                  retry_after=retry_after_seconds(response.headers.get("Retry-After")))
        return FatalError(message, ledger=ledger, operation=operation, status=status)

    return classify


def describe_body(response: httpx.Response, limit: int = 500) -> str:
    """A short, header-free description of an error body (JSON as text, HTML reduced to its type)."""
    content_type = response.headers.get("content-type", "")
    if "html" in content_type:
        return f"(an HTML page of {len(response.content)} bytes: a proxy or gateway error)"
    text = response.text.strip().replace("\n", " ")
    return text[:limit] if text else "(empty body)"


class LedgerHttp:
    """Sends one ledger tenant's requests."""

    def __init__(
        self,
        ledger: str,
        base_url: str,
        *,
        auth_headers: Callable[[], Mapping[str, str]],
        refresh: Callable[[], None],
        classify: Classifier | None = None,
        limiter: RateLimiter | None = None,
        limit_key: str = "calls",
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        self.ledger = ledger
        self.base_url = base_url.rstrip("/")
        self._auth_headers = auth_headers
        self._refresh = refresh
        self._classify = classify or default_classify(ledger)
        self.limiter = limiter
        self._limit_key = limit_key
        self.retry = retry or RetryPolicy()
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport, verify=tls.client_context())
        self._sleep = sleep
        self._rng = random.Random(seed)
        self.calls: Counter[tuple[str, int]] = Counter()

    def close(self) -> None:
        self._client.close()

    def calls_per_operation(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (operation, _), count in self.calls.items():
            totals[operation] += count
        return dict(sorted(totals.items()))

    def count(self, status: int | None = None) -> int:
        return sum(n for (_, st), n in self.calls.items() if status is None or st == status)

    def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send `operation`, retrying transient failures; returns the successful response."""
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            if self.limiter is not None:
                self.limiter.acquire(self._limit_key)
            all_headers = {"Accept": "application/json", **self._auth_headers(), **(headers or {})}
            body = content
            if json_body is not None:
                body = dumps(json_body)
                all_headers.setdefault("Content-Type", "application/json")
            error: LedgerError | None
            try:
                response = self._client.request(method, path, params=params, content=body, headers=all_headers)
                response.read()
            except httpx.TransportError as exc:
                self.calls[(operation, 0)] += 1
                error = RetriableError(f"{self.ledger} {operation}: {type(exc).__name__}", ledger=self.ledger,
                                       operation=operation)
            else:
                self.calls[(operation, response.status_code)] += 1
                error = self._classify(operation, response)
                if error is None:
                    return response
                if isinstance(error, TokenRefused):
                    if refreshed:
                        raise AuthBlocked(f"{error}; refused again with a fresh token: re-authorise the connection",
                                          ledger=self.ledger, operation=operation, status=error.status) from None
                    self._refresh()
                    refreshed = True
                    attempt -= 1
                    continue
                if response.status_code == 429 and self.limiter is not None:
                    self.limiter.throttled(self._limit_key)
            if not isinstance(error, RetriableError) or attempt >= self.retry.max_attempts:
                raise error
            wait = self.retry.delay(attempt, error.retry_after, self._rng)
            log.warning("%s; attempt %d/%d, retrying in %.2fs", error, attempt, self.retry.max_attempts, wait)
            self._sleep(wait)

    def json(self, operation: str, method: str, path: str, **kwargs: Any) -> Any:
        """`request` and parse the JSON body (numbers with a fraction as Decimal)."""
        response = self.request(operation, method, path, **kwargs)
        return loads(response.content) if response.content else {}
