"""Client-side token buckets: burst, pacing, header adaptation, 429 drain, time scale, pluggable store."""

from __future__ import annotations

import pytest

from sellerledger.amazon.ratelimit import MemoryBucketStore, OperationLimit, RateLimiter


class Clock:
    """Time that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(clock: Clock, **kwargs: object) -> RateLimiter:
    return RateLimiter({"op": OperationLimit(rate=0.5, burst=4)}, clock=clock, sleep=clock.sleep,
                       **kwargs)  # type: ignore[arg-type]


def test_burst_then_paced_below_the_documented_rate() -> None:
    clock = Clock()
    lim = limiter(clock)
    for _ in range(3):  # burst 4, one kept in reserve
        assert lim.acquire("op") == 0.0
    for _ in range(5):
        lim.acquire("op")
    # effective rate 0.5 * 0.9 = 0.45/s: each extra call waits 1/0.45 s
    assert clock.slept == pytest.approx([1 / 0.45] * 5)
    sent = 8
    # the server's bucket (rate 0.5, burst 4) would hold 4 + 0.5 * elapsed tokens: never exceeded
    assert sent <= 4 + 0.5 * clock.now


def test_steady_state_never_overdraws_the_server_bucket() -> None:
    clock = Clock()
    lim = limiter(clock)
    server_tokens, last = 4.0, 0.0
    for _ in range(200):
        lim.acquire("op")
        server_tokens = min(4.0, server_tokens + (clock.now - last) * 0.5)
        last = clock.now
        assert server_tokens >= 1.0, "the server would answer 429"
        server_tokens -= 1.0


def test_rate_header_is_adopted() -> None:
    clock = Clock()
    lim = limiter(clock)
    lim.observe("op", "2.0")
    assert lim.limit("op") == OperationLimit(2.0, 4)
    lim.observe("op", "not a number")
    lim.observe("op", None)
    assert lim.limit("op").rate == 2.0


def test_a_429_empties_the_bucket() -> None:
    clock = Clock()
    lim = limiter(clock)
    lim.acquire("op")
    lim.throttled("op")
    lim.acquire("op")
    assert clock.slept == pytest.approx([1 / 0.45])


def test_time_scale_multiplies_rates() -> None:
    clock = Clock()
    lim = limiter(clock, time_scale=100.0)
    for _ in range(4):
        lim.acquire("op")
    assert clock.slept == pytest.approx([1 / 45.0])


def test_operations_and_prefixes_have_separate_buckets_in_a_shared_store() -> None:
    clock = Clock()
    store = MemoryBucketStore()
    a = limiter(clock, store=store, key_prefix="seller-a")
    b = limiter(clock, store=store, key_prefix="seller-b")
    for _ in range(3):
        a.acquire("op")
        b.acquire("op")
    assert clock.slept == []
    a2 = limiter(clock, store=store, key_prefix="seller-a")  # another worker of seller A shares its budget
    a2.acquire("op")
    assert len(clock.slept) == 1


def test_a_custom_store_sees_every_reservation() -> None:
    class Recording:
        def __init__(self) -> None:
            self.calls: list[tuple[str, float, float]] = []

        def reserve(self, key: str, rate: float, burst: float, now: float) -> float:
            self.calls.append((key, rate, burst))
            return 0.0

        def drain(self, key: str, now: float) -> None:
            self.calls.append((key, -1.0, -1.0))

    clock, store = Clock(), Recording()
    lim = limiter(clock, store=store, key_prefix="s")
    lim.acquire("op")
    lim.throttled("op")
    assert store.calls == [("s:op", pytest.approx(0.45), 3.0), ("s:op", -1.0, -1.0)]
