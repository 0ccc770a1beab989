"""LWA: refresh-token grant, caching for the token's hour, 120 s lead time, refresh on demand, no leaks."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from sellerledger.amazon.errors import AuthBlocked
from sellerledger.amazon.lwa import LwaCredentials, LwaTokenProvider
from tests.amazon._spapi_fakes import REFRESH, SECRET, FakeSpApi, Sleeps, json_response


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def provider(fake: FakeSpApi, clock: Clock, **kwargs: object) -> LwaTokenProvider:
    return LwaTokenProvider(
        LwaCredentials("amzn1.application-oa2-client.test", SECRET, REFRESH),
        token_url="https://lwa.test/auth/o2/token",
        client=httpx.Client(transport=httpx.MockTransport(fake)),
        clock=clock, sleep=Sleeps(), **kwargs,  # type: ignore[arg-type]
    )


def test_refresh_token_grant_is_form_encoded_without_scope() -> None:
    fake, clock = FakeSpApi(), Clock()
    token = provider(fake, clock).access_token()
    request = fake.requests[0]
    assert request.method == "POST"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert form == {"grant_type": "refresh_token", "refresh_token": REFRESH,
                    "client_id": "amzn1.application-oa2-client.test", "client_secret": SECRET}
    assert token in fake.valid_tokens


def test_token_is_cached_until_120_seconds_before_expiry() -> None:
    fake, clock = FakeSpApi(), Clock()
    lwa = provider(fake, clock)
    first = lwa.access_token()
    clock.now += 3600 - 121
    assert lwa.access_token() == first
    assert fake.token_requests == 1
    clock.now += 2  # now 119 s before expiry: inside the lead time
    second = lwa.access_token()
    assert second != first
    assert fake.token_requests == 2


def test_time_scale_shortens_lifetime_and_lead_time() -> None:
    fake, clock = FakeSpApi(), Clock()
    lwa = provider(fake, clock, time_scale=60.0)  # 3600 virtual s = 60 real s; lead 2 real s
    lwa.access_token()
    clock.now += 57.9
    lwa.access_token()
    assert fake.token_requests == 1
    clock.now += 0.2
    lwa.access_token()
    assert fake.token_requests == 2


def test_invalidate_forces_one_refresh_and_ignores_stale_tokens() -> None:
    fake, clock = FakeSpApi(), Clock()
    lwa = provider(fake, clock)
    first = lwa.access_token()
    lwa.invalidate("Atza|some-older-token")  # another thread already refreshed: keep the cached one
    assert lwa.access_token() == first
    lwa.invalidate(first)
    assert lwa.access_token() != first
    assert fake.token_requests == 2


@pytest.mark.parametrize(("status", "error"), [(400, "invalid_grant"), (401, "invalid_client")])
def test_refused_grant_blocks_the_seller_without_leaking_secrets(status: int, error: str) -> None:
    fake, clock = FakeSpApi(), Clock()
    # a hostile server echoing the secrets back must not get them into the message
    fake.lwa_handler = lambda request: json_response(
        status, {"error": error, "error_description": f"bad {SECRET} / {REFRESH}"})
    with pytest.raises(AuthBlocked) as info:
        provider(fake, clock).access_token()
    message = str(info.value)
    assert error in message
    assert SECRET not in message and REFRESH not in message
    assert fake.token_requests == 1  # not retried


def test_server_errors_are_retried() -> None:
    fake, clock = FakeSpApi(), Clock()
    answers = iter([json_response(503, {"error": "unavailable"}), None])

    def flaky(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        return answer or json_response(200, {"access_token": "Atza|ok", "expires_in": 3600})

    fake.lwa_handler = flaky
    assert provider(fake, clock).access_token() == "Atza|ok"
    assert fake.token_requests == 2


def test_credentials_repr_hides_secrets() -> None:
    text = repr(LwaCredentials("cid", SECRET, REFRESH))
    assert "cid" in text and SECRET not in text and REFRESH not in text
