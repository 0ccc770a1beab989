"""NextToken paging: where tokens live, how they go back, loop detection, and window restarts."""

from __future__ import annotations

from typing import Any

import pytest

from sellerledger.amazon.errors import NextTokenExpired, PagingLoopError
from sellerledger.amazon.paging import (
    ORDERS_2026_TOKEN,
    PAYLOAD_NEXT_TOKEN,
    REPORTS_TOKEN,
    restart_window,
)


class Server:
    """Serves `pages` of a query; each page names the token of the next one."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.calls: list[dict[str, Any]] = []

    def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(params)
        return self.pages[len(self.calls) - 1]


def test_payload_next_token_repeats_the_query_with_the_token() -> None:
    server = Server([
        {"payload": {"Orders": [1], "NextToken": "t1"}},
        {"payload": {"Orders": [], "NextToken": "t2"}},  # empty page that still has a token
        {"payload": {"Orders": [3]}},
    ])
    pages = list(PAYLOAD_NEXT_TOKEN.pages(server, {"MarketplaceIds": "X", "LastUpdatedAfter": "a"}))
    assert [p["payload"]["Orders"] for p in pages] == [[1], [], [3]]
    assert server.calls == [
        {"MarketplaceIds": "X", "LastUpdatedAfter": "a"},
        {"MarketplaceIds": "X", "LastUpdatedAfter": "a", "NextToken": "t1"},
        {"MarketplaceIds": "X", "LastUpdatedAfter": "a", "NextToken": "t2"},
    ]


def test_reports_token_is_sent_alone() -> None:
    server = Server([{"reports": [1], "nextToken": "n1"}, {"reports": [2]}])
    list(REPORTS_TOKEN.pages(server, {"reportTypes": "T", "pageSize": 100}))
    assert server.calls[1] == {"nextToken": "n1"}


def test_orders_2026_token_goes_back_as_pagination_token() -> None:
    server = Server([{"orders": [], "pagination": {"nextToken": "p1"}}, {"orders": []}])
    list(ORDERS_2026_TOKEN.pages(server, {"lastUpdatedAfter": "a"}))
    assert server.calls[1] == {"lastUpdatedAfter": "a", "paginationToken": "p1"}


@pytest.mark.parametrize("tokens", [["t1", "t1"], ["t1", "t2", "t1"]])
def test_a_repeated_token_is_an_error_not_an_endless_loop(tokens: list[str]) -> None:
    server = Server([{"payload": {"NextToken": t}} for t in tokens] + [{"payload": {}}])
    with pytest.raises(PagingLoopError):
        list(PAYLOAD_NEXT_TOKEN.pages(server, {}))
    assert len(server.calls) == len(tokens)


def test_restart_window_reruns_after_an_expired_token_then_gives_up() -> None:
    attempts = []

    def run() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise NextTokenExpired("NextToken expired")
        return "done"

    assert restart_window(run, what="test", max_restarts=3) == "done"
    assert len(attempts) == 3

    def always() -> None:
        raise PagingLoopError("loop")

    with pytest.raises(PagingLoopError):
        restart_window(always, what="test", max_restarts=2)


def test_a_page_repeated_under_a_fresh_token_is_a_loop_but_empty_pages_are_not() -> None:
    server = Server([
        {"payload": {"FinancialEvents": {"ShipmentEventList": []}, "NextToken": "t1"}},
        {"payload": {"FinancialEvents": {"ShipmentEventList": []}, "NextToken": "t2"}},  # empty again: fine
        {"payload": {"FinancialEvents": {"ShipmentEventList": [{"a": 1}]}, "NextToken": "t3"}},
        {"payload": {"FinancialEvents": {"ShipmentEventList": [{"a": 1}]}, "NextToken": "t4"}},
    ])
    with pytest.raises(PagingLoopError, match="repeats the previous page"):
        list(PAYLOAD_NEXT_TOKEN.pages(server, {}))
    assert len(server.calls) == 4
