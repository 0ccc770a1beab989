"""Xero's documented limits per organisation: 60 calls a minute, 5,000 a day, 5 in progress (and 10,000 a
minute per app), reported in X-*Limit-Remaining headers and refused with 429, X-Rate-Limit-Problem and
Retry-After; generic faults answered in Xero's own format."""

from __future__ import annotations

import threading

import httpx

from sellerledger.sandbox.server import SandboxServer
from tests.sandbox.ledgers.helpers import TIME_SCALE, Session, set_faults, wait_in_flight


def freeze(http: httpx.Client) -> None:
    """Virtual time almost stands still, so buckets do not refill while a test spends them."""
    http.post("/_sandbox/clock", json={"time_scale": 0.001}).raise_for_status()


def test_every_answer_reports_the_remaining_minute_day_and_app_calls(xero: Session) -> None:
    freeze(xero.http)
    headers = xero.get("Organisation").headers
    assert (headers["X-MinLimit-Remaining"], headers["X-DayLimit-Remaining"], headers["X-AppMinLimit-Remaining"]) \
        == ("59", "4999", "9999")


def test_the_61st_call_in_a_minute_is_429_minute_for_that_organisation_only(http: httpx.Client) -> None:
    first, second = Session(http, "xero", 0), Session(http, "xero", 1)
    freeze(http)
    statuses = [first.get("Organisation").status_code for _ in range(60)]
    throttled = first.get("Organisation")
    other = second.get("Organisation")
    assert (set(statuses), throttled.status_code, throttled.headers["X-Rate-Limit-Problem"],
            int(throttled.headers["Retry-After"]) >= 1, other.status_code) == ({200}, 429, "minute", True, 200)


def test_the_day_limit_of_5000_calls_answers_429_day(server: SandboxServer, xero: Session) -> None:
    freeze(xero.http)
    api = server.state.apis["xero"]
    day = next(w.limit for w in api.limits.windows if w.problem == "day")
    for _ in range(4999):  # as if 4,999 calls were made earlier today
        server.state.limiter.acquire("xero", "day", day, xero.tenant_id)
    last = xero.get("Organisation")
    over = xero.get("Organisation")
    assert (day.burst, last.status_code, last.headers["X-DayLimit-Remaining"], over.status_code,
            over.headers["X-Rate-Limit-Problem"]) == (5000, 200, "0", 429, "day")


def test_a_sixth_call_in_progress_is_429_concurrent(server: SandboxServer, xero: Session) -> None:
    set_faults(xero.http, {"api": "xero", "operation": "getOrganisations", "kind": "hold", "count": 5,
                           "params": {"seconds": 3.0}})
    results: list[int] = []

    def call() -> None:
        with httpx.Client(base_url=str(xero.http.base_url), timeout=10) as client:
            results.append(client.get(xero.path("Organisation"), headers=xero.headers()).status_code)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    wait_in_flight(server.state.apis["xero"].limits, xero.tenant_id, 5)
    sixth = xero.get("Organisation")
    for thread in threads:
        thread.join()
    assert (sorted(results), sixth.status_code, sixth.headers["X-Rate-Limit-Problem"]) == \
        ([200] * 5, 429, "concurrent")


def test_an_idempotent_replay_still_counts_against_the_limit(xero: Session) -> None:
    freeze(xero.http)
    body = {"Contacts": [{"Name": "Counted"}]}
    first = xero.put("Contacts", body, headers={"Idempotency-Key": "count-1"})
    replay = xero.put("Contacts", body, headers={"Idempotency-Key": "count-1"})
    assert int(first.headers["X-MinLimit-Remaining"]) - int(replay.headers["X-MinLimit-Remaining"]) == 1


def test_injected_throttles_and_outages_answer_in_xero_format(xero: Session) -> None:
    set_faults(xero.http, {"api": "xero", "operation": "getInvoices", "kind": "429", "count": 1,
                           "params": {"retry_after": TIME_SCALE * 5}},
               {"api": "xero", "operation": "getContacts", "kind": "503", "count": 1})
    throttled = xero.get("Invoices")
    unavailable = xero.get("Contacts")
    assert (throttled.status_code, throttled.headers["Retry-After"], throttled.headers["X-Rate-Limit-Problem"],
            unavailable.status_code, unavailable.json()["Status"]) == (429, "5", "minute", 503, 503)
