"""Shared rate-limit buckets: several processes draw from one Postgres bucket and never exceed its rate."""

from __future__ import annotations

import multiprocessing
import time

from sellerledger.staging.rate_buckets import PostgresBucketStore


def _spend(url: str, n: int, out: multiprocessing.Queue) -> None:
    store = PostgresBucketStore(url)
    sent = []
    for _ in range(n):
        wait = store.reserve("xero:tenant-1:post", rate=20.0, burst=5, now=0.0)
        time.sleep(wait)
        sent.append(time.time())
    out.put(sent)


def test_burst_then_rate_shared_across_processes(fresh_db: str) -> None:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    workers = [multiprocessing.get_context("fork").Process(target=_spend, args=(fresh_db, 10, queue))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    stamps = sorted(t for _ in workers for t in queue.get(timeout=30))
    for worker in workers:
        worker.join(10)
    # 30 requests with a burst of 5 at 20/s need at least (30 - 5) / 20 = 1.25 s in all
    assert stamps[-1] - stamps[0] >= 1.25 * 0.95
    # and in any 1-second window no more than burst + rate requests went out
    worst = max(sum(1 for t in stamps if start <= t < start + 1.0) for start in stamps)
    assert worst <= 5 + 20 + 1


def test_first_calls_use_the_burst_without_waiting(fresh_db: str) -> None:
    store = PostgresBucketStore(fresh_db)
    waits = [store.reserve("k", rate=1.0, burst=3, now=0.0) for _ in range(4)]
    assert waits[:3] == [0.0, 0.0, 0.0] and 0.9 < waits[3] <= 1.0


def test_drain_after_a_429_makes_the_next_call_wait(fresh_db: str) -> None:
    store = PostgresBucketStore(fresh_db)
    assert store.reserve("k", rate=2.0, burst=10, now=0.0) == 0.0
    store.drain("k", now=0.0)
    assert store.reserve("k", rate=2.0, burst=10, now=0.0) > 0.4
