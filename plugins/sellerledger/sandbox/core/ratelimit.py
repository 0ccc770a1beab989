"""Token buckets per operation (and per caller), in virtual time, with the cost bookkeeping benchmarks read.

A bucket holds `burst` tokens and refills at `rate` tokens per virtual second. `min_seconds` is the least
virtual time the documented limits impose on the calls seen so far: calls beyond the burst, divided by
the rate. Benchmarks read it to say what an extraction costs against the real API.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sellerledger.sandbox.core.clock import VirtualClock


@dataclass(frozen=True)
class Limit:
    """A documented limit: `rate` requests per second with `burst` requests in hand."""

    rate: float
    burst: int

    @classmethod
    def per_minute(cls, count: int, burst: int | None = None) -> Limit:
        return cls(rate=count / 60.0, burst=burst if burst is not None else count)


@dataclass
class _Bucket:
    limit: Limit
    tokens: float
    updated: float
    calls: int = 0
    throttled: int = 0
    window_calls: list[float] = field(default_factory=list)


class RateLimiter:
    """Buckets keyed by (api, operation, caller); thread-safe."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self.enabled = True

    def acquire(self, api: str, operation: str, limit: Limit, caller: str = "") -> float:
        """Take a token; returns 0.0 when granted, else the virtual seconds until one is free."""
        now = self._clock.monotonic()
        key = (api, operation, caller)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(limit=limit, tokens=float(limit.burst), updated=now)
            bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.updated) * limit.rate)
            bucket.updated = now
            bucket.calls += 1
            if not self.enabled or bucket.tokens >= 1.0:
                if self.enabled:
                    bucket.tokens -= 1.0
                return 0.0
            bucket.throttled += 1
            return (1.0 - bucket.tokens) / limit.rate

    def remaining(self, api: str, operation: str, caller: str = "") -> int | None:
        """Whole tokens left in a bucket now (for `X-...-Remaining` headers); None if never used."""
        now = self._clock.monotonic()
        with self._lock:
            bucket = self._buckets.get((api, operation, caller))
            if bucket is None:
                return None
            tokens = min(float(bucket.limit.burst), bucket.tokens + (now - bucket.updated) * bucket.limit.rate)
            return int(tokens)

    def stats(self) -> list[dict[str, object]]:
        """Per bucket: calls, throttled calls, and the virtual seconds the limit imposes on those calls."""
        with self._lock:
            rows = []
            for (api, operation, caller), bucket in sorted(self._buckets.items()):
                granted = bucket.calls - bucket.throttled
                beyond_burst = max(0, granted - bucket.limit.burst)
                rows.append(
                    {
                        "api": api,
                        "operation": operation,
                        "caller": caller,
                        "rate": bucket.limit.rate,
                        "burst": bucket.limit.burst,
                        "calls": bucket.calls,
                        "throttled": bucket.throttled,
                        "min_seconds": beyond_burst / bucket.limit.rate,
                    }
                )
            return rows

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
