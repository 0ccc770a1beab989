"""Create a document in a ledger that has no idempotency key, without ever creating it twice.

A POST that fails with a 5xx, a timeout or a dropped connection may still have been committed. So the
request goes out once per attempt (the HTTP layer must not retry it by itself), and after a failure
that could hide a commit the ledger is searched by our reference before the next attempt. A throttle
answer (HTTP 429, MYOB's 403 `RateLimitError`) was refused before it ran: retried without the search.
A "duplicate number" refusal means an earlier attempt got through: the search finds it.

MYOB (every document) and Zoho Books (journals, credit notes, contacts) use this.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sellerledger.amazon.http import RetryPolicy
from sellerledger.ledgers.errors import FatalError, RetriableError

log = logging.getLogger(__name__)

T = TypeVar("T")
THROTTLE_CODES = frozenset({"RateLimitError", "429"})


def was_refused_unprocessed(error: RetriableError) -> bool:
    """A throttle answer: the ledger did not run the request."""
    return error.status == 429 or (error.code or "") in THROTTLE_CODES


def create_once(
    send: Callable[[], T],
    find: Callable[[], T | None],
    *,
    what: str,
    policy: RetryPolicy,
    duplicate: Callable[[FatalError], bool] = lambda error: False,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> tuple[T, bool]:
    """`(result, created)`: the new object from `send`, or `(found, False)` when an earlier attempt of this
    call committed it. Raises the last `RetriableError` when the attempts run out, a `FatalError` as is."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        attempt += 1
        try:
            return send(), True
        except RetriableError as error:
            if not was_refused_unprocessed(error):
                found = find()
                if found is not None:
                    log.info("%s: committed by an attempt whose answer was lost; not sent again", what)
                    return found, False
            if attempt >= policy.max_attempts:
                raise
            wait = policy.delay(attempt, error.retry_after, rng)
            log.warning("%s: %s; attempt %d/%d, retrying in %.2fs", what, error, attempt, policy.max_attempts, wait)
            sleep(wait)
        except FatalError as error:
            if not duplicate(error):
                raise
            found = find()
            if found is None:
                raise
            log.info("%s: the ledger already holds it (%s); not sent again", what, error)
            return found, False


def scaled_policy(time_scale: float, base: RetryPolicy | None = None) -> RetryPolicy:
    """Back-off for a ledger whose clock runs `time_scale` times faster (the sandbox); as is otherwise."""
    base = base or RetryPolicy()
    if time_scale <= 1:
        return base
    return RetryPolicy(max_attempts=base.max_attempts, base_delay=base.base_delay / time_scale,
                       max_delay=max(base.max_delay / time_scale, 0.05))
