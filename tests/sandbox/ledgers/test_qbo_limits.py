"""QBO's documented throttles per realm: 500 requests a minute, 10 in progress, 40 batch calls a minute,
each batch item metered like a call; refused with 429 and the ThrottleExceeded Fault; outages in QBO's
own format."""

from __future__ import annotations

import threading

import httpx

from sellerledger.sandbox.server import SandboxServer
from tests.sandbox.ledgers.helpers import Session, set_faults, wait_in_flight


def freeze(http: httpx.Client) -> None:
    http.post("/_sandbox/clock", json={"time_scale": 0.001}).raise_for_status()


def test_the_501st_request_in_a_minute_is_429_throttle_exceeded(server: SandboxServer, qbo: Session) -> None:
    freeze(qbo.http)
    minute = server.state.apis["qbo"].limits.windows[0].limit
    for _ in range(499):  # as if 499 requests were made this minute
        server.state.limiter.acquire("qbo", "minute", minute, qbo.tenant_id)
    last = qbo.get("companyinfo/1")
    over = qbo.get("companyinfo/1")
    error = over.json()["Fault"]["Error"][0]
    assert (minute.burst, last.status_code, over.status_code, error["code"], "ThrottleExceeded" in error["Message"]) \
        == (500, 200, 429, "3001", True)


def test_an_eleventh_request_in_progress_is_429(server: SandboxServer, qbo: Session) -> None:
    set_faults(qbo.http, {"api": "qbo", "operation": "readCompanyInfo", "kind": "hold", "count": 10,
                          "params": {"seconds": 3.0}})
    results: list[int] = []

    def call() -> None:
        with httpx.Client(base_url=str(qbo.http.base_url), timeout=10) as client:
            results.append(client.get(qbo.path("companyinfo/1"), headers=qbo.headers()).status_code)

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    wait_in_flight(server.state.apis["qbo"].limits, qbo.tenant_id, 10)
    eleventh = qbo.get("companyinfo/1")
    for thread in threads:
        thread.join()
    assert (sorted(results), eleventh.status_code) == ([200] * 10, 429)


def test_each_batch_item_is_metered_like_a_request(server: SandboxServer, qbo: Session) -> None:
    freeze(qbo.http)
    items = [{"bId": str(n), "Query": "select count(*) from Item"} for n in range(30)]
    response = qbo.post("batch", {"BatchItemRequest": items})
    assert (response.status_code, server.state.limiter.remaining("qbo", "minute", qbo.tenant_id)) == (200, 470)


def test_the_41st_batch_in_a_minute_is_429(qbo: Session) -> None:
    freeze(qbo.http)
    body = {"BatchItemRequest": [{"bId": "1", "Query": "select count(*) from Item"}]}
    statuses = [qbo.post("batch", body).status_code for _ in range(40)]
    assert (set(statuses), qbo.post("batch", body).status_code) == ({200}, 429)


def test_injected_outages_answer_with_a_service_fault_and_intuit_tid(qbo: Session) -> None:
    set_faults(qbo.http, {"api": "qbo", "operation": "query", "kind": "503", "count": 1})
    response = qbo.get("query", params={"query": "select * from Item"})
    assert (response.status_code, response.json()["Fault"]["type"], bool(response.headers.get("intuit_tid"))) == \
        (503, "SERVICE", True)
