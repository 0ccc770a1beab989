"""The REST clients' shared plumbing: pacing over several buckets, token headers that ride out a token
endpoint hiccup but not a refused grant, and document identities."""

from __future__ import annotations

import pytest

from sellerledger.amazon.ratelimit import MemoryBucketStore, OperationLimit, RateLimiter
from sellerledger.ledgers.errors import AuthBlocked, RetriableError
from sellerledger.ledgers.restkit import MultiLimiter, bearer_headers, identity_fields, tag


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(clock: Clock) -> MultiLimiter:
    limits = {"minute": OperationLimit(1.0, 60), "day": OperationLimit(5000 / 86400, 5000)}
    return MultiLimiter(RateLimiter(limits, store=MemoryBucketStore(), clock=lambda: clock.now, sleep=clock.sleep,
                                    rate_margin=1.0), ("minute", "day"))


def test_a_throttle_empties_the_minute_bucket_but_never_the_days_budget() -> None:
    clock = Clock()
    pacing = limiter(clock)
    for _ in range(10):
        pacing.acquire("calls")
    assert clock.slept == []
    pacing.throttled("calls")
    pacing.acquire("calls")
    assert clock.slept == [pytest.approx(1.0)]  # one minute-bucket token, not 17 s of the day's budget
    for _ in range(100):
        pacing.acquire("calls")
    assert sum(clock.slept) == pytest.approx(101.0)  # paced at 60 a minute, the day bucket never waited


def test_the_token_endpoint_hiccup_is_retried_a_refused_grant_is_not() -> None:
    class Tokens:
        def __init__(self, failures: list[Exception]) -> None:
            self.failures = failures

        def access_token(self) -> str:
            if self.failures:
                raise self.failures.pop(0)
            return "at-1"

    slept: list[float] = []
    headers = bearer_headers(Tokens([RetriableError("503"), RetriableError("429")]), {"xero-tenant-id": "t"},  # type: ignore[arg-type]
                             sleep=slept.append)
    assert headers() == {"Authorization": "Bearer at-1", "xero-tenant-id": "t"} and len(slept) == 2
    refused = bearer_headers(Tokens([AuthBlocked("invalid_grant")]), sleep=slept.append)  # type: ignore[arg-type]
    with pytest.raises(AuthBlocked):
        refused()
    assert len(slept) == 2


def test_identities_parse_and_tags_are_stable() -> None:
    identity = "sl1/demo-us/900/US/2026-07/credit_note/111-0000003-0000003~R3"
    assert identity_fields(identity) == {"flow": "demo-us", "settlement": "900", "marketplace": "US",
                                         "part": "2026-07", "kind": "credit_note", "ref": "111-0000003-0000003~R3"}
    assert tag(identity) == tag(identity) and tag(identity) != tag(identity.replace("R3", "R4"))
    assert len(tag(identity)) == 15
    with pytest.raises(ValueError):
        identity_fields("sl1/demo-us/900/v1")
