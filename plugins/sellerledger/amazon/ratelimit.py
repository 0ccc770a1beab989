"""Client-side token buckets per SP-API operation, so steady-state extraction never meets a 429.

Amazon limits each (selling partner, application, operation) with a bucket of `burst` requests refilled at
`rate` per second (`DEFAULT_LIMITS`, from the models). The client keeps the same bucket, slightly
conservative, and waits before sending instead of being throttled. `x-amzn-RateLimit-Limit`, when present,
updates the operation's rate; a 429 empties the bucket.

Buckets live in a `BucketStore`. `MemoryBucketStore` serves one process; a shared store (Postgres, Redis)
implements the same two methods atomically so several workers of one seller share one budget.

`time_scale` is for the sandbox, whose clock runs faster than real time: every rate is multiplied by it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OperationLimit:
    """`rate` requests per second, `burst` requests in hand."""

    rate: float
    burst: int


DEFAULT_LIMITS: dict[str, OperationLimit] = {
    "getOrders": OperationLimit(0.0167, 20),
    "getOrder": OperationLimit(0.5, 30),
    "getOrderItems": OperationLimit(0.5, 30),
    "searchOrders": OperationLimit(0.0056, 20),
    "getOrder2026": OperationLimit(0.5, 30),
    "listFinancialEventGroups": OperationLimit(0.5, 30),
    "listFinancialEventsByGroupId": OperationLimit(0.5, 30),
    "listFinancialEventsByOrderId": OperationLimit(0.5, 30),
    "listFinancialEvents": OperationLimit(0.5, 30),
    "getReports": OperationLimit(0.0222, 10),
    "createReport": OperationLimit(0.0167, 15),
    "getReport": OperationLimit(2.0, 15),
    "getReportDocument": OperationLimit(0.0167, 15),
    "getMarketplaceParticipations": OperationLimit(0.016, 15),
    "getListingsItem": OperationLimit(5.0, 10),
    "patchListingsItem": OperationLimit(5.0, 5),
    "getInventorySummaries": OperationLimit(2.0, 2),
    "createRestrictedDataToken": OperationLimit(1.0, 10),
}
FALLBACK_LIMIT = OperationLimit(0.5, 1)


class BucketStore(Protocol):
    """Where bucket levels live. Implementations must make `reserve` atomic per key."""

    def reserve(self, key: str, rate: float, burst: float, now: float) -> float:
        """Take one token from bucket `key` (full at first use), going into debt when empty.

        Returns the seconds the caller must wait before its request may go out (0 when a token was free).
        """
        ...

    def drain(self, key: str, now: float) -> None:
        """The server said the bucket is empty (429): forget any tokens believed to be left."""
        ...


class MemoryBucketStore:
    """Buckets in this process's memory (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._levels: dict[str, tuple[float, float]] = {}

    def reserve(self, key: str, rate: float, burst: float, now: float) -> float:
        with self._lock:
            tokens, updated = self._levels.get(key, (burst, now))
            tokens = min(burst, tokens + max(0.0, now - updated) * rate) - 1.0
            self._levels[key] = (tokens, now)
        return 0.0 if tokens >= 0 else -tokens / rate

    def drain(self, key: str, now: float) -> None:
        with self._lock:
            tokens, updated = self._levels.get(key, (0.0, now))
            self._levels[key] = (min(tokens, 0.0), max(updated, now))


class RateLimiter:
    """Paces requests per operation. `acquire(op)` blocks until the request may be sent."""

    def __init__(
        self,
        limits: dict[str, OperationLimit] | None = None,
        *,
        store: BucketStore | None = None,
        key_prefix: str = "",
        time_scale: float = 1.0,
        rate_margin: float = 0.9,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self._store = store or MemoryBucketStore()
        self._prefix = key_prefix
        self._scale = time_scale
        self._margin = rate_margin
        self._clock = clock
        self._sleep = sleep
        self.waited: dict[str, float] = {}

    def limit(self, operation: str) -> OperationLimit:
        return self._limits.get(operation, FALLBACK_LIMIT)

    def effective(self, operation: str) -> tuple[float, float]:
        """(rate per real second, burst) the client uses: a margin under the documented limit."""
        lim = self.limit(operation)
        return lim.rate * self._scale * self._margin, max(1.0, lim.burst - 1.0)

    def _key(self, operation: str) -> str:
        return f"{self._prefix}:{operation}" if self._prefix else operation

    def acquire(self, operation: str) -> float:
        """Reserve a token for `operation`, sleeping until it is due; returns the seconds slept."""
        rate, burst = self.effective(operation)
        wait = self._store.reserve(self._key(operation), rate, burst, self._clock())
        if wait > 0:
            self._sleep(wait)
            self.waited[operation] = self.waited.get(operation, 0.0) + wait
        return wait

    def throttled(self, operation: str) -> None:
        """A 429 came back: the server's bucket is empty, so ours is too."""
        self._store.drain(self._key(operation), self._clock())

    def observe(self, operation: str, header_value: str | None) -> None:
        """Adopt the rate in an `x-amzn-RateLimit-Limit` header (requests per second), if present and sane."""
        if not header_value:
            return
        try:
            rate = float(header_value)
        except ValueError:
            return
        if not 0 < rate < 10_000:
            return
        current = self.limit(operation)
        if abs(current.rate - rate) > 1e-9:
            log.info("%s: rate limit %s req/s announced (was %s)", operation, rate, current.rate)
            self._limits[operation] = OperationLimit(rate, current.burst)
