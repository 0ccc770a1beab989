"""The SP-API HTTP layer: one method that sends a request the way every operation needs it sent.

Per attempt: wait for the operation's rate-limit token, attach the LWA access token (`x-amz-access-token`;
no SigV4), send with explicit timeouts, and classify the answer (`errors.classify_response`). Retriable
failures (429, 5xx, timeouts, dropped connections) are retried with jittered exponential back-off that
honours `Retry-After`; a refused token is refreshed once; anything else is raised. JSON is parsed with
`parse_float=Decimal`, so no amount ever passes through a float. Calls are counted per operation and
HTTP status for the run report. Log lines name the operation, status and request id, never a header.
"""

from __future__ import annotations

import json
import logging
import platform
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from sellerledger import tls
from sellerledger.amazon.errors import (
    PAGING_PARAMS,
    AmazonApiError,
    AuthBlocked,
    RetriableError,
    TokenRejected,
    classify_response,
    classify_transport,
)
from sellerledger.amazon.lwa import LwaTokenProvider
from sellerledger.amazon.ratelimit import RateLimiter

log = logging.getLogger(__name__)

USER_AGENT = f"sellerledger/0.1 (Language=Python/{platform.python_version()}; Platform={platform.system()})"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure."""

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        if retry_after is not None:
            return min(self.max_delay, retry_after) * (1.0 + rng.uniform(0.0, 0.1))
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


def loads(content: bytes) -> Any:
    """JSON with every non-integer number as `Decimal`."""
    return json.loads(content, parse_float=Decimal)


def dumps(value: Any) -> str:
    """JSON text with `Decimal` written as an exact JSON number (the inverse of `loads`)."""
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else "null"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, datetime):
        return json.dumps(value.isoformat())
    return json.dumps(value)


class SpApiHttp:
    """Sends SP-API requests for one seller and region."""

    def __init__(
        self,
        base_url: str,
        tokens: LwaTokenProvider,
        limiter: RateLimiter,
        *,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        user_agent: str = USER_AGENT,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        time_scale: float = 1.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport, headers={"user-agent": user_agent[:500]},
            verify=tls.client_context(),
        )
        self._downloads = httpx.Client(timeout=timeout, transport=transport, follow_redirects=True,
                                       verify=tls.client_context())
        self._sleep = sleep
        self._scale = time_scale
        self._rng = random.Random(seed)
        self.calls: Counter[tuple[str, int]] = Counter()  # (operation, HTTP status or 0 for no answer)

    def close(self) -> None:
        self._client.close()
        self._downloads.close()

    def calls_per_operation(self) -> dict[str, int]:
        """HTTP requests sent per operation (retries included)."""
        totals: Counter[str] = Counter()
        for (operation, _), count in self.calls.items():
            totals[operation] += count
        return dict(sorted(totals.items()))

    def throttled_per_operation(self) -> dict[str, int]:
        return {op: n for (op, status), n in sorted(self.calls.items()) if status == 429}

    def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        access_token: str | None = None,
    ) -> Any:
        """Send one operation (retrying transient failures) and return its parsed JSON body.

        `access_token` replaces the LWA token for this call (a Restricted Data Token)."""
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire(operation)
            token = access_token or self.tokens.access_token()
            headers = {
                "x-amz-access-token": token,
                "x-amz-date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
            }
            error: AmazonApiError
            try:
                content = None
                if json_body is not None:  # Decimal amounts as exact JSON numbers (httpx's json= refuses them)
                    content = dumps(json_body).encode()
                    headers["content-type"] = "application/json"
                response = self._client.request(
                    method, path, params=_query(params), content=content, headers=headers
                )
                content = response.read()
            except httpx.TransportError as exc:
                self.calls[(operation, 0)] += 1
                error = classify_transport(operation, exc)
            else:
                self.calls[(operation, response.status_code)] += 1
                self.limiter.observe(operation, response.headers.get("x-amzn-RateLimit-Limit"))
                if response.is_success:
                    try:
                        return loads(content) if content else {}
                    except ValueError:
                        error = RetriableError(
                            f"{operation}: HTTP {response.status_code} with a body that is not JSON",
                            operation=operation, status=response.status_code,
                        )
                else:
                    sent_token = bool(params) and any(key in PAGING_PARAMS for key in params or {})
                    error = classify_response(operation, response, sent_token=sent_token)
                    if isinstance(error, TokenRejected):
                        if refreshed:
                            raise AuthBlocked(
                                f"{error} even with a fresh access token; the seller must re-authorise the app",
                                operation=operation, status=error.status, code=error.code,
                                request_id=error.request_id,
                            ) from None
                        log.info("%s: access token refused; refreshing it once", operation)
                        self.tokens.invalidate(token)
                        refreshed = True
                        attempt -= 1
                        continue
                    if response.status_code == 429:
                        self.limiter.throttled(operation)
            if not isinstance(error, RetriableError) or attempt >= self.retry.max_attempts:
                raise error
            wait = self.retry.delay(attempt, error.retry_after, self._rng) / self._scale
            log.warning("%s; attempt %d/%d, retrying in %.2fs", error, attempt, self.retry.max_attempts, wait)
            self._sleep(wait)

    def download(self, operation: str, url: str) -> httpx.Response:
        """GET a presigned document URL (no SP-API token), retrying transient failures.

        Returns the response, successful or not, once it is not retriable; the caller decides what an
        expired URL means.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._downloads.get(url)
                response.read()
            except httpx.TransportError as exc:
                self.calls[(operation, 0)] += 1
                error = classify_transport(operation, exc)
            else:
                self.calls[(operation, response.status_code)] += 1
                if response.status_code < 500 and response.status_code != 429:
                    return response
                error = classify_response(operation, response)
            if not isinstance(error, RetriableError) or attempt >= self.retry.max_attempts:
                raise error
            self._sleep(self.retry.delay(attempt, error.retry_after, self._rng) / self._scale)


def _query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query parameters as strings: lists comma-joined (SP-API style), datetimes ISO-8601 UTC."""
    if not params:
        return None
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            out[key] = ",".join(str(item) for item in value)
        elif isinstance(value, datetime):
            out[key] = iso(value)
        else:
            out[key] = str(value)
    return out


def iso(value: datetime) -> str:
    """`2026-01-02T03:04:05Z` (UTC, no fractional seconds)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: SP-API times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | None) -> datetime | None:
    """An SP-API timestamp (`2020-02-05T13:56:00.363Z`, `...+00:00`, `2026-01-01 00:00:00 UTC`) as aware UTC."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
