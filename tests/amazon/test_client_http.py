"""The HTTP layer: token header, retries (429, 5xx, drops) with Retry-After, refresh on 403, error text."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from sellerledger.amazon.errors import AuthBlocked, FatalError, NextTokenExpired, RetriableError
from tests.amazon._spapi_fakes import (
    REFRESH,
    SECRET,
    FakeSpApi,
    Sleeps,
    json_response,
    make_client,
    throttled,
)

PATH = "/finances/v0/financialEventGroups"


def ok(request: httpx.Request) -> httpx.Response:
    return json_response(200, {"payload": {"FinancialEventGroupList": [
        {"FinancialEventGroupId": "g1", "OriginalTotal": {"CurrencyCode": "USD", "CurrencyAmount": 10.34}}]}})


def sequence(*answers: httpx.Response | Exception) -> object:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = queue.pop(0) if queue else None
        if isinstance(answer, Exception):
            raise answer
        return answer or ok(request)

    return handler


def call(client: object) -> object:
    return client.http.request("listFinancialEventGroups", "GET", PATH, params={"MaxResultsPerPage": 10})


def test_token_goes_in_x_amz_access_token_and_amounts_parse_as_decimal() -> None:
    fake = FakeSpApi()
    fake.route("GET", PATH, ok)
    with make_client(fake) as client:
        body = call(client)
    amount = body["payload"]["FinancialEventGroupList"][0]["OriginalTotal"]["CurrencyAmount"]
    assert amount == Decimal("10.34") and isinstance(amount, Decimal)
    request = fake.api_requests()[0]
    assert request.headers["x-amz-access-token"] in fake.valid_tokens
    assert "authorization" not in request.headers
    assert request.headers["user-agent"].startswith("sellerledger/")


def test_429_storm_is_retried_honouring_retry_after_and_drains_the_bucket() -> None:
    fake, sleeps = FakeSpApi(), Sleeps()
    storm = [throttled() for _ in range(3)]
    storm[1].headers["Retry-After"] = "0.04"
    fake.route("GET", PATH, sequence(*storm))  # type: ignore[arg-type]
    with make_client(fake, sleeps) as client:
        call(client)
        assert client.calls() == {"listFinancialEventGroups": 4}
        assert client.throttled() == {"listFinancialEventGroups": 3}
    assert any(0.04 <= s <= 0.05 for s in sleeps), sleeps  # Retry-After honoured (+ up to 10 % jitter)


@pytest.mark.parametrize("failure", [
    json_response(500, {"errors": [{"code": "InternalFailure", "message": "boom"}]}),
    json_response(503, {"errors": [{"code": "ServiceUnavailable", "message": "later"}]}),
    httpx.Response(502, content=b"<html>502 Bad Gateway</html>", headers={"content-type": "text/html"}),
    httpx.ConnectError("refused"),
    httpx.ReadTimeout("slow"),
    httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
])
def test_transient_failures_are_retried(failure: httpx.Response | Exception) -> None:
    fake = FakeSpApi()
    fake.route("GET", PATH, sequence(failure, failure))  # type: ignore[arg-type]
    with make_client(fake) as client:
        assert call(client)["payload"]["FinancialEventGroupList"][0]["FinancialEventGroupId"] == "g1"
        assert client.calls() == {"listFinancialEventGroups": 3}


def test_persistent_failure_gives_up_after_max_attempts_with_a_retriable_error() -> None:
    fake = FakeSpApi()
    fake.route("GET", PATH, lambda r: json_response(503, {"errors": [{"code": "X", "message": "down"}]}))
    with make_client(fake) as client, pytest.raises(RetriableError) as info:
        call(client)
    assert "HTTP 503" in str(info.value) and "req-1" in str(info.value)
    assert len(fake.api_requests()) == 5


def test_client_errors_are_fatal_name_the_request_id_and_leak_nothing() -> None:
    fake = FakeSpApi()
    fake.route("GET", PATH, lambda r: json_response(
        400, {"errors": [{"code": "InvalidInput", "message": "Date range is invalid.", "details": ""}]},
        headers={"x-amzn-RequestId": "abc-123"}))
    with make_client(fake) as client, pytest.raises(FatalError) as info:
        call(client)
    message = str(info.value)
    assert "InvalidInput" in message and "abc-123" in message and "listFinancialEventGroups" in message
    token = fake.api_requests()[0].headers["x-amz-access-token"]
    assert token not in message and SECRET not in message and REFRESH not in message
    assert len(fake.api_requests()) == 1


@pytest.mark.parametrize("message", [
    "We could not decode your NextToken. Possible reasons include: a transmission error.",
    "Token is not valid, token duration is 25 minutes.",
])
def test_a_refused_paging_token_is_classified_for_a_window_restart(message: str) -> None:
    fake = FakeSpApi()
    fake.route("GET", PATH, lambda r: json_response(400, {"errors": [{"code": "InvalidInput", "message": message}]}))
    with make_client(fake) as client:
        with pytest.raises(NextTokenExpired):
            client.http.request("listFinancialEventGroups", "GET", PATH, params={"NextToken": "abc"})
        with pytest.raises(FatalError) as info:  # the same answer without a token sent is a plain bad request
            call(client)
        assert not isinstance(info.value, NextTokenExpired)


def test_refused_token_is_refreshed_once() -> None:
    fake = FakeSpApi()
    fake.route("GET", PATH, ok)
    with make_client(fake) as client:
        call(client)
        fake.valid_tokens.clear()  # the server expired every token early
        call(client)
        assert fake.token_requests == 2
        assert len(fake.api_requests()) == 3


def test_a_token_refused_even_when_fresh_blocks_the_seller() -> None:
    fake = FakeSpApi()
    fake.route("GET", PATH, lambda r: json_response(403, {"errors": [{"code": "Unauthorized",
                                                                      "message": "Access denied"}]}))
    with make_client(fake) as client, pytest.raises(AuthBlocked) as info:
        call(client)
    assert "re-authorise" in str(info.value)
    assert fake.token_requests == 2


def test_rate_limit_header_updates_the_limiter() -> None:
    fake = FakeSpApi()
    fake.route("GET", PATH, lambda r: json_response(200, {"payload": {}}, {"x-amzn-RateLimit-Limit": "0.25"}))
    with make_client(fake) as client:
        call(client)
        assert client.limiter.limit("listFinancialEventGroups").rate == 0.25
