"""Plumbing the REST ledger clients share: pacing over several buckets, token headers that survive a
transient token-endpoint failure, back-off scaled for the sandbox clock, and the document facts renderers
read (order id, tracking number, the short tag every ledger reference carries).

Nothing here knows a particular ledger; `ledgers/<ledger>/` modules build on it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import unquote

from sellerledger.accounting.keys import short_key
from sellerledger.amazon.http import RetryPolicy
from sellerledger.amazon.ratelimit import RateLimiter
from sellerledger.ledgers.errors import RetriableError

if TYPE_CHECKING:
    from sellerledger.accounting.model import Document
    from sellerledger.ledgers.connection import LedgerConnection
    from sellerledger.ledgers.oauth import OAuthTokens

log = logging.getLogger(__name__)


class MultiLimiter:
    """Looks like one `RateLimiter` bucket to `LedgerHttp` but paces every call through several buckets
    (e.g. Xero's per-minute and per-day limits, shortest window first); `acquire_extra` meters what the
    ledger counts besides the request itself (QBO batch items)."""

    def __init__(self, limiter: RateLimiter, buckets: Sequence[str]) -> None:
        self.limiter = limiter
        self.buckets = tuple(buckets)

    def acquire(self, operation: str) -> float:
        return sum(self.limiter.acquire(bucket) for bucket in self.buckets)

    def acquire_extra(self, bucket: str, count: int = 1) -> float:
        return sum(self.limiter.acquire(bucket) for _ in range(max(0, count)))

    def throttled(self, operation: str) -> None:
        """A 429: the shortest window (the first bucket) is empty. Longer windows (a day's budget) are not
        drained: that would stall the client for hours; the ledger's Retry-After covers a day limit."""
        self.limiter.throttled(self.buckets[0])


def retry_policy(conn: LedgerConnection, max_attempts: int = 8) -> RetryPolicy:
    """Back-off for one connection: exponential steps shrink with the sandbox's `time_scale`; a
    `Retry-After` is honoured as sent (the ledger already says real seconds)."""
    scale = max(conn.time_scale, 1.0)
    return RetryPolicy(max_attempts=max_attempts, base_delay=0.5 / scale, max_delay=60.0)


def bearer_headers(tokens: OAuthTokens, extra: Mapping[str, str] | None = None, *, attempts: int = 5,
                   pause: float = 0.2, sleep: Callable[[float], None] = time.sleep) -> Callable[[], dict[str, str]]:
    """`Authorization: Bearer ...` (plus `extra`), refreshing the token when due. A transient failure
    of the token endpoint (5xx, 429, dropped connection) is retried here; a refused grant is not."""

    def headers() -> dict[str, str]:
        for attempt in range(1, attempts + 1):
            try:
                token = tokens.access_token()
                break
            except RetriableError as exc:
                if attempt == attempts:
                    raise
                log.warning("%s; token refresh attempt %d/%d", exc, attempt, attempts)
                sleep(pause * attempt)
        return {"Authorization": f"Bearer {token}", **(extra or {})}

    return headers


# ----------------------------------------------------------------------------------------- document facts
def tag(identity: str, length: int = 12) -> str:
    """The short, stable tag of a logical document (its identity, not its version): every reference a
    ledger holds for the document carries it, so a lost response can be found again."""
    return "SL-" + short_key(identity, length)


def identity_fields(identity: str) -> dict[str, str]:
    """flow, settlement, marketplace, part, kind and ref of a document identity (percent-decoded)."""
    parts = identity.split("/")
    if len(parts) != 7 or parts[0] != "sl1":
        raise ValueError(f"not a document identity: {identity!r}")
    names = ("flow", "settlement", "marketplace", "part", "kind", "ref")
    return {name: ("" if value == "-" else unquote(value)) for name, value in zip(names, parts[1:], strict=True)}


def meta(document: Document, name: str) -> str | None:
    """A fact from `Document.meta` (e.g. `order_id`, `tracking_number`, `customer_name`)."""
    return next((value for key, value in document.meta if key == name and value), None)


def order_id(document: Document) -> str:
    return meta(document, "order_id") or document.ref.split("~")[0]


@dataclass(frozen=True)
class AccountAmount:
    """A signed amount on one account with its tax code and tracking, for diffs and read-back."""

    account: str
    tax_code: str
    tracking: tuple[tuple[str, str], ...]
    amount: Decimal


def net_by_account(items: Sequence[AccountAmount]) -> dict[tuple[str, str, tuple[tuple[str, str], ...]], Decimal]:
    totals: dict[tuple[str, str, tuple[tuple[str, str], ...]], Decimal] = {}
    for item in items:
        key = (item.account, item.tax_code, item.tracking)
        totals[key] = totals.get(key, Decimal("0")) + item.amount
    return {key: value for key, value in totals.items() if value != 0}
