"""Rate-limit buckets in Postgres, so tasks on several workers share one budget per API and caller.

Implements the `BucketStore` protocol of `sellerledger.amazon.ratelimit` (also used by the ledger clients).
Each reservation is one atomic upsert that refills the bucket by the database clock (the same clock for
every worker, unlike each process's monotonic clock), takes a token, and returns the wait the caller owes.
"""

from __future__ import annotations

import threading

import psycopg

_RESERVE = """
INSERT INTO ops.rate_buckets AS b (bucket_key, tokens, updated_at)
VALUES (%(key)s, %(burst)s - 1, clock_timestamp())
ON CONFLICT (bucket_key) DO UPDATE SET
    tokens = LEAST(%(burst)s, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at))
                   * %(rate)s) - 1,
    updated_at = clock_timestamp()
RETURNING tokens
"""

_DRAIN = """
UPDATE ops.rate_buckets SET tokens = LEAST(tokens, 0), updated_at = clock_timestamp() WHERE bucket_key = %(key)s
"""


class PostgresBucketStore:
    """Buckets in `ops.rate_buckets`; one connection per store, guarded for use from several threads."""

    def __init__(self, db_url: str) -> None:
        self._url = db_url
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self._url, autocommit=True)
        return self._conn

    def reserve(self, key: str, rate: float, burst: float, now: float) -> float:
        """Take one token (going into debt when empty); returns the seconds to wait before sending."""
        with self._lock:
            tokens = self._connection().execute(_RESERVE, {"key": key, "rate": rate, "burst": burst}).fetchone()[0]
        return 0.0 if tokens >= 0 else -tokens / rate

    def drain(self, key: str, now: float) -> None:
        with self._lock:
            self._connection().execute(_DRAIN, {"key": key})

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
